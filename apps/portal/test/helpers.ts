import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { internalUrlEnv, SERVICES } from '@o11y/platform';
import { createLogger, createRegistry } from '@o11y/telemetry';
import { buildApp, type PortalDeps } from '../src/app.js';
import { readConfig } from '../src/config.js';

/** Every service's internal URL set to "none" (not polled), so a test probes only what it names. */
export function nothingPolled(): Record<string, string> {
  return Object.fromEntries(SERVICES.filter((s) => s.id !== 'portal').map((s) => [internalUrlEnv(s), 'none']));
}

export function tempDir(prefix = 'portal-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A portal built in-process with its own registry and a quiet logger. */
export async function portal(env: Record<string, string>, deps: Pick<PortalDeps, 'clock' | 'scenarioPollMs'> = {}) {
  const config = readConfig({ HEALTH_INTERVAL_MS: '300', HEALTH_TIMEOUT_MS: '1000', ...nothingPolled(), ...env });
  const app = await buildApp(config, { registry: createRegistry({ defaultMetrics: false }), logger: createLogger({ name: 'portal', level: 'silent' }), ...deps });
  await app.ready();
  return app;
}

export interface Fake {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** A local HTTP server on 127.0.0.1 (port 0 unless given) answering with `handler`. */
export async function fakeServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void, port = 0): Promise<Fake> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  return {
    server,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** An Alertmanager webhook payload (version 4) as Alertmanager 0.25 sends it. */
export function webhookPayload(alerts: Array<{ alertname: string; status?: 'firing' | 'resolved'; severity?: string; summary?: string }>) {
  const status = alerts.some((a) => (a.status ?? 'firing') === 'firing') ? 'firing' : 'resolved';
  return {
    receiver: 'portal',
    status,
    alerts: alerts.map((a, i) => ({
      status: a.status ?? 'firing',
      labels: { alertname: a.alertname, severity: a.severity ?? 'critical', job: 'todo-api' },
      annotations: { summary: a.summary ?? `${a.alertname} summary`, description: `${a.alertname} description` },
      startsAt: new Date(Date.now() - 60_000 + i).toISOString(),
      endsAt: (a.status ?? 'firing') === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: 'http://127.0.0.1:9090/graph',
      fingerprint: `f${i}`,
    })),
    groupLabels: { alertname: alerts[0]?.alertname ?? '' },
    commonLabels: { job: 'todo-api' },
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    version: '4',
    groupKey: '{}:{alertname="x"}',
    truncatedAlerts: 0,
  };
}

/** Polls `check` until it returns a value (bounded); throws with `what` otherwise. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
