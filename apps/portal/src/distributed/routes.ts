import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { DistributedRunSchema, GeneratorError, InputError, RunBodySchema, SeriesSchema, type RunRequest } from '@o11y/load-generator/coordinator';
import { DiscoveryError } from './discovery.js';
import type { DistributedRuns } from './runs.js';

export interface DistributedRoutesOptions {
  runs: DistributedRuns;
  /** The load generators a run would be split across now. */
  generators: () => Promise<string[]>;
}

const Id = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' }) });
const ErrorBody = Type.Object({ error: Type.String(), field: Type.Optional(Type.String()) }, { additionalProperties: true });

/** Why a run could not start, as the status and body the API answers. */
function startFailure(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof InputError) return reply.code(400).send({ error: err.message, ...(err.field ? { field: err.field } : {}) });
  if (err instanceof DiscoveryError) return reply.code(503).send({ error: err.message });
  if (err instanceof GeneratorError) {
    // A generator that refused the run (bad input, its limits) says why; one that cannot be reached is a bad gateway.
    const status = err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 401 ? err.status : 502;
    return reply.code(status).send({ error: err.message, ...(err.field ? { field: err.field } : {}) });
  }
  throw err;
}

/**
 * One run split across the lab's load generators (issue #17): the portal coordinates them.
 * `POST /api/distributed-runs` takes the body of the load generator's `POST /api/runs` and gives
 * every generator found (LOADGEN_DISCOVERY, else the one load generator) its share of the one
 * arrival sequence from a common start time; `GET …/:id` is the merged result (exact: HDR
 * histograms and counts merged second by second), `GET …/:id/series` its seconds, `POST …/:id/stop`
 * stops every share. `GET /api/load-generators` lists the generators a run would use now.
 */
export async function distributedRoutes(app: FastifyInstance, opts: DistributedRoutesOptions): Promise<void> {
  const tags = ['distributed runs'];

  app.get(
    '/api/load-generators',
    { schema: { tags, response: { 200: Type.Object({ generators: Type.Array(Type.String()) }), 503: ErrorBody } } },
    async (_request, reply) => {
      try {
        return { generators: await opts.generators() };
      } catch (err) {
        if (err instanceof DiscoveryError) return reply.code(503).send({ error: err.message });
        throw err;
      }
    },
  );

  app.post(
    '/api/distributed-runs',
    // The load generator's body limit: a run may carry up to 1000 stages.
    { bodyLimit: 1024 * 1024, schema: { tags, body: RunBodySchema, response: { 201: DistributedRunSchema, 400: ErrorBody, 403: ErrorBody, 429: ErrorBody, 502: ErrorBody, 503: ErrorBody } } },
    async (request, reply) => {
      try {
        const run = await opts.runs.start(request.body as RunRequest);
        return reply.code(201).send(run.view());
      } catch (err) {
        return startFailure(reply, err);
      }
    },
  );

  app.get('/api/distributed-runs', { schema: { tags, response: { 200: Type.Array(DistributedRunSchema) } } }, async () => opts.runs.list());

  app.get('/api/distributed-runs/:id', { schema: { tags, params: Id, response: { 200: DistributedRunSchema, 404: ErrorBody } } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    return opts.runs.get(id) ?? reply.code(404).send({ error: `no distributed run with id ${id}` });
  });

  app.get('/api/distributed-runs/:id/series', { schema: { tags, params: Id, response: { 200: SeriesSchema, 404: ErrorBody } } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const points = opts.runs.series(id);
    return points ? { points } : reply.code(404).send({ error: `no distributed run with id ${id}` });
  });

  app.post('/api/distributed-runs/:id/stop', { schema: { tags, params: Id, response: { 200: DistributedRunSchema, 404: ErrorBody } } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    return (await opts.runs.stop(id)) ?? reply.code(404).send({ error: `no distributed run with id ${id}` });
  });
}
