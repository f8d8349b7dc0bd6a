import { seededRandom } from '@o11y/platform';
import { DEFAULT_RANGE } from './evidence.js';
import { drillableRoutes, parseRoute, type ApiRoute } from './routes.js';
import type { DrillInfo, Evidence, Text, Truth } from './schema.js';

/** What a drill is generated for: the todo API's routes and the background traffic. */
export interface DrillContext {
  /**
   * `METHOD /path` routes from the todo API's OpenAPI (GET /openapi.json) that the background
   * traffic requests; a drill only picks among these (the fault endpoints are left out).
   */
  routes: readonly string[];
  /**
   * The background mix's request types: the route each calls, its weight in the mix (the share of
   * the rate each route gets, default 1) and whether it can run alone (`standalone`, default true:
   * it uses no value captured by another request). The traffic surge picks a standalone one.
   */
  requests?: readonly { name: string; route: string; weight?: number; standalone?: boolean }[];
  /** Background request rate, requests per second (sizes the database faults). Default 10. */
  rate_rps?: number;
  /** The todo API's connection pool (db_client_connection_max): 1 embedded (PGlite), POOL_SIZE otherwise. Default 1. */
  pool_size?: number;
  /** Seconds from the session's start to the fault's; default: drawn from the seed, 30–120. */
  fault_after_s?: number;
  /** PromQL range of the evidence's rates (`1m` with 5 s scrapes, `12s` with 1 s). Default `1m`. */
  evidence_range?: string;
}

/** The body for the todo API's PUT /api/faults. */
export type FaultBody = Record<string, Record<string, unknown>>;

/** The traffic surge: `request` (the mix's request type; null when the context named none) calls `route`. */
export interface TrafficChange {
  request: string | null;
  /** `METHOD /path` (OpenAPI form). */
  route: string;
  /** That request's rate becomes this many times its rate before; the other requests keep theirs. */
  multiplier: number;
}

/** One run of a drill, fully determined by (drill, seed, context). */
export interface GeneratedDrill {
  drill: string;
  seed: number;
  /** Seconds from the session's start (traffic on) to the fault's start. */
  fault_after_s: number;
  /** How long the fault lasts once started (its ttl_s): the safety net, or the outage's length. */
  duration_s: number;
  /** PUT /api/faults body, to send at the session's start: hidden, starting after fault_after_s, ending after duration_s. Null for the surge. */
  fault: FaultBody | null;
  /** The traffic change to make at fault_after_s; null for every drill but the surge. */
  traffic: TrafficChange | null;
  truth: Truth;
  /** In the order they are given, each one closer to the answer. */
  hints: Text[];
  evidence: Evidence[];
}

export const FAULT_AFTER_S = { min: 30, max: 120 } as const;
/** Faults that last until the answer still expire after this long, so a dead portal leaves nothing on. */
export const FAULT_TTL_S = 900;
export const DEFAULTS = { rate_rps: 10, pool_size: 1 } as const;
/** Statements per request of the todo API: the token's user lookup plus the task statement. */
export const STATEMENTS_PER_REQUEST = 2;

/** The seeded draws a drill makes; the order of the calls is part of the replay. */
export interface Rng {
  /** Uniform in [lo, hi], rounded to `step`. */
  between(lo: number, hi: number, step: number): number;
  pick<T>(items: readonly T[]): T;
}

export function createRng(seed: number): Rng {
  const next = seededRandom(seed);
  return {
    // toFixed drops the binary noise of step multiples (0.30000000000000004 → 0.3).
    between: (lo, hi, step) => Math.min(hi, Math.max(lo, Number((Math.round((lo + next() * (hi - lo)) / step) * step).toFixed(6)))),
    pick: (items) => items[Math.min(items.length - 1, Math.floor(next() * items.length))] as (typeof items)[number],
  };
}

/** The context with defaults applied and the routes parsed. */
export interface ResolvedContext {
  routes: ApiRoute[];
  /** The surge's candidates: standalone request types of the mix (every route when none are given). */
  requests: { name: string | null; route: ApiRoute }[];
  /** Requests per second each route gets from the background traffic (by route key). */
  routeRate(route: ApiRoute): number;
  rate_rps: number;
  evidence_range: string;
  pool_size: number;
  fault_after_s: number;
  /** Fields every fault of the drill carries: hidden, start_after_s, ttl_s. */
  lifetime(duration_s: number): { hidden: true; start_after_s: number; ttl_s: number };
}

export interface DrillDefinition extends DrillInfo {
  build(rng: Rng, ctx: ResolvedContext): Pick<GeneratedDrill, 'duration_s' | 'fault' | 'traffic' | 'truth' | 'hints' | 'evidence'>;
}

export function resolveContext(ctx: DrillContext, drawnFaultAfter: number): ResolvedContext {
  const routes = drillableRoutes(ctx.routes);
  if (routes.length === 0) throw new Error('drills need at least one API route of the todo API (context.routes, from its OpenAPI)');
  const known = new Map(routes.map((r) => [r.key, r]));
  const mix = (ctx.requests ?? []).flatMap((q) => {
    const route = known.get(parseRoute(q.route).key);
    return route ? [{ name: q.name, route, weight: q.weight ?? 1, standalone: q.standalone ?? true }] : [];
  });
  const requests = ctx.requests ? mix.filter((q) => q.standalone).map(({ name, route }) => ({ name, route })) : routes.map((route) => ({ name: null, route }));
  const rate = ctx.rate_rps ?? DEFAULTS.rate_rps;
  const totalWeight = mix.reduce((sum, q) => sum + q.weight, 0);
  // Without the mix's weights every route is taken to get an equal share.
  const routeRate = (route: ApiRoute) =>
    totalWeight > 0 ? (rate * mix.filter((q) => q.route.key === route.key).reduce((sum, q) => sum + q.weight, 0)) / totalWeight : rate / routes.length;
  const pool = ctx.pool_size ?? DEFAULTS.pool_size;
  if (!(rate > 0)) throw new Error(`context.rate_rps must be > 0 (got ${rate})`);
  if (!Number.isInteger(pool) || pool < 1) throw new Error(`context.pool_size must be an integer ≥ 1 (got ${pool})`);
  const after = ctx.fault_after_s ?? drawnFaultAfter;
  if (!(after >= 0)) throw new Error(`context.fault_after_s must be ≥ 0 (got ${after})`);
  return {
    routes,
    requests,
    routeRate,
    rate_rps: rate,
    evidence_range: ctx.evidence_range ?? DEFAULT_RANGE,
    pool_size: pool,
    fault_after_s: after,
    lifetime: (duration_s) => ({ hidden: true, start_after_s: after, ttl_s: duration_s }),
  };
}
