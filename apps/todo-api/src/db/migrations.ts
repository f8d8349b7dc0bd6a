import type { Logger } from '@o11y/telemetry';
import { describeError, sqlState, type Driver } from './driver.js';

export interface Migration {
  version: number;
  name: string;
  /** Statements that run unchanged on PGlite, PostgreSQL 15+ and CockroachDB 23+. */
  sql: string;
}

/** Append-only: a released migration is never edited, a change is a new version. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'users and tasks',
    sql: `
      CREATE TABLE IF NOT EXISTS users (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        email TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        inserted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE TABLE IF NOT EXISTS tasks (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        title TEXT NOT NULL,
        description TEXT,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_progress', 'done')),
        inserted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE INDEX IF NOT EXISTS tasks_user_id_inserted_at_idx ON tasks (user_id, inserted_at DESC, id DESC);
    `,
  },
];

// Errors that mean "another replica got there at the same moment; look again":
// unique_violation / duplicate_table / duplicate_object (the table's row type or its index)
// from two concurrent CREATE TABLE IF NOT EXISTS on PostgreSQL, serialization_failure /
// deadlock from CockroachDB's serializable transactions.
const RACE_CODES = new Set(['23505', '42P07', '42710', '40001', '40P01']);
const MAX_ATTEMPTS = 20;

/**
 * Applies pending migrations, safely when several replicas start at once.
 *
 * CockroachDB has no advisory locks, so the lock is the primary key of `schema_migrations`
 * inside the migration's own transaction: each migration transaction first inserts its version
 * row (ON CONFLICT DO NOTHING) and only then runs the DDL. A second replica's insert of the same
 * version waits on the first one's uncommitted row; when that commits the insert does nothing
 * and the replica skips the migration; if it rolls back, the second replica applies it. Because
 * the marker and the DDL commit or roll back together, a crash never leaves a half-applied version.
 * On CockroachDB the loser may instead get a retryable 40001, which is retried the same way.
 */
export async function migrate(driver: Driver, logger: Logger, migrations: Migration[] = MIGRATIONS): Promise<number[]> {
  await retryRaces(() =>
    driver.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INT PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`),
  );
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await driver.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
    if (done.length > 0) continue;
    const ran = await retryRaces(() =>
      driver.transaction(async (tx) => {
        const claimed = await tx.query(
          'INSERT INTO schema_migrations (version, name) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING RETURNING version',
          [m.version, m.name],
        );
        if (claimed.length === 0) return false;
        await tx.exec(m.sql);
        return true;
      }),
    );
    if (ran) {
      applied.push(m.version);
      logger.info({ version: m.version, migration: m.name }, 'migration applied');
    }
  }
  return applied;
}

async function retryRaces<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const code = sqlState(err);
      if (!code || !RACE_CODES.has(code) || attempt >= MAX_ATTEMPTS) {
        throw new Error(`migration failed: ${describeError(err)}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 50));
    }
  }
}
