/**
 * The lab as an attacker meets it: the todo API, the load generator and the portal built with
 * their real `buildApp`, listening on 127.0.0.1 with the tokens set (and short server timeouts,
 * so slow-client attacks end in a second), plus the load generator tests' target servers an attack
 * needs (a plain target, a redirector, a collector that must never be reached). Raw-socket helpers send what `fetch` would
 * refuse or normalise (CRLF, `..` paths, slow headers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { internalUrlEnv, SERVICES, type ServerLimits } from '@o11y/platform';
import { createLogger, createRegistry } from '@o11y/telemetry';
import { buildApp as buildLoadgen } from '../../apps/load-generator/src/app.ts';
import { startTarget, type TargetServer } from '../../apps/load-generator/test/target-server.ts';
import { readConfig as loadgenConfig } from '../../apps/load-generator/src/config.ts';
import { buildApp as buildPortal } from '../../apps/portal/src/app.ts';
import { readConfig as portalConfig } from '../../apps/portal/src/config.ts';
import { buildApp as buildTodo } from '../../apps/todo-api/src/app.ts';
import { readConfig as todoConfig } from '../../apps/todo-api/src/config.ts';
import { logSink, type LogSink } from '../helpers/logs.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

export const LAB_TOKEN = 'lab-token-for-the-attack-suite-0123456789';
export const ADMIN_TOKEN = 'admin-token-for-the-attack-suite-0123456789';
export const ALERT_WEBHOOK_TOKEN = 'webhook-token-for-the-attack-suite-0123456789';
export const DEMO = { email: 'user@example.com', password: 'verysecret' };
export const MAX_RATE = 50_000;

/** Short enough that a slow client is cut within a second or two, long enough for every honest request. */
export const SHORT_LIMITS: Partial<ServerLimits> = {
  headersTimeoutMs: 800,
  requestTimeoutMs: 1500,
  keepAliveTimeoutMs: 2000,
  connectionsCheckingIntervalMs: 100,
};

/** Everything the apps log, to check that no secret is ever written. */
export interface Listening {
  app: FastifyInstance;
  url: string;
  port: number;
}

async function listen(app: FastifyInstance): Promise<Listening> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, port };
}

export interface Lab {
  todo: Listening;
  /** A second todo API on the same database with no ADMIN_TOKEN configured. */
  todoWithoutAdmin: Listening;
  loadgen: Listening;
  portal: Listening;
  /** Answers 200 to everything (an allowlisted load target). */
  target: TargetServer;
  /** Answers 307 to everything, pointing at the collector (allowlisted). */
  redirector: TargetServer;
  /** Outside the allowlist: must never receive a request. */
  collector: TargetServer;
  logs: { todo: LogSink; loadgen: LogSink; portal: LogSink };
  dataDirs: { loadgen: string; portal: string };
  close(): Promise<void>;
}

/** Every service's internal URL "none" (not polled), except those given. */
function nothingPolled(): Record<string, string> {
  return Object.fromEntries(SERVICES.filter((s) => s.id !== 'portal').map((s) => [internalUrlEnv(s), 'none']));
}

