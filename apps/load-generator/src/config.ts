import { Type, type Static } from '@sinclair/typebox';
import {
  AccessEnv,
  ConfigError,
  defaultDataDir,
  effectivePort,
  EXTRA_COMPOSE_NAMES,
  formatHostEntry,
  LabTokenEnv,
  loadConfig,
  LOOPBACK_NAMES,
  normalizeHost,
  parseDuration,
  readAccessConfig,
  serviceById,
  type AccessConfig,
} from '@o11y/platform';
import { parseAllowlist } from './engine/target.js';

/**
 * TARGET_ALLOWLIST when unset: the platform's load targets with their ports — the todo API on
 * loopback (TODO_API_PORT, 4000), the host:port of TODO_API_URL, and the compose names `todo-api`
 * and `todo-api-cluster` on the todo API's container port. Not every port of loopback: the load
 * generator must not be pointed at the lab's other services (its own API, the portal, Prometheus).
 */
export function defaultAllowlist(todoApiUrl: string, env: Record<string, string | undefined> = {}): string[] {
  const todo = serviceById('todo-api');
  const localPort = Number(env[todo.portEnv]) || todo.port;
  const containerPort = todo.containerPort ?? todo.port;
  const entries = [
    ...LOOPBACK_NAMES.map((host) => formatHostEntry({ host, port: localPort })),
    ...[todo.id, ...EXTRA_COMPOSE_NAMES].map((host) => formatHostEntry({ host, port: containerPort })),
  ];
  try {
    const u = new URL(todoApiUrl);
    entries.push(formatHostEntry({ host: normalizeHost(u.hostname), port: effectivePort(u) }));
  } catch {
    // reported by toConfig
  }
  return [...new Set(entries)];
}

/** Environment variables of the load generator (names are the variables). */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8081 }),
  /** Loopback by default; beyond it (0.0.0.0 in a container) LAB_TOKEN is required. */
  HOST: Type.String({ default: '127.0.0.1' }),
  DATA_DIR: Type.String({ default: defaultDataDir('load-generator') }),
  /** Comma-separated `host` (any port) or `host:port`; unset → defaultAllowlist(). */
  TARGET_ALLOWLIST: Type.Optional(Type.String()),
  MAX_RATE: Type.Number({ exclusiveMinimum: 0, default: 50_000 }),
  MAX_DURATION: Type.String({ default: '1h' }),
  MAX_ACTIVE_RUNS: Type.Integer({ minimum: 1, default: 4 }),
  TODO_API_URL: Type.String({ default: 'http://127.0.0.1:4000' }),
  TRACE_SAMPLE_RATIO: Type.Number({ minimum: 0, maximum: 1, default: 0.1 }),
  /** PUBLIC_BASE_URL and ALLOWED_HOSTS: the names the API answers to (Host/Origin checks). */
  ...AccessEnv,
  ...LabTokenEnv,
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
  traceSampleRatio: number;
  /** Host/Origin names and LAB_TOKEN of the API. */
  access: AccessConfig;
}

function toConfig(raw: RawConfig, env: Record<string, string | undefined>): Config {
  const maxDuration = parseDuration(raw.MAX_DURATION);
  const problems: string[] = [];
  if (maxDuration === undefined || maxDuration <= 0) problems.push(`MAX_DURATION: not a duration (got ${JSON.stringify(raw.MAX_DURATION)})`);
  try {
    new URL(raw.TODO_API_URL);
  } catch {
    problems.push(`TODO_API_URL: not a URL (got ${JSON.stringify(raw.TODO_API_URL)})`);
  }
  const todoApiUrl = raw.TODO_API_URL.replace(/\/+$/, '');
  const allowlist = raw.TARGET_ALLOWLIST
    ? parseAllowlist(raw.TARGET_ALLOWLIST, (entry) => problems.push(`TARGET_ALLOWLIST: ${JSON.stringify(entry)} is not a host or host:port`))
    : defaultAllowlist(todoApiUrl, env);
  const access = readAccessConfig(env, { listenHost: raw.HOST, labToken: true }, problems);
  if (problems.length) throw new ConfigError(problems);
  return {
    port: raw.PORT,
    host: raw.HOST,
    dataDir: raw.DATA_DIR,
    allowlist,
    maxRate: raw.MAX_RATE,
    maxDuration: maxDuration as number,
    maxActiveRuns: raw.MAX_ACTIVE_RUNS,
    todoApiUrl,
    traceSampleRatio: raw.TRACE_SAMPLE_RATIO,
    access,
  };
}

/** Reads and checks the environment once; problems are reported together (exit 1 via runMain). */
export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  return toConfig(loadConfig(ConfigSchema, env), env);
}

/** Defaults with overrides, for tests: the default allowlist follows an overridden todoApiUrl. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = readConfig({});
  const allowlist = overrides.allowlist ?? (overrides.todoApiUrl ? defaultAllowlist(overrides.todoApiUrl) : base.allowlist);
  return { ...base, ...overrides, allowlist };
}
