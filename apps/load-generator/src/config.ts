import { Type, type Static } from '@sinclair/typebox';
import { ConfigError, defaultDataDir, loadConfig, parseDuration } from '@o11y/platform';

export const DEFAULT_ALLOWLIST = 'localhost,127.0.0.1,::1,todo-api,load-generator,portal,prometheus,alertmanager,grafana,jaeger,cockroachdb';

/** Environment variables of the load generator (names are the variables). */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8081 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  DATA_DIR: Type.String({ default: defaultDataDir('load-generator') }),
  TARGET_ALLOWLIST: Type.String({ default: DEFAULT_ALLOWLIST }),
  MAX_RATE: Type.Number({ exclusiveMinimum: 0, default: 50_000 }),
  MAX_DURATION: Type.String({ default: '1h' }),
  MAX_ACTIVE_RUNS: Type.Integer({ minimum: 1, default: 4 }),
  TODO_API_URL: Type.String({ default: 'http://127.0.0.1:4000' }),
  TODO_API_ADMIN_TOKEN: Type.Optional(Type.String()),
  TRACE_SAMPLE_RATIO: Type.Number({ minimum: 0, maximum: 1, default: 0.1 }),
});

export type RawConfig = Static<typeof ConfigSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  allowlist: string[];
  maxRate: number;
  /** Seconds. */
  maxDuration: number;
  maxActiveRuns: number;
  todoApiUrl: string;
  todoApiAdminToken: string | undefined;
  traceSampleRatio: number;
}

function toConfig(raw: RawConfig): Config {
  const maxDuration = parseDuration(raw.MAX_DURATION);
  const problems: string[] = [];
  if (maxDuration === undefined || maxDuration <= 0) problems.push(`MAX_DURATION: not a duration (got ${JSON.stringify(raw.MAX_DURATION)})`);
  try {
    new URL(raw.TODO_API_URL);
  } catch {
    problems.push(`TODO_API_URL: not a URL (got ${JSON.stringify(raw.TODO_API_URL)})`);
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    port: raw.PORT,
    host: raw.HOST,
    dataDir: raw.DATA_DIR,
    allowlist: raw.TARGET_ALLOWLIST.split(',').map((s) => s.trim()).filter(Boolean),
    maxRate: raw.MAX_RATE,
    maxDuration: maxDuration as number,
    maxActiveRuns: raw.MAX_ACTIVE_RUNS,
    todoApiUrl: raw.TODO_API_URL.replace(/\/+$/, ''),
    todoApiAdminToken: raw.TODO_API_ADMIN_TOKEN || undefined,
    traceSampleRatio: raw.TRACE_SAMPLE_RATIO,
  };
}

/** Reads and checks the environment once; problems are reported together (exit 1 via runMain). */
export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  return toConfig(loadConfig(ConfigSchema, env));
}

/** Defaults with overrides, for tests and the CLI. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...readConfig({}), ...overrides };
}
