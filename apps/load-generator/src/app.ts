import swagger from '@fastify/swagger';
import type { Tracer } from '@opentelemetry/api';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { registerControlPlane, registerHealth, registerJsonErrors, serverOptions, type ServerLimits } from '@o11y/platform';
import { createLogger, createRegistry, fastifyLogging, startTracing, telemetryPlugin, type Logger } from '@o11y/telemetry';
import { apiRoutes } from './api/routes.js';
import { wsCompatPlugin } from './api/ws-compat.js';
import type { Config } from './config.js';
import { RunManager } from './engine/manager.js';
import { uiPlugin } from './ui/plugin.js';
import { VERSION } from './version.js';

export interface AppDeps {
  registry?: Registry;
  tracer?: Tracer;
  /** Whether spans are exported (worker threads then export theirs too). */
  tracingExported?: boolean;
  logger?: Logger;
  /** Server timeouts and body limit (tests shorten them). */
  server?: Partial<ServerLimits>;
  /** Worker threads per run ("auto" by default); tests pin it to exercise the threads. */
  threads?: number | 'auto';
}

/** The load generator's HTTP server: REST API, SSE, OpenAPI, health, metrics, the web UI and /ws. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const registry = deps.registry ?? createRegistry();
  const tracing = deps.tracer ? undefined : startTracing({ serviceName: 'load-generator', serviceVersion: VERSION });
  const tracer = deps.tracer ?? (tracing as NonNullable<typeof tracing>).tracer;
  // 1 MiB bodies: a run may carry up to 1000 stages.
  const app = Fastify({
    ...fastifyLogging(deps.logger ?? createLogger({ name: 'load-generator' })),
    ...serverOptions({ bodyLimit: 1024 * 1024, ...deps.server }),
  }) as unknown as FastifyInstance;
  registerJsonErrors(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'o11y load generator',
        version: VERSION,
        description:
          'Open-model HTTP load generator. Runs follow a load profile r(t); each request is sent at its intended time ' +
          '(the integral of r), whatever the target does; latency is measured from that time. A run sends one target or a weighted ' +
          'mix of up to 20 requests (templates, captures, statistics per request). Target hosts must be in TARGET_ALLOWLIST.',
      },
      tags: [
        { name: 'runs', description: 'Start, watch, stop and report runs' },
        { name: 'profiles', description: 'Load profiles' },
        { name: 'presets', description: 'Built-in traffic mixes' },
      ],
    },
  });
  await app.register(telemetryPlugin, { registry, tracer });
  await registerControlPlane(app, config.access, 'The load generator');
  registerHealth(app);
  const manager = new RunManager({
    limits: config,
    maxActiveRuns: config.maxActiveRuns,
    dataDir: config.dataDir,
    registry,
    tracer,
    tracingExported: deps.tracingExported ?? tracing?.exporting ?? false,
    log: app.log,
    ...(deps.threads !== undefined ? { threads: deps.threads } : {}),
  });
  await manager.init();
  app.addHook('preClose', async () => manager.shutdown());
  await app.register(apiRoutes, { manager, config });
  app.get('/openapi.json', { schema: { hide: true } as Record<string, unknown> }, async () => app.swagger());
  await app.register(uiPlugin, { todoApiUrl: config.todoApiUrl, allowlist: config.allowlist });
  await app.register(wsCompatPlugin);
  return app;
}
