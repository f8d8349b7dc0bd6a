// The contract's checks and compiled forms: what the server and the page both run.
import { describe, expect, it } from 'vitest';
import { positiveDuration } from '../src/contract/durations.js';
import { InputError } from '../src/contract/errors.js';
import { checkHeader, parseHeaderLines } from '../src/contract/headers.js';
import { prepareRequests, type PreparedRequest } from '../src/contract/requests.js';
import { parseTemplate, sampleText, type Template } from '../src/contract/templates.js';

const base = 'http://127.0.0.1:9/api';

function refusal(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

const journey = () => [
  { name: 'list', weight: 60, method: 'GET', url: `${base}/tasks?limit=10` },
  { name: 'create', weight: 25, method: 'POST', url: `${base}/tasks`, body: { title: 'task {{seq}}', status: 'pending' }, capture: { task_id: 'id' } },
  { name: 'finish', weight: 10, method: 'PUT', url: `${base}/tasks/{{task_id}}`, body: { status: 'done' } },
  { name: 'delete', weight: 5, method: 'DELETE', url: `${base}/tasks/{{take task_id}}` },
];

describe('requests: target and mixes', () => {
  it('a target is a list of one named "default" with weight 1', () => {
    const [r, ...rest] = prepareRequests({ target: { url: `${base}/ping` } });
    expect(rest).toEqual([]);
    expect(r).toMatchObject({ name: 'default', weight: 1, method: 'GET', origin: 'http://127.0.0.1:9', path: '/api/ping', capture: [], needs: [] });
  });

  it('compiles the journey: templates in path and JSON body, captures, needs', () => {
    const [list, create, finish, del] = prepareRequests({ requests: journey() }) as PreparedRequest[];
    expect(list?.path).toBe('/api/tasks?limit=10');
    expect(create?.body).toEqual({ parts: ['{"title":"task ', { op: 'seq' }, '","status":"pending"}'], escape: 'json' });
    expect(create?.headers).toEqual([['content-type', 'application/json']]);
    expect(create?.capture).toEqual([{ name: 'task_id', path: ['id'] }]);
    expect(finish?.path).toEqual({ parts: ['/api/tasks/', { op: 'var', name: 'task_id' }], escape: 'url' });
    expect(finish?.needs).toEqual([{ name: 'task_id', count: 1 }]);
    expect(del?.path).toEqual({ parts: ['/api/tasks/', { op: 'take', name: 'task_id' }], escape: 'url' });
    expect(del?.url).toBe(`${base}/tasks/{{take task_id}}`);
  });

  it('refuses bad input naming the field and the request', () => {
    const cases: Array<[string, (r: Array<Record<string, unknown>>) => unknown, string, RegExp]> = [
      ['an unknown name', (r) => ((r[2] as Record<string, unknown>).url = `${base}/tasks/{{taks_id}}`), 'requests[2].url', /request "finish".*unknown name "taks_id".*captured names: task_id/],
      ['an unknown keyword', (r) => ((r[1] as Record<string, unknown>).body = { title: '{{now}}' }), 'requests[1].body', /request "create".*unknown name "now"/],
      ['rand_int A > B', (r) => ((r[0] as Record<string, unknown>).url = `${base}/x?n={{rand_int 9 1}}`), 'requests[0].url', /request "list".*A ≤ B/],
      ['an unclosed {{', (r) => ((r[0] as Record<string, unknown>).headers = { 'X-A': 'a {{seq' }), 'requests[0].headers', /request "list".*not closed/],
      ['a template in the host', (r) => ((r[0] as Record<string, unknown>).url = 'http://{{host}}/x'), 'requests[0].url', /not allowed in the scheme, host or port/],
      ['a template in the port', (r) => ((r[0] as Record<string, unknown>).url = 'http://127.0.0.1:{{seq}}/x'), 'requests[0].url', /not allowed in the scheme, host or port/],
      ['a template in the fragment', (r) => ((r[0] as Record<string, unknown>).url = `${base}/x#{{seq}}`), 'requests[0].url', /path and query only/],
      ['a duplicate name', (r) => ((r[3] as Record<string, unknown>).name = 'list'), 'requests[3].name', /"list" is already the name of requests\[0\]/],
      ['a bad name', (r) => ((r[1] as Record<string, unknown>).name = '1st'), 'requests[1].name', /letter or _/],
      ['weight 0', (r) => ((r[1] as Record<string, unknown>).weight = 0), 'requests[1].weight', /request "create".*above 0/],
      ['a capture path with an empty segment', (r) => ((r[1] as Record<string, unknown>).capture = { task_id: 'data..id' }), 'requests[1].capture.task_id', /dot path/],
      ['a capture named like a keyword', (r) => ((r[1] as Record<string, unknown>).capture = { take: 'id' }), 'requests[1].capture.take', /not a usable name/],
      ['a body with GET', (r) => ((r[0] as Record<string, unknown>).body = 'x'), 'requests[0].body', /request "list".*not allowed with GET/],
      ['a header the client owns', (r) => ((r[0] as Record<string, unknown>).headers = 'Connection: close'), 'requests[0].headers', /request "list".*managed by the load generator/],
    ];
    for (const [what, mutate, field, message] of cases) {
      const requests = journey() as Array<Record<string, unknown>>;
      mutate(requests);
      const err = refusal(() => prepareRequests({ requests }));
      expect(err.field, what).toBe(field);
      expect(err.message, what).toMatch(message);
      expect(err.statusCode, what).toBe(400);
    }
  });

  it('refuses lists it cannot run: empty, over 20, both forms, and requests that could never run', () => {
    expect(refusal(() => prepareRequests({ requests: [] })).field).toBe('requests');
    const many = Array.from({ length: 21 }, (_, i) => ({ name: `r${i}`, url: `${base}/${i}` }));
    expect(refusal(() => prepareRequests({ requests: many })).message).toMatch(/1 to 20/);
    expect(prepareRequests({ requests: many.slice(0, 20) })).toHaveLength(20);
    expect(refusal(() => prepareRequests({ target: { url: base }, requests: journey() })).message).toMatch(/either target .* or requests/);
    expect(refusal(() => prepareRequests({})).field).toBe('target');
    // Nothing runs first when every request needs a captured value.
    const allNeed = [
      { name: 'a', url: `${base}/{{x}}`, method: 'POST', capture: { x: 'id' } },
      { name: 'b', url: `${base}/{{take x}}` },
    ];
    expect(refusal(() => prepareRequests({ requests: allNeed })).message).toMatch(/none could run first/);
    // "b" needs y, which only "c" captures, and "c" needs y itself.
    const stuck = [
      { name: 'a', url: `${base}/a` },
      { name: 'b', url: `${base}/{{y}}` },
      { name: 'c', url: `${base}/c/{{y}}`, capture: { y: 'id' } },
    ];
    const err = refusal(() => prepareRequests({ requests: stuck }));
    expect(err.field).toBe('requests[1].url');
    expect(err.message).toMatch(/request "b".*can never run/);
  });

  it('JSON bodies escape expanded values; string bodies keep their text; the content type follows a sample', () => {
    const [json, text, raw] = prepareRequests({
      requests: [
        { name: 'json', method: 'POST', url: base, body: { note: 'say "{{pick a"b|c}}"' } },
        { name: 'text', method: 'POST', url: base, body: 'id={{seq}}' },
        { name: 'raw', method: 'POST', url: base, body: '{"n": {{rand_int 1 9}}}' },
      ],
    }) as PreparedRequest[];
    expect(json?.body).toEqual({ parts: ['{"note":"say \\"', { op: 'pick', options: ['a"b', 'c'] }, '\\""}'], escape: 'json' });
    expect(text?.headers).toEqual([['content-type', 'text/plain; charset=utf-8']]);
    // {"n": 1} with a sample value: JSON, though the raw text is not.
    expect(raw?.headers).toEqual([['content-type', 'application/json']]);
  });

  it('counts the values one request needs: every take, plus one when it also reads the name', () => {
    const [, r] = prepareRequests({
      requests: [
        { name: 'make', method: 'POST', url: base, capture: { a: 'id' } },
        { name: 'use', method: 'POST', url: `${base}/{{take a}}/{{take a}}`, headers: { 'X-A': '{{a}}' } },
      ],
    }) as PreparedRequest[];
    expect(r?.needs).toEqual([{ name: 'a', count: 3 }]);
  });
});

describe('templates, headers, durations', () => {
  it('parses every template kind; sample text is valid where a value goes', () => {
    const known = new Set(['id']);
    const parts = parseTemplate('{{seq}}-{{ uuid }}-{{rand_int -5 5}}-{{pick x | y z}}-{{id}}-{{take id}}', known, 'f');
    expect(parts).toEqual([
      { op: 'seq' },
      '-',
      { op: 'uuid' },
      '-',
      { op: 'rand_int', min: -5, max: 5 },
      '-',
      { op: 'pick', options: ['x', 'y z'] },
      '-',
      { op: 'var', name: 'id' },
      '-',
      { op: 'take', name: 'id' },
    ]);
    const t: Template = { parts, escape: 'url' };
    expect(sampleText(t)).toBe('1-00000000-0000-4000-8000-000000000000--5-x-0-0');
  });

  it('header lines skip blanks and # comments; names are tokens; CR/LF and client-owned headers are refused', () => {
    expect(parseHeaderLines('# a comment\n\nX-A: 1\nX-B:  two words ')).toEqual([
      ['X-A', '1'],
      ['X-B', 'two words'],
    ]);
    expect(refusal(() => parseHeaderLines('X-A: 1\nbroken')).reason).toEqual({ code: 'header_line', line: 2 });
    expect(refusal(() => checkHeader('Bad Name', 'x')).reason).toEqual({ code: 'header_name' });
    expect(refusal(() => checkHeader('X-A', 'a\r\nInjected: 1')).reason).toEqual({ code: 'header_value' });
    expect(refusal(() => checkHeader('Content-Length', '3')).reason).toEqual({ code: 'header_forbidden', name: 'Content-Length' });
    expect(checkHeader('X-Num', 5)).toBe('5');
  });

  it('durations: seconds, units and sums; a positive value only', () => {
    expect(positiveDuration('1h30m', 'd')).toBe(5400);
    expect(positiveDuration('500ms', 'd')).toBe(0.5);
    expect(positiveDuration(2, 'd')).toBe(2);
    for (const bad of ['5 s', '0', 'soon', '', -1]) expect(refusal(() => positiveDuration(bad, 'duration')).field, String(bad)).toBe('duration');
  });
});
