import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { UnavailableError, UpstreamError } from '../clients/http.js';
import type { LoadGeneratorClient } from '../clients/load-generator.js';
import type { ScenarioRunBody, ScenarioRunner } from '../scenarios/runner.js';
import { exposeUpstreamErrors } from './upstream-errors.js';

export interface ScenariosRoutesOptions {
  scenarios: ScenarioRunner;
  /** Null when the load generator does not run in this mode. */
  loadgen: LoadGeneratorClient | null;
}

const Id = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' });

const RunBody = Type.Union([
  Type.Object(
    {
      fault: Type.Optional(Type.Boolean({ description: 'Switch the scenario\'s todo API fault on for the run (default true where it has one)' })),
      rate: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Requests per second instead of the scenario\'s' })),
      duration: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.String()], { description: 'Seconds or "2m" instead of the scenario\'s' })),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

/**
 * The one-click scenarios: GET /api/scenarios, POST /api/scenarios/:id/run (the portal switches
 * the fault and starts a plain load-generator run), GET /api/runs/:id (the run's summary from the
 * load generator, so the page needs no CORS and works through any host).
 */
export async function scenariosRoutes(app: FastifyInstance, opts: ScenariosRoutesOptions): Promise<void> {
  exposeUpstreamErrors(app);

  app.get('/api/scenarios', async () => opts.scenarios.list());

  app.post('/api/scenarios/:id/run', { schema: { params: Type.Object({ id: Id }), body: Type.Optional(RunBody) } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const started = await opts.scenarios.run(id, (request.body as ScenarioRunBody | null | undefined) ?? {});
    return reply.code(201).send(started);
  });

  app.get('/api/runs/:id', { schema: { params: Type.Object({ id: Id }) } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!opts.loadgen) throw new UnavailableError('The load generator does not run in this mode');
    try {
      return await opts.loadgen.run(id);
    } catch (err) {
      // The page forgets a run the load generator no longer knows.
      if (err instanceof UpstreamError && err.status === 404) return reply.code(404).send(err.body ?? { error: `No run ${id}` });
      throw err;
    }
  });
}
