/**
 * The one SQL interface of the app. Two adapters implement it: PGlite in-process (embedded mode)
 * and a postgres.js pool (PostgreSQL and CockroachDB). Statements are plain parameterised SQL that
 * runs unchanged on all three, so the repositories never know which one they talk to.
 */
export interface SqlExecutor {
  /** One parameterised statement; returns its rows. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface PoolStats {
  used: number;
  idle: number;
  max: number;
}

/** A driver as an adapter builds it, before the retry layer (see `withRetries` in retry.ts). */
export interface BaseDriver extends SqlExecutor {
  /** 'postgresql' or 'cockroachdb' (the OpenTelemetry db.system.name value); set on first connect. */
  system: string;
  /** host:port and database, for span attributes and log lines (never the password). */
  readonly target: { address: string; port: number; namespace: string };
  /** True when the database runs inside this process (PGlite): a pg_sleep there stalls the event loop. */
  readonly inProcess?: boolean;
  /** Runs `fn` in one explicit transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  stats(): PoolStats;
  close(): Promise<void>;
}

/**
 * The driver the app uses. `query`, `exec` (each an implicit transaction) and `transaction` are
 * retried on 40001/40P01 as a whole (see retry.ts); the `tx` handed to a transaction's callback is
 * not, because a statement inside an aborted transaction cannot be retried on its own.
 */
export interface Driver extends BaseDriver {
  /** Transactions and statements retried so far, per SQLSTATE. */
  readonly retries: Readonly<Record<string, number>>;
}

/**
 * A driver that sends statements through `sql` and hands the rest (system name, target, pool
 * stats, close) to `base`: the shape of every layer over an adapter (retries, the tests' rule
 * checker). `extra`'s properties, getters included, are added as they are.
 */
export function decorateDriver<E extends object = object>(base: BaseDriver, sql: Pick<BaseDriver, 'query' | 'exec' | 'transaction'>, extra?: E): BaseDriver & E {
  const driver: BaseDriver = {
    get system() {
      return base.system;
    },
    set system(value: string) {
      base.system = value;
    },
    target: base.target,
    query: sql.query,
    exec: sql.exec,
    transaction: sql.transaction,
    stats: () => base.stats(),
    close: () => base.close(),
  };
  return Object.defineProperties(driver, Object.getOwnPropertyDescriptors(extra ?? {})) as BaseDriver & E;
}

/** The database cannot be reached right now: requests answer 503 and readiness turns false. */
export class DatabaseUnavailableError extends Error {
  readonly statusCode = 503;
  constructor(cause: unknown) {
    super(`database unavailable: ${describeError(cause)}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

// Error codes that mean "the server is gone or refusing", as opposed to a bad statement.
// postgres.js reports socket problems with Node's codes or its own CONNECTION_* codes;
// SQLSTATE class 08 is connection exceptions, 57P0x the server shutting down or starting.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

export function isUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return UNAVAILABLE_CODES.has(code) || code.startsWith('08');
}

export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function describeError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${e.code} ${message}` : message;
}

/** Counts the statements (and transactions) in flight, for `Driver.stats()`. */
export interface InFlightTracker {
  /** Runs `work`, counting it as in flight until it settles. */
  track<T>(work: () => Promise<T>): Promise<T>;
  readonly inFlight: number;
}

export function createInFlightTracker(): InFlightTracker {
  let inFlight = 0;
  return {
    async track<T>(work: () => Promise<T>): Promise<T> {
      inFlight++;
      try {
        return await work();
      } finally {
        inFlight--;
      }
    },
    get inFlight() {
      return inFlight;
    },
  };
}
