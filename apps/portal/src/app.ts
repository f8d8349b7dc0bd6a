import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import {
  pickUiPath,
  registerControlPlane,
  registerHealth,
  registerJsonErrors,
  registerPublic,
  serverOptions,
  strictBodySchemaController,
  type ServerLimits,
} from '@o11y/platform';
import { createLogger, createRegistry, fastifyLogging, startTracing, telemetryPlugin, type Logger } from '@o11y/telemetry';
import { LoadGeneratorClient } from './clients/load-generator.js';
import { PrometheusClient } from './clients/prometheus.js';
import { TodoApiClient } from './clients/todo-api.js';
import type { PortalConfig } from './config.js';
import { generatorSource, type Lookup } from './distributed/discovery.js';
import { distributedRoutes } from './distributed/routes.js';
import { DistributedRuns } from './distributed/runs.js';
import { DrillHistory } from './drills/history.js';
import { DrillOrchestrator, type Clock } from './drills/orchestrator.js';
import { ExerciseLock } from './exercises.js';
import { HealthPoller } from './health/poller.js';
import { InboxStore } from './inbox/store.js';
import { createPortalMetrics } from './metrics.js';
import { createOutbound } from './outbound.js';
import { alertsRoutes } from './routes/alerts.js';
import { drillsRoutes } from './routes/drills.js';
import { scenariosRoutes } from './routes/scenarios.js';
import { linksConfig, servicesRoutes } from './routes/services.js';
import { ScenarioRunner } from './scenarios/runner.js';

/** The built page (scripts/build-ui.mjs), the same place whether this runs from src/ or dist/. */
export const PUBLIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/public');

export interface PortalDeps {
  registry?: Registry;
  logger?: Logger;
  tracer?: ReturnType<typeof startTracing>['tracer'];
  /** Directory of the built page; defaults to dist/public. */
  publicDir?: string;
  /** Server timeouts and body limit (tests shorten them). */
  server?: Partial<ServerLimits>;
  /** The drill sessions' clock (tests drive it). */
  clock?: Clock;
  /** How often scenario runs are polled to clear their fault when they end, ms. */
  scenarioPollMs?: number;
  /** How LOADGEN_DISCOVERY names are resolved (the system resolver by default). */
  lookup?: Lookup;
}

/** The portal's own API bodies are small; the webhook route allows WEBHOOK_BODY_LIMIT. */
export const PORTAL_BODY_LIMIT = 64 * 1024;

