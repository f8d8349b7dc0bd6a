import { internalUrlEnv, SERVICES, serviceById, type Mode, type ServiceInfo } from '@o11y/platform';

export type Env = Record<string, string | undefined>;

/** Thrown for a bad setting; the CLI prints the message and exits 1. */
export class StackConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackConfigError';
  }
}

/** Trims a trailing slash; rejects anything that is not an absolute http(s) URL. */
export function checkUrl(name: string, raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new StackConfigError(`${name}: must be an absolute http(s) URL (got ${JSON.stringify(raw)})`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new StackConfigError(`${name}: must be an http(s) URL (got ${JSON.stringify(raw)})`);
  }
  return raw.replace(/\/+$/, '');
}

function portFromEnv(service: ServiceInfo, env: Env): number | undefined {
  const raw = env[service.portEnv];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new StackConfigError(`${service.portEnv}: must be a port number (got ${JSON.stringify(raw)})`);
  }
  return n;
}

/**
 * The URL people open for a service (links in alerts, `--web.external-url`). The same rules as the
 * portal's links: the service's URL variable (e.g. GRAFANA_URL); else PUBLIC_BASE_URL's scheme and
 * host with the service's port (its port variable, or the compose host port); else localhost.
 */
export function publicUrl(id: string, mode: Mode, env: Env): string {
  const service = serviceById(id);
  const own = env[service.urlEnv];
  if (own) return checkUrl(service.urlEnv, own);
  const port = portFromEnv(service, env) ?? (mode === 'compose' ? (service.composeHostPort ?? service.port) : service.port);
  const base = new URL(env.PUBLIC_BASE_URL ? checkUrl('PUBLIC_BASE_URL', env.PUBLIC_BASE_URL) : 'http://localhost');
  base.port = String(port);
  return base.origin;
}

/**
 * The address one service uses to reach another: `<X>_INTERNAL_URL` when set; else
 * `http://<id>:<port>` in compose (the compose service name) and `http://127.0.0.1:<port>` embedded.
 */
export function internalUrl(id: string, mode: Mode, env: Env): string {
  const service = serviceById(id);
  const name = internalUrlEnv(service);
  const own = env[name];
  if (own) return checkUrl(name, own);
  if (mode === 'compose') return `http://${service.id}:${service.containerPort ?? service.port}`;
  return `http://127.0.0.1:${portFromEnv(service, env) ?? service.port}`;
}

/** The services Prometheus scrapes in a mode: those with a metrics path that run in it. */
export function scrapedServices(mode: Mode): ServiceInfo[] {
  return SERVICES.filter((s) => s.metricsPath !== undefined && s.modes.includes(mode));
}

/** `host:port` of a service's scrape target: `<id>:<port>` in compose, `127.0.0.1:<port>` embedded. */
export function defaultTarget(service: ServiceInfo, mode: Mode, env: Env = {}): string {
  if (mode === 'compose') return `${service.id}:${service.containerPort ?? service.port}`;
  return `127.0.0.1:${portFromEnv(service, env) ?? service.port}`;
}
