/**
 * Routes of the todo API as the drills name them. The answer and the truth use the OpenAPI form
 * (`GET /api/tasks/{id}`); the fault API's filter and the metrics' `route` label use the route
 * template (`/api/tasks/:id`).
 */
export interface ApiRoute {
  method: string;
  /** OpenAPI path: `/api/tasks/{id}`. */
  path: string;
  /** Route template as the todo API's metrics and fault filters write it: `/api/tasks/:id`. */
  template: string;
  /** `METHOD /path`, the `where` of an answer. */
  key: string;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** `GET /api/tasks/{id}` (or `get /api/tasks/:id`) → its parts; throws on anything else. */
export function parseRoute(route: string): ApiRoute {
  const m = /^\s*([A-Za-z]+)\s+(\/\S*)\s*$/.exec(route);
  if (!m) throw new Error(`not a route "METHOD /path": ${JSON.stringify(route)}`);
  const method = (m[1] as string).toUpperCase();
  const path = (m[2] as string).replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  return { method, path, template: path.replace(/\{([^}/]+)\}/g, ':$1'), key: `${method} ${path}` };
}

/** `where` in one spelling, so `get /api/tasks/:id` equals `GET /api/tasks/{id}`; `all`/`database` as they are. */
export function canonicalWhere(where: string): string {
  const w = where.trim();
  if (w === 'all' || w === 'database') return w;
  try {
    return parseRoute(w).key;
  } catch {
    return w;
  }
}

/**
 * The routes a drill may pick: the API's own routes (the fault endpoints excepted: faults never
 * act on them), in a stable order so a seed picks the same one whatever order they came in.
 */
export function drillableRoutes(routes: readonly string[]): ApiRoute[] {
  const seen = new Map<string, ApiRoute>();
  for (const r of routes) {
    const route = parseRoute(r);
    if (!METHODS.has(route.method) || !route.path.startsWith('/api/') || route.path.startsWith('/api/faults')) continue;
    seen.set(route.key, route);
  }
  return [...seen.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

