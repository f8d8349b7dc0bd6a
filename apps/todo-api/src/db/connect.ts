import { join } from 'node:path';
import type { Logger } from '@o11y/telemetry';
import { cockroachRelease, COCKROACH_SESSION_SETTINGS, effectiveSettings, isCockroach } from './cockroach.js';
import { describeError, isUnavailable, type Driver } from './driver.js';
import { migrate, MIGRATIONS, type MigrateOptions } from './migrations.js';
import { openPglite } from './pglite.js';
import { openPostgres, type PostgresOptions } from './postgres.js';
import type { RetryOptions, RetryPolicy } from './retry.js';

export interface ConnectOptions {
  databaseUrl?: string;
  dataDir: string;
  poolSize: number;
  logger: Logger;
  /** First and longest wait between attempts, ms (tests shorten them). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Give up after this many attempts; default: keep trying (a database may take minutes to come up). */
  maxAttempts?: number;
  signal?: AbortSignal;
  /** Retries of transactions that fail with 40001/40P01 (tests shorten the waits). */
  txnRetry?: Partial<RetryPolicy>;
  /** Lease timings of the migration (tests shorten them). */
  migration?: MigrateOptions;
  /**
   * Opens the PostgreSQL/CockroachDB pool. Tests pass one that slides CockroachDB's rule checker
   * under the retry layer (test/cockroach-rules.ts); by default the real openPostgres.
   */
  openPostgres?: (options: PostgresOptions) => Promise<Driver>;
}

/** Where the database is, for log lines: never the password. */
export function describeTarget(databaseUrl: string | undefined, dataDir: string): string {
  if (!databaseUrl) return `PGlite at ${join(dataDir, 'pglite')}`;
  const u = new URL(databaseUrl);
  return `${u.protocol}//${u.hostname}:${u.port || 5432}${u.pathname}`;
}

/**
 * Opens the database and applies migrations. An unreachable server is retried with capped
 * exponential backoff and one log line per attempt saying where and why; any other failure
 * (bad SQL, wrong password) is not going to fix itself and is thrown at once.
 */
export async function connectDatabase(options: ConnectOptions): Promise<Driver> {
  const { logger, databaseUrl: url } = options;
  const where = describeTarget(url, options.dataDir);
  const retry: RetryOptions = {
    policy: options.txnRetry,
    // Counted per SQLSTATE in Driver.retries (the todo API exports them as db_client_retries_total).
    onRetry: (e) =>
      logger.warn(
        { database: where, code: e.code, attempt: e.attempt, retry_in_ms: e.delayMs, kind: e.kind },
        `${e.kind} retried after ${e.code} (${e.message}); attempt ${e.attempt + 1} in ${e.delayMs} ms`,
      ),
  };
  const open = options.openPostgres ?? openPostgres;
  let driver = url ? await open({ url, poolSize: options.poolSize, retry }) : await openPglite(join(options.dataDir, 'pglite'), retry);
  let wait = options.retryInitialMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      const [row] = await driver.query<{ version: string }>('SELECT version() AS version');
      if (url && row && isCockroach(row.version) && driver.system !== 'cockroachdb') {
        // The pool is reopened with the session settings as startup parameters, so every
        // connection it opens, now or after a reconnect, starts with them.
        await driver.close();
        driver = await open({ url, poolSize: options.poolSize, retry, sessionSettings: COCKROACH_SESSION_SETTINGS });
        driver.system = 'cockroachdb';
        const session = await effectiveSettings(driver);
        const unmet = Object.entries(COCKROACH_SESSION_SETTINGS).filter(([k, v]) => session[k] !== v);
        const release = cockroachRelease(row.version);
        if (unmet.length > 0) {
          logger.warn({ database: where, release, session }, `CockroachDB ${release ?? ''}: session settings not in effect: ${unmet.map(([k, v]) => `${k}=${v} (is ${session[k]})`).join(', ')}`);
        } else {
          logger.info({ database: where, release, session }, `CockroachDB ${release ?? ''}: session settings for schema changes set explicitly`);
        }
      }
      await migrate(driver, logger, MIGRATIONS, options.migration);
      logger.info({ database: where, attempt }, 'database ready');
      return driver;
    } catch (err) {
      const retryable = isUnavailable(err) || isUnavailable((err as { cause?: unknown }).cause);
      if (!retryable || (options.maxAttempts !== undefined && attempt >= options.maxAttempts) || options.signal?.aborted) {
        await driver.close().catch(() => undefined);
        throw new Error(`Cannot use the database (${where}): ${describeError(err)}`, { cause: err });
      }
      logger.warn(
        { database: where, attempt, retry_in_ms: wait, err: describeError(err) },
        `database not reachable at ${where} (${describeError(err)}); retrying in ${(wait / 1000).toFixed(1)} s`,
      );
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, options.retryMaxMs ?? 10_000);
    }
  }
}
