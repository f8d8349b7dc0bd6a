import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, samplesOf, valueOf } from '../../../test/helpers/metrics.ts';
import { freePort } from '../../../test/helpers/ports.ts';
import { createTestDatabase, TEST_SERVER_URL, type TestDatabase } from '../../../test/helpers/postgres.ts';
import type { App } from '../src/app.ts';
import { logSink, newUser, startTestApp } from './helpers.ts';

/** A TCP proxy in front of the real PostgreSQL that the test can cut and restore: an outage on demand. */
function outageProxy(listenPort: number, target: URL) {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  return {
    async up() {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        // A pair lives and dies together, as one TCP connection would: when the server side is
        // gone (pg_terminate_backend, a reset), the client side is closed too. (pipe() ends the
        // other side on a clean end only; after an error the client would wait for ever.)
        for (const [s, other] of [[client, upstream], [upstream, client]] as const) {
          sockets.add(s);
          s.on('close', () => {
            sockets.delete(s);
            other.destroy();
          });
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => server!.listen(listenPort, '127.0.0.1', resolve));
    },
    async down() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('database outages (real PostgreSQL behind a proxy the test cuts)', () => {
  let db: TestDatabase;
  let dataDir: string;
  let proxy: ReturnType<typeof outageProxy>;
  let app: App | undefined;
  const logs = logSink();

  beforeAll(async () => {
    db = await createTestDatabase('outage');
    dataDir = mkdtempSync(join(tmpdir(), 'todo-api-outage-'));
  });
  afterAll(async () => {
    await app?.close();
    await proxy?.down();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('waits for an unreachable database at start, retrying with backoff and saying so', async () => {
    const port = await freePort();
    proxy = outageProxy(port, new URL(TEST_SERVER_URL));
    const url = new URL(db.url);
    url.host = `127.0.0.1:${port}`;
    const starting = startTestApp(
      { DATABASE_URL: url.toString(), DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      { logStream: logs.stream, connect: { retryInitialMs: 100, retryMaxMs: 400 }, dbCheckIntervalMs: 200 },
    );
    const retries = () => logs.lines().filter((l) => String(l.msg).startsWith('database not reachable'));
    await until('two retry log lines', async () => (retries().length >= 2 ? true : undefined));
    const [first, second] = retries();
    expect(first).toMatchObject({ level: 'warn', attempt: 1, retry_in_ms: 100 });
    expect(second).toMatchObject({ attempt: 2, retry_in_ms: 200 });
    expect(String(first?.msg)).toContain(`127.0.0.1:${port}`);
    expect(String(first?.msg)).toMatch(/ECONNREFUSED.*retrying in 0\.1 s/);
    expect(logs.text()).not.toContain('o11y:o11y');
    await proxy.up();
    app = await starting;
    expect((await app.inject('/health/ready')).statusCode).toBe(200);
  });

  it('answers 503 JSON while the database is gone, turns not-ready, and recovers by itself', async () => {
    const a = app as App;
    const { auth } = await newUser(a);
    const created = await a.inject({ method: 'POST', url: '/api/tasks', headers: { authorization: auth }, payload: { title: 'survives' } });
    expect(created.statusCode).toBe(201);

    await proxy.down();
    const during = await a.inject({ url: '/api/tasks', headers: { authorization: auth } });
    expect(during.statusCode).toBe(503);
    expect(during.json().error).toMatch(/database unavailable/i);
    const write = await a.inject({ method: 'POST', url: '/api/tasks', headers: { authorization: auth }, payload: { title: 'lost?' } });
    expect(write.statusCode).toBe(503);
    const ready = await a.inject('/health/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.database).toMatch(/^down: /);
    expect((await a.inject('/health/live')).statusCode).toBe(200);
    expect((await a.inject('/api/ping')).statusCode).toBe(200);
    const metrics = parseExposition((await a.inject('/metrics')).body);
    expect(valueOf(metrics, 'todo_database_up')).toBe(0);
    // The two requests failed on their first statement (the user check); the probe is not counted.
    expect(samplesOf(metrics, 'db_client_errors_total').map((x) => [x.labels.operation, x.value])).toEqual([['SELECT', 2]]);
    expect(logs.lines().some((l) => l.level === 'error' && String(l.msg).startsWith('database unreachable'))).toBe(true);

    await proxy.up();
    // The background check notices on its own (todo_database_up back to 1), no request needed.
    await until('todo_database_up 1', async () => (valueOf(parseExposition((await a.inject('/metrics')).body), 'todo_database_up') === 1 ? true : undefined));
    expect((await a.inject('/health/ready')).statusCode).toBe(200);
    const after = await a.inject({ url: '/api/tasks', headers: { authorization: auth } });
    expect(after.statusCode).toBe(200);
    expect(after.json().map((t: { title: string }) => t.title)).toEqual(['survives']);
    expect(logs.lines().some((l) => l.msg === 'database reachable again')).toBe(true);
  });

  it('recovers when the server kills its connections (pg_terminate_backend), never answering 500', async () => {
    const a = app as App;
    const { auth } = await newUser(a);
    const admin = postgres(TEST_SERVER_URL, { max: 1, onnotice: () => undefined });
    try {
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${db.name} AND pid <> pg_backend_pid()`;
    } finally {
      await admin.end();
    }
    const codes: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 5; i++) codes.push((await a.inject({ url: '/api/tasks', headers: { authorization: auth } })).statusCode);
    expect(codes.every((c) => c === 200 || c === 503)).toBe(true);
    expect(codes.at(-1)).toBe(200);
    // Back at once, not after postgres.js' default reconnect backoff (up to 20 s per connection).
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
