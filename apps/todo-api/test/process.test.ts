import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { attr, SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type OtlpSpan } from '../../../test/helpers/otlp.ts';
import { freePort } from '../../../test/helpers/ports.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres.ts';
import { startApp, type Spawned } from '../../../test/helpers/process.ts';

const { SERVER, CLIENT } = SPAN_KIND;

/** The probe's value once it has one (vitest's polling, bounded). */
function until<T>(what: string, probe: () => T | undefined, timeout = 15_000): Promise<T> {
  return vi.waitFor(
    () => {
      const v = probe();
      if (v === undefined) throw new Error(`timed out waiting for ${what}`);
      return v;
    },
    { timeout, interval: 100 },
  );
}

describe('todo-api as a real process: traces over OTLP and JSON request logs', () => {
  let receiver: OtlpReceiver;
  let db: TestDatabase;
  let dataDir: string;
  let proc: Spawned;
  let base: string;
  const password = 'a-password-nobody-should-log';
  const adminToken = 'admin-token-nobody-should-log';
  const jwtSecret = 'jwt-secret-nobody-should-log-0123456789abcdef';
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parentSpanId = '00f067aa0ba902b7';
  let token = '';

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    db = await createTestDatabase('proc');
    dataDir = mkdtempSync(join(tmpdir(), 'todo-api-proc-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    proc = await startApp(
      'todo-api',
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DATABASE_URL: db.url,
        JWT_SECRET: jwtSecret,
        ADMIN_TOKEN: adminToken,
        LOG_LEVEL: 'info',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_SERVICE_NAME: 'todo-api-under-test',
      },
      `${base}/health/ready`,
    );

    const post = (path: string, body: object, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    expect((await post('/api/register', { email: 'tracer@example.org', password })).status).toBe(201);
    const login = await post('/api/login', { email: 'tracer@example.org', password });
    token = ((await login.json()) as { token: string }).token;
    expect((await post('/api/tasks', { title: 'traced' }, { authorization: `Bearer ${token}` })).status).toBe(201);
    const list = await fetch(`${base}/api/tasks`, { headers: { authorization: `Bearer ${token}`, traceparent: `00-${traceId}-${parentSpanId}-01` } });
    expect(list.status).toBe(200);
    const faults = await fetch(`${base}/api/faults`, { method: 'DELETE', headers: { authorization: `Bearer ${adminToken}` } });
    expect(faults.status).toBe(200);
    expect((await fetch(`${base}/api/faults`, { method: 'DELETE', headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  afterAll(async () => {
    await proc?.stop();
    await receiver?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('continues the incoming traceparent, with one client span per DB statement under the server span', async () => {
    const server = await until('the GET /api/tasks server span', () =>
      receiver.spans.find((s) => s.traceId === traceId && s.kind === SERVER),
    );
    expect(server.parentSpanId).toBe(parentSpanId);
    expect(server.name).toBe('GET /api/tasks');
    expect(attr(server, 'http.request.method')).toBe('GET');
    expect(attr(server, 'http.route')).toBe('/api/tasks');
    expect(attr(server, 'http.response.status_code')).toBe(200);

    const children = await until('two DB spans', () => {
      const c = receiver.spans.filter((s) => s.traceId === traceId && s.parentSpanId === server.spanId);
      return c.length >= 2 ? c : undefined;
    });
    expect(children.map((c) => c.name).sort()).toEqual(['SELECT tasks', 'SELECT users']);
    for (const c of children) {
      expect(c.kind).toBe(CLIENT);
      expect(attr(c, 'db.system.name')).toBe('postgresql');
      expect(attr(c, 'db.operation.name')).toBe('SELECT');
      expect(attr(c, 'db.namespace')).toBe(db.name);
      expect(attr(c, 'server.address')).toBe('127.0.0.1');
      expect(attr(c, 'server.port')).toBe(5432);
      expect(String(attr(c, 'db.query.text'))).toMatch(/^SELECT .* FROM (users|tasks) WHERE/);
    }
    expect(attr(children.find((c) => c.name === 'SELECT tasks') as OtlpSpan, 'db.collection.name')).toBe('tasks');
    const service = receiver.resources[0]?.find((a) => a.key === 'service.name')?.value.stringValue;
    expect(service).toBe('todo-api-under-test');

    // Requests without a traceparent start their own trace; the insert is a child of POST /api/tasks.
    const post = receiver.spans.find((s) => s.kind === SERVER && s.name === 'POST /api/tasks') as OtlpSpan;
    expect(post.traceId).not.toBe(traceId);
    expect(receiver.spans.some((s) => s.parentSpanId === post.spanId && s.name === 'INSERT tasks')).toBe(true);
  });

  it('writes one JSON log line per request with trace and span ids, method, route, status and duration', async () => {
    const read = () =>
      proc
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The last request's line may still be on its way through the pipe.
    await expect.poll(() => read().filter((l) => l.msg === 'request').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(6);
    const lines = read();
    const requests = lines.filter((l) => l.msg === 'request');
    // register, login, create, list, two DELETE /api/faults; health probes and scrapes are not logged.
    expect(requests.map((r) => `${r.method} ${r.route} ${r.status_code}`)).toEqual([
      'POST /api/register 201',
      'POST /api/login 200',
      'POST /api/tasks 201',
      'GET /api/tasks 200',
      'DELETE /api/faults 200',
      'DELETE /api/faults 401',
    ]);
    for (const r of requests) {
      expect(r.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(r.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(typeof r.duration_ms).toBe('number');
    }
    const list = requests.find((r) => r.route === '/api/tasks' && r.method === 'GET');
    expect(list?.trace_id).toBe(traceId);
    // The fault change is logged inside its request, so it carries that request's trace.
    const cleared = lines.find((l) => l.msg === 'faults cleared' && l.changed_by === 'admin token');
    const clearRequest = requests.find((r) => r.route === '/api/faults' && r.status_code === 200);
    expect(cleared?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(cleared?.trace_id).toBe(clearRequest?.trace_id);
  });

  it('never logs a password, a token or a secret', () => {
    const out = proc.output();
    expect(token.length).toBeGreaterThan(20);
    for (const secret of [password, token, token.split('.')[2] as string, adminToken, jwtSecret]) {
      expect(out).not.toContain(secret);
    }
  });
});
