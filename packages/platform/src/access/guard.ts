import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessConfig } from './config.js';
import { effectivePort, parseAuthority, type HostList } from './hosts.js';
import { bearerToken, cookieValue, LAB_SESSION_COOKIE, labSessionValue, sameSecret } from './secrets.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `public`: no LAB_TOKEN needed (static UI files, /login). Host and Origin are still checked. */
    access?: 'public';
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function isUpgrade(request: FastifyRequest): boolean {
  return (request.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/**
 * Sends a refusal. A refused WebSocket upgrade has no HTTP parser left on its socket, so nothing
 * would ever close it: it is ended after the answer (and destroyed if the client lingers).
 */
export function refuse(request: FastifyRequest, reply: FastifyReply, code: number, payload: Record<string, unknown>): FastifyReply {
  if (isUpgrade(request)) {
    const socket = request.raw.socket;
    reply.header('connection', 'close');
    reply.raw.once('finish', () => {
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }
  return reply.code(code).send(payload);
}

/** The data plane of every app: health and metrics stay open to any Host, without a token. */
export function isOpenRoute(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route !== undefined && (route.startsWith('/health/') || route === '/metrics');
}

/** Why a request's Host or Origin is refused (403), or undefined when both are the lab's own. */
export function foreignRequest(request: FastifyRequest, hosts: HostList): string | undefined {
  const defaultPort = request.protocol === 'https' ? 443 : 80;
  const raw = request.headers.host;
  const host = parseAuthority(raw, defaultPort);
  if (!host || !hosts.allows(host.host, host.port)) {
    return (
      `Host ${JSON.stringify(raw ?? '')} is not one of this lab's names, so the request is refused (a DNS-rebinding guard). ` +
      'Open the lab by localhost, the PUBLIC_BASE_URL host or a name listed in ALLOWED_HOSTS (comma-separated, e.g. ALLOWED_HOSTS=lab.local,192.168.1.20).'
    );
  }
  const origin = request.headers.origin;
  if (origin !== undefined && (STATE_CHANGING.has(request.method) || isUpgrade(request))) {
    let allowed = false;
    try {
      const u = new URL(origin);
      allowed = (u.protocol === 'http:' || u.protocol === 'https:') && hosts.allows(u.hostname, effectivePort(u));
    } catch {
      allowed = false; // "null" (sandboxed frames, file://) or garbage
    }
    if (!allowed) {
      return (
        `Cross-site request refused: Origin ${JSON.stringify(origin)} is not one of this lab's origins. ` +
        'Use the lab from its own pages, or add that host to ALLOWED_HOSTS.'
      );
    }
  }
  return undefined;
}

/** A route hook: 403 JSON unless Host (always) and Origin (state-changing requests) are the lab's own. */
export function hostOriginCheck(hosts: HostList) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const why = foreignRequest(request, hosts);
    if (why) await refuse(request, reply, 403, { error: why });
  };
}

/** Whether the request carries LAB_TOKEN as a Bearer header or as the /login session cookie. */
export function hasLabCredential(request: FastifyRequest, labToken: string, sessionValue = labSessionValue(labToken)): boolean {
  const bearer = bearerToken(request);
  if (bearer !== undefined) return sameSecret(bearer, labToken);
  const cookie = cookieValue(request.headers.cookie, LAB_SESSION_COOKIE);
  return cookie !== undefined && sameSecret(cookie, sessionValue);
}

export interface ControlPlaneGuardOptions {
  access: AccessConfig;
  /** The app, for messages ("the load generator"). */
  name: string;
}

/**
 * Guards a whole app as control plane (portal, load generator), after telemetry so refusals are
 * counted and logged: every request but /health/* and /metrics must have a Host (and, when it
 * changes state or opens a WebSocket, an Origin) of the lab's own; and when LAB_TOKEN is set,
 * every route not marked `access: 'public'` needs it (Bearer header or session cookie) → 401.
 */
export function registerControlPlaneGuard(app: FastifyInstance, opts: ControlPlaneGuardOptions): void {
  const { hosts, labToken } = opts.access;
  const session = labToken ? labSessionValue(labToken) : undefined;
  app.addHook('onRequest', async (request, reply) => {
    if (isOpenRoute(request)) return;
    const why = foreignRequest(request, hosts);
    if (why) return refuse(request, reply, 403, { error: why });
    if (!labToken || request.routeOptions.config?.access === 'public') return;
    if (hasLabCredential(request, labToken, session)) return;
    return refuse(request, reply.header('www-authenticate', 'Bearer realm="o11y-lab"'), 401, {
        error:
          `${opts.name} needs the lab's access token (LAB_TOKEN): sign in once at /login?token=<LAB_TOKEN> ` +
          '(the cookie covers every service of this host), or send Authorization: Bearer <LAB_TOKEN>',
      sign_in: '/login',
    });
  });
}

/**
 * Registers routes that need no LAB_TOKEN (static UI files, /login): every route added inside
 * `register` is marked `access: 'public'`. Host and Origin are still checked for them.
 */
export async function registerPublic(app: FastifyInstance, register: (scope: FastifyInstance) => Promise<void>): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), access: 'public' };
    });
    await register(scope);
  });
}
