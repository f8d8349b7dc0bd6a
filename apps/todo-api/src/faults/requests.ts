import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultController } from './controller.js';
import { burnCpu, type MemoryHog } from './hogs.js';

interface RequestFilter {
  method?: string;
  route?: string;
}

/** Whether a fault's method/route filter lets this request through (no filter: every request). */
export function matches(f: RequestFilter, method: string, route: string): boolean {
  return (!f.method || f.method.toUpperCase() === method) && (!f.route || f.route === route);
}

/** The fault hooks only touch the API's own routes, never the fault endpoints themselves. */
function isFaultable(route: string): boolean {
  return route.startsWith('/api/') && !route.startsWith('/api/faults');
}

/**
 * Applies the faults that act on requests: latency, CPU burn, memory retention and errors.
 * Not on /api/faults, health, metrics or docs, so the operator can always see and undo what they
 * did. Runs as a preHandler, inside the request's span, so the added time is part of the trace.
 * Also records the API's routes as they are registered, so a filter naming no route is refused.
 */
export function registerFaultHooks(app: FastifyInstance, faults: FaultController, memory: MemoryHog, random: () => number = Math.random): void {
  app.addHook('onRoute', (route) => {
    if (!isFaultable(route.url)) return;
    for (const method of [route.method].flat()) if (method !== 'HEAD') faults.routes.add(method, route.url);
  });
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url;
    if (!route || !isFaultable(route)) return;
    const { latency, cpu_burn, memory_leak, error } = faults.active;
    const method = request.method;
    if (latency && matches(latency, method, route) && random() < (latency.probability ?? 1)) {
      const ms = latency.ms + (latency.jitter_ms ? random() * latency.jitter_ms : 0);
      await new Promise((r) => setTimeout(r, ms));
    }
    if (cpu_burn && cpu_burn.ms > 0 && matches(cpu_burn, method, route)) burnCpu(cpu_burn.ms);
    if (memory_leak?.bytes_per_request && matches(memory_leak, method, route)) memory.retain(memory_leak.bytes_per_request);
    if (error && matches(error, method, route) && random() < error.probability) {
      const status = error.status ?? 500;
      // A hidden error (a drill) answers what a real failure of this app answers: the body of the
      // JSON error handler, with nothing that says it was injected.
      if (error.hidden) return reply.code(status).send({ error: status >= 500 ? 'Internal server error' : (STATUS_CODES[status] ?? 'Error') });
      return reply.code(status).send({ error: `Injected fault: HTTP ${status}`, fault: 'error' });
    }
  });
}
