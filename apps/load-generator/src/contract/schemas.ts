/**
 * The load generator's HTTP contract, one source of truth: these TypeBox schemas validate the
 * API's bodies, serialise its answers and make the OpenAPI document (/openapi.json); the
 * TypeScript types are derived from them with `Static`. The engine, the API, the CLI and the
 * page import it. Field names are snake_case like every JSON body of the platform.
 */
import { Type, type Static } from '@sinclair/typebox';
import { BOTTLENECK_GENERATOR, MAX_REQUESTS } from './constants.js';
import { MAX_SEGMENTS, START_AT_MAX_AHEAD_MS, START_AT_MAX_BEHIND_MS } from './segments.js';

export * from './constants.js';
export { MAX_SEGMENTS, parseSegment, parseStartAt, START_AT_MAX_AHEAD_MS, START_AT_MAX_BEHIND_MS, type Segment } from './segments.js';

const Loose = { additionalProperties: true };

const I18nSchema = Type.Object({ ru: Type.String(), en: Type.String() });
/** Bilingual text: the UI speaks Russian and English. */
export type I18n = Static<typeof I18nSchema>;

const ErrorsSchema = Type.Object({ timeout: Type.Number(), refused: Type.Number(), reset: Type.Number(), dns: Type.Number(), other: Type.Number() });
export type ErrorCounts = Static<typeof ErrorsSchema>;

export const ErrorSchema = Type.Object({ error: Type.String(), field: Type.Optional(Type.String()) }, { ...Loose, description: 'Every error: a message and, for bad input, the field it is about' });

const Duration = (description: string) => Type.Union([Type.Number(), Type.String()], { description });
const HeadersSchema = Type.Union([Type.Record(Type.String(), Type.String()), Type.String()], {
  description: 'An object, or "Name: value" lines (blank lines and # comments skipped); names are RFC 9110 tokens, CR/LF/NUL anywhere is refused. Values may hold templates.',
});
const BodySchema = Type.Unknown({
  description: 'A string is sent as it is; another JSON value is serialised as application/json. Templates work in a string body and in the string values of a JSON body.',
});

export const TargetSchema = Type.Object(
  {
    method: Type.Optional(Type.String({ description: 'GET, POST, PUT, PATCH, DELETE or HEAD (default GET)', examples: ['GET'] })),
    url: Type.String({ description: 'http(s) URL; its host must be in TARGET_ALLOWLIST. Templates are allowed in the path and query.', examples: ['http://127.0.0.1:4000/api/tasks'] }),
    headers: Type.Optional(HeadersSchema),
    body: Type.Optional(BodySchema),
  },
  Loose,
);
/** The single target of a run (a mix of one request, named "default"). */
export type TargetInput = Static<typeof TargetSchema>;

export const MixRequestSchema = Type.Object(
  {
    name: Type.String({ description: 'Unique in the run: a letter or _, then letters, digits, _ . - (at most 32). Names the statistics and the `request` metric label.', examples: ['create'] }),
    weight: Type.Optional(Type.Number({ description: 'Relative weight of the draw (> 0, default 1); the UI shows it as a percentage', examples: [25] })),
    ...TargetSchema.properties,
    capture: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'Name → dot path into the JSON of a 2xx response ("id", "data.items.0.id"); values go to the run\'s pool for {{NAME}} and {{take NAME}}',
        examples: [{ task_id: 'id' }],
      }),
    ),
  },
  Loose,
);
/** One request of a mix, as posted. */
export type MixRequestInput = Static<typeof MixRequestSchema>;

export const AuthSchema = Type.Object(
  { login_url: Type.String(), email: Type.String(), password: Type.String() },
  { description: 'Logs in before the run (POST {email, password} → {token}), sends Authorization: Bearer with every request (a request\'s own Authorization header wins), logs in again once on a 401' },
);
export type AuthInput = Static<typeof AuthSchema>;

