/**
 * Limits of every app's HTTP server, so a slow or huge client cannot hold the process: Node closes
 * a connection whose headers take longer than `headersTimeoutMs` (slowloris) or whose whole
 * request takes longer than `requestTimeoutMs` (a trickled body) with 408, and an idle keep-alive
 * connection after `keepAliveTimeoutMs`. `requestTimeout` covers receiving the request only: a
 * long response such as a Server-Sent Events stream is not cut by it. Node checks the first two
 * every `connectionsCheckingIntervalMs`. Bodies over `bodyLimit` are refused with 413.
 */
export interface ServerLimits {
  bodyLimit: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  connectionsCheckingIntervalMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  bodyLimit: 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // Above Prometheus' 5 s scrape interval, so scrapes reuse their connection.
  keepAliveTimeoutMs: 10_000,
  connectionsCheckingIntervalMs: 1_000,
};

/** The Fastify options that apply the limits (spread into `Fastify({...})`). */
export function serverOptions(overrides: Partial<ServerLimits> = {}) {
  const l = { ...DEFAULT_SERVER_LIMITS, ...overrides };
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeout = Math.min(l.headersTimeoutMs, l.requestTimeoutMs);
  return {
    bodyLimit: l.bodyLimit,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    http: { headersTimeout, requestTimeout: l.requestTimeoutMs, connectionsCheckingInterval: l.connectionsCheckingIntervalMs },
  };
}
