// The load generator's HTTP API, as the page uses it. The page has no other way to start or watch runs.

export interface Target {
  method: string;
  url: string;
  headers?: Record<string, string> | string;
  body?: string;
}

export interface RunRequest {
  target: Target;
  rate: number;
  duration: number | string;
  profile: string;
  profile_options?: Record<string, unknown>;
  timeout?: number | string;
  max_in_flight?: number;
  seed?: number;
  auth?: { login_url: string; email: string; password: string };
}

export interface Percentiles {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export type RunState = 'running' | 'finished' | 'stopped' | 'failed';

export interface Summary {
  id: string;
  state: RunState;
  error?: string;
  started_at: string;
  finished_at?: string;
  elapsed: number;
  duration: number;
  profile: string;
  profile_options?: Record<string, unknown>;
  seed?: number;
  target: { method: string; url: string };
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
  errors: Record<string, number>;
  scenario?: string | { id?: string; alert?: string; expected_after_s?: number };
}

export interface Point {
  t: number;
  target_rps: number;
  sent: number;
  ok: number;
  failed: number;
  dropped: number;
  in_flight: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  service_p50_ms: number | null;
  service_p99_ms: number | null;
  status_codes: Record<string, number>;
  errors: Record<string, number>;
}

export interface ProfileOption {
  name: string;
  type: string;
  default?: unknown;
  description?: string | { ru?: string; en?: string };
}

export interface Profile {
  id: string;
  label: { ru: string; en: string };
  description: { ru: string; en: string };
  options: ProfileOption[];
}

export interface Scenario {
  id: string;
  title: { ru: string; en: string };
  description: { ru: string; en: string };
  alert: string | null;
  expected_after_s: number | null;
  run: { target: Target; rate: number; duration: number | string; profile: string };
  fault?: unknown;
}

/** An HTTP error from the API: status plus its JSON `{error, field}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, (err as Error).message);
  }
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const obj = (data ?? {}) as { error?: unknown; message?: unknown; field?: unknown };
    const message = String(obj.error ?? obj.message ?? (text || `HTTP ${res.status}`));
    throw new ApiError(res.status, message, typeof obj.field === 'string' ? obj.field : undefined);
  }
  return data as T;
}

export const api = {
  startRun: (req: RunRequest) => request<{ id: string }>('POST', '/api/runs', req),
  runs: () => request<Summary[] | { runs: Summary[] }>('GET', '/api/runs').then((r) => (Array.isArray(r) ? r : r.runs)),
  run: (id: string) => request<Summary>('GET', `/api/runs/${encodeURIComponent(id)}`),
  series: (id: string) => request<{ points: Point[] }>('GET', `/api/runs/${encodeURIComponent(id)}/series`),
  stop: (id: string) => request<Summary>('POST', `/api/runs/${encodeURIComponent(id)}/stop`, {}),
  profiles: () => request<Profile[] | { profiles: Profile[] }>('GET', '/api/profiles').then((r) => (Array.isArray(r) ? r : r.profiles)),
  preview: (body: { profile: string; rate: number; duration: number | string; profile_options?: Record<string, unknown>; seed?: number }) =>
    request<{ points: Array<{ t: number; rate: number }> }>('POST', '/api/profiles/preview', body),
  scenarios: () => request<Scenario[] | { scenarios: Scenario[] }>('GET', '/api/scenarios').then((r) => (Array.isArray(r) ? r : r.scenarios)),
  runScenario: (id: string, fault?: boolean) =>
    request<{ id: string; scenario: string; alert: string | null }>('POST', `/api/scenarios/${encodeURIComponent(id)}/run`, fault === undefined ? {} : { fault }),
  uiConfig: () => request<{ todo_api_url: string | null }>('GET', '/api/ui/config'),
  token: (body: { login_url: string; email: string; password: string }) => request<{ token: string }>('POST', '/api/token', body),
  eventsUrl: (id: string) => `/api/runs/${encodeURIComponent(id)}/events`,
  reportUrl: (id: string, format: 'json' | 'csv') => `/api/runs/${encodeURIComponent(id)}/report?format=${format}`,
};
