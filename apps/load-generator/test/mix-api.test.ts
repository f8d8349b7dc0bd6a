// Mixes through the REST API: validation naming the request, presets, per-request metrics and reports.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@o11y/telemetry';
import { buildApp } from '../src/app.js';
import { testConfig } from '../src/config.js';
import type { PresetInfo, RunSummary, SeriesPoint } from '../src/contract/schemas.js';
import { startTarget, type TargetServer } from './target-server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'loadgen-mix-api-'));
const logger = createLogger({ name: 'load-generator-test', level: 'warn' });
let target: TargetServer;
let app: FastifyInstance;
const seenPaths: string[] = [];

beforeAll(async () => {
  // A todo API stand-in: login gives a token, POST /api/tasks an id, /fail always 503.
  let id = 0;
  target = await startTarget((req, res) => {
    seenPaths.push(`${req.method} ${req.url}`);
    res.setHeader('content-type', 'application/json');
    if (req.url === '/api/login') return res.end('{"token":"t"}');
    if (req.url === '/fail') {
      res.statusCode = 503;
      return res.end('{}');
    }
    if (req.method === 'POST') {
      res.statusCode = 201;
      return res.end(JSON.stringify({ id: `id-${++id}` }));
    }
    res.end('[]');
  });
  app = await buildApp(testConfig({ dataDir, maxRate: 1000, maxDuration: 600, todoApiUrl: target.url }), { logger });
});
afterAll(async () => {
  await app.close();
  await target.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });

async function finished(id: string): Promise<RunSummary> {
  return vi.waitFor(
    async () => {
      const s = (await app.inject(`/api/runs/${id}`)).json() as RunSummary;
      if (s.state === 'running') throw new Error(`run ${id} still running`);
      return s;
    },
    { timeout: 20_000, interval: 100 },
  );
}

const mix = () => [
  { name: 'list', weight: 3, url: `${target.url}/api/tasks` },
  { name: 'create', weight: 1, method: 'POST', url: `${target.url}/api/tasks`, body: { title: 'n {{seq}}' }, capture: { task_id: 'id' } },
  { name: 'finish', weight: 1, method: 'PUT', url: `${target.url}/api/tasks/{{task_id}}`, body: { status: 'done' } },
];

describe('POST /api/runs with requests', () => {
  it('400 naming the request and the field for bad templates and mixes', async () => {
    const cases: Array<[string, Array<Record<string, unknown>> | unknown, string, RegExp]> = [
      ['an unknown name', [...mix().slice(0, 2), { ...mix()[2], url: `${target.url}/api/tasks/{{task}}` }], 'requests[2].url', /"finish".*unknown name "task"/],
      ['an unknown name in a header', [mix()[0], { ...mix()[1], headers: { 'X-Id': '{{nope}}' } }], 'requests[1].headers', /"create".*unknown name "nope"/],
      ['a template in the host', [{ name: 'a', url: 'http://{{h}}:1/' }], 'requests[0].url', /host/],
      ['a duplicate name', [mix()[0], { ...mix()[1], name: 'list' }], 'requests[1].name', /unique/],
      ['no request that can run first', [{ name: 'a', url: `${target.url}/{{take x}}`, capture: { x: 'id' } }], 'requests', /none could run first/],
      ['more than 20 requests', Array.from({ length: 21 }, (_, i) => ({ name: `r${i}`, url: `${target.url}/` })), 'requests', /20/],
      ['a name missing', [{ url: `${target.url}/` }], 'requests.0.name', /name/],
    ];
    for (const [what, requests, field, message] of cases) {
      const res = await post('/api/runs', { requests, rate: 10, duration: 1 });
      expect(res.statusCode, what).toBe(400);
      const body = res.json() as { error: string; field: string };
      expect(body.field, what).toBe(field);
      expect(body.error, what).toMatch(message);
    }
    const both = await post('/api/runs', { target: { url: `${target.url}/` }, requests: mix(), rate: 10, duration: 1 });
    expect(both.json()).toMatchObject({ field: 'requests' });
  });

  it('403 for a request of the mix outside TARGET_ALLOWLIST; MAX_RATE bounds the whole run', async () => {
    const res = await post('/api/runs', { requests: [mix()[0], { name: 'away', url: 'http://example.com/x' }], rate: 10, duration: 1 });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ field: 'requests[1].url' });
    const fast = await post('/api/runs', { requests: mix(), rate: 1001, duration: 1 });
    expect(fast.statusCode).toBe(400);
    expect(fast.json()).toMatchObject({ field: 'rate' });
  });

  it('reports per request: summary, series, CSV and JSON, and the loadgen_* metrics by request', async () => {
    const res = await post('/api/runs', {
      requests: [
        { name: 'good', weight: 3, url: `${target.url}/good` },
        { name: 'bad', weight: 1, url: `${target.url}/fail` },
      ],
      rate: 80,
      duration: 2,
      seed: 17,
      profile: 'moderate',
    });
    expect(res.statusCode).toBe(201);
    const { id } = res.json() as { id: string };
    const s = await finished(id);
    const good = s.requests.good!;
    const bad = s.requests.bad!;
    expect(s.sent).toBe(80);
    expect(good.sent + bad.sent).toBe(80);
    expect(good.sent).toBeGreaterThan(45);
    expect(good).toMatchObject({ method: 'GET', url: `${target.url}/good`, weight: 3, ok: good.sent, failed: 0, dropped: 0, status_codes: { '200': good.sent } });
    expect(bad).toMatchObject({ ok: 0, failed: bad.sent, status_codes: { '503': bad.sent } });
    expect(s.failed).toBe(bad.sent);
    expect(Object.keys(good.latency)).toEqual(['p50', 'p90', 'p95', 'p99', 'p999', 'max']);

    const { points } = (await app.inject(`/api/runs/${id}/series`)).json() as { points: SeriesPoint[] };
    expect(points.reduce((n, p) => n + (p.requests.bad?.sent ?? 0), 0)).toBe(bad.sent);
    expect(points.every((p) => (p.requests.good?.sent ?? 0) + (p.requests.bad?.sent ?? 0) === p.sent)).toBe(true);

    const csv = (await app.inject(`/api/runs/${id}/report?format=csv`)).body.trim().split('\n');
    const header = (csv[0] as string).split(',');
    for (const c of ['requests.good.sent', 'requests.good.ok', 'requests.bad.failed', 'requests.bad.p99_ms']) expect(header).toContain(c);
    const rows = csv.slice(1).map((l) => l.split(',').map(Number));
    const col = (name: string) => rows.reduce((n, r) => n + (r[header.indexOf(name)] as number), 0);
    expect(col('requests.good.sent')).toBe(good.sent);
    expect(col('requests.bad.failed')).toBe(bad.failed);
    const json = (await app.inject(`/api/runs/${id}/report?format=json`)).json() as { summary: RunSummary; points: SeriesPoint[] };
    expect(json.summary.requests.bad?.failed).toBe(bad.failed);
    expect(json.points[0]?.requests.good).toBeDefined();

    const metrics = (await app.inject('/metrics')).body;
    const value = (re: RegExp) => Number(re.exec(metrics)?.[1]);
    expect(value(/^loadgen_requests_total\{profile="moderate",method="GET",status_class="2xx",request="good"\} (\d+)$/m)).toBe(good.ok);
    expect(value(/^loadgen_requests_total\{profile="moderate",method="GET",status_class="5xx",request="bad"\} (\d+)$/m)).toBe(bad.failed);
    expect(value(/^loadgen_requests_success_total\{profile="moderate",method="GET",request="good"\} (\d+)$/m)).toBe(good.ok);
    expect(value(/^loadgen_requests_fail_total\{profile="moderate",method="GET",request="bad"\} (\d+)$/m)).toBe(bad.failed);
    expect(metrics).not.toMatch(/loadgen_requests_success_total\{[^}]*request="bad"/);
    expect(value(/^loadgen_response_latency_seconds_count\{profile="moderate",method="GET",request="good"\} (\d+)$/m)).toBe(good.sent);
    expect(value(/^loadgen_service_latency_seconds_count\{profile="moderate",method="GET",request="bad"\} (\d+)$/m)).toBe(bad.sent);
  });
});

