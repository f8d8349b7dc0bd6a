import { FAULT_NAMES, type FaultsBody } from './schema.js';

/** A fault body the schema accepts but that cannot work here: 400 naming the field. */
export class FaultInputError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'FaultInputError';
  }
}

/**
 * The API routes a fault's method/route filter may name (route template → methods), collected as
 * the routes are registered. A filter naming a route that does not exist would silently do
 * nothing, so it is refused instead.
 */
export class KnownRoutes {
  private readonly routes = new Map<string, Set<string>>();

  add(method: string, route: string): void {
    const methods = this.routes.get(route) ?? new Set<string>();
    methods.add(method.toUpperCase());
    this.routes.set(route, methods);
  }

  methodsOf(route: string): ReadonlySet<string> | undefined {
    return this.routes.get(route);
  }

  list(): string[] {
    return [...this.routes.keys()].sort();
  }
}

/** OpenAPI writes path parameters as {id}, Fastify (and the metrics' route label) as :id. */
export function routeTemplate(route: string): string {
  return route.replace(/\{([^}/]+)\}/g, ':$1');
}

export interface ValidateOptions {
  routes: KnownRoutes;
  /** Hidden faults need an admin token: without one nobody could ever see them. */
  canHide: boolean;
}

/** Checks what the schema cannot and returns the body with route filters in Fastify's form. */
export function validateFaults(body: FaultsBody, options: ValidateOptions): FaultsBody {
  const out: Record<string, unknown> = {};
  for (const name of FAULT_NAMES) {
    const f = body[name] as ({ hidden?: boolean; method?: string; route?: string; ttl_s?: number; start_after_s?: number } & object) | null | undefined;
    if (!f) continue;
    if (f.hidden && !options.canHide) {
      throw new FaultInputError(`${name}.hidden`, 'hidden faults need ADMIN_TOKEN to be set (only the admin token can reveal them)');
    }
    let fault = f;
    if (f.route !== undefined) {
      const route = routeTemplate(f.route);
      const methods = options.routes.methodsOf(route);
      if (!methods) throw new FaultInputError(`${name}.route`, `no API route ${JSON.stringify(f.route)}; known: ${options.routes.list().join(', ')}`);
      if (f.method !== undefined && !methods.has(f.method.toUpperCase())) {
        throw new FaultInputError(`${name}.method`, `${route} has no ${f.method.toUpperCase()} (it has ${[...methods].join(', ')})`);
      }
      fault = { ...f, route };
    }
    out[name] = fault;
  }
  return out as FaultsBody;
}
