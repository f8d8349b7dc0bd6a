import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { DATABASES, logSink, newUser, pglite, startTestApp } from './helpers.ts';

// The fault API as the incident drills use it: every request goes with the admin token, as the
// security issue will require for every change.
const ADMIN_TOKEN = 'drill-admin-token-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const MiB = 1024 * 1024;

/** The value of one sample in a /metrics text (`name` includes its labels as rendered), or undefined. */
function sample(text: string, name: string): number | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\S+)`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

async function startApp(env: Record<string, string>, extra: Record<string, string> = {}) {
  const logs = logSink();
  const spans = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const app = await startTestApp(
    { ...env, ADMIN_TOKEN, LOG_LEVEL: 'info', ...extra },
    { logStream: logs.stream, tracer: provider.getTracer('faults-test'), dbCheckIntervalMs: 200 },
  );
  return { app, logs, spans };
}

function helpers(app: App) {
  return {
    put: (body: object) => app.inject({ method: 'PUT', url: '/api/faults', headers: admin, payload: body }),
    clear: () => app.inject({ method: 'DELETE', url: '/api/faults', headers: admin }),
    metrics: async () => (await app.inject('/metrics')).body,
  };
}

describe.each(DATABASES)('database faults on $name', (factory) => {
  let app: App;
  let dispose: () => Promise<void>;
  let auth: string;
  let h: ReturnType<typeof helpers>;
  let spans: InMemorySpanExporter;

  beforeAll(async () => {
    const db = await factory.create();
    dispose = db.dispose;
    ({ app, spans } = await startApp(db.env));
    h = helpers(app);
    ({ auth } = await newUser(app));
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  const list = () => app.inject({ url: '/api/tasks', headers: { authorization: auth } });
  const create = (title: string) => app.inject({ method: 'POST', url: '/api/tasks', headers: { authorization: auth }, payload: { title } });
  /** Observations of a DB histogram series above `le` seconds. */
  const slowerThan = (text: string, le: string, labels: string) =>
    (sample(text, `db_client_operation_duration_seconds_count{${labels}}`) ?? 0) - (sample(text, `db_client_operation_duration_seconds_bucket{le="${le}",${labels}}`) ?? 0);

  it('slows only the chosen statement type: SELECT on tasks is slow, INSERT and SELECT on users are not', async () => {
    const put = await h.put({ db_slowdown: { ms: 400, operation: 'SELECT', table: 'tasks' } });
    expect(put.statusCode).toBe(200);
    const before = await h.metrics();
    try {
      const t = performance.now();
      expect((await list()).statusCode).toBe(200);
      expect(performance.now() - t).toBeGreaterThanOrEqual(395);
      expect((await create('fast insert')).statusCode).toBe(201);
    } finally {
      await h.clear();
    }
    const after = await h.metrics();
    const delta = (le: string, labels: string) => slowerThan(after, le, labels) - slowerThan(before, le, labels);
    expect(delta('0.25', 'operation="SELECT",table="tasks"')).toBe(1);
    expect(delta('0.25', 'operation="INSERT",table="tasks"')).toBe(0);
    expect(delta('0.25', 'operation="SELECT",table="users"')).toBe(0);
    const slowSpan = spans.getFinishedSpans().find((s) => s.name === 'SELECT tasks' && s.attributes['fault.db_delay_seconds'] === 0.4);
    expect(slowSpan).toBeDefined();
  });

  it('limits the connections: statements queue (pending gauge, wait histogram), at most N run at once', async () => {
    const waitedBefore = sample(await h.metrics(), 'db_client_connection_wait_time_seconds_sum') ?? 0;
    expect((await h.put({ pool_limit: { max_connections: 1, hold_ms: 150 } })).statusCode).toBe(200);
    const m = await h.metrics();
    expect(sample(m, 'db_client_connection_max')).toBe(1);
    expect(sample(m, 'todo_fault_pool_max_connections')).toBe(1);
    let maxUsed = 0;
    let maxPending = 0;
    const requests = Promise.all(Array.from({ length: 4 }, () => list()));
    let done = false;
    void requests.then(() => (done = true));
    while (!done) {
      const text = await h.metrics();
      maxUsed = Math.max(maxUsed, sample(text, 'db_client_connection_count{state="used"}') ?? 0);
      maxPending = Math.max(maxPending, sample(text, 'db_client_connection_pending_requests') ?? 0);
      await new Promise((r) => setImmediate(r));
    }
    expect((await requests).map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(maxUsed).toBe(1);
    expect(maxPending).toBeGreaterThanOrEqual(1);
    // Eight statements, each holding the one connection 150 ms: the later ones waited for it.
    const waited = (sample(await h.metrics(), 'db_client_connection_wait_time_seconds_sum') ?? 0) - waitedBefore;
    expect(waited).toBeGreaterThanOrEqual(0.15);
    await h.clear();
    const cleared = await h.metrics();
    expect(sample(cleared, 'db_client_connection_max')).toBe(factory.name === 'pglite' ? 1 : 10);
    expect(sample(cleared, 'db_client_connection_pending_requests')).toBe(0);
  });

  it('gives held connections back and lets queued statements in at once when the pool limit ends', async () => {
    await h.put({ pool_limit: { max_connections: 1, hold_ms: 10_000 } });
    let finished = 0;
    const requests = Promise.all(Array.from({ length: 3 }, () => list().then((r) => (finished++, r))));
    await expect.poll(async () => sample(await h.metrics(), 'db_client_connection_pending_requests'), { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(1);
    expect(finished).toBe(0); // the one connection is held for 10 s after each statement
    const cleared = performance.now();
    await h.clear();
    expect((await requests).map((r) => r.statusCode)).toEqual([200, 200, 200]);
    // Six statements would have kept them for a minute behind 10 s holds.
    expect(performance.now() - cleared).toBeLessThan(9_000);
    expect(sample(await h.metrics(), 'db_client_connection_count{state="used"}')).toBe(0);
  });

  it('simulates an outage: 503 and not ready like a lost server, and recovers by itself when the ttl ends', async () => {
    const put = await h.put({ db_outage: { ttl_s: 1.5, hidden: true } });
    expect(put.json().db_outage.expires_at).toBeDefined();
    const during = await list();
    expect(during.statusCode).toBe(503);
    expect(during.json()).toEqual({ error: 'Database unavailable, try again shortly' });
    expect((await create('lost?')).statusCode).toBe(503);
    const ready = await app.inject('/health/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.database).toMatch(/^down: .*ECONNREFUSED/);
    expect((await app.inject('/api/ping')).statusCode).toBe(200);
    const m = await h.metrics();
    expect(sample(m, 'todo_database_up')).toBe(0);
    expect(sample(m, 'todo_fault_active{fault="db_outage"}')).toBe(0); // hidden: the gauge does not tell
    const failed = spans.getFinishedSpans().find((s) => s.name === 'SELECT users' && s.attributes['error.type'] === 'ECONNREFUSED');
    expect(failed).toBeDefined();

    await expect.poll(async () => (await app.inject('/health/ready')).statusCode, { timeout: 15_000, interval: 100 }).toBe(200);
    await expect.poll(async () => sample(await h.metrics(), 'todo_database_up'), { timeout: 15_000, interval: 100 }).toBe(1);
    expect((await list()).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/faults', headers: admin })).json().db_outage).toBeNull();
  });
});

describe('request and process faults (PGlite)', () => {
  let app: App;
  let dispose: () => Promise<void>;
  let auth: string;
  let taskId: string;
  let h: ReturnType<typeof helpers>;
  let logs: ReturnType<typeof logSink>;
  let spans: InMemorySpanExporter;

  beforeAll(async () => {
    const db = await pglite.create();
    dispose = db.dispose;
    ({ app, logs, spans } = await startApp(db.env));
    h = helpers(app);
    ({ auth } = await newUser(app));
    taskId = (await app.inject({ method: 'POST', url: '/api/tasks', headers: { authorization: auth }, payload: { title: 'one' } })).json().id;
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  const list = () => app.inject({ url: '/api/tasks', headers: { authorization: auth } });
  const one = () => app.inject({ url: `/api/tasks/${taskId}`, headers: { authorization: auth } });

  it('filters every request fault by method and route: the chosen route suffers, its neighbour does not', async () => {
    // OpenAPI's {id} form is accepted and stored as the route template.
    const put = await h.put({
      error: { probability: 1, status: 502, method: 'GET', route: '/api/tasks/{id}' },
      cpu_burn: { ms: 300, method: 'GET', route: '/api/tasks' },
      memory_leak: { bytes_per_request: 100_000, route: '/api/ping' },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().error.route).toBe('/api/tasks/:id');
    try {
      expect((await one()).statusCode).toBe(502);
      expect((await list()).statusCode).toBe(200);
      expect((await app.inject({ method: 'PATCH', url: `/api/tasks/${taskId}`, headers: { authorization: auth }, payload: { status: 'done' } })).statusCode).toBe(200);

      const t = performance.now();
      await list();
      expect(performance.now() - t).toBeGreaterThanOrEqual(295);
      // CPU time, not wall time, so a busy machine cannot make the neighbour look burned.
      const cpu = process.cpuUsage();
      await app.inject('/api/ping');
      const used = process.cpuUsage(cpu);
      expect((used.user + used.system) / 1000).toBeLessThan(150);

      const retained = async () => sample(await h.metrics(), 'todo_fault_memory_retained_bytes');
      expect(await retained()).toBe(100_000); // the ping above
      await app.inject('/api/ping');
      await list();
      expect(await retained()).toBe(200_000);
    } finally {
      await h.clear();
    }
    expect((await one()).statusCode).toBe(200);
    expect(sample(await h.metrics(), 'todo_fault_memory_retained_bytes')).toBe(0);
  });

  it('documents every fault kind in OpenAPI, with an example each', async () => {
    const doc = (await app.inject('/openapi.json')).json();
    const body = doc.paths['/api/faults'].put.requestBody.content['application/json'].schema;
    const kinds = ['latency', 'error', 'db_slowdown', 'cpu_burn', 'cpu_hog', 'pool_limit', 'memory_leak', 'db_outage'];
    expect(Object.keys(body.properties).sort()).toEqual([...kinds].sort());
    for (const kind of kinds) {
      const schema = body.properties[kind];
      expect(schema.example, kind).toBeDefined();
      expect(Object.keys(schema.properties), kind).toEqual(expect.arrayContaining(['ttl_s', 'start_after_s', 'hidden']));
      // The example is itself a valid fault: PUT it and read it back.
      const res = await h.put({ [kind]: schema.example });
      expect(res.statusCode, kind).toBe(200);
      expect(res.json()[kind], kind).toMatchObject(schema.example);
      await h.clear();
    }
    const state = doc.paths['/api/faults'].get.responses['200'].content['application/json'].schema;
    expect(state.properties.latency.properties.expires_at.format).toBe('date-time');
  });

  it('refuses filters that match nothing and bad lifetimes, naming the field', async () => {
    const cases: [object, string][] = [
      [{ latency: { ms: 10, route: '/api/task' } }, 'latency.route'],
      [{ error: { probability: 1, method: 'DELETE', route: '/api/ping' } }, 'error.method'],
      [{ cpu_burn: { ms: 1, route: '/api/faults' } }, 'cpu_burn.route'],
      [{ latency: { ms: 10, ttl_s: 0 } }, 'latency.ttl_s'],
      [{ db_outage: { ttl_s: 100_000 } }, 'db_outage.ttl_s'],
      [{ cpu_hog: { share: 0.99 } }, 'cpu_hog.share'],
      [{ pool_limit: { max_connections: 0 } }, 'pool_limit.max_connections'],
      [{ db_slowdown: { ms: 10, operation: 'MERGE' } }, 'db_slowdown.operation'],
      [{ memory_leak: { bytes_per_second: 1, max_bytes: 2 * 1024 * MiB } }, 'memory_leak.max_bytes'],
      [{ db_outage: { hidden: 'yes' } }, 'db_outage.hidden'],
    ];
    for (const [body, field] of cases) {
      const res = await h.put(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().field, JSON.stringify(body)).toBe(field);
    }
    expect(Object.values((await app.inject({ url: '/api/faults', headers: admin })).json()).every((v) => v === null)).toBe(true);
  });

  it('switches a fault off by itself when its ttl ends, and can start it later (start_after_s)', async () => {
    const put = await h.put({ error: { probability: 1, route: '/api/ping', start_after_s: 2, ttl_s: 1 }, latency: { ms: 1, ttl_s: 0.5 } });
    const body = put.json();
    const startsAt = Date.parse(body.error.starts_at);
    expect(Date.parse(body.error.expires_at) - startsAt).toBe(1000);
    expect(Date.parse(body.latency.expires_at) - Date.now()).toBeLessThanOrEqual(500);
    expect((await app.inject('/api/ping')).statusCode).toBe(200); // not started yet
    expect(sample(await h.metrics(), 'todo_fault_active{fault="error"}')).toBe(0);

    await expect.poll(async () => (await app.inject('/api/faults')).json().latency, { timeout: 10_000, interval: 50 }).toBeNull();
    await expect.poll(async () => (await app.inject('/api/ping')).statusCode, { timeout: 10_000, interval: 50 }).toBe(500);
    expect(Date.now()).toBeGreaterThanOrEqual(startsAt);
    await expect.poll(async () => (await app.inject('/api/ping')).statusCode, { timeout: 10_000, interval: 50 }).toBe(200);
    expect(Date.now()).toBeGreaterThanOrEqual(startsAt + 1000);
    expect((await app.inject('/api/faults')).json().error).toBeNull();
    expect(sample(await h.metrics(), 'todo_fault_active{fault="error"}')).toBe(0);
    const msgs = logs.lines().map((l) => l.msg);
    expect(msgs).toContain('fault expired: latency off');
    expect(msgs).toContain('fault started: error on');
    expect(msgs).toContain('fault expired: error off');
  });

  it('hides a hidden fault from GET /api/faults, /metrics and the logs, but not its effects', async () => {
    await list(); // make sure the 200 series exist before
    const faults = {
      latency: { ms: 321, route: '/api/tasks', method: 'GET', hidden: true, ttl_s: 60 },
      error: { probability: 1, route: '/api/tasks/:id', hidden: true },
      db_slowdown: { ms: 30, operation: 'SELECT', hidden: true },
      cpu_hog: { share: 0.05, hidden: true },
      pool_limit: { max_connections: 5, hidden: true },
      memory_leak: { bytes_per_request: 4096, hidden: true },
    };
    const mark = logs.lines().length;
    const spanMark = spans.getFinishedSpans().length;
    const put = await h.put(faults);
    expect(put.statusCode).toBe(200);
    try {
      // The public view: everything off.
      const pub = await app.inject('/api/faults');
      expect(Object.values(pub.json()).every((v) => v === null)).toBe(true);
      expect((await app.inject({ url: '/api/faults', headers: { authorization: 'Bearer not-the-token' } })).json().latency).toBeNull();
      // The admin view: everything, with when it expires.
      const full = (await app.inject({ url: '/api/faults', headers: admin })).json();
      expect(full.latency).toMatchObject({ ms: 321, hidden: true, ttl_s: 60 });
      expect(Date.parse(full.latency.expires_at) - Date.now()).toBeGreaterThan(50_000);
      expect(full.cpu_hog).toEqual({ share: 0.05, hidden: true });

      // Effects as a real incident: slow, failing with a plain server error.
      const t = performance.now();
      expect((await list()).statusCode).toBe(200);
      expect(performance.now() - t).toBeGreaterThanOrEqual(320);
      const failed = await one();
      expect(failed.statusCode).toBe(500);
      expect(failed.json()).toEqual({ error: 'Internal server error' });

      const m = await h.metrics();
      const faultSamples = m.split('\n').filter((l) => l.startsWith('todo_fault_'));
      expect(faultSamples.length).toBeGreaterThanOrEqual(8);
      expect(faultSamples.filter((l) => !l.endsWith(' 0'))).toEqual([]);
      expect(sample(m, 'http_server_request_duration_seconds_count{method="GET",route="/api/tasks/:id",status_code="500"}')).toBeGreaterThanOrEqual(1);

      const newLines = logs.lines().slice(mark);
      const change = newLines.find((l) => l.changed_by === 'admin token');
      expect(change).toMatchObject({ msg: 'faults cleared', active: [], faults: {} });
      const text = JSON.stringify(newLines);
      for (const secret of ['"ms":321', 'hidden', 'Injected', 'cpu_hog', 'pool_limit', 'memory_leak', 'db_slowdown']) expect(text, secret).not.toContain(secret);
      expect(newLines.some((l) => l.msg === 'request' && l.route === '/api/tasks/:id' && l.status_code === 500)).toBe(true);
      const newSpans = spans.getFinishedSpans().slice(spanMark);
      expect(newSpans.some((s) => s.name === 'SELECT tasks')).toBe(true);
      expect(newSpans.some((s) => Object.keys(s.attributes).some((k) => k.startsWith('fault.')))).toBe(false);
    } finally {
      await h.clear();
    }
    // The same faults, not hidden: every one of them shows.
    const visible = Object.fromEntries(Object.entries(faults).map(([k, v]) => [k, { ...v, hidden: false }]));
    await h.put(visible);
    try {
      expect((await app.inject('/api/faults')).json().latency).toMatchObject({ ms: 321 });
      const m = await h.metrics();
      for (const f of Object.keys(faults)) expect(sample(m, `todo_fault_active{fault="${f}"}`), f).toBe(1);
      expect((await one()).json()).toMatchObject({ error: 'Injected fault: HTTP 500', fault: 'error' });
      expect(logs.lines().map((l) => l.msg)).toContain('faults changed: latency, error, db_slowdown, cpu_hog, pool_limit, memory_leak on');
    } finally {
      await h.clear();
    }
  });

  it('retains memory while the leak runs (heap gauge grows) and lets it go when the fault ends', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = async () => sample(await h.metrics(), 'nodejs_heap_size_used_bytes') as number;
    gc();
    const before = await heap();
    expect((await h.put({ memory_leak: { bytes_per_second: 200 * MiB, max_bytes: 96 * MiB } })).statusCode).toBe(200);
    await expect.poll(async () => sample(await h.metrics(), 'todo_fault_memory_retained_bytes'), { timeout: 15_000, interval: 100 }).toBe(96 * MiB);
    expect((await heap()) - before).toBeGreaterThanOrEqual(90 * MiB);
    await h.clear();
    await expect
      .poll(
        async () => {
          gc();
          return (await heap()) - before;
        },
        { timeout: 15_000, interval: 100 },
      )
      .toBeLessThan(40 * MiB);
  });

  it('burns CPU in the background with cpu_hog, without any request, and stops when cleared', async () => {
    const cpuSeconds = async () => sample(await h.metrics(), 'process_cpu_seconds_total') as number;
    const start = await cpuSeconds();
    expect((await h.put({ cpu_hog: { share: 0.8, period_ms: 50 } })).statusCode).toBe(200);
    expect(sample(await h.metrics(), 'todo_fault_cpu_hog_share')).toBe(0.8);
    await expect.poll(async () => (await cpuSeconds()) - start, { timeout: 15_000, interval: 100 }).toBeGreaterThanOrEqual(0.5);
    await h.clear();
    // Over a second of wall time after the clear, the process is nearly idle again.
    const cpu = process.cpuUsage();
    const wall = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    const used = process.cpuUsage(cpu);
    expect((used.user + used.system) / 1000 / (performance.now() - wall)).toBeLessThan(0.4);
  });
});

describe('hidden faults need an admin token', () => {
  it('refuses hidden: true when ADMIN_TOKEN is not set (nobody could ever see the fault)', async () => {
    const db = await pglite.create();
    const app = await startTestApp(db.env, { logStream: logSink().stream });
    try {
      const res = await app.inject({ method: 'PUT', url: '/api/faults', payload: { latency: { ms: 1, hidden: true } } });
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe('latency.hidden');
      expect((await app.inject({ method: 'PUT', url: '/api/faults', payload: { latency: { ms: 1, hidden: false } } })).statusCode).toBe(200);
    } finally {
      await app.close();
      await db.dispose();
    }
  });
});
