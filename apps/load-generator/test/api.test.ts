import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@o11y/telemetry';
import { histogramSeries, parseExposition, samplesOf, scrape, valueOf } from '../../../test/helpers/metrics.js';
import { buildApp } from '../src/app.js';
import { testConfig, type Config } from '../src/config.js';
import type { RunSummary, SeriesPoint } from '../src/contract/schemas.js';
import { startTarget, sleep, type TargetServer } from './target-server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'loadgen-api-'));
const logger = createLogger({ name: 'load-generator-test', level: 'warn' });
let target: TargetServer;
let app: FastifyInstance;

function make(overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  // Targets are local test servers on random ports: every port of 127.0.0.1 is allowed here.
  return buildApp(testConfig({ dataDir, allowlist: ['127.0.0.1'], ...overrides }), { logger });
}

beforeAll(async () => {
  target = await startTarget();
  app = await make({ maxRate: 1000, maxDuration: 600 });
});
afterAll(async () => {
  await app.close();
  await target.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (url: string, payload: unknown, a = app) => a.inject({ method: 'POST', url, payload: payload as object });

async function waitDone(id: string, a = app): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const s = (await a.inject(`/api/runs/${id}`)).json() as Record<string, unknown>;
    if (s.state !== 'running') return s;
    await sleep(100);
  }
  throw new Error('run did not end');
}