export const SegmentSchema = Type.Object(
  {
    index: Type.Integer({ minimum: 0, maximum: MAX_SEGMENTS - 1, description: 'This instance, 0 to count − 1' }),
    count: Type.Integer({ minimum: 1, maximum: MAX_SEGMENTS, description: 'Instances the run is split across' }),
  },
  {
    description:
      'A share of a run split across several load generators (k6-operator\'s execution segments): this instance sends the arrivals k ≡ index (mod count) of the run\'s one arrival sequence (same rate, duration, profile and seed on every instance), so together they send exactly r(t). MAX_RATE then bounds this share: rate/count.',
    examples: [{ index: 0, count: 3 }],
  },
);

export const RunBodySchema = Type.Object(
  {
    target: Type.Optional(TargetSchema),
    requests: Type.Optional(
      Type.Array(MixRequestSchema, {
        minItems: 1,
        maxItems: MAX_REQUESTS,
        description: `A traffic mix instead of target: 1–${MAX_REQUESTS} requests; each arrival of the schedule draws one by weight from the run's seed`,
      }),
    ),
    preset: Type.Optional(Type.String({ description: 'Start from a preset of GET /api/presets (e.g. todo-journey); the other fields of this body override it', examples: ['todo-journey'] })),
    rate: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: 'Nominal rate R of the whole run, requests per second (≤ MAX_RATE)', examples: [100] })),
    duration: Type.Optional(Duration('Seconds or "30s", "2m", "1h" (≤ MAX_DURATION)')),
    profile: Type.Optional(Type.String({ description: 'Profile id or Russian label (default constant)', examples: ['spiky', 'Спайковая'] })),
    profile_options: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Options of the profile, see GET /api/profiles' })),
    timeout: Type.Optional(Duration('Per-request timeout, seconds or "5s" (default 30 s)')),
    max_in_flight: Type.Optional(Type.Integer({ description: 'In-flight cap; a due request over it is dropped, never delayed (default 10000)' })),
    seed: Type.Optional(Type.Integer({ description: 'Seed of the chaotic profile and of the mix draw (random when absent; reported in the summary)' })),
    auth: Type.Optional(AuthSchema),
    segment: Type.Optional(SegmentSchema),
    start_at: Type.Optional(
      Type.Union([Type.Number(), Type.String()], {
        description: `When t = 0 is: epoch milliseconds or an ISO 8601 time with its offset, at most ${START_AT_MAX_AHEAD_MS / 60_000} minutes ahead and ${START_AT_MAX_BEHIND_MS / 1000} s behind (a late share keeps the common schedule). Nothing is sent before it. Default: now`,
        examples: ['2026-12-03T10:00:00Z'],
      }),
    ),
  },
  Loose,
);
/** The body of `POST /api/runs` (and what the CLI builds from its flags or its --mix file). */
export type RunRequest = Static<typeof RunBodySchema>;

export const PercentilesSchema = Type.Object({
  p50: Type.Number(),
  p90: Type.Number(),
  p95: Type.Number(),
  p99: Type.Number(),
  p999: Type.Number(),
  max: Type.Number(),
});
/** Latency percentiles in milliseconds. */
export type Percentiles = Static<typeof PercentilesSchema>;

const LatencyBreakdownSchema = Type.Object(
  {
    intended_to_sent: Type.Object(PercentilesSchema.properties, { description: 'ms from the intended send time to the write on a connection: the scheduler\'s lateness and the wait for a connection (the generator\'s own share)' }),
    sent_to_first_byte: Type.Object(PercentilesSchema.properties, { description: 'ms from the write to the first byte of the response: network and the target\'s work' }),
    first_byte_to_done: Type.Object(PercentilesSchema.properties, { description: 'ms from the first byte to the end of the response' }),
  },
  { description: 'The latency from the intended time in three phases, each over the requests that reached it (a request refused before it was written has none)' },
);
/** `latency_breakdown`: where the time between intended send and completion went. */
export type LatencyBreakdown = Static<typeof LatencyBreakdownSchema>;

const Counts = Type.Record(Type.String(), Type.Number());
const RunStateSchema = Type.Union([Type.Literal('running'), Type.Literal('finished'), Type.Literal('stopped'), Type.Literal('failed')]);
export type RunState = Static<typeof RunStateSchema>;

