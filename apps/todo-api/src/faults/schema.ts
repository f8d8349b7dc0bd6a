import { Type, type Static, type TObject, type TProperties, type TSchema, type TUnsafe } from '@sinclair/typebox';

/**
 * The fault API's contract: validation, the TypeScript types and the OpenAPI document all derive
 * from these schemas. Every fault kind shares the lifetime fields (ttl_s, start_after_s, hidden);
 * the kinds that act on requests share the method/route filter.
 */

/** OpenAPI 3.0 style `nullable`: Ajv validates it and the field error names the real field. */
function nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  return Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });
}

const MAX_TTL_S = 86_400;
const MiB = 1024 * 1024;
export const MEMORY_LEAK_DEFAULT_MAX_BYTES = 256 * MiB;

const Lifetime = {
  ttl_s: Type.Optional(
    Type.Number({ exclusiveMinimum: 0, maximum: MAX_TTL_S, description: 'Switches itself off this many seconds after it starts (so a crashed client never leaves it on); default: until replaced' }),
  ),
  start_after_s: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_TTL_S, description: 'Starts this many seconds after the PUT (default 0: at once)' })),
  hidden: Type.Optional(
    Type.Boolean({
      description: 'Drills: shown as off by GET /api/faults without the admin token, todo_fault_* gauges read 0, logs do not describe it. Needs ADMIN_TOKEN.',
    }),
  ),
};

const RequestFilter = {
  method: Type.Optional(Type.String({ pattern: '^[A-Za-z]+$', description: 'Only this HTTP method' })),
  route: Type.Optional(Type.String({ pattern: '^/', description: 'Only this route template, e.g. /api/tasks/:id (or /api/tasks/{id})' })),
};

/** One fault kind: its own fields plus the lifetime fields, nothing else. */
function fault<P extends TProperties>(properties: P, example: object, description: string) {
  return Type.Object({ ...properties, ...Lifetime }, { additionalProperties: false, description, example });
}

export const LatencyFault = fault(
  {
    ms: Type.Integer({ minimum: 0, maximum: 60_000, description: 'Added delay, ms' }),
    jitter_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, description: 'Extra random delay up to this, ms' })),
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Share of matching requests delayed (default 1)' })),
    ...RequestFilter,
  },
  { ms: 600, method: 'GET', route: '/api/tasks' },
  'Delays matching requests (a timer: no CPU, no database).',
);

export const ErrorFault = fault(
  {
    probability: Type.Number({ minimum: 0, maximum: 1, description: 'Share of matching requests that fail' }),
    status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599, description: '4xx or 5xx (default 500)' })),
    ...RequestFilter,
  },
  { probability: 0.2, status: 503, method: 'POST', route: '/api/tasks' },
  'Answers a share of matching requests with an error status.',
);

export const DbOperation = Type.Union([Type.Literal('SELECT'), Type.Literal('INSERT'), Type.Literal('UPDATE'), Type.Literal('DELETE')]);

export const DbSlowdownFault = fault(
  {
    ms: Type.Integer({ minimum: 0, maximum: 60_000, description: 'Delay of each matching statement while it holds its connection, ms (pg_sleep on a server)' }),
    operation: Type.Optional(DbOperation),
    table: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]*$', description: 'Only statements on this table (tasks, users)' })),
  },
  { ms: 200, operation: 'SELECT' },
  'Slows database statements, optionally of one operation and table.',
);

export const CpuBurnFault = fault(
  {
    ms: Type.Integer({ minimum: 0, maximum: 10_000, description: 'Busy CPU time per matching request, ms' }),
    ...RequestFilter,
  },
  { ms: 20, route: '/api/tasks' },
  'Busy-waits on the event loop in each matching request.',
);

export const CpuHogFault = fault(
  {
    share: Type.Number({ minimum: 0, maximum: 0.95, description: 'Share of the event loop burned in the background, 0–0.95' }),
    period_ms: Type.Optional(Type.Integer({ minimum: 10, maximum: 1000, description: 'Length of one burn + rest cycle, ms (default 100)' })),
  },
  { share: 0.5 },
  'Burns CPU in the background, whatever the traffic.',
);

