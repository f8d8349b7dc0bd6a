import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Fetch } from '../outbound.js';

export interface ScenariosRoutesOptions {
  /** The load generator's base URL as the server reaches it; null when it does not run. */
  loadgenUrl: string | null;
  timeoutMs: number;
  fetch: Fetch;
}

const Id = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' });

/**
 * The load generator's scenario API, proxied so the page needs no CORS and works through any
 * host: GET /api/scenarios, POST /api/scenarios/:id/run, GET /api/runs/:id. Status and JSON
 * body are passed through; an unreachable load generator is a 502 with a clear message.
 */
export async function scenariosRoutes(app: FastifyInstance, opts: ScenariosRoutesOptions): Promise<void> {
  async function forward(reply: FastifyReply, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    if (!opts.loadgenUrl) {
      reply.code(503);
      return { error: 'The load generator does not run in this mode' };
    }
    try {
      const res = await opts.fetch(`${opts.loadgenUrl}${path}`, {
        method,
        signal: AbortSignal.timeout(opts.timeoutMs),
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      reply.code(res.status);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        reply.code(502);
        return { error: `The load generator answered HTTP ${res.status} without JSON` };
      }
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : (e.cause?.code ?? e.message);
      reply.code(502);
      return { error: `The load generator at ${opts.loadgenUrl} is unreachable: ${why}` };
    }
  }

  app.get('/api/scenarios', async (_request, reply) => forward(reply, 'GET', '/api/scenarios'));

  app.post(
    '/api/scenarios/:id/run',
    {
      schema: {
        params: Type.Object({ id: Id }),
        body: Type.Optional(Type.Object({ fault: Type.Optional(Type.Boolean()) })),
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const body = (request.body as { fault?: boolean } | undefined) ?? {};
      return forward(reply, 'POST', `/api/scenarios/${encodeURIComponent(id)}/run`, body);
    },
  );

  app.get('/api/runs/:id', { schema: { params: Type.Object({ id: Id }) } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    return forward(reply, 'GET', `/api/runs/${encodeURIComponent(id)}`);
  });
}
