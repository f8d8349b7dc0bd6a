import { join } from 'node:path';
import type { Logger } from '@o11y/telemetry';
import { describeError, isUnavailable, type Driver } from './driver.js';
import { migrate } from './migrations.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

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
  const { logger } = options;
  const where = describeTarget(options.databaseUrl, options.dataDir);
  const driver = options.databaseUrl
    ? await openPostgres({ url: options.databaseUrl, poolSize: options.poolSize })
    : await openPglite(join(options.dataDir, 'pglite'));
  let wait = options.retryInitialMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      const [row] = await driver.query<{ version: string }>('SELECT version() AS version');
      if (row?.version.includes('CockroachDB')) driver.system = 'cockroachdb';
      await migrate(driver, logger);
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
