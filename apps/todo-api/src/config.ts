import { AccessEnv, ConfigError, defaultDataDir, loadConfig, parseDuration, readAccessConfig, type AccessConfig } from '@o11y/platform';
import { Type, type Static } from '@sinclair/typebox';

/** Environment variables of the todo API; the property names are the variable names. */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 4000 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  DATA_DIR: Type.String({ default: defaultDataDir('todo-api') }),
  /** postgres://… for PostgreSQL or CockroachDB; unset → embedded PGlite at DATA_DIR/pglite. */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  POOL_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  JWT_SECRET: Type.Optional(Type.String()),
  JWT_TTL: Type.String({ default: '24h' }),
  NODE_ENV: Type.String({ default: 'development' }),
  /** Changing faults needs `Authorization: Bearer <ADMIN_TOKEN>`; unset → nobody may change them. */
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
  /** PUBLIC_BASE_URL and ALLOWED_HOSTS: the names /api/faults answers to (Host/Origin checks). */
  ...AccessEnv,
  /** Scheme of new password hashes: scrypt (off the event loop); bcrypt only to measure the old behaviour. */
  PASSWORD_HASH: Type.Union([Type.Literal('scrypt'), Type.Literal('bcrypt')], { default: 'scrypt' }),
  /** Login attempts per client IP per minute. */
  LOGIN_RATE_LIMIT: Type.Integer({ minimum: 1, default: 20 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** false turns off metrics, tracing and request logs (the benchmark measures their cost). */
  TELEMETRY_ENABLED: Type.Boolean({ default: true }),
});

export type Config = Static<typeof ConfigSchema> & {
  /** JWT_TTL in seconds. */
  jwtTtlSeconds: number;
  /** The lab's own names, for the control plane (/api/faults). */
  access: AccessConfig;
};

/** Minimum JWT_SECRET length accepted in production (HS256 wants ≥ 256 bits). */
export const MIN_SECRET_LENGTH = 32;

/** Reads and validates the environment once; every problem is reported together as a ConfigError. */
export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw = loadConfig(ConfigSchema, env);
  const problems: string[] = [];
  const ttl = parseDuration(raw.JWT_TTL);
  if (ttl === undefined || ttl <= 0) problems.push(`JWT_TTL: must be a duration such as "24h" or "30m" (got ${JSON.stringify(raw.JWT_TTL)})`);
  if (raw.NODE_ENV === 'production') {
    if (!raw.JWT_SECRET) problems.push('JWT_SECRET: must be set when NODE_ENV=production (tokens would not survive a restart or work across replicas)');
    else if (raw.JWT_SECRET.length < MIN_SECRET_LENGTH) problems.push(`JWT_SECRET: must be at least ${MIN_SECRET_LENGTH} characters when NODE_ENV=production`);
  }
  const access = readAccessConfig(env, {}, problems);
  if (problems.length) throw new ConfigError(problems);
  return { ...raw, jwtTtlSeconds: ttl as number, access };
}