export const RequestStatsSchema = Type.Object({
  method: Type.String(),
  url: Type.String({ description: 'As posted (templates unexpanded)' }),
  weight: Type.Number(),
  sent: Type.Number({ description: 'Arrivals that sent this request (after redraws: the real mix)' }),
  ok: Type.Number({ description: '2xx and 3xx' }),
  failed: Type.Number({ description: '4xx, 5xx and transport errors' }),
  dropped: Type.Number({ description: 'Arrivals drawn for this request while the in-flight cap was reached' }),
  latency: Type.Object(PercentilesSchema.properties, { description: 'ms, from the intended send time' }),
  latency_breakdown: LatencyBreakdownSchema,
  status_codes: Counts,
  errors: ErrorsSchema,
});
/** `summary.requests.<name>`: one request's statistics, in the shapes of the run's. */
export type RequestStats = Static<typeof RequestStatsSchema>;

export const SummarySchema = Type.Object({
  id: Type.String(),
  state: RunStateSchema,
  error: Type.Optional(Type.String()),
  started_at: Type.String({ format: 'date-time' }),
  finished_at: Type.Optional(Type.String({ format: 'date-time' })),
  elapsed: Type.Number({ description: 'Seconds since the schedule started' }),
  duration: Type.Number({ description: 'Seconds' }),
  profile: Type.String(),
  profile_options: Type.Record(Type.String(), Type.Unknown()),
  seed: Type.Number(),
  target: Type.Object({ method: Type.String(), url: Type.String() }, { description: 'The first request (a single target\'s run has only this one)' }),
  target_rate: Type.Number({ description: 'The nominal rate R' }),
  sent: Type.Number(),
  ok: Type.Number({ description: '2xx and 3xx' }),
  failed: Type.Number({ description: '4xx, 5xx and transport errors' }),
  dropped: Type.Number({ description: 'Due while the in-flight cap was reached: not sent' }),
  redrawn: Type.Number({ description: 'Arrivals whose first draw needed a captured value while its pool was empty, drawn again among the requests that could run' }),
  achieved_rps: Type.Number(),
  in_flight: Type.Number(),
  latency: Type.Object(PercentilesSchema.properties, { description: 'ms, from the intended send time (coordinated-omission free)' }),
  service_latency: Type.Object(PercentilesSchema.properties, { description: 'ms, from the actual send' }),
  latency_breakdown: LatencyBreakdownSchema,
  lag_p99_ms: Type.Number({ description: 'ms: how late the scheduler took requests after their intended time (p99)' }),
  engine_utilization: Type.Number({ description: 'Event-loop utilization of the engine threads over the run, 0–1 (their mean): near 1 the generator had no CPU to spare' }),
  bottleneck: Type.Union([Type.Literal('generator'), Type.Null()], {
    description: '"generator" when the generator could not keep its own schedule (see warnings), so the latency it reports is partly its own queueing; null otherwise',
  }),
  warnings: Type.Array(Type.String(), { description: `What the reader of these numbers must know, in English, e.g. "${BOTTLENECK_GENERATOR}: …"` }),
  status_codes: Counts,
  errors: ErrorsSchema,
  requests: Type.Record(Type.String(), RequestStatsSchema, { description: 'Per request of the mix, by name, in the order of the run request' }),
  scenario: Type.Optional(Type.String()),
  segment: Type.Optional(Type.Object(SegmentSchema.properties, { description: 'The share of a split run this instance sends (counts, target_rps and achieved_rps are the share\'s)' })),
});
/** `GET /api/runs/:id` (also the `done` event and the `summary` of every `progress` event). */
export type RunSummary = Static<typeof SummarySchema>;

export const RequestPointSchema = Type.Object({
  sent: Type.Number(),
  ok: Type.Number(),
  failed: Type.Number(),
  dropped: Type.Number(),
  p50_ms: Type.Number(),
  p99_ms: Type.Number(),
});
export type RequestPoint = Static<typeof RequestPointSchema>;