export async function startLab(): Promise<Lab> {
  const db: TestDatabase = await createTestDatabase('security');
  const tmp = mkdtempSync(join(tmpdir(), 'o11y-security-'));
  const logs = { todo: logSink(), loadgen: logSink(), portal: logSink() };
  const closers: Array<() => Promise<void>> = [];
  try {
    const collector = await startTarget((_req, res) => res.end('collected'));
    closers.push(collector.close);
    const redirector = await startTarget((_req, res) => {
      res.writeHead(307, { location: `${collector.url}/stolen` });
      res.end();
    });
    closers.push(redirector.close);
    const target = await startTarget();
    closers.push(target.close);

    const todoEnv = { DATABASE_URL: db.url, DATA_DIR: join(tmp, 'todo'), JWT_SECRET: 'jwt-secret-for-the-attack-suite-0123456789', LOG_LEVEL: 'info' };
    const passwords = { scrypt: { ln: 10, r: 8, p: 1 } };
    const todoLogger = createLogger({ name: 'todo-api', level: 'info', destination: logs.todo.stream });
    const todo = await listen(
      await buildTodo(todoConfig({ ...todoEnv, ADMIN_TOKEN }), { logger: todoLogger, registry: createRegistry({ defaultMetrics: false }), passwords, server: SHORT_LIMITS }),
    );
    closers.push(() => todo.app.close());
    const todoWithoutAdmin = await listen(
      await buildTodo(todoConfig(todoEnv), { logger: createLogger({ name: 'todo-api', level: 'silent' }), registry: createRegistry({ defaultMetrics: false }), passwords }),
    );
    closers.push(() => todoWithoutAdmin.app.close());

    const loadgenDir = join(tmp, 'load-generator');
    const loadgen = await listen(
      await buildLoadgen(
        loadgenConfig({
          DATA_DIR: loadgenDir,
          LAB_TOKEN,
          TODO_API_URL: todo.url,
          // The todo API, a plain target and the redirector; never the collector.
          TARGET_ALLOWLIST: [todo.port, target.port, redirector.port].map((p) => `127.0.0.1:${p}`).join(','),
          MAX_RATE: String(MAX_RATE),
        }),
        { logger: createLogger({ name: 'load-generator', level: 'info', destination: logs.loadgen.stream }), registry: createRegistry({ defaultMetrics: false }), server: SHORT_LIMITS },
      ),
    );
    closers.push(() => loadgen.app.close());

    const portalDir = join(tmp, 'portal');
    const portal = await listen(
      await buildPortal(
        portalConfig({
          ...nothingPolled(),
          DATA_DIR: portalDir,
          LAB_TOKEN,
          ALERT_WEBHOOK_TOKEN,
          LOADGEN_INTERNAL_URL: loadgen.url,
          HEALTH_INTERVAL_MS: '60000',
        }),
        { logger: createLogger({ name: 'portal', level: 'info', destination: logs.portal.stream }), registry: createRegistry({ defaultMetrics: false }), server: SHORT_LIMITS },
      ),
    );
    closers.push(() => portal.app.close());

    return {
      todo,
      todoWithoutAdmin,
      loadgen,
      portal,
      target,
      redirector,
      collector,
      logs,
      dataDirs: { loadgen: loadgenDir, portal: portalDir },
      async close() {
        for (const c of closers.reverse()) await c().catch(() => undefined);
        await db.drop();
        rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await db.drop();
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A request sent exactly as given: the path without `..` normalisation or percent-decoding, and
 * any Host header (fetch forbids setting Host).
 */
export function rawRequest(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers = { host: `127.0.0.1:${port}`, ...opts.headers, ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}) };
    const req = httpRequest({ host: '127.0.0.1', port, path: opts.path, method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes bytes on a fresh socket and returns the answer's status code once its head has arrived (0 if the server just closed). */
export function rawSocket(port: number, bytes: string, timeoutMs = 10_000): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), text });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('\r\n\r\n')) done();
    });
    socket.on('error', () => undefined);
    socket.on('close', done);
    socket.write(bytes);
  });
}

/**
 * A slow client: sends `start`, then `drip` every `everyMs`, never finishing, for at most `maxMs`.
 * Resolves with how it ended: `closed` by the server (with the status it sent, 408 normally) or
 * `survived` (still open when the client gave up).
 */
export function slowClient(
  port: number,
  opts: { start: string; drip: (n: number) => string; everyMs: number; maxMs: number },
): Promise<{ outcome: 'closed' | 'survived'; status: number; afterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (outcome: 'closed' | 'survived') => {
      if (done) return;
      done = true;
      clearInterval(trickle);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ outcome, status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), afterMs: Date.now() - started });
    };
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => finish('closed'));
    socket.on('connect', () => socket.write(opts.start));
    let n = 0;
    const trickle = setInterval(() => {
      if (socket.writable) socket.write(opts.drip(n++));
    }, opts.everyMs);
    const giveUp = setTimeout(() => finish('survived'), opts.maxMs);
  });
}

/** Slowloris: the headers never end (one more header line every `everyMs`). */
export const slowHeaders = (port: number, path = '/health/live') => ({
  start: `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`,
  drip: (n: number) => `X-Slow-${n}: aaaaaaaa\r\n`,
});

/** A trickled body: complete headers announcing 100 000 bytes, then one byte at a time. */
export const slowBody = (port: number, path: string) => ({
  start: `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`,
  drip: () => ' ',
});
