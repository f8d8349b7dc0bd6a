/**
 * Client-side retries of 40001 (CockroachDB's "restart transaction", injected at commit by the
 * rule checker after a real rollback) and 40P01 (a real PostgreSQL deadlock), in every path of the
 * Driver: implicit statements (query, exec) and explicit transactions. PGlite shares the same
 * retry layer (retry.ts) but, being one session, can produce neither error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres.ts';
import type { Driver } from '../src/db/driver.ts';
import { openPostgres } from '../src/db/postgres.ts';
import type { RetryEvent } from '../src/db/retry.ts';
import { cockroachRules } from './cockroach-rules.ts';

describe('transaction retries', () => {
  let db: TestDatabase;
  const rules = cockroachRules();
  const events: RetryEvent[] = [];
  let crdb: Driver;
  let pg: Driver;
  const fast = { baseDelayMs: 5, maxDelayMs: 50 };

  beforeAll(async () => {
    db = await createTestDatabase('retry');
    crdb = await openPostgres({ url: db.url, poolSize: 2, intercept: rules.wrap, retry: { policy: { ...fast, maxAttempts: 4 }, onRetry: (e) => events.push(e) } });
    pg = await openPostgres({ url: db.url, poolSize: 3, retry: { policy: fast, onRetry: (e) => events.push(e) } });
    await pg.exec('CREATE TABLE ledger (id INT PRIMARY KEY, n INT NOT NULL)');
    await pg.exec('INSERT INTO ledger VALUES (1, 0), (2, 0)');
  });
  afterAll(async () => {
    await crdb?.close();
    await pg?.close();
    await db?.drop();
  });
  const n = async (id: number) => (await pg.query<{ n: number }>('SELECT n FROM ledger WHERE id = $1', [id]))[0]?.n;

  it('runs a transaction that fails at commit with 40001 again, and it commits exactly once', async () => {
    const before = { retries: crdb.retries['40001'] ?? 0, events: events.length };
    let runs = 0;
    rules.failNextCommits(2);
    const result = await crdb.transaction(async (tx) => {
      runs++;
      await tx.query('UPDATE ledger SET n = n + 1 WHERE id = 1');
      return 'done';
    });
    expect(result).toBe('done');
    expect(runs).toBe(3);
    expect(await n(1)).toBe(1);
    expect(crdb.retries['40001']).toBe(before.retries + 2);
    expect(events.slice(before.events).map((e) => [e.code, e.kind, e.attempt])).toEqual([
      ['40001', 'transaction', 1],
      ['40001', 'transaction', 2],
    ]);
  });

  it('retries implicit statements too: query and exec', async () => {
    rules.failNextCommits(1);
    expect(await crdb.query('UPDATE ledger SET n = n + 10 WHERE id = 1 RETURNING n')).toEqual([{ n: 11 }]);
    rules.failNextCommits(1);
    await crdb.exec('UPDATE ledger SET n = n + 100 WHERE id = 1');
    expect(await n(1)).toBe(111);
  });

  it('gives up after the bounded number of attempts with the 40001 error, having committed nothing', async () => {
    const injected = rules.injected;
    rules.failNextCommits(4);
    await expect(crdb.transaction((tx) => tx.query('UPDATE ledger SET n = n + 1000 WHERE id = 2'))).rejects.toMatchObject({ code: '40001' });
    expect(await n(2)).toBe(0);
    expect(rules.injected - injected).toBe(4);
  });

  it('never retries any other error', async () => {
    const before = events.length;
    await expect(crdb.query('SELECT no_such_column FROM ledger')).rejects.toMatchObject({ code: '42703' });
    expect(events.length).toBe(before);
  });

  it('runs the loser of a real PostgreSQL deadlock (40P01) again, so both transactions commit', async () => {
    const before = pg.retries['40P01'] ?? 0;
    // Each transaction locks one row, then waits until both hold their first lock, then asks for
    // the other's row: a deadlock every time, no timing involved.
    let locked = 0;
    let bothLocked!: () => void;
    const barrier = new Promise<void>((r) => (bothLocked = r));
    const transfer = (first: number, second: number) =>
      pg.transaction(async (tx) => {
        await tx.query('UPDATE ledger SET n = n + 1 WHERE id = $1', [first]);
        if (++locked === 2) bothLocked();
        await barrier;
        await tx.query('UPDATE ledger SET n = n + 1 WHERE id = $1', [second]);
      });
    const [a, b] = [await n(1), await n(2)];
    await Promise.all([transfer(1, 2), transfer(2, 1)]);
    expect(pg.retries['40P01']).toBe(before + 1);
    expect([await n(1), await n(2)]).toEqual([(a ?? 0) + 2, (b ?? 0) + 2]);
  });
});
