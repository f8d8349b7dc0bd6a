import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultController } from './controller.js';

/** Busy-waits: the point of the cpu_burn fault is to occupy the event loop like slow code would. */
export function burnCpu(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* spin */
  }
}

/**
 * Applies latency, CPU burn and error faults to the API routes (not to /api/faults itself,
 * health, metrics or docs, so the operator can always see and undo what they did).
 * Runs as a preHandler, inside the request's span, so the added time is part of the trace.
 */
export function registerFaultHooks(app: FastifyInstance, faults: FaultController, random: () => number = Math.random): void {
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url;
    if (!route || !route.startsWith('/api/') || route.startsWith('/api/faults')) return;
    const { latency, cpu_burn, error } = faults.current;
    if (latency && matches(latency, request.method, route) && random() < (latency.probability ?? 1)) {
      const ms = latency.ms + (latency.jitter_ms ? random() * latency.jitter_ms : 0);
      await new Promise((r) => setTimeout(r, ms));
    }
    if (cpu_burn && cpu_burn.ms > 0) burnCpu(cpu_burn.ms);
    if (error && random() < error.probability) {
      const status = error.status ?? 500;
      return reply.code(status).send({ error: `Injected fault: HTTP ${status}`, fault: 'error' });
    }
  });
}

function matches(f: { method?: string; route?: string }, method: string, route: string): boolean {
  return (!f.method || f.method.toUpperCase() === method) && (!f.route || f.route === route);
}
