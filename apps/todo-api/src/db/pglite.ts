import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { createInFlightTracker, type Driver, type PoolStats, type SqlExecutor } from './driver.js';
import { withRetries, type RetryOptions } from './retry.js';

/**
 * Embedded PostgreSQL (WASM) in this process, file-backed so data survives a restart.
 * It is one backend session, so the "pool" is one connection; PGlite queues statements itself.
 */
export async function openPglite(dataDir: string, retry?: RetryOptions): Promise<Driver> {
  mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const tracker = createInFlightTracker();
  const executor = (x: Pick<PGlite, 'query' | 'exec'>): SqlExecutor => ({
    query: async <T>(text: string, params: unknown[] = []) => (await x.query<T>(text, params)).rows,
    exec: async (text: string) => {
      await x.exec(text);
    },
  });
  const base = executor(db);
  // One session never conflicts with itself, so 40001 cannot happen here; the retry layer is the
  // same as the pool's anyway, so every Driver behaves alike.
  return withRetries({
    system: 'postgresql',
    target: { address: 'localhost', port: 0, namespace: 'pglite' },
    inProcess: true,
    query: (text, params) => tracker.track(() => base.query(text, params)),
    exec: (text) => tracker.track(() => base.exec(text)),
    transaction: (fn) => tracker.track(() => db.transaction((tx) => fn(executor(tx)))),
    stats: (): PoolStats => ({ used: tracker.inFlight > 0 ? 1 : 0, idle: tracker.inFlight > 0 ? 0 : 1, max: 1 }),
    close: async () => {
      if (!db.closed) await db.close();
    },
  }, retry);
}
