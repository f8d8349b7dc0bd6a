/**
 * One isolated lab for a drill test, all on 127.0.0.1: the todo API on its own PostgreSQL
 * database and the load generator as real processes, Prometheus (Debian's binary) scraping the two
 * every second with the repo's rendered config and rules, and the portal built in-process. Several
 * run side by side (one per drill), each with its own Prometheus, so no query sees another's data.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { writeStackConfig } from '@o11y/stack';
import { createLogger, createRegistry } from '@o11y/telemetry';
import { buildApp } from '../../apps/portal/src/app.ts';
import { readConfig } from '../../apps/portal/src/config.ts';
import { startPrometheus, type Server } from '../../packages/stack/test/servers.ts';
import { freePort } from './ports.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';
import { startApp, type Spawned } from './process.ts';

export const ADMIN_TOKEN = 'drill-lab-admin-token-0123456789abcdef';

export interface DrillLab {
  name: string;
  todoUrl: string;
  loadgenUrl: string;
  prometheus: Server;
  portal: FastifyInstance;
  /** The portal's address when it listens (`listen: true`), for a browser. */
  portalUrl: string | null;
  /** Everything the processes printed, for a failing test's message. */
  logs(): string;
  stop(): Promise<void>;
}

export interface DrillLabOptions {
  name: string;
  dir: string;
  /** The portal's DRILL_RATE. */
  rate: number;
  /** More portal environment. */
  portalEnv?: Record<string, string>;
  /** Let the portal listen on 127.0.0.1 (a browser test opens its page). */
  listen?: boolean;
}

export async function startDrillLab(opts: DrillLabOptions): Promise<DrillLab> {
  const dir = (name: string) => {
    const d = join(opts.dir, opts.name, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const [apiPort, loadgenPort, promPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const todoUrl = `http://127.0.0.1:${apiPort}`;
  const loadgenUrl = `http://127.0.0.1:${loadgenPort}`;
  const promUrl = `http://127.0.0.1:${promPort}`;
  const apps: Spawned[] = [];
  let db: TestDatabase | undefined;
  let prometheus: Server | undefined;
  let portal: FastifyInstance | undefined;
  const stop = async () => {
    await portal?.close();
    await prometheus?.stop();
    await Promise.all(apps.map((a) => a.stop()));
    await db?.drop();
  };
  try {
    db = await createTestDatabase(`drill_${opts.name.replace(/\W/g, '_')}`);
    const [todo, loadgen] = await Promise.all([
      startApp('todo-api', { PORT: String(apiPort), HOST: '127.0.0.1', DATABASE_URL: db.url, DATA_DIR: dir('todo-api'), ADMIN_TOKEN }, `${todoUrl}/health/ready`, 60_000),
      startApp(
        'load-generator',
        // Every request sampled: at the default 10 %, a route called twice a second left no exemplar
        // in a 30 s window about once in a hundred sessions, and the debrief's example traces with it.
        { PORT: String(loadgenPort), HOST: '127.0.0.1', DATA_DIR: dir('load-generator'), TODO_API_URL: todoUrl, TRACE_SAMPLE_RATIO: '1' },
        `${loadgenUrl}/health/ready`,
        60_000,
      ),
    ]);
    apps.push(todo, loadgen);
    const written = await writeStackConfig(
      dir('config'),
      { MODE: 'embedded' },
      {
        targets: { 'todo-api': `127.0.0.1:${apiPort}`, 'load-generator': `127.0.0.1:${loadgenPort}`, portal: null, prometheus: null, alertmanager: null },
        alertmanagerUrl: null,
        prometheusPublicUrl: promUrl,
        scrapeInterval: '1s',
      },
    );
    prometheus = await startPrometheus({ configFile: written.prometheusConfig, dataDir: dir('prometheus'), port: promPort });
    const config = readConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      MODE: 'embedded',
      DATA_DIR: dir('portal'),
      HEALTH_INTERVAL_MS: '60000',
      // Links (debrief, tools) point at this lab's services.
      TODO_API_PORT: String(apiPort),
      LOADGEN_PORT: String(loadgenPort),
      PROMETHEUS_PORT: String(promPort),
      TODO_API_INTERNAL_URL: todoUrl,
      LOADGEN_INTERNAL_URL: loadgenUrl,
      PROMETHEUS_INTERNAL_URL: promUrl,
      ALERTMANAGER_INTERNAL_URL: 'none',
      TODO_API_ADMIN_TOKEN: ADMIN_TOKEN,
      DRILL_RATE: String(opts.rate),
      ...opts.portalEnv,
    });
    portal = await buildApp(config, { registry: createRegistry({ defaultMetrics: false }), logger: createLogger({ name: 'portal', level: 'warn' }) });
    await portal.ready();
    if (opts.listen) await portal.listen({ port: 0, host: '127.0.0.1' });
  } catch (err) {
    await stop();
    throw err;
  }
  const server = prometheus;
  const app = portal;
  const address = opts.listen ? (app.server.address() as { port: number }) : null;
  return {
    name: opts.name,
    todoUrl,
    loadgenUrl,
    prometheus: server,
    portal: app,
    portalUrl: address ? `http://127.0.0.1:${address.port}` : null,
    logs: () => [`prometheus:\n${server.output().slice(-1500)}`, ...apps.map((a) => a.output().slice(-1500))].join('\n'),
    stop,
  };
}
