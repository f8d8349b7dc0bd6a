import { describe, expect, it } from 'vitest';
import { formatLogLine, formatPrefix, parseLogfmt, useColour } from '@o11y/launcher';

const plain = { enabled: false };
const colour = { enabled: true };

describe('formatLogLine', () => {
  it('shows a request log as level, method, route, status and duration', () => {
    const line = JSON.stringify({
      level: 'info',
      time: '2026-01-01T00:00:00.000Z',
      pid: 1,
      hostname: 'h',
      name: 'todo-api',
      trace_id: 'abc',
      span_id: 'def',
      method: 'GET',
      route: '/api/tasks/:id',
      path: '/api/tasks/42',
      status_code: 404,
      duration_ms: 3.25,
      msg: 'request',
    });
    expect(formatLogLine(plain, line, false)).toBe('INFO  GET /api/tasks/:id 404 3.25ms');
  });

  it('shows the raw path for unmatched routes', () => {
    const line = JSON.stringify({ level: 30, method: 'GET', route: 'unmatched', path: '/nope', status_code: 404, msg: 'request' });
    expect(formatLogLine(plain, line, false)).toBe('INFO  GET /nope 404');
  });

  it('shows other lines as level, message, error and the remaining fields', () => {
    const line = JSON.stringify({ level: 50, time: 1, msg: 'db failed', err: { type: 'Error', message: 'connection refused', code: 'ECONNREFUSED' }, table: 'tasks' });
    expect(formatLogLine(plain, line, false)).toBe('ERROR db failed Error: connection refused (ECONNREFUSED) table=tasks');
    expect(formatLogLine(plain, JSON.stringify({ level: 'warn', msg: 'slow', detail: 'two words' }), false)).toBe('WARN  slow detail="two words"');
  });

  it('shortens very long extra fields', () => {
    const out = formatLogLine(plain, JSON.stringify({ level: 'info', msg: 'm', blob: 'x'.repeat(1000) }), false);
    expect(out.length).toBeLessThan(200);
    expect(out.endsWith('…')).toBe(true);
  });

  it('compacts Prometheus and Alertmanager logfmt lines', () => {
    const line = 'ts=2026-01-01T00:00:00.000Z caller=main.go:1 level=info component=web msg="Server is ready to receive web requests."';
    expect(formatLogLine(plain, line, false)).toBe('INFO  Server is ready to receive web requests.');
    const err = 'ts=x caller=y level=error msg="Error loading config" err="open /x: no such file"';
    expect(formatLogLine(plain, err, false)).toBe('ERROR Error loading config open /x: no such file');
    expect(parseLogfmt('level=warn msg="a \\"quoted\\" word" n=3')).toEqual({ level: 'warn', msg: 'a "quoted" word', n: '3' });
  });

  it('passes other text through, and everything with --raw-logs', () => {
    expect(formatLogLine(plain, 'plain text from a child', false)).toBe('plain text from a child');
    expect(formatLogLine(plain, '{not json', false)).toBe('{not json');
    expect(formatLogLine(plain, '{"a":1}', false)).toBe('{"a":1}');
    const json = JSON.stringify({ level: 'info', msg: 'hello' });
    expect(formatLogLine(plain, json, true)).toBe(json);
  });

  it('colours levels and statuses only when enabled', () => {
    const line = JSON.stringify({ level: 'error', msg: 'boom' });
    expect(formatLogLine(colour, line, false)).toContain('\u001b[31m');
    expect(formatLogLine(plain, line, false)).not.toContain('\u001b[');
    expect(formatPrefix(plain, 'portal', 10, 'cyan')).toBe('portal     │ ');
    expect(formatPrefix(colour, 'portal', 10, 'cyan')).toContain('\u001b[36mportal');
  });
});

describe('useColour', () => {
  it('flag, then NO_COLOR, then FORCE_COLOR, then the terminal', () => {
    expect(useColour(true, { NO_COLOR: '1' }, false)).toBe(true);
    expect(useColour(false, {}, true)).toBe(false);
    expect(useColour(undefined, { NO_COLOR: '1' }, true)).toBe(false);
    expect(useColour(undefined, { FORCE_COLOR: '1' }, false)).toBe(true);
    expect(useColour(undefined, { FORCE_COLOR: '0' }, true)).toBe(false);
    expect(useColour(undefined, {}, true)).toBe(true);
    expect(useColour(undefined, {}, false)).toBe(false);
  });
});