describe('presets', () => {
  it('GET /api/presets lists the todo journey on TODO_API_URL with the demo user', async () => {
    const list = (await app.inject('/api/presets')).json() as PresetInfo[];
    const journey = list.find((p) => p.id === 'todo-journey');
    expect(journey?.title.en).toBe('Todo user journey');
    expect(journey?.run.requests?.map((r) => [r.name, r.weight, r.method])).toEqual([
      ['list', 60, 'GET'],
      ['create', 25, 'POST'],
      ['finish', 10, 'PUT'],
      ['delete', 5, 'DELETE'],
    ]);
    expect(journey?.run.requests?.map((r) => r.url)).toEqual([`${target.url}/api/tasks?limit=10`, `${target.url}/api/tasks`, `${target.url}/api/tasks/{{task_id}}`, `${target.url}/api/tasks/{{take task_id}}`]);
    expect(journey?.run.requests?.[1]?.capture).toEqual({ task_id: 'id' });
    expect(journey?.run.requests?.map((r) => r.body ?? null)).toEqual([null, { title: 'task {{seq}}', status: 'pending' }, { status: 'done' }, null]);
    expect(journey?.run.auth).toEqual({ login_url: `${target.url}/api/login`, email: 'user@example.com', password: 'verysecret' });
    const doc = (await app.inject('/openapi.json')).json() as { paths: Record<string, unknown>; components?: unknown };
    expect(doc.paths).toHaveProperty(['/api/presets']);
  });

  it('POST /api/runs {preset} runs it with the overrides; an unknown preset is a 400', async () => {
    seenPaths.length = 0;
    const res = await post('/api/runs', { preset: 'todo-journey', rate: 40, duration: 2, profile: 'constant', seed: 3 });
    expect(res.statusCode).toBe(201);
    const s = await finished((res.json() as { id: string }).id);
    expect(s).toMatchObject({ state: 'finished', profile: 'constant', target_rate: 40, sent: 80, failed: 0 });
    expect(Object.keys(s.requests)).toEqual(['list', 'create', 'finish', 'delete']);
    expect(seenPaths[0]).toBe('POST /api/login');
    expect(seenPaths.filter((p) => p.startsWith('DELETE /api/tasks/id-')).length).toBe(s.requests.delete?.sent);
    const unknown = await post('/api/runs', { preset: 'nope', rate: 1, duration: 1 });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ field: 'preset' });
    expect((unknown.json() as { error: string }).error).toContain('todo-journey');
  });
});