describe('POST /api/runs validation', () => {
  const good = () => ({ target: { method: 'GET', url: `${target.url}/x` }, rate: 10, duration: 1 });
  const cases: Array<[string, (b: Record<string, unknown>) => void, string]> = [
    ['no target', (b) => delete b.target, 'target'],
    ['no url', (b) => delete (b.target as Record<string, unknown>).url, 'target.url'],
    ['invalid url', (b) => ((b.target as Record<string, unknown>).url = 'not a url'), 'target.url'],
    ['ftp url', (b) => ((b.target as Record<string, unknown>).url = 'ftp://127.0.0.1/x'), 'target.url'],
    ['bad method', (b) => ((b.target as Record<string, unknown>).method = 'BREW'), 'target.method'],
    ['CR/LF in a header value', (b) => ((b.target as Record<string, unknown>).headers = { 'X-A': 'a\r\nInjected: 1' }), 'target.headers'],
    ['CR/LF in a header name', (b) => ((b.target as Record<string, unknown>).headers = { 'X-A\r\nB': 'a' }), 'target.headers'],
    ['a header line without a colon', (b) => ((b.target as Record<string, unknown>).headers = 'X-A 1'), 'target.headers'],
    ['body with GET', (b) => ((b.target as Record<string, unknown>).body = '{"a":1}'), 'target.body'],
    ['no rate', (b) => delete b.rate, 'rate'],
    ['rate 0', (b) => (b.rate = 0), 'rate'],
    ['negative rate', (b) => (b.rate = -5), 'rate'],
    ['rate not a number', (b) => (b.rate = 'fast'), 'rate'],
    ['rate over MAX_RATE', (b) => (b.rate = 1001), 'rate'],
    ['no duration', (b) => delete b.duration, 'duration'],
    ['bad duration', (b) => (b.duration = 'forever'), 'duration'],
    ['duration over MAX_DURATION', (b) => (b.duration = '11m'), 'duration'],
    ['unknown profile', (b) => (b.profile = 'sawtooth'), 'profile'],
    ['unknown profile option', (b) => ((b.profile = 'spiky'), (b.profile_options = { bogus: 1 })), 'profile_options.bogus'],
    ['bad profile option', (b) => ((b.profile = 'wave'), (b.profile_options = { period: 'often' })), 'profile_options.period'],
    ['bad timeout', (b) => (b.timeout = 'soon'), 'timeout'],
    ['bad max_in_flight', (b) => (b.max_in_flight = 0), 'max_in_flight'],
    ['bad seed', (b) => (b.seed = -1), 'seed'],
    ['bad auth.login_url', (b) => (b.auth = { login_url: 'nope', email: 'a@b.c', password: 'x' }), 'auth.login_url'],
    ['auth without email', (b) => (b.auth = { login_url: `${target.url}/login`, password: 'x' }), 'auth.email'],
  ];
  it.each(cases)('400 for %s, naming the field', async (_name, mutate, field) => {
    const body = good() as Record<string, unknown>;
    mutate(body);
    const res = await post('/api/runs', body);
    expect(res.statusCode).toBe(400);
    const json = res.json() as { error: string; field: string };
    expect(json.field).toBe(field);
    expect(json.error.length).toBeGreaterThan(5);
  });

  it('403 naming TARGET_ALLOWLIST for a host outside it (target and login URL)', async () => {
    const res = await post('/api/runs', { ...good(), target: { url: 'http://example.com/' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toContain('TARGET_ALLOWLIST');
    const res2 = await post('/api/runs', { ...good(), auth: { login_url: 'http://10.1.2.3/login', email: 'a@b.c', password: 'x' } });
    expect(res2.statusCode).toBe(403);
    expect(res2.json().error).toContain('TARGET_ALLOWLIST');
  });

  it('accepts Russian profile labels, "2m"-style durations and header lines', async () => {
    const res = await post('/api/runs', { target: { url: `${target.url}/ru`, headers: 'X-A: 1\nX-B: 2' }, rate: 20, duration: '1s', profile: 'Ночной режим' });
    expect(res.statusCode).toBe(201);
    const s = await waitDone(res.json().id);
    expect(s.profile).toBe('night');
    expect(s.state).toBe('finished');
    expect(s.sent).toBe(2);
  });
});

describe('runs', () => {
  it('runs, reports summary, series, CSV and JSON, and lists newest first', async () => {
    const res = await post('/api/runs', { target: { url: `${target.url}/a` }, rate: 40, duration: 2, profile: 'constant', seed: 5 });
    expect(res.statusCode).toBe(201);
    const { id } = res.json() as { id: string };
    const running = (await app.inject(`/api/runs/${id}`)).json();
    expect(running.state).toBe('running');
    const s = await waitDone(id);
    expect(s).toMatchObject({ id, state: 'finished', profile: 'constant', seed: 5, target: { method: 'GET', url: `${target.url}/a` }, target_rate: 40, sent: 80, ok: 80, failed: 0, dropped: 0, in_flight: 0 });
    expect(s.latency).toEqual(expect.objectContaining({ p50: expect.any(Number), p999: expect.any(Number), max: expect.any(Number) }));
    expect(s.status_codes).toEqual({ '200': 80 });
    expect(s.errors).toEqual({ timeout: 0, refused: 0, reset: 0, dns: 0, other: 0 });
    const series = (await app.inject(`/api/runs/${id}/series`)).json() as { points: Array<Record<string, unknown>> };
    expect(series.points.map((p) => p.t)).toEqual([0, 1]);
    expect(series.points[0]).toMatchObject({ target_rps: 40, sent: 40 });
    expect(Object.keys(series.points[0] ?? {})).toEqual(expect.arrayContaining(['in_flight', 'p50_ms', 'p95_ms', 'p99_ms', 'service_p50_ms', 'service_p99_ms', 'status_codes', 'errors']));
    const csv = await app.inject(`/api/runs/${id}/report?format=csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]?.startsWith('t,target_rps,sent,ok,failed,dropped')).toBe(true);
    expect(lines).toHaveLength(3);
    const json = (await app.inject(`/api/runs/${id}/report?format=json`)).json();
    expect(json.summary.id).toBe(id);
    expect(json.points).toHaveLength(2);
    const list = (await app.inject('/api/runs')).json() as Array<{ id: string; started_at: string }>;
    expect(list[0]?.id).toBe(id);
    for (let i = 1; i < list.length; i++) expect(list[i - 1]!.started_at >= list[i]!.started_at).toBe(true);
    expect((await app.inject('/api/runs/nope')).statusCode).toBe(404);
  });

  it('reports the latency breakdown and the generator\'s verdict in the summary, the series, the CSV and JSON reports and OpenAPI', async () => {
    const res = await post('/api/runs', { target: { url: `${target.url}/phases` }, rate: 50, duration: 2 });
    const { id } = res.json() as { id: string };
    const s = (await waitDone(id)) as unknown as RunSummary;
    // Through the API's serializer: every phase, as percentiles, for the run and for its request.
    const phases = ['intended_to_sent', 'sent_to_first_byte', 'first_byte_to_done'] as const;
    for (const k of phases) {
      expect(s.latency_breakdown[k].p50).toBeGreaterThan(0);
      expect(s.latency_breakdown[k].max).toBeGreaterThanOrEqual(s.latency_breakdown[k].p99);
    }
    expect(s.requests.default?.latency_breakdown).toEqual(s.latency_breakdown);
    expect(s.latency_breakdown.intended_to_sent.p50 + s.latency_breakdown.sent_to_first_byte.p50).toBeLessThanOrEqual(s.latency.p99 + 1);
    expect(s.bottleneck).toBeNull();
    expect(s.warnings).toEqual([]);
    expect(s.engine_utilization).toBeGreaterThan(0);
    expect(s.engine_utilization).toBeLessThanOrEqual(1);
    const { points } = (await app.inject(`/api/runs/${id}/series`)).json() as { points: SeriesPoint[] };
    const fields = ['intended_to_sent_p50_ms', 'intended_to_sent_p99_ms', 'sent_to_first_byte_p50_ms', 'sent_to_first_byte_p99_ms', 'first_byte_to_done_p50_ms', 'first_byte_to_done_p99_ms', 'engine_utilization'] as const;
    for (const f of fields) expect(points[0]?.[f], f).toBeGreaterThan(0);
    // The CSV carries the same numbers, column by column.
    const [head, ...rows] = (await app.inject(`/api/runs/${id}/report?format=csv`)).body.trim().split('\n');
    const cols = head!.split(',');
    for (const f of fields) {
      const i = cols.indexOf(f);
      expect(i, f).toBeGreaterThan(0);
      expect(rows.map((r) => Number(r.split(',')[i]))).toEqual(points.map((p) => p[f]));
    }
    const json = (await app.inject(`/api/runs/${id}/report?format=json`)).json() as { summary: RunSummary };
    expect(json.summary.latency_breakdown).toEqual(s.latency_breakdown);
    const doc = (await app.inject('/openapi.json')).json() as Record<string, unknown>;
    const text = JSON.stringify(doc);
    for (const name of ['latency_breakdown', 'intended_to_sent', 'sent_to_first_byte', 'first_byte_to_done', 'bottleneck', 'warnings', 'engine_utilization', 'intended_to_sent_p99_ms']) expect(text).toContain(`"${name}"`);
  });

  it('stops a run within 1 s', async () => {
    const { id } = (await post('/api/runs', { target: { url: `${target.url}/s` }, rate: 50, duration: 60 })).json();
    await sleep(1200);
    const t0 = Date.now();
    const res = await post(`/api/runs/${id}/stop`, {});
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(res.statusCode).toBe(200);
    expect(res.json().state).toBe('stopped');
    expect((await app.inject(`/api/runs/${id}`)).json().state).toBe('stopped');
  });

  it('answers 429 beyond MAX_ACTIVE_RUNS', async () => {
    const small = await make({ maxActiveRuns: 1 });
    try {
      const a = await post('/api/runs', { target: { url: `${target.url}/1` }, rate: 5, duration: 30 }, small);
      expect(a.statusCode).toBe(201);
      const b = await post('/api/runs', { target: { url: `${target.url}/2` }, rate: 5, duration: 30 }, small);
      expect(b.statusCode).toBe(429);
      expect(b.json().error).toContain('MAX_ACTIVE_RUNS');
    } finally {
      await small.close();
    }
  });

  it('streams progress once per second and a final done event over SSE', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const { id } = (await post('/api/runs', { target: { url: `${target.url}/sse` }, rate: 20, duration: 2 })).json();
    const res = await fetch(`${base}/api/runs/${id}/events`, { signal: AbortSignal.timeout(15_000) });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    const events = text.split('\n\n').filter((e) => e.startsWith('event:'));
    const names = events.map((e) => /^event: (\w+)/.exec(e)?.[1]);
    expect(names.filter((n) => n === 'progress').length).toBe(2);
    expect(names.at(-1)).toBe('done');
    const progress = JSON.parse(events[0]!.split('\ndata: ')[1]!);
    expect(progress.point.t).toBe(0);
    expect(progress.summary.id).toBe(id);
    const done = JSON.parse(events.at(-1)!.split('\ndata: ')[1]!);
    expect(done.state).toBe('finished');
    // After the end: `done` at once.
    const late = await (await fetch(`${base}/api/runs/${id}/events`, { signal: AbortSignal.timeout(5000) })).text();
    expect(late.startsWith('event: done')).toBe(true);
  });

  it('keeps finished runs across a restart (newest 50)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loadgen-persist-'));
    try {
      const first = await buildApp(testConfig({ dataDir: dir, allowlist: ['127.0.0.1'] }), { logger });
      const { id } = (await post('/api/runs', { target: { url: `${target.url}/p` }, rate: 10, duration: 1 }, first)).json();
      await waitDone(id, first);
      const running = (await post('/api/runs', { target: { url: `${target.url}/p2` }, rate: 10, duration: 60 }, first)).json();
      await first.close();
      const second = await buildApp(testConfig({ dataDir: dir, allowlist: ['127.0.0.1'] }), { logger });
      try {
        const list = (await second.inject('/api/runs')).json() as Array<{ id: string; state: string }>;
        expect(list.map((r) => r.id)).toEqual([running.id, id]);
        expect(list[0]?.state).toBe('stopped');
        expect((await second.inject(`/api/runs/${id}/series`)).json().points).toHaveLength(1);
      } finally {
        await second.close();
      }
      expect(readdirSync(join(dir, 'runs'))).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('profiles, presets, metrics, OpenAPI', () => {
  it('lists the profiles with labels, descriptions and options', async () => {
    const list = (await app.inject('/api/profiles')).json() as Array<{ id: string; label: { ru: string }; options: Array<{ name: string; default: unknown }> }>;
    expect(list.map((p) => p.id)).toEqual(['constant', 'moderate', 'chaotic', 'spiky', 'wave', 'warmup', 'night', 'stages']);
    expect(list.find((p) => p.id === 'spiky')?.label.ru).toBe('Спайковая');
    expect(list.find((p) => p.id === 'spiky')?.options.map((o) => [o.name, o.default])).toEqual([
      ['period', 5],
      ['width', 1],
      ['multiplier', 2],
    ]);
    expect(list.find((p) => p.id === 'wave')?.options[0]).toMatchObject({ name: 'period', default: 30, min: 0.1, max: 86_400 });
    // Every option's documented range is listed; rates are bounded by this instance's MAX_RATE.
    expect(list.find((p) => p.id === 'spiky')?.options.find((o) => o.name === 'multiplier')).toMatchObject({ min: 0, max: 1000 });
    expect(list.find((p) => p.id === 'stages')?.options.find((o) => o.name === 'start_rate')).toMatchObject({ min: 0, max: 1000 });
  });

  it('previews r(t) with at most 600 points', async () => {
    const res = await post('/api/profiles/preview', { profile: 'Волнообразная', rate: 100, duration: '10m' });
    expect(res.statusCode).toBe(200);
    const pts = res.json().points as Array<{ t: number; rate: number }>;
    expect(pts.length).toBeLessThanOrEqual(600);
    expect(Math.max(...pts.map((p) => p.rate))).toBeCloseTo(150, 0);
    expect((await post('/api/profiles/preview', { profile: 'nope', rate: 1, duration: 1 })).json().field).toBe('profile');
  });

  it('counts runs of known size exactly in the loadgen_* metrics, on the real /metrics endpoint', async () => {
    const failing = await startTarget((_req, res) => {
      res.statusCode = 500;
      res.end('{"error":"no"}');
    });
    const silent = await startTarget(() => undefined); // accepts, never answers
    const lg = await make({ maxRate: 1000 });
    try {
      await lg.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(lg.server.address() as { port: number }).port}`;
      const start = async (body: object) => {
        const res = await fetch(`${base}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(res.status).toBe(201);
        return ((await res.json()) as { id: string }).id;
      };
      // 20 × 200; spiky at 10 rps doubles its first second: 20 × 500; moderate at 40 rps is 20 due, of
      // which 5 go out (the in-flight cap) and time out at 1.5 s, and 15 are dropped.
      const ids = await Promise.all([
        start({ target: { url: `${target.url}/m?secret=1` }, rate: 20, duration: 1, profile: 'constant' }),
        start({ target: { method: 'POST', url: `${failing.url}/fail`, body: { title: 'x' } }, rate: 10, duration: 1, profile: 'spiky' }),
        start({ target: { url: `${silent.url}/hang` }, rate: 40, duration: 1, profile: 'moderate', max_in_flight: 5, timeout: '1500ms' }),
      ]);
      let polls = 0;
      for (const id of ids) {
        await vi.waitFor(
          async () => {
            polls++;
            const s = (await (await fetch(`${base}/api/runs/${id}`)).json()) as { state: string };
            expect(s.state).not.toBe('running');
          },
          { timeout: 20_000, interval: 100 },
        );
      }

      const m = await scrape(base);
      const series = (name: string) => samplesOf(m, name).map((x) => ({ ...x.labels, value: x.value }));
      expect(series('loadgen_requests_total')).toEqual(
        expect.arrayContaining([
          { profile: 'constant', method: 'GET', status_class: '2xx', request: 'default', value: 20 },
          { profile: 'spiky', method: 'POST', status_class: '5xx', request: 'default', value: 20 },
          { profile: 'moderate', method: 'GET', status_class: 'error', request: 'default', value: 5 },
        ]),
      );
      expect(series('loadgen_requests_total')).toHaveLength(3);
      expect(series('loadgen_requests_success_total')).toEqual([{ profile: 'constant', method: 'GET', request: 'default', value: 20 }]);
      expect(series('loadgen_requests_fail_total')).toEqual(
        expect.arrayContaining([
          { profile: 'spiky', method: 'POST', request: 'default', value: 20 },
          { profile: 'moderate', method: 'GET', request: 'default', value: 5 },
        ]),
      );
      expect(series('loadgen_requests_fail_total')).toHaveLength(2);
      expect(series('loadgen_dropped_total')).toEqual([{ profile: 'moderate', request: 'default', value: 15 }]);

      for (const name of ['loadgen_response_latency_seconds', 'loadgen_service_latency_seconds']) {
        const h = histogramSeries(m, name);
        expect(Object.fromEntries([...h.values()].map((x) => [`${x.labels.profile} ${x.labels.method}`, x.count])), name).toEqual({ 'constant GET': 20, 'spiky POST': 20, 'moderate GET': 5 });
        for (const [key, x] of h) {
          expect(x.sum, `${name} ${key}`).toBeGreaterThan(0);
          expect(x.buckets.get('+Inf'), `${name} ${key}`).toBe(x.count);
        }
        // The five that hung were answered by their 1.5 s timeout: none within a second.
        expect([...h.values()].find((x) => x.labels.profile === 'moderate')?.buckets.get('1'), name).toBe(0);
      }
      // One scheduler-lag observation per request sent.
      expect(valueOf(m, 'loadgen_scheduler_lag_seconds_count')).toBe(20 + 20 + 5);
      expect(valueOf(m, 'loadgen_scheduler_lag_seconds_bucket', { le: '+Inf' })).toBe(45);
      for (const gauge of ['loadgen_active_runs', 'loadgen_in_flight', 'loadgen_rps_current', 'loadgen_target_rps']) expect(valueOf(m, gauge), gauge).toBe(0);

      // Its own HTTP metrics: the three starts and every poll, nothing else; no run id, no target URL.
      const http = histogramSeries(m, 'http_server_request_duration_seconds');
      expect(Object.fromEntries([...http.values()].map((x) => [`${x.labels.method} ${x.labels.route} ${x.labels.status_code}`, x.count]))).toEqual({
        'POST /api/runs 201': 3,
        'GET /api/runs/:id 200': polls,
      });
      expect(valueOf(m, 'http_server_active_requests')).toBe(0);
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).not.toContain('secret=1');
      for (const id of ids) expect(text).not.toContain(id);
      const om = await fetch(`${base}/metrics`, { headers: { accept: 'application/openmetrics-text' } });
      expect(valueOf(parseExposition(await om.text()), 'loadgen_requests_total', { profile: 'constant', method: 'GET', status_class: '2xx', request: 'default' })).toBe(20);
    } finally {
      await lg.close();
      await failing.close();
      await silent.close();
    }
  });

  it('a viewer who leaves the SSE stream is not left counted as an active request (499)', async () => {
    const lg = await make();
    try {
      await lg.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(lg.server.address() as { port: number }).port}`;
      const { id } = (await post('/api/runs', { target: { url: `${target.url}/watched` }, rate: 5, duration: 60 }, lg)).json();
      const viewer = new AbortController();
      const res = await fetch(`${base}/api/runs/${id}/events`, { signal: viewer.signal });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain(': connected');
      expect(valueOf(await scrape(base), 'http_server_active_requests')).toBe(1);

      viewer.abort();
      await vi.waitFor(async () => expect(valueOf(await scrape(base), 'http_server_active_requests')).toBe(0), { timeout: 10_000, interval: 50 });
      const m = await scrape(base);
      expect(valueOf(m, 'http_server_request_duration_seconds_count', { method: 'GET', route: '/api/runs/:id/events', status_code: '499' })).toBe(1);
      expect(samplesOf(m, 'http_server_request_duration_seconds_count', { route: '/api/runs/:id/events' })).toHaveLength(1);
      expect((await post(`/api/runs/${id}/stop`, {}, lg)).json().state).toBe('stopped');
    } finally {
      await lg.close();
    }
  });

  it('serves the OpenAPI document and health', async () => {
    const doc = (await app.inject('/openapi.json')).json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ['/api/runs', '/api/runs/{id}', '/api/runs/{id}/series', '/api/runs/{id}/events', '/api/runs/{id}/stop', '/api/runs/{id}/report', '/api/profiles', '/api/profiles/preview', '/api/presets']) {
      expect(doc.paths, p).toHaveProperty([p]);
    }
    // Target-agnostic: traffic only; the alert scenarios (which switch faults) are the portal's.
    expect(Object.keys(doc.paths).filter((p) => p.includes('scenario') || p.includes('fault'))).toEqual([]);
    expect((await app.inject({ method: 'POST', url: '/api/scenarios/high-latency/run', payload: {} })).statusCode).toBe(404);
    expect((await app.inject('/health/live')).statusCode).toBe(200);
    expect((await app.inject('/health/ready')).statusCode).toBe(200);
  });
});

describe('run store', () => {
  it('keeps only the newest 50 runs on disk', async () => {
    const { RunStore } = await import('../src/engine/store.js');
    const dir = mkdtempSync(join(tmpdir(), 'loadgen-store-'));
    try {
      const store = new RunStore(dir);
      for (let i = 0; i < 55; i++) {
        const started = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
        await store.save({ summary: { id: `run-${i}`, started_at: started } as never, points: [] });
      }
      const kept = await store.load();
      expect(kept).toHaveLength(50);
      expect(kept[0]?.summary.id).toBe('run-54');
      expect(kept.at(-1)?.summary.id).toBe('run-5');
      expect(readdirSync(join(dir, 'runs'))).toHaveLength(50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