export const PoolLimitFault = fault(
  {
    max_connections: Type.Integer({ minimum: 1, maximum: 1000, description: 'Statements the app may run at once (connections it may use)' }),
    hold_ms: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10_000, description: 'Each statement keeps its connection this long after it finishes (work done while holding it), ms (default 0)' }),
    ),
  },
  { max_connections: 1, hold_ms: 50 },
  'Exhausts the connection pool: statements queue for a connection (db_client_connection_pending_requests, db_client_connection_wait_time_seconds).',
);

export const MemoryLeakFault = fault(
  {
    bytes_per_second: Type.Optional(Type.Integer({ minimum: 0, maximum: 256 * MiB, description: 'Bytes retained every second (default 0)' })),
    bytes_per_request: Type.Optional(Type.Integer({ minimum: 0, maximum: 16 * MiB, description: 'Bytes retained by each matching request (default 0)' })),
    max_bytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 * MiB, description: 'Retention stops at this many bytes (default 256 MiB)' })),
    ...RequestFilter,
  },
  { bytes_per_second: 2 * MiB, max_bytes: 256 * MiB },
  'Retains memory on the heap (released when the fault ends).',
);

export const DbOutageFault = fault(
  {},
  { ttl_s: 60 },
  'Every statement fails as if the database server were gone: 503, todo_database_up 0, readiness false; recovers when the fault ends.',
);

const KINDS = {
  latency: LatencyFault,
  error: ErrorFault,
  db_slowdown: DbSlowdownFault,
  cpu_burn: CpuBurnFault,
  cpu_hog: CpuHogFault,
  pool_limit: PoolLimitFault,
  memory_leak: MemoryLeakFault,
  db_outage: DbOutageFault,
};

export type FaultName = keyof typeof KINDS;
export const FAULT_NAMES = Object.keys(KINDS) as FaultName[];

/** What the state adds to a fault as it was set: when it starts and when it switches itself off. */
function withTimes<T extends TObject>(schema: T) {
  return Type.Object(
    {
      ...schema.properties,
      starts_at: Type.Optional(Type.String({ format: 'date-time', description: 'When it starts (present when start_after_s was given)' })),
      expires_at: Type.Optional(Type.String({ format: 'date-time', description: 'When it switches itself off (present when ttl_s was given)' })),
    },
    { description: schema.description },
  );
}

export const FaultsBody = Type.Object(
  {
    latency: Type.Optional(nullable(LatencyFault)),
    error: Type.Optional(nullable(ErrorFault)),
    db_slowdown: Type.Optional(nullable(DbSlowdownFault)),
    cpu_burn: Type.Optional(nullable(CpuBurnFault)),
    cpu_hog: Type.Optional(nullable(CpuHogFault)),
    pool_limit: Type.Optional(nullable(PoolLimitFault)),
    memory_leak: Type.Optional(nullable(MemoryLeakFault)),
    db_outage: Type.Optional(nullable(DbOutageFault)),
  },
  {
    additionalProperties: false,
    description: 'The whole fault state: an omitted or null fault is off.',
    example: { latency: { ms: 600, method: 'GET', route: '/api/tasks', ttl_s: 300 }, db_slowdown: { ms: 50, operation: 'SELECT' } },
  },
);

export const FaultsState = Type.Object({
  latency: nullable(withTimes(LatencyFault)),
  error: nullable(withTimes(ErrorFault)),
  db_slowdown: nullable(withTimes(DbSlowdownFault)),
  cpu_burn: nullable(withTimes(CpuBurnFault)),
  cpu_hog: nullable(withTimes(CpuHogFault)),
  pool_limit: nullable(withTimes(PoolLimitFault)),
  memory_leak: nullable(withTimes(MemoryLeakFault)),
  db_outage: nullable(withTimes(DbOutageFault)),
});

export type FaultsBody = Static<typeof FaultsBody>;
export type FaultsState = Static<typeof FaultsState>;
export type LatencyFault = Static<typeof LatencyFault>;
export type ErrorFault = Static<typeof ErrorFault>;
export type DbSlowdownFault = Static<typeof DbSlowdownFault>;
export type CpuBurnFault = Static<typeof CpuBurnFault>;
export type CpuHogFault = Static<typeof CpuHogFault>;
export type PoolLimitFault = Static<typeof PoolLimitFault>;
export type MemoryLeakFault = Static<typeof MemoryLeakFault>;
export type DbOutageFault = Static<typeof DbOutageFault>;

/** The faults in effect now, each as it was set (null = off); what the injectors read. */
export type ActiveFaults = { [K in FaultName]: NonNullable<FaultsBody[K]> | null };
