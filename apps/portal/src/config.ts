import { Type, type Static } from '@sinclair/typebox';
import {
  AccessEnv,
  ConfigError,
  defaultDataDir,
  internalUrlEnv,
  LabTokenEnv,
  loadConfig,
  readAccessConfig,
  SERVICES,
  type AccessConfig,
  type Mode,
  type ServiceInfo,
} from '@o11y/platform';
import { parseDiscovery, type DiscoveryEntry } from './distributed/discovery.js';

/** The portal's environment. Per-service variables (URL, port, internal URL) are read by `servicesConfig`. */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATA_DIR: Type.String({ minLength: 1, default: defaultDataDir('portal') }),
  MODE: Type.Union([Type.Literal('embedded'), Type.Literal('compose')], { default: 'embedded' }),
  /** PUBLIC_BASE_URL (scheme and host used for links; one of the lab's names) and ALLOWED_HOSTS. */
  ...AccessEnv,
  /** The control plane's access token: required when HOST is not loopback. */
  ...LabTokenEnv,
  /** Alertmanager's bearer token for POST /api/alerts/webhook; unset → the webhook needs LAB_TOKEN like any API route. */
  ALERT_WEBHOOK_TOKEN: Type.Optional(Type.String()),
  /**
   * The todo API's ADMIN_TOKEN as a client of it, for what switches faults from the portal
   * (scenarios and drills move here from the load generator); the launcher and compose pass it.
   */
  TODO_API_ADMIN_TOKEN: Type.Optional(Type.String()),
  /**
   * Requests per second of a drill's background traffic (the load generator's todo-journey mix):
   * moderate, so every route has healthy traffic to compare against; the database faults are sized from it.
   */
  DRILL_RATE: Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: 10 }),
  /** How often each service's health is probed, and the timeout of one probe, in milliseconds. */
  HEALTH_INTERVAL_MS: Type.Integer({ minimum: 200, maximum: 60_000, default: 3000 }),
  HEALTH_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 30_000, default: 2000 }),
  /** How many notifications the inbox keeps. */
  INBOX_LIMIT: Type.Integer({ minimum: 1, maximum: 10_000, default: 200 }),
  /**
   * Where distributed runs find their load generators: comma-separated `host:port`, each host
   * resolved (all its addresses) when a run starts, e.g. Kubernetes' headless Service
   * `load-generator-headless:8081`. Unset: the one load generator the portal links to.
   */
  LOADGEN_DISCOVERY: Type.Optional(Type.String()),
});

export type BaseConfig = Static<typeof ConfigSchema>;

/** What the portal knows about one service: its public link inputs and where the server probes it. */
export interface ServiceTarget {
  info: ServiceInfo;
  /** Port people reach it on (host port). */
  publicPort: number;
  /** Full public base URL from the service's URL variable, when set. */
  publicUrl: string | null;
  /** Base URL the portal server uses for health, Alertmanager and load-generator calls; null = not polled. */
  internalUrl: string | null;
  inMode: boolean;
}

export interface PortalConfig extends BaseConfig {
  services: ServiceTarget[];
  /** LOADGEN_DISCOVERY, parsed; empty = the load generator's internal URL. */
  loadgenDiscovery: DiscoveryEntry[];
  /** Host/Origin names and LAB_TOKEN of the control plane. */
  access: AccessConfig;
}

function parseUrl(name: string, raw: string, problems: string[]): string | null {
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    return raw.replace(/\/+$/, '');
  } catch {
    problems.push(`${name}: must be an http(s) URL (got ${JSON.stringify(raw)})`);
    return null;
  }
}

function parsePort(name: string, raw: string, problems: string[]): number | null {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    problems.push(`${name}: must be a port number (got ${JSON.stringify(raw)})`);
    return null;
  }
  return n;
}

/**
 * Per-service settings from SERVICES and the environment:
 * - public port: `<portEnv>` when set, else the compose host port (compose) or the default port;
 *   the portal's own port in embedded mode is PORT unless PORTAL_PORT says otherwise;
 * - public URL: `<urlEnv>` (e.g. GRAFANA_URL) when set;
 * - internal URL: `<X>_INTERNAL_URL` when set ("none" = not polled), else
 *   http://127.0.0.1:<port> in embedded mode and http://<id>:<containerPort|port> in compose,
 *   and null for services that do not run in this mode.
 */
export function servicesConfig(base: BaseConfig, env: Record<string, string | undefined>, problems: string[]): ServiceTarget[] {
  return SERVICES.map((info) => {
    const inModeByList = info.modes.includes(base.MODE as Mode);
    const portRaw = env[info.portEnv];
    let publicPort = base.MODE === 'compose' ? (info.composeHostPort ?? info.port) : info.port;
    if (info.id === 'portal' && base.MODE === 'embedded' && base.PORT > 0) publicPort = base.PORT;
    if (portRaw) publicPort = parsePort(info.portEnv, portRaw, problems) ?? publicPort;
    const urlRaw = env[info.urlEnv];
    const publicUrl = urlRaw ? parseUrl(info.urlEnv, urlRaw, problems) : null;
    const internalName = internalUrlEnv(info);
    const internalRaw = env[internalName];
    let internalUrl: string | null;
    let inMode = inModeByList;
    if (internalRaw === 'none') {
      internalUrl = null;
      inMode = false;
    } else if (internalRaw) {
      internalUrl = parseUrl(internalName, internalRaw, problems);
      inMode = true;
    } else if (!inModeByList) {
      internalUrl = null;
    } else if (base.MODE === 'compose') {
      internalUrl = `http://${info.id}:${info.containerPort ?? info.port}`;
    } else {
      const port = info.id === 'portal' ? base.PORT : portRaw ? publicPort : info.port;
      internalUrl = `http://127.0.0.1:${port}`;
    }
    return { info, publicPort, publicUrl, internalUrl, inMode };
  });
}

/** Reads and validates the whole configuration once; throws ConfigError listing every problem. */
export function readConfig(env: Record<string, string | undefined> = process.env): PortalConfig {
  const base = loadConfig(ConfigSchema, env);
  const problems: string[] = [];
  const services = servicesConfig(base, env, problems);
  if (base.PUBLIC_BASE_URL) parseUrl('PUBLIC_BASE_URL', base.PUBLIC_BASE_URL, problems);
  const access = readAccessConfig(env, { listenHost: base.HOST, labToken: true }, problems);
  const loadgenDiscovery = parseDiscovery(base.LOADGEN_DISCOVERY ?? '', problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...base, services, access, loadgenDiscovery };
}

/**
 * The portal's own public URL, for the sign-in link of the start line: PORTAL_URL; else
 * PUBLIC_BASE_URL with the portal's public port; else http://localhost:<PORT>.
 */
export function portalPublicUrl(config: PortalConfig): string {
  const self = config.services.find((s) => s.info.id === 'portal');
  if (self?.publicUrl) return self.publicUrl;
  const base = new URL(config.PUBLIC_BASE_URL ?? 'http://localhost');
  base.port = String(config.PUBLIC_BASE_URL ? (self?.publicPort ?? config.PORT) : config.PORT);
  return base.origin;
}
