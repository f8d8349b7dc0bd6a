/**
 * The load generator's HTTP contract, shared by the server (src/engine, src/api, src/cli) and the
 * browser client (src/ui/client). No imports: the client, type-checked with DOM types only, reads it
 * too. Field names are snake_case like every JSON body of the platform.
 */

/** Bilingual text: the UI speaks Russian and English. */
export interface I18n {
  ru: string;
  en: string;
}

/** Transport error classes, counted apart from HTTP status codes. */
export const ERROR_CLASSES = ['timeout', 'refused', 'reset', 'dns', 'other'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];
export type ErrorCounts = Record<ErrorClass, number>;

/** The target of a run, as posted: `POST /api/runs` validates it. */
export interface TargetInput {
  method?: string | undefined;
  url: string;
  /** An object, or the original's `Name: value` lines. */
  headers?: Record<string, unknown> | string | undefined;
  /** A string is sent as it is; any other JSON value is serialised (content-type: application/json). */
  body?: unknown;
}

/** Log in before the run (POST {email, password} → {token}). */
export interface AuthInput {
  login_url: string;
  email: string;
  password: string;
}

/** The body of `POST /api/runs` (and what the CLI builds from its flags). */
export interface RunRequest {
  target: TargetInput;
  rate: number | string;
  duration: number | string;
  profile?: string | undefined;
  profile_options?: Record<string, unknown> | undefined;
  timeout?: number | string | undefined;
  max_in_flight?: number | undefined;
  seed?: number | undefined;
  auth?: Partial<AuthInput> | undefined;
}

export type RunState = 'running' | 'finished' | 'stopped' | 'failed';

/** Latency percentiles in milliseconds. */
export interface Percentiles {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/** `GET /api/runs/:id` (also the `done` event and the `summary` of every `progress` event). */
export interface RunSummary {
  id: string;
  state: RunState;
  error?: string;
  started_at: string;
  finished_at?: string;
  /** Seconds since the schedule started. */
  elapsed: number;
  duration: number;
  profile: string;
  profile_options: Record<string, unknown>;
  seed: number;
  target: { method: string; url: string };
  /** The nominal rate R. */
  target_rate: number;
  sent: number;
  ok: number;
  failed: number;
  dropped: number;
  achieved_rps: number;
  in_flight: number;
  latency: Percentiles;
  service_latency: Percentiles;
  lag_p99_ms: number;
  status_codes: Record<string, number>;
  errors: ErrorCounts;
  /** The id of the scenario that started the run. */
  scenario?: string;
}

/** One completed second: `GET /api/runs/:id/series` (and the `point` of every `progress` event). */
export interface SeriesPoint {
  /** Window start, seconds since the run started. */
  t: number;
  /** Requests the profile asks for in this window (= the mean target rate over a full second). */
  target_rps: number;
  sent: number;
  ok: number;
  failed: number;
  dropped: number;
  in_flight: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  service_p50_ms: number;
  service_p99_ms: number;
  lag_p99_ms: number;
  status_codes: Record<string, number>;
  errors: ErrorCounts;
}

/** One option a profile accepts (period, width, ramp, …), as listed by `GET /api/profiles`. */
export interface ProfileOptionInfo {
  name: string;
  type: 'number' | 'duration' | 'stages';
  /** The default, or null when it is derived from the run (e.g. ramp = test duration). */
  default: number | null | Array<{ duration: number; rate: number }>;
  /** The accepted range (numbers and durations, in seconds); rates are bounded by MAX_RATE. */
  min?: number;
  max?: number;
  description: I18n;
}

/** `GET /api/profiles`: one entry per load profile. */
export interface ProfileInfo {
  id: string;
  label: I18n;
  description: I18n;
  options: ProfileOptionInfo[];
}

/** The alerts a scenario is meant to trigger. */
export type AlertName = 'HighLatency' | 'HighDBLoad';

/** `GET /api/scenarios`: one entry per one-click scenario. */
export interface ScenarioInfo {
  id: string;
  title: I18n;
  description: I18n;
  alert: AlertName | null;
  /** Seconds after the start when the alert should be firing. */
  expected_after_s: number | null;
  run: { target: TargetInput; rate: number; duration: number | string; profile: string };
  /** The fault body put to the todo API's /api/faults for the run (and deleted after it). */
  fault?: unknown;
}