/** Builds the portal server: page, links config, health aggregation, alert inbox, firing alerts, scenarios, drills, /metrics. */
export async function buildApp(config: PortalConfig, deps: PortalDeps = {}): Promise<FastifyInstance> {
  const logger = deps.logger ?? createLogger({ name: 'portal' });
  const registry = deps.registry ?? createRegistry();
  const tracer = deps.tracer ?? startTracing({ serviceName: 'portal' }).tracer;
  const app = Fastify({
    ...fastifyLogging(logger),
    ...serverOptions({ bodyLimit: PORTAL_BODY_LIMIT, ...deps.server }),
    // JSON bodies are typed strictly ({"seed": "5"} → 400 naming seed), and unknown fields are refused
    // where a schema says additionalProperties: false, not silently dropped (a typo must not be ignored).
    schemaController: strictBodySchemaController(),
    ajv: { customOptions: { removeAdditional: false } },
  });

  registerJsonErrors(app);
  await app.register(telemetryPlugin, { registry, tracer });
  await registerControlPlane(app, config.access, 'The portal');
  const metrics = createPortalMetrics(registry);

  const inbox = await InboxStore.open(config.DATA_DIR, config.INBOX_LIMIT, (msg) => app.log.warn(msg));
  const outbound = createOutbound();
  const target = (id: string) => config.services.find((s) => s.info.id === id);
  const uiPaths = new Map<string, string>();
  const poller = new HealthPoller(config.services, {
    intervalMs: config.HEALTH_INTERVAL_MS,
    timeoutMs: config.HEALTH_TIMEOUT_MS,
    self: 'portal',
    fetch: outbound.fetch,
    onResult: (id, r) => {
      metrics.serviceUp.set({ service: id }, r.up ? 1 : 0);
      // Once a service answers, learn which of its page paths exists (see pickUiPath).
      const t = target(id);
      if (r.up && t?.internalUrl && !uiPaths.has(id)) {
        uiPaths.set(id, t.info.uiPath);
        void pickUiPath(t.internalUrl, t.info.uiPath, undefined, outbound.fetch).then((path) => uiPaths.set(id, path));
      }
    },
  });

  // The portal is the one holder of the todo API's admin token: scenarios and drills switch faults through these clients.
  const internal = (id: string) => target(id)?.internalUrl ?? null;
  const todoUrl = internal('todo-api');
  const loadgenUrl = internal('load-generator');
  const prometheusUrl = internal('prometheus');
  const todo = todoUrl ? new TodoApiClient(todoUrl, outbound.fetch, config.TODO_API_ADMIN_TOKEN || undefined) : null;
  const loadgen = loadgenUrl ? new LoadGeneratorClient(loadgenUrl, outbound.fetch, config.access.labToken) : null;
  const prometheus = prometheusUrl ? new PrometheusClient(prometheusUrl, outbound.fetch) : null;
  const lock = new ExerciseLock();
  const scenarios = new ScenarioRunner({ todo, loadgen, lock, log: app.log, ...(deps.scenarioPollMs ? { pollMs: deps.scenarioPollMs } : {}) });
  const history = await DrillHistory.open(config.DATA_DIR, (msg) => app.log.warn(msg));
  const drills = new DrillOrchestrator({ todo, loadgen, prometheus, history, lock, rate: config.DRILL_RATE, log: app.log, ...(deps.clock ? { clock: deps.clock } : {}) });
  await drills.recover();

  app.addHook('onReady', async () => poller.start());
  app.addHook('onClose', async () => {
    scenarios.close();
    await drills.close();
    await poller.stop();
    await inbox.flush();
    await outbound.close();
  });

  registerHealth(app);
  await app.register(servicesRoutes, { config, poller, uiPaths });
  await app.register(alertsRoutes, {
    inbox,
    metrics,
    alertmanagerUrl: target('alertmanager')?.internalUrl ?? null,
    timeoutMs: config.HEALTH_TIMEOUT_MS,
    webhookToken: config.ALERT_WEBHOOK_TOKEN || undefined,
    fetch: outbound.fetch,
  });
  await app.register(scenariosRoutes, { scenarios, loadgen });
  await app.register(drillsRoutes, { drills, links: () => linksConfig(config, uiPaths) });
  // Distributed runs: the load generators found by LOADGEN_DISCOVERY when a run starts, else the one load generator.
  const generators = generatorSource(config.loadgenDiscovery, loadgenUrl, deps.lookup);
  const distributed = await DistributedRuns.open({ dataDir: config.DATA_DIR, generators, token: config.access.labToken, fetch: outbound.fetch, warn: (msg) => app.log.warn(msg) });
  // Before the outbound pool closes (onClose): the generators are told to stop.
  app.addHook('preClose', async () => distributed.close());
  await app.register(distributedRoutes, { runs: distributed, generators });

  // The page's files need no LAB_TOKEN: the page itself shows the sign-in form when the API says 401.
  const publicDir = deps.publicDir ?? PUBLIC_DIR;
  await registerPublic(app, async (scope) => {
    if (existsSync(publicDir)) {
      await scope.register(fastifyStatic, { root: publicDir, prefix: '/', wildcard: false });
    } else {
      app.log.warn(`the page is not built (${publicDir} is missing): run \`npm run build:ui -w apps/portal\``);
      scope.get('/', async (_request, reply) =>
        reply.code(503).send({ error: 'The portal page is not built: run `npm run build:ui -w apps/portal`' }),
      );
    }
  });
  return app;
}
