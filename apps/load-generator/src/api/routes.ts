import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { randomSeed } from '@o11y/platform';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.js';
import { InputError } from '../errors.js';
import { KEEP_WINDOWS_RUNS, type RunManager } from '../engine/manager.js';
import { parseDuration } from '../contract/durations.js';
import {
  ErrorSchema,
  IdParams,
  PresetSchema,
  PreviewBodySchema,
  PreviewSchema,
  ProfileSchema,
  RunBodySchema,
  SeriesSchema,
  StartedSchema,
  SummarySchema,
  WindowsPageSchema,
  WindowsQuerySchema,
} from '../contract/schemas.js';
import { presets, resolvePreset } from '../presets.js';
import { PROFILES, buildProfile, sampleCurve } from '../profiles/registry.js';
import { seriesCsv } from './report.js';
import { streamRunEvents } from './sse.js';

export interface RoutesOptions {
  manager: RunManager;
  config: Config;
}

const notFound = (id: string) => ({ error: `no run with id ${id}` });
const windowsGone = (id: string) => ({
  error: `the windows of run ${id} are no longer kept: they stay in memory for the active runs and the newest ${KEEP_WINDOWS_RUNS} finished ones (its summary and series are still there)`,
});

/** The REST API of the load generator; its TypeBox schemas are the OpenAPI document at /openapi.json. */
export const apiRoutes: FastifyPluginAsync<RoutesOptions> = async (root: FastifyInstance, { manager, config }) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const runs = ['runs'];

  app.post(
    '/api/runs',
    {
      schema: {
        tags: runs,
        summary: 'Start a run',
        body: RunBodySchema,
        response: { 201: StartedSchema, 400: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema },
      },
    },
    async (request, reply) => {
      const run = manager.create(resolvePreset(request.body, presets(config)));
      return reply.code(201).send({ id: run.id });
    },
  );

  app.get('/api/runs', { schema: { tags: runs, summary: 'Runs, newest first', response: { 200: Type.Array(SummarySchema) } } }, async () => manager.list());

  app.get('/api/runs/:id', { schema: { tags: runs, summary: 'A run summary', params: IdParams, response: { 200: SummarySchema, 404: ErrorSchema } } }, async (request, reply) => {
    const s = manager.summary(request.params.id);
    return s ? s : reply.code(404).send(notFound(request.params.id));
  });

  app.get(
    '/api/runs/:id/series',
    { schema: { tags: runs, summary: 'One point per completed second', params: IdParams, response: { 200: SeriesSchema, 404: ErrorSchema } } },
    async (request, reply) => {
      const points = manager.series(request.params.id);
      return points ? { points } : reply.code(404).send(notFound(request.params.id));
    },
  );

  app.get(
    '/api/runs/:id/events',
    {
      schema: {
        tags: runs,
        summary: 'Server-Sent Events: `progress` ({summary, point}) per second, then `done` (summary)',
        params: IdParams,
        produces: ['text/event-stream'],
        response: { 404: ErrorSchema },
      } as Record<string, unknown>,
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const s = manager.summary(id);
      if (!s) return reply.code(404).send(notFound(id));
      streamRunEvents(manager, id, request, reply, s);
      return reply;
    },
  );

  app.post('/api/runs/:id/stop', { schema: { tags: runs, summary: 'Stop a run (within 1 s)', params: IdParams, response: { 200: SummarySchema, 404: ErrorSchema } } }, async (request, reply) => {
    const s = await manager.stop(request.params.id);
    return s ? s : reply.code(404).send(notFound(request.params.id));
  });

  app.get(
    '/api/runs/:id/windows',
    {
      schema: {
        tags: runs,
        summary: 'Raw per-second windows (counts and encoded HDR histograms) from an index on, to merge runs split across load generators exactly',
        params: IdParams,
        querystring: WindowsQuerySchema,
        response: { 200: WindowsPageSchema, 404: ErrorSchema, 410: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const slice = manager.windows(id, request.query.from ?? 0);
      if (slice === 'unknown') return reply.code(404).send(notFound(id));
      if (slice === 'gone') return reply.code(410).send(windowsGone(id));
      return slice;
    },
  );

  app.get(
    '/api/runs/:id/report',
    {
      schema: {
        tags: runs,
        summary:
          'Report: JSON {summary, points}, CSV of the series (one row per second, with requests.<name>.* columns per request), or the raw windows ({summary, done, windows}, as /windows)',
        params: IdParams,
        querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('windows')], { default: 'json' })) }),
        response: { 200: Type.Unknown(), 404: ErrorSchema, 410: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (request.query.format === 'windows') {
        const slice = manager.windows(id);
        if (slice === 'unknown') return reply.code(404).send(notFound(id));
        if (slice === 'gone') return reply.code(410).send(windowsGone(id));
        return reply.header('content-disposition', `attachment; filename="run-${id}-windows.json"`).send(slice);
      }
      const summary = manager.summary(id);
      const points = manager.series(id);
      if (!summary || !points) return reply.code(404).send(notFound(id));
      if (request.query.format === 'csv') {
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="run-${id}.csv"`).send(seriesCsv(points));
      }
      return reply.header('content-disposition', `attachment; filename="run-${id}.json"`).send({ summary, points });
    },
  );

  app.get('/api/profiles', { schema: { tags: ['profiles'], summary: 'Load profiles and their options', response: { 200: Type.Array(ProfileSchema) } } }, async () =>
    PROFILES.map((p) => ({
      id: p.id,
      label: p.label,
      description: p.description,
      options: p.options.map(({ name, type, default: d, min, max, description }) => ({
        name,
        type,
        default: d,
        ...(min !== undefined ? { min } : {}),
        ...(max !== undefined ? { max: max === 'MAX_RATE' ? config.maxRate : max } : {}),
        description,
      })),
    })),
  );

  app.post(
    '/api/profiles/preview',
    { schema: { tags: ['profiles'], summary: 'r(t) sampled for a preview chart (≤ 600 points)', body: PreviewBodySchema, response: { 200: PreviewSchema, 400: ErrorSchema } } },
    async (request) => {
      const b = request.body;
      if (!(b.rate > 0) || b.rate > config.maxRate) throw new InputError('rate', `rate must be > 0 and ≤ MAX_RATE (${config.maxRate})`);
      const duration = parseDuration(b.duration);
      if (duration === undefined || duration <= 0 || duration > config.maxDuration) throw new InputError('duration', `duration must be a positive duration ≤ MAX_DURATION (${config.maxDuration} s)`);
      const { curve } = buildProfile({ profile: b.profile, rate: b.rate, duration, options: b.profile_options, seed: b.seed ?? randomSeed(), maxRate: config.maxRate });
      return { points: sampleCurve(curve, duration) };
    },
  );

  app.get(
    '/api/presets',
    { schema: { tags: ['presets'], summary: 'Built-in traffic mixes (e.g. todo-journey): complete run requests', response: { 200: Type.Array(PresetSchema) } } },
    async () => presets(config),
  );
};