export const PointSchema = Type.Object({
  t: Type.Number({ description: 'Window start, seconds since the run started' }),
  target_rps: Type.Number({ description: 'Requests the profile asks for in this window (∫r(t) over it)' }),
  sent: Type.Number(),
  ok: Type.Number(),
  failed: Type.Number(),
  dropped: Type.Number(),
  in_flight: Type.Number(),
  p50_ms: Type.Number(),
  p95_ms: Type.Number(),
  p99_ms: Type.Number(),
  service_p50_ms: Type.Number(),
  service_p99_ms: Type.Number(),
  intended_to_sent_p50_ms: Type.Number({ description: 'The latency breakdown of the second (see the summary\'s latency_breakdown)' }),
  intended_to_sent_p99_ms: Type.Number(),
  sent_to_first_byte_p50_ms: Type.Number(),
  sent_to_first_byte_p99_ms: Type.Number(),
  first_byte_to_done_p50_ms: Type.Number(),
  first_byte_to_done_p99_ms: Type.Number(),
  lag_p99_ms: Type.Number(),
  engine_utilization: Type.Number({ description: 'Event-loop utilization of the engine threads in this second, 0–1' }),
  status_codes: Counts,
  errors: ErrorsSchema,
  requests: Type.Record(Type.String(), RequestPointSchema, { description: 'Per request of the mix, by name' }),
});
/** One completed second: `GET /api/runs/:id/series` (and the `point` of every `progress` event). */
export type SeriesPoint = Static<typeof PointSchema>;

export const SeriesSchema = Type.Object({ points: Type.Array(PointSchema) });

const Histogram = (what: string) => Type.String({ description: `${what}: an HDR histogram of microseconds, hdr-histogram-js's compressed base64 encoding` });
const Buckets = Type.Object({ counts: Type.Array(Type.Number()), sum: Type.Number(), count: Type.Number() }, { ...Loose, description: 'Prometheus bucket counts (non-cumulative, last = +Inf)' });
const WindowCounts = {
  sent: Type.Number(),
  ok: Type.Number(),
  failed: Type.Number(),
  dropped: Type.Number(),
  status: Counts,
  errors: ErrorsSchema,
  latency: Histogram('From the intended send time'),
  intendedToSent: Histogram('Intended send time → written on a connection'),
  sentToFirstByte: Histogram('Written → first byte of the response'),
  firstByteToDone: Histogram('First byte → response complete'),
  promLatency: Buckets,
  promService: Buckets,
};
export const WindowSchema = Type.Object(
  {
    index: Type.Integer({ description: 'The second [index, index + 1) since t = 0' }),
    length: Type.Number({ description: 'Seconds (< 1 for a last, partial window)' }),
    redrawn: Type.Number(),
    inFlight: Type.Number(),
    ...WindowCounts,
    service: Histogram('From the actual send'),
    lag: Histogram('Scheduler lag'),
    promLag: Buckets,
    loopActiveMs: Type.Number({ description: "Busy ms of the engine threads' event loops in this second, summed over threads" }),
    loopMs: Type.Number({ description: 'Elapsed ms those event loops were measured over, summed over threads' }),
    requests: Type.Array(Type.Object(WindowCounts, Loose), { description: 'Per request of the mix, in the order of the run request' }),
  },
  {
    ...Loose,
    description:
      'One second of a run as the engine keeps it (engine/stats.ts toWire): counts add and HDR histograms merge exactly, so the windows of several instances combine into the run\'s (fromWire + mergeWindow). Fields other engine versions add pass through.',
  },
);
/** `GET /api/runs/:id/windows`: one second of raw data, mergeable across instances. */
export type Window = Static<typeof WindowSchema>;

export const WindowsQuerySchema = Type.Object({
  from: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Only windows with index ≥ from (a coordinator asks for what it has not seen)' })),
});

export const WindowsPageSchema = Type.Object({
  summary: SummarySchema,
  done: Type.Boolean({ description: 'The run is over and every window is in this list or an earlier page: no more will come' }),
  windows: Type.Array(WindowSchema, { description: 'In index order; a second with nothing in it may be missing' }),
});
/** `GET /api/runs/:id/windows` (and `report?format=windows`). */
export type WindowsPage = Static<typeof WindowsPageSchema>;

