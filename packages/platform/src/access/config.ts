import { Type } from '@sinclair/typebox';
import { SERVICES } from '../services.js';
import { HostList, LOOPBACK_NAMES, normalizeHost, parseHostEntry, type HostEntry } from './hosts.js';

/**
 * Compose services that are not in SERVICES but are reached by name inside the compose network
 * (the second todo API of the `cluster` profile).
 */
export const EXTRA_COMPOSE_NAMES = ['todo-api-cluster'] as const;

/** Shortest LAB_TOKEN accepted: a token this long from `openssl rand` cannot be guessed over HTTP. */
export const MIN_LAB_TOKEN_LENGTH = 16;

/**
 * The environment variables of the access controls, merged into each app's config schema.
 * LAB_TOKEN is a plain string here and checked by readAccessConfig, so a bad value is never echoed.
 */
export const AccessEnv = {
  /** Scheme and host people use to reach the lab; its host is one of the lab's names. */
  PUBLIC_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s/]+', description: 'scheme and host people use to reach the lab' })),
  /** More names (or name:port) the control plane answers to, comma-separated. */
  ALLOWED_HOSTS: Type.Optional(Type.String()),
  /**
   * The lab's domain when each UI has a host of its own (Kubernetes' Ingress): the portal at
   * LAB_DOMAIN, every other service at <service id>.<LAB_DOMAIN>. Those hosts are the lab's names,
   * and the sign-in cookie is set for the whole domain so one sign-in covers every UI.
   */
  LAB_DOMAIN: Type.Optional(Type.String()),
};
export const LabTokenEnv = {
  /** The control plane's access token (portal and load generator). */
  LAB_TOKEN: Type.Optional(Type.String()),
};

/** What the access controls of one app need, read once at start. */
export interface AccessConfig {
  /** The platform's own names: Host and Origin must be one of them. */
  hosts: HostList;
  /** LAB_TOKEN; undefined = the control plane needs no token (loopback only). */
  labToken: string | undefined;
  /** The session cookie gets `Secure` (PUBLIC_BASE_URL is https). */
  secureCookie: boolean;
  /**
   * The session cookie's `Domain` (LAB_DOMAIN with at least two labels), so the cookie set on one
   * UI host is sent to every <service>.<LAB_DOMAIN>; undefined = a host-only cookie.
   */
  cookieDomain: string | undefined;
}

/** Whether a listen address is reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = normalizeHost(host);
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

function hostOfUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? normalizeHost(u.hostname) : undefined;
  } catch {
    return undefined;
  }
}

/** LAB_DOMAIN as a host name (lower case, no trailing dot); undefined when unset or not a DNS name. */
export function labDomain(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const entry = parseHostEntry(raw);
  if (entry === undefined || entry === '*' || entry.port !== undefined || entry.host.includes(':') || /^[\d.]+$/.test(entry.host)) return undefined;
  return entry.host;
}

/**
 * The `Domain` of the sign-in cookie for a LAB_DOMAIN. Only a name of two labels or more: browsers
 * treat a single label (`localhost`) as a top-level domain, so a cookie for it would reach no other
 * host (Chromium keeps it host-only; a browser may refuse it on a sub-host's /login altogether).
 */
export function cookieDomainOf(domain: string | undefined): string | undefined {
  return domain !== undefined && domain.includes('.') ? domain : undefined;
}

/**
 * The names every app of the platform answers to on its control plane: the loopback names, the
 * PUBLIC_BASE_URL host, each service's public URL host (TODO_API_URL, PORTAL_URL, …), the compose
 * service names, LAB_DOMAIN and <service id>.<LAB_DOMAIN>, and ALLOWED_HOSTS. All but ALLOWED_HOSTS
 * entries with a port allow any port.
 */
export function platformHosts(env: Record<string, string | undefined>, invalid: (entry: string) => void = () => {}): HostList {
  const names = new Set<string>(LOOPBACK_NAMES);
  for (const raw of [env.PUBLIC_BASE_URL, ...SERVICES.map((s) => env[s.urlEnv])]) {
    const h = hostOfUrl(raw);
    if (h) names.add(h);
  }
  const domain = labDomain(env.LAB_DOMAIN);
  if (domain) {
    names.add(domain);
    for (const s of SERVICES) names.add(`${s.id}.${domain}`);
  }
  for (const s of SERVICES) names.add(s.id);
  for (const n of EXTRA_COMPOSE_NAMES) names.add(n);
  const extra = HostList.parse(env.ALLOWED_HOSTS ?? '', invalid);
  const entries: Array<HostEntry | '*'> = [...[...names].map((host) => ({ host, port: undefined })), ...extra.entries];
  return new HostList(entries);
}

export interface AccessOptions {
  /** The app's listen address (HOST): beyond loopback, LAB_TOKEN is required. */
  listenHost?: string;
  /** Whether this app's control plane takes LAB_TOKEN (portal, load generator). */
  labToken?: boolean;
}

/**
 * Reads the access settings once; problems (a bad ALLOWED_HOSTS entry, a short LAB_TOKEN, a
 * non-loopback HOST without LAB_TOKEN) are appended to `problems` for the app's ConfigError.
 */
export function readAccessConfig(env: Record<string, string | undefined>, opts: AccessOptions, problems: string[]): AccessConfig {
  const hosts = platformHosts(env, (entry) => problems.push(`ALLOWED_HOSTS: ${JSON.stringify(entry)} is not a host name or host:port`));
  const domain = labDomain(env.LAB_DOMAIN);
  if (env.LAB_DOMAIN !== undefined && env.LAB_DOMAIN.trim() !== '' && domain === undefined) {
    problems.push(`LAB_DOMAIN: ${JSON.stringify(env.LAB_DOMAIN)} is not a DNS name (e.g. lab.example.com, without scheme or port)`);
  }
  const token = opts.labToken && env.LAB_TOKEN ? env.LAB_TOKEN : undefined;
  if (token !== undefined && token.length < MIN_LAB_TOKEN_LENGTH) {
    problems.push(`LAB_TOKEN: must be at least ${MIN_LAB_TOKEN_LENGTH} characters (e.g. LAB_TOKEN=$(openssl rand -base64 24))`);
  }
  if (opts.labToken && token === undefined && opts.listenHost !== undefined && !isLoopbackHost(opts.listenHost)) {
    problems.push(
      `LAB_TOKEN: required because HOST=${opts.listenHost} makes this app reachable from other machines. ` +
        'Set LAB_TOKEN to a long random secret (e.g. LAB_TOKEN=$(openssl rand -base64 24); with docker compose put it in .env), ' +
        'then sign in once at <portal>/login?token=<LAB_TOKEN>. Or listen on this machine only: HOST=127.0.0.1.',
    );
  }
  return { hosts, labToken: token, secureCookie: env.PUBLIC_BASE_URL?.startsWith('https:') ?? false, cookieDomain: cookieDomainOf(domain) };
}
