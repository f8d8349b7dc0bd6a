import { runMain } from '@o11y/platform';
import { startTracing } from '@o11y/telemetry';
import { buildApp } from './app.js';
import { portalPublicUrl, readConfig } from './config.js';

runMain(async () => {
  const tracing = startTracing({ serviceName: 'portal' });
  const config = readConfig();
  const app = await buildApp(config, { tracer: tracing.tracer });
  const close = async () => {
    await app.close();
    await tracing.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void close());
  process.once('SIGINT', () => void close());
  await app.listen({ port: config.PORT, host: config.HOST });
  const url = portalPublicUrl(config);
  // The one place the token is printed: the owner reads it here (docker compose logs portal).
  app.log.info(
    config.access.labToken
      ? `portal listening on ${url}: sign in at ${url}/login?token=${encodeURIComponent(config.access.labToken)}`
      : `portal listening on ${url} (no LAB_TOKEN: the control plane is open to this machine only)`,
  );
});
