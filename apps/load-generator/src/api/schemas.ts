import { Type } from '@sinclair/typebox';

const I18nSchema = Type.Object({ ru: Type.String(), en: Type.String() });
const Loose = { additionalProperties: true };

export const ErrorSchema = Type.Object({ error: Type.String(), field: Type.Optional(Type.String()) }, { ...Loose, description: 'Every error: a message and, for bad input, the field it is about' });

export const TargetSchema = Type.Object(
  {
    method: Type.Optional(Type.String({ description: 'GET, POST, PUT, PATCH, DELETE or HEAD (default GET)', examples: ['GET'] })),
    url: Type.String({ description: 'http(s) URL; its host must be in TARGET_ALLOWLIST', examples: ['http://127.0.0.1:4000/api/tasks'] }),
    headers: Type.Optional(
      Type.Union([Type.Record(Type.String(), Type.String()), Type.String()], { description: 'An object, or "Name: value" lines; CR/LF in names or values is refused' }),
    ),
    body: Type.Optional(Type.Unknown({ description: 'A string is sent as it is; another JSON value is serialised as application/json' })),
  },
  Loose,
);

export const RunBodySchema = Type.Object(
  {
    target: TargetSchema,
    rate: Type.Number({ description: 'Nominal rate R, requests per second (≤ MAX_RATE)', examples: [100] }),
    duration: Type.Union([Type.Number(), Type.String()], { description: 'Seconds or "30s", "2m", "1h" (≤ MAX_DURATION)', examples: ['2m'] }),
    profile: Type.Optional(Type.String({ description: 'Profile id or Russian label (default constant)', examples: ['spiky', 'Спайковая'] })),
    profile_options: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Options of the profile, see GET /api/profiles' })),
    timeout: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: 'Per-request timeout, seconds or "5s" (default 30 s)' })),
    max_in_flight: Type.Optional(Type.Integer({ description: 'In-flight cap; a due request over it is dropped, never delayed (default 10000)' })),
    seed: Type.Optional(Type.Integer({ description: 'Seed of the chaotic profile (random when absent; reported in the summary)' })),
    auth: Type.Optional(
      Type.Object(
        { login_url: Type.String(), email: Type.String(), password: Type.String() },
        { description: 'Logs in before the run (POST {email, password} → {token}), sends Authorization: Bearer, logs in again once on a 401' },
      ),
    ),
  },
  Loose,
);

export const PercentilesSchema = Type.Object({
  p50: Type.Number(),
  p90: Type.Number(),
  p95: Type.Number(),
  p99: Type.Number(),
  p999: Type.Number(),
  max: Type.Number(),
});

const Counts = Type.Record(Type.String(), Type.Number());
const ErrorsSchema = Type.Object({ timeout: Type.Number(), refused: Type.Number(), reset: Type.Number(), dns: Type.Number(), other: Type.Number() });

export const SummarySchema = Type.Object({
  id: Type.String(),
  state: Type.Union([Type.Literal('running'), Type.Literal('finished'), Type.Literal('stopped'), Type.Literal('failed')]),
  error: Type.Optional(Type.String()),
  started_at: Type.String({ format: 'date-time' }),
  finished_at: Type.Optional(Type.String({ format: 'date-time' })),
  elapsed: Type.Number({ description: 'Seconds since the schedule started' }),
  duration: Type.Number({ description: 'Seconds' }),
  profile: Type.String(),
  profile_options: Type.Record(Type.String(), Type.Unknown()),
  seed: Type.Number(),
  target: Type.Object({ method: Type.String(), url: Type.String() }),
  target_rate: Type.Number({ description: 'The nominal rate R' }),
  sent: Type.Number(),
  ok: Type.Number({ description: '2xx and 3xx' }),
  failed: Type.Number({ description: '4xx, 5xx and transport errors' }),
  dropped: Type.Number({ description: 'Due while the in-flight cap was reached: not sent' }),
  achieved_rps: Type.Number(),
  in_flight: Type.Number(),
  latency: Type.Object(PercentilesSchema.properties, { description: 'ms, from the intended send time (coordinated-omission free)' }),
  service_latency: Type.Object(PercentilesSchema.properties, { description: 'ms, from the actual send' }),
  lag_p99_ms: Type.Number(),
  status_codes: Counts,
  errors: ErrorsSchema,
  scenario: Type.Optional(Type.String()),
});

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
  lag_p99_ms: Type.Number(),
  status_codes: Counts,
  errors: ErrorsSchema,
});

export const SeriesSchema = Type.Object({ points: Type.Array(PointSchema) });

export const IdParams = Type.Object({ id: Type.String() });

export const ProfileSchema = Type.Object({
  id: Type.String(),
  label: I18nSchema,
  description: I18nSchema,
  options: Type.Array(
    Type.Object({
      name: Type.String(),
      type: Type.String({ description: 'number, duration (seconds or "5s") or stages ([{duration, rate}])' }),
      default: Type.Unknown({ description: 'null when derived from the run (e.g. ramp = duration)' }),
      min: Type.Optional(Type.Number({ description: 'smallest accepted value (seconds for durations)' })),
      max: Type.Optional(Type.Number({ description: 'largest accepted value (seconds for durations; MAX_RATE for rates)' })),
      description: I18nSchema,
    }),
  ),
});

export const PreviewBodySchema = Type.Object(
  {
    profile: Type.String(),
    rate: Type.Number(),
    duration: Type.Union([Type.Number(), Type.String()]),
    profile_options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    seed: Type.Optional(Type.Integer()),
  },
  Loose,
);

export const PreviewSchema = Type.Object({ points: Type.Array(Type.Object({ t: Type.Number(), rate: Type.Number() })) });

export const ScenarioSchema = Type.Object({
  id: Type.String(),
  title: I18nSchema,
  description: I18nSchema,
  alert: Type.Union([Type.String(), Type.Null()]),
  expected_after_s: Type.Union([Type.Number(), Type.Null()]),
  run: Type.Object({ target: Type.Unknown(), rate: Type.Number(), duration: Type.Unknown(), profile: Type.String() }),
  fault: Type.Optional(Type.Unknown({ description: 'Body of PUT {TODO_API_URL}/api/faults while the run lasts (cleared with DELETE after)' })),
});

export const ScenarioRunBodySchema = Type.Union([
  Type.Object(
    {
      fault: Type.Optional(Type.Boolean({ description: 'Switch the todo API fault on for the run (default true where the scenario has one)' })),
      rate: Type.Optional(Type.Number()),
      duration: Type.Optional(Type.Union([Type.Number(), Type.String()])),
    },
    Loose,
  ),
  Type.Null(),
]);
