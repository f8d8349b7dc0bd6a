import type { FastifyInstance, FastifyRequest } from 'fastify';
import { catalogue } from '../drills/catalogue.js';
import { SessionParams, StartBody, type DrillResult, type SessionView } from '../drills/contract.js';
import { resolveLinkPaths, type LinkPath } from '../drills/links.js';
import type { DrillOrchestrator } from '../drills/orchestrator.js';
import { Answer } from '../drills/schema.js';
import type { DrillSession } from '../drills/session.js';
import type { LinksConfig } from '../shared/api.js';
import { exposeUpstreamErrors } from './upstream-errors.js';

export interface DrillsRoutesOptions {
  drills: DrillOrchestrator;
  /** The services' link inputs now (ports, URL variables, the page paths learned from them). */
  links: () => LinksConfig;
}

/**
 * The incident drills' API: the catalogue, one session at a time (start, state, hints, answer,
 * abort) and the history. Behind the portal's control-plane guard like every API route.
 */
export async function drillsRoutes(app: FastifyInstance, opts: DrillsRoutesOptions): Promise<void> {
  exposeUpstreamErrors(app);
  const resolver = (request: FastifyRequest) => (paths: readonly LinkPath[]) =>
    resolveLinkPaths(paths, opts.links(), { protocol: `${request.protocol}:`, hostname: request.hostname });
  const view = (request: FastifyRequest, s: DrillSession): SessionView => s.view(resolver(request));
  const params = { params: SessionParams };

  app.get('/api/drills', async () => catalogue());

  app.post('/api/drills/sessions', { schema: { body: StartBody } }, async (request, reply) => {
    const s = await opts.drills.start(request.body as StartBody);
    return reply.code(201).send({ id: s.id, state: s.state() });
  });

  // The running session, if any (a second tab, a reload): a list of at most one.
  app.get('/api/drills/sessions', async (request) => opts.drills.runningSessions().map((s) => view(request, s)));

  app.get('/api/drills/sessions/:id', { schema: params }, async (request) => view(request, opts.drills.find((request.params as { id: string }).id)));

  app.post('/api/drills/sessions/:id/hints', { schema: params }, async (request) => opts.drills.hint((request.params as { id: string }).id));

  app.post('/api/drills/sessions/:id/answer', { schema: { ...params, body: Answer } }, async (request): Promise<DrillResult> => {
    const s = await opts.drills.answer((request.params as { id: string }).id, request.body as Answer);
    return view(request, s).result as DrillResult;
  });

  app.delete('/api/drills/sessions/:id', { schema: params }, async (request) => view(request, await opts.drills.abort((request.params as { id: string }).id)));

  app.get('/api/drills/history', async () => opts.drills.history());
}
