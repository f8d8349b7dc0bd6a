import type { FastifyInstance } from 'fastify';

export interface ReadinessCheck {
  ok: boolean;
  /** Per-dependency detail, e.g. `{ database: 'down: connection refused' }`. */
  checks?: Record<string, string>;
}

/**
 * `/health/live` answers while the process can serve; `/health/ready` reports whether its
 * dependencies are usable (503 when not), so orchestrators and the portal can tell the two apart.
 */
export function registerHealth(app: FastifyInstance, ready: () => Promise<ReadinessCheck> | ReadinessCheck = () => ({ ok: true })): void {
  const hide = { hide: true } as Record<string, unknown>;
  app.get('/health/live', { schema: hide }, async () => ({ status: 'ok' }));
  app.get('/health/ready', { schema: hide }, async (_request, reply) => {
    const result = await ready();
    reply.code(result.ok ? 200 : 503);
    return { status: result.ok ? 'ready' : 'not ready', ...(result.checks ? { checks: result.checks } : {}) };
  });
}
