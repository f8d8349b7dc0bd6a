import { runMain } from '@o11y/platform';
import { startTracing } from '@o11y/telemetry';
import { buildApp, SERVICE_NAME } from './app.js';
import { readConfig } from './config.js';

runMain(async () => {
  // Tracing first, so the tracer provider is registered before any span is made.
  const tracing = startTracing({ serviceName: SERVICE_NAME });
  const config = readConfig();
  const app = await buildApp(config, { tracer: tracing.tracer });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    await app.close().catch((err: unknown) => app.log.error({ err }, 'error while closing'));
    await tracing.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // The service must outlive a lost database or a bad request: log, never crash.
  process.on('unhandledRejection', (reason) => app.log.error({ err: reason }, 'unhandled rejection'));
  await app.listen({ port: config.PORT, host: config.HOST });
  app.log.info({ url: `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.PORT}`, swagger: '/swagger' }, 'todo-api listening');
});
