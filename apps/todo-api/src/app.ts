import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Tracer } from '@opentelemetry/api';
import { registerHealth, registerJsonErrors, strictBodySchemaController } from '@o11y/platform';
import { createLogger, createRegistry, fastifyLogging, startTracing, telemetryPlugin, type Logger } from '@o11y/telemetry';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { Registry } from 'prom-client';
import { DEFAULT_ROUNDS, hashPassword } from './auth/passwords.js';
import { resolveJwtSecret } from './auth/secret.js';
import { createTokenService } from './auth/tokens.js';
import type { Config } from './config.js';
import { connectDatabase, type ConnectOptions } from './db/connect.js';
import { Database } from './db/database.js';
import { isUnavailable, sqlState, type Driver } from './db/driver.js';
import { TasksRepository } from './db/tasks.js';
import { UsersRepository } from './db/users.js';
import { FaultController } from './faults/controller.js';
import { registerFaultGauges } from './faults/gauges.js';
import { BackgroundHogs } from './faults/hogs.js';
import { registerFaultHooks } from './faults/requests.js';
import { statementFaults } from './faults/statements.js';
import { authRoutes } from './routes/auth.js';
import { faultRoutes } from './routes/faults.js';
import { pingRoutes } from './routes/ping.js';
import { DEMO_EMAIL, DEMO_PASSWORD } from './routes/schemas.js';
import { taskRoutes } from './routes/tasks.js';
import { createAppMetrics } from './telemetry/metrics.js';

export const SERVICE_NAME = 'todo-api';

export interface AppDeps {
  logger?: Logger;
  /** Where the default logger writes (tests read the JSON lines from it). */
  logStream?: DestinationStream;
  registry?: Registry;
  tracer?: Tracer;
  /** An already open driver (tests share one); otherwise one is opened from the config. */
  driver?: Driver;
  /** Overrides of the connect/retry behaviour (tests shorten the backoff). */
  connect?: Partial<Pick<ConnectOptions, 'retryInitialMs' | 'retryMaxMs' | 'maxAttempts' | 'txnRetry' | 'migration' | 'openPostgres'>>;
  /** bcrypt cost; tests lower it to stay light on the shared CPU. */
  passwordRounds?: number;
  /** Interval of the background database check, ms. */
  dbCheckIntervalMs?: number;
  /** Random source of the fault injector (tests make it deterministic). */
  random?: () => number;
}

export type App = FastifyInstance & { db: Database; faults: FaultController };

/**
 * Builds the todo API: connects (retrying while the database is unreachable), migrates, seeds
 * the demo user and returns a ready-to-listen Fastify instance. Closing it closes the database.
 */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const telemetry = config.TELEMETRY_ENABLED;
  const logger = deps.logger ?? createLogger({ name: SERVICE_NAME, level: config.LOG_LEVEL, destination: deps.logStream });
  const registry = deps.registry ?? createRegistry();
  const tracer = telemetry ? (deps.tracer ?? startTracing({ serviceName: SERVICE_NAME }).tracer) : undefined;
  const jwtSecret = resolveJwtSecret(config);

  const driver =
    deps.driver ??
    (await connectDatabase({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.DATA_DIR,
      poolSize: config.POOL_SIZE,
      logger,
      ...deps.connect,
    }));
  const faults = new FaultController({ logger });
  const hogs = new BackgroundHogs(faults);
  registerFaultGauges(registry, faults, () => hogs.memory.retained);
  const metrics = createAppMetrics(registry, () => db.poolStats(), () => driver.retries);
  const db: Database = new Database(driver, {
    logger,
    metrics: telemetry ? metrics : undefined,
    tracer,
    faults: statementFaults(faults),
    checkIntervalMs: deps.dbCheckIntervalMs,
  });
  faults.onChange(() => db.poolFaultChanged());
  const users = new UsersRepository(db);
  const tasks = new TasksRepository(db);
  const tokens = createTokenService(jwtSecret, config.jwtTtlSeconds);
  const passwordRounds = deps.passwordRounds ?? DEFAULT_ROUNDS;

  try {
    await seedDemoUser(users, passwordRounds);
  } catch (err) {
    await driver.close().catch(() => undefined);
    throw err;
  }

  const app = Fastify({
    ...fastifyLogging(logger),
    bodyLimit: 1024 * 1024,
    // JSON bodies are typed strictly ({"title": 12345} → 400 naming title), query strings coerce (?limit=5).
    schemaController: strictBodySchemaController(),
    ajv: {
      customOptions: {
        // Unknown fields are rejected where a schema says additionalProperties: false (faults),
        // instead of being silently dropped; `example` feeds Swagger's "Try it out".
        removeAdditional: false,
        keywords: ['example'],
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerJsonErrors(app);
  if (tracer) await app.register(telemetryPlugin, { registry, tracer });
  await app.register(rateLimit, {
    global: false,
    onExceeded: () => metrics.logins.inc({ result: 'rate_limited' }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Todo API',
        version: '1.0.0',
        description: `The service under observation. Log in with the demo user (${DEMO_EMAIL} / ${DEMO_PASSWORD}), press Authorize and paste the token.`,
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      tags: [
        { name: 'auth', description: 'Register and log in' },
        { name: 'tasks', description: 'Your tasks (Bearer token)' },
        { name: 'faults', description: 'Fault injection (the teaching lever)' },
        { name: 'service', description: 'Service' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/swagger', uiConfig: { persistAuthorization: true, tryItOutEnabled: true } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerHealth(app, () => db.check());
  registerFaultHooks(app, faults, hogs.memory, deps.random);

  await app.register(async (api) => {
    // A lost database is the one server-side failure a client should see as "try again later":
    // 503 JSON rather than the generic 500. Anything else is rethrown to the JSON error handler.
    api.setErrorHandler(async (err, _request, reply) => {
      if (isUnavailable(err)) {
        return reply.code(503).header('retry-after', '5').send({ error: 'Database unavailable, try again shortly' });
      }
      // SQLSTATE class 22 (data exception) is input the schemas let through but the database
      // refused: still the client's input, so 400, never 500.
      if (sqlState(err)?.startsWith('22')) return reply.code(400).send({ error: 'Invalid value' });
      throw err;
    });
    await api.register(pingRoutes);
    await api.register(authRoutes, { users, tokens, metrics, loginRateLimit: config.LOGIN_RATE_LIMIT, passwordRounds });
    await api.register(taskRoutes, { users, tasks, tokens, metrics });
    await api.register(faultRoutes, { faults, adminToken: config.ADMIN_TOKEN });
  });

  app.decorate('db', db);
  app.decorate('faults', faults);
  db.startMonitor();
  app.addHook('onClose', async () => {
    faults.close();
    hogs.close();
    if (!deps.driver) await db.close();
  });
  return app as unknown as App;
}

/** The Swagger example credentials work on a fresh install; idempotent across restarts and replicas. */
async function seedDemoUser(users: UsersRepository, rounds: number): Promise<void> {
  if (await users.findByEmail(DEMO_EMAIL)) return;
  await users.create(DEMO_EMAIL, await hashPassword(DEMO_PASSWORD, rounds));
}
