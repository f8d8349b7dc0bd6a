import type { FastifyInstance } from 'fastify';
import { UnavailableError, UpstreamError } from '../clients/http.js';

/**
 * For the routes registered in `app`'s plugin: a service the portal calls failing is a 502 and a
 * service or token the setup lacks a 503, each with its message (which names the service and why);
 * every other error goes on to the app's JSON error handler.
 */
export function exposeUpstreamErrors(app: FastifyInstance): void {
  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof UpstreamError) return reply.code(502).send({ error: err.message });
    if (err instanceof UnavailableError) return reply.code(503).send({ error: err.message });
    throw err;
  });
}
