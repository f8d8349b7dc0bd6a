import postgres from 'postgres';
import { createInFlightTracker, type BaseDriver, type Driver, type PoolStats, type SqlExecutor } from './driver.js';
import { withRetries, type RetryOptions } from './retry.js';

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** Seconds to wait for a TCP connection before the statement fails (and the request gets 503). */
  connectTimeout?: number;
  /**
   * Session variables every connection of the pool starts with, sent as startup parameters (so a
   * connection the pool opens later has them too). connect.ts sets CockroachDB's here.
   */
  sessionSettings?: Readonly<Record<string, string>>;
  /** Client-side retries of 40001/40P01 (retry.ts). */
  retry?: RetryOptions;
  /**
   * Test seam: wraps the adapter under the retry layer, where the server sits. The CockroachDB
   * rule checker (apps/todo-api/test/cockroach-rules.ts) goes here; production leaves it unset.
   */
  intercept?: (base: BaseDriver) => BaseDriver;
}

/**
 * A postgres.js pool for PostgreSQL and CockroachDB. postgres.js reconnects lazily on the next
 * statement, which is what makes recovery after an outage automatic: nothing here keeps state
 * about a lost server.
 */
export async function openPostgres(options: PostgresOptions): Promise<Driver> {
  const url = new URL(options.url);
  const sql = postgres(options.url, {
    max: options.poolSize,
    connect_timeout: options.connectTimeout ?? 5,
    idle_timeout: 60,
    // No pipelining: with it, postgres.js keeps saturated connections in a queue whose backing
    // array grows by one entry per statement and is searched linearly (src/queue.js), so CPU per
    // request climbs for as long as the load lasts (measured: 167 → 209 µs in 30 s, 4.5k rps).
    // One statement per connection at a time holds 8.3k rps at a flat 110 µs. (Not in its typings.)
    ...({ max_pipeline: 1 } as object),
    // postgres.js waits before reconnecting a connection that closed with an error, by a counter all
    // connections share and only a successful connect resets: (0.5–1) × min(3^n / 100, 20) s. When
    // the server kills the whole pool (a restart, pg_terminate_backend) n reaches the pool size and
    // the first request after it waited ~35 s (seen in resilience.test.ts). 50 ms doubling, ≤ 2 s:
    // the service is back within 2 s of the database.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 2),
    // No array-type lookup on each new connection: the app sends and reads no arrays, and postgres.js
    // does not await that lookup, so a server that goes away between the connect and it turned into
    // an unhandled rejection (seen in resilience.test.ts) — enough to end a Node.js process.
    fetch_types: false,
    onnotice: () => undefined,
    connection: { ...options.sessionSettings, application_name: 'todo-api' },
  });
  const tracker = createInFlightTracker();
  type Sql = postgres.Sql | postgres.TransactionSql;
  const executor = (x: Sql): SqlExecutor => ({
    query: async <T>(text: string, params: unknown[] = []) =>
      (await x.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as T[],
    exec: async (text: string) => {
      // No parameters → the simple protocol, which accepts several statements at once.
      await x.unsafe(text);
    },
  });
  const base = executor(sql);
  const driver: BaseDriver = {
    system: 'postgresql',
    target: { address: url.hostname, port: Number(url.port || 5432), namespace: decodeURIComponent(url.pathname.slice(1)) },
    query: (text, params) => tracker.track(() => base.query(text, params)),
    exec: (text) => tracker.track(() => base.exec(text)),
    transaction: (fn) => tracker.track(async () => (await sql.begin((tx) => fn(executor(tx)))) as never),
    // postgres.js does not expose its pool, so "used" is the statements in flight (a connection
    // runs one at a time) capped at the pool size; the rest of the pool counts as idle.
    stats: (): PoolStats => {
      const used = Math.min(tracker.inFlight, options.poolSize);
      return { used, idle: options.poolSize - used, max: options.poolSize };
    },
    close: () => sql.end({ timeout: 5 }),
  };
  return withRetries(options.intercept ? options.intercept(driver) : driver, options.retry);
}
