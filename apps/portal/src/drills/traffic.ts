import type { MixRequest, Preset, RunRequest } from '../clients/load-generator.js';
import type { DrillContext, TrafficChange } from './generator.js';
import { parseRoute } from './routes.js';

/** The load generator's preset that is a drill's background traffic. */
export const JOURNEY_PRESET = 'todo-journey';

/**
 * The background's gentle profile: a slow wave ±20 % around the rate, so the traffic looks alive
 * without any change a learner (or the solver) could take for the incident.
 */
export const BACKGROUND_PROFILE = { profile: 'wave', profile_options: { period: 120, amplitude: 0.2 } } as const;

/** `http://host:4000/api/tasks/{{task_id}}?limit=10` → `/api/tasks/{{task_id}}`. */
function pathOf(url: string): string {
  return url.replace(/^[a-z]+:\/\/[^/]+/i, '').split('?')[0] || '/';
}

/** The OpenAPI route (`PUT /api/tasks/{id}`) a request of the mix calls, or undefined. */
export function routeOfRequest(request: MixRequest, routes: readonly string[]): string | undefined {
  const method = (request.method ?? 'GET').toUpperCase();
  const segments = pathOf(request.url).split('/');
  for (const r of routes) {
    const route = parseRoute(r);
    if (route.method !== method) continue;
    const template = route.path.split('/');
    if (template.length === segments.length && template.every((t, i) => t === segments[i] || /^\{[^}]+\}$/.test(t))) return route.key;
  }
  return undefined;
}

/** Whether a request uses a value another request captures ({{NAME}}, {{take NAME}}): it cannot run alone. */
function needsCaptures(request: MixRequest, captured: ReadonlySet<string>): boolean {
  const text = JSON.stringify([request.url, request.headers ?? null, request.body ?? null]);
  return [...text.matchAll(/\{\{\s*(?:take\s+)?([A-Za-z_][\w.-]*)\s*\}\}/g)].some((m) => captured.has(m[1] as string));
}

/** The drill context the background mix gives: the routes it calls, and its request types with their weights. */
export function mixContext(preset: Preset, openApiRoutes: readonly string[]): Required<Pick<DrillContext, 'routes' | 'requests'>> {
  const captured = new Set(preset.run.requests.flatMap((q) => Object.keys(q.capture ?? {})));
  const requests = preset.run.requests.flatMap((q) => {
    const route = routeOfRequest(q, openApiRoutes);
    return route ? [{ name: q.name, route, weight: q.weight ?? 1, standalone: !needsCaptures(q, captured) }] : [];
  });
  if (requests.length === 0) throw new Error(`the ${preset.id} preset calls none of the todo API's routes (are the load generator's TODO_API_URL and the portal's TODO_API_INTERNAL_URL the same API?)`);
  return { routes: [...new Set(requests.map((q) => q.route))], requests };
}

export interface TrafficTiming {
  /** Requests per second of the background. */
  rate: number;
  /** Seconds: the session's maximum length. */
  duration: number;
  seed: number;
}

/** The background run: the journey preset at the drill rate with the gentle profile, seeded like the drill. */
export function backgroundRun(timing: TrafficTiming): RunRequest {
  return { preset: JOURNEY_PRESET, rate: timing.rate, duration: timing.duration, seed: timing.seed, ...BACKGROUND_PROFILE };
}

/**
 * The traffic surge as a second run started with the background: only the surging request, under
 * the same name (so the load generator's per-request metrics add up), at (multiplier − 1) × its
 * share of the rate, silent (a `stages` profile at 0) until the fault's time and then on within a
 * second. Nothing happens at the onset but the surge itself.
 */
export function surgeRun(preset: Preset, change: TrafficChange, faultAfterS: number, timing: TrafficTiming): RunRequest {
  const all = preset.run.requests;
  const request = all.find((q) => q.name === change.request);
  if (!request) throw new Error(`the ${preset.id} preset has no request named ${JSON.stringify(change.request)}`);
  const total = all.reduce((sum, q) => sum + (q.weight ?? 1), 0);
  const rate = Math.max(0.1, Number(((timing.rate * (request.weight ?? 1) * (change.multiplier - 1)) / total).toFixed(3)));
  const { weight: _weight, ...alone } = request;
  return {
    requests: [alone],
    rate,
    duration: timing.duration,
    seed: timing.seed,
    profile: 'stages',
    profile_options: { start_rate: 0, stages: [{ duration: faultAfterS, rate: 0 }, { duration: 1, rate }] },
    ...(preset.run.auth ? { auth: preset.run.auth } : {}),
  };
}