const GeneratorStateSchema = Type.Union([Type.Literal('starting'), RunStateSchema, Type.Literal('unreachable')]);
export const GeneratorShareSchema = Type.Object({
  url: Type.String({ description: 'The load generator\'s base URL' }),
  segment: Type.Object(SegmentSchema.properties),
  run_id: Type.Optional(Type.String({ description: 'The share\'s run on that generator' })),
  state: GeneratorStateSchema,
  error: Type.Optional(Type.String()),
  sent: Type.Number(),
  dropped: Type.Number(),
});
/** One generator's share of a distributed run. */
export type GeneratorShare = Static<typeof GeneratorShareSchema>;

export const DistributedRunSchema = Type.Object({
  id: Type.String(),
  state: RunStateSchema,
  error: Type.Optional(Type.String({ description: 'Why the run failed (or was stopped by one of its generators), naming the generator' })),
  start_at: Type.String({ format: 'date-time', description: 't = 0 on every generator' }),
  generators: Type.Array(GeneratorShareSchema),
  summary: SummarySchema,
});
/** A run split across several load generators, its results merged (counts add, HDR histograms merge). */
export type DistributedRun = Static<typeof DistributedRunSchema>;

export const IdParams = Type.Object({ id: Type.String() });

const StageSchema = Type.Object({ duration: Type.Number(), rate: Type.Number() });
export const ProfileOptionSchema = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.Literal('number'), Type.Literal('duration'), Type.Literal('stages')], { description: 'number, duration (seconds or "5s") or stages ([{duration, rate}])' }),
  default: Type.Union([Type.Number(), Type.Null(), Type.Array(StageSchema)], { description: 'null when derived from the run (e.g. ramp = duration)' }),
  min: Type.Optional(Type.Number({ description: 'smallest accepted value (seconds for durations)' })),
  max: Type.Optional(Type.Number({ description: 'largest accepted value (seconds for durations; MAX_RATE for rates)' })),
  description: I18nSchema,
});
/** One option a profile accepts (period, width, ramp, …), as listed by `GET /api/profiles`. */
export type ProfileOptionInfo = Static<typeof ProfileOptionSchema>;

export const ProfileSchema = Type.Object({ id: Type.String(), label: I18nSchema, description: I18nSchema, options: Type.Array(ProfileOptionSchema) });
/** `GET /api/profiles`: one entry per load profile. */
export type ProfileInfo = Static<typeof ProfileSchema>;

export const PreviewBodySchema = Type.Object(
  {
    profile: Type.String(),
    rate: Type.Number(),
    duration: Duration('Seconds or "30s", "2m", "1h"'),
    profile_options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    seed: Type.Optional(Type.Integer()),
  },
  Loose,
);
export type PreviewBody = Static<typeof PreviewBodySchema>;

export const PreviewSchema = Type.Object({ points: Type.Array(Type.Object({ t: Type.Number(), rate: Type.Number() })) });
export type Preview = Static<typeof PreviewSchema>;

export const PresetSchema = Type.Object({
  id: Type.String(),
  title: I18nSchema,
  description: I18nSchema,
  run: Type.Object(RunBodySchema.properties, { description: 'A complete run request: POST it to /api/runs as it is, edit it, or post {preset: id, …overrides}' }),
});
/** `GET /api/presets`: one entry per built-in traffic mix. */
export type PresetInfo = Static<typeof PresetSchema>;

export const StartedSchema = Type.Object({ id: Type.String() });

export const TokenBodySchema = Type.Object(
  {
    login_url: Type.String({ minLength: 1, maxLength: 2048 }),
    email: Type.String({ maxLength: 320 }),
    password: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type TokenBody = Static<typeof TokenBodySchema>;

export const UiConfigSchema = Type.Object({ todo_api_url: Type.Union([Type.String(), Type.Null()]) });
export type UiConfig = Static<typeof UiConfigSchema>;
