import { runMain } from '@o11y/platform';
import { startTracing } from '@o11y/telemetry';
import { buildApp } from './app.js';
import { readConfig } from './config.js';
import { VERSION } from './version.js';

runMain(async () => {
  const tracing = startTracing({ serviceName: 'load-generator', serviceVersion: VERSION });
  const config = readConfig();
  const app = await buildApp(config, { tracer: tracing.tracer, tracingExported: tracing.exporting });
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down: stopping active runs');
    await app.close();
    await tracing.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen({ port: config.port, host: config.host });
});
