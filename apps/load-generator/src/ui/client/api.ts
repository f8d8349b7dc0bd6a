// The load generator's HTTP API, as the page uses it. The page has no other way to start or watch runs.
import type { PresetInfo, Preview, PreviewBody, ProfileInfo, RunRequest, RunSummary, SeriesPoint, TokenBody, UiConfig } from '../../contract/schemas.js';

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

let onSignInNeeded: () => void = () => {};

/** Called whenever the API answers 401: the lab has a LAB_TOKEN and this browser has not signed in. */
export function whenSignInNeeded(handler: () => void): void {
  onSignInNeeded = handler;
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
  if (res.status === 401) onSignInNeeded();
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
  runs: () => request<RunSummary[] | { runs: RunSummary[] }>('GET', '/api/runs').then((r) => (Array.isArray(r) ? r : r.runs)),
  run: (id: string) => request<RunSummary>('GET', `/api/runs/${encodeURIComponent(id)}`),
  series: (id: string) => request<{ points: SeriesPoint[] }>('GET', `/api/runs/${encodeURIComponent(id)}/series`),
  stop: (id: string) => request<RunSummary>('POST', `/api/runs/${encodeURIComponent(id)}/stop`, {}),
  profiles: () => request<ProfileInfo[] | { profiles: ProfileInfo[] }>('GET', '/api/profiles').then((r) => (Array.isArray(r) ? r : r.profiles)),
  preview: (body: PreviewBody) => request<Preview>('POST', '/api/profiles/preview', body),
  presets: () => request<PresetInfo[]>('GET', '/api/presets'),
  uiConfig: () => request<UiConfig>('GET', '/api/ui/config'),
  token: (body: TokenBody) => request<{ token: string }>('POST', '/api/token', body),
  eventsUrl: (id: string) => `/api/runs/${encodeURIComponent(id)}/events`,
  reportUrl: (id: string, format: 'json' | 'csv') => `/api/runs/${encodeURIComponent(id)}/report?format=${format}`,
};
