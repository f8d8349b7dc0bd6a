// The health check of the platform's Node containers: the Dockerfile's HEALTHCHECK and
// docker-compose.yml's `x-node-app` anchor both run this one file (`node infra/docker/healthcheck.mjs`,
// working directory /app). It asks the app on this container's $PORT for $HEALTH_PATH (default
// /health/ready, the readiness check every app serves) and exits 0 on a 2xx answer, 1 otherwise,
// within HEALTH_TIMEOUT_MS (default 2500, under the checks' 3 s timeout). Node's own fetch: the
// slim image has no curl or wget.
const port = process.env.PORT;
const path = process.env.HEALTH_PATH || '/health/ready';
const timeoutMs = Number(process.env.HEALTH_TIMEOUT_MS || 2500);
if (!port || !/^\d{1,5}$/.test(port)) {
  console.error(`healthcheck: PORT is not a port number (${JSON.stringify(port ?? null)})`);
  process.exit(1);
}
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  await res.body?.cancel();
  if (!res.ok) console.error(`healthcheck: ${path} answered ${res.status}`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  console.error(`healthcheck: ${path} on port ${port}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
