import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** OpenAPI 3.0 style `nullable`: Ajv validates it and the field error names the real field. */
function nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  return Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });
}

export const LatencyFault = Type.Object(
  {
    ms: Type.Integer({ minimum: 0, maximum: 60_000, description: 'Added delay, ms' }),
    jitter_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, description: 'Extra random delay up to this, ms' })),
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Share of matching requests delayed (default 1)' })),
    method: Type.Optional(Type.String({ pattern: '^[A-Za-z]+$', description: 'Only this HTTP method' })),
    route: Type.Optional(Type.String({ pattern: '^/', description: 'Only this route template, e.g. /api/tasks' })),
  },
  { additionalProperties: false },
);

export const ErrorFault = Type.Object(
  {
    probability: Type.Number({ minimum: 0, maximum: 1 }),
    status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599, description: '4xx or 5xx (default 500)' })),
  },
  { additionalProperties: false },
);

export const DbSlowdownFault = Type.Object(
  { ms: Type.Integer({ minimum: 0, maximum: 60_000, description: 'Server-side pg_sleep before each statement, ms' }) },
  { additionalProperties: false },
);

export const CpuBurnFault = Type.Object(
  { ms: Type.Integer({ minimum: 0, maximum: 10_000, description: 'Busy CPU time per request, ms' }) },
  { additionalProperties: false },
);

export const FaultsBody = Type.Object(
  {
    latency: Type.Optional(nullable(LatencyFault)),
    error: Type.Optional(nullable(ErrorFault)),
    db_slowdown: Type.Optional(nullable(DbSlowdownFault)),
    cpu_burn: Type.Optional(nullable(CpuBurnFault)),
  },
  { additionalProperties: false },
);

export const FaultsState = Type.Object({
  latency: nullable(LatencyFault),
  error: nullable(ErrorFault),
  db_slowdown: nullable(DbSlowdownFault),
  cpu_burn: nullable(CpuBurnFault),
});

export type FaultsBody = Static<typeof FaultsBody>;
export type FaultsState = Static<typeof FaultsState>;
export const FAULT_NAMES = ['latency', 'error', 'db_slowdown', 'cpu_burn'] as const;
