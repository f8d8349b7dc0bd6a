/**
 * Versioned migrations that follow CockroachDB's rules for schema changes, and stay correct when
 * several replicas start at once or one dies half-way.
 *
 * CockroachDB "does not support schema changes within explicit transactions with full atomicity
 * guarantees" and "only supports DDL changes within implicit transactions (individual
 * statements)"; a schema change after a write in the same transaction is refused, and from 25.1
 * `autocommit_before_ddl` commits whatever came before a DDL statement:
 * https://www.cockroachlabs.com/docs/stable/online-schema-changes#schema-changes-within-transactions
 * So here:
 * - every statement of a migration runs alone, as its own implicit transaction (never BEGIN … DDL);
 * - every statement is idempotent (IF NOT EXISTS, ON CONFLICT DO NOTHING, …), because a migration
 *   is no longer all-or-nothing: a replica can die after some of its statements;
 * - the version marker is written last, in its own statement, so "marker present" means "every
 *   statement of that version has run at least once";
 * - one replica at a time migrates, holding a lease (a row with an expiry that the holder keeps
 *   extending). A replica that dies stops extending it; once it expires the next replica takes it
 *   and runs the unfinished version again from its first statement, which idempotency makes safe.
 *   CockroachDB has no advisory locks, hence a row rather than pg_advisory_lock.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '@o11y/telemetry';
import { describeError, sqlState, type Driver } from './driver.js';

export interface Migration {
  version: number;
  name: string;
  /**
   * One SQL statement per entry, each idempotent, each run as its own implicit transaction. They
   * run unchanged on PGlite, PostgreSQL 15+ and CockroachDB 23+.
   */
  statements: string[];
}

/** Append-only: a released migration is never edited, a change is a new version. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'users and tasks',
    statements: [
      `CREATE TABLE IF NOT EXISTS users (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        email TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        inserted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE IF NOT EXISTS tasks (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        title TEXT NOT NULL,
        description TEXT,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_progress', 'done')),
        inserted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`,
      'CREATE INDEX IF NOT EXISTS tasks_user_id_inserted_at_idx ON tasks (user_id, inserted_at DESC, id DESC)',
    ],
  },
];

export interface MigrateOptions {
  /** How long a lease lasts without being extended, ms. A dead replica's lease blocks others this long. */
  leaseMs?: number;
  /** How often a waiting replica looks again, ms (jittered). */
  pollMs?: number;
  /** Give up waiting for another replica's lease after this long, ms. */
  waitMs?: number;
  /** Who holds the lease, in the lock row and in log lines. Default: host, pid and a random suffix. */
  owner?: string;
}

const DEFAULTS = { leaseMs: 15_000, pollMs: 250, waitMs: 10 * 60_000 };

// PostgreSQL's catalog races when replicas create the bookkeeping tables at the same instant:
// unique_violation on pg_type / duplicate_table / duplicate_object. The statements are IF NOT
// EXISTS, so looking again is all it takes. (40001/40P01 are retried by the driver itself.)
const BOOTSTRAP_RACE_CODES = new Set(['23505', '42P07', '42710']);
const BOOTSTRAP_ATTEMPTS = 20;

const BOOKKEEPING = [
  `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  // At most one row (id = 1): who migrates, and until when the claim holds unless extended.
  `CREATE TABLE IF NOT EXISTS schema_migrations_lock (
    id INT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
  )`,
];

/** A statement list entry must be one statement: a second one would join its implicit transaction. */
export function checkMigrations(migrations: Migration[]): void {
  const seen = new Set<number>();
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= 0) throw new Error(`migration ${m.name}: version must be a positive integer`);
    if (seen.has(m.version)) throw new Error(`migration ${m.version}: version used twice`);
    seen.add(m.version);
    for (const st of m.statements) {
      if (/;\s*\S/.test(st)) throw new Error(`migration ${m.version} (${m.name}): one statement per entry, found several in "${st.slice(0, 60)}…"`);
    }
  }
}

/**
 * Applies pending migrations; returns the versions this call applied (another replica may have
 * applied the rest). Safe to call from several replicas at once.
 */
export async function migrate(driver: Driver, logger: Logger, migrations: Migration[] = MIGRATIONS, options: MigrateOptions = {}): Promise<number[]> {
  checkMigrations(migrations);
  const opts = { ...DEFAULTS, ...options };
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  for (const statement of BOOKKEEPING) await retryBootstrapRace(() => driver.exec(statement));

  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const pending = async () => {
    const rows = await driver.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => Number(r.version)));
    return sorted.filter((m) => !done.has(m.version));
  };
  if ((await pending()).length === 0) return [];

  const lease = await acquireLease(driver, logger, owner, opts, pending);
  if (!lease) return [];
  const applied: number[] = [];
  try {
    // Looked at again under the lease: another replica may have finished while we waited.
    for (const m of await pending()) {
      for (const statement of m.statements) {
        lease.check();
        await driver.exec(statement);
      }
      lease.check();
      const marked = await driver.query(
        'INSERT INTO schema_migrations (version, name) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING RETURNING version',
        [m.version, m.name],
      );
      if (marked.length > 0) {
        applied.push(m.version);
        logger.info({ version: m.version, migration: m.name, owner }, 'migration applied');
      }
    }
  } catch (err) {
    throw new Error(`migration failed: ${describeError(err)}`, { cause: err });
  } finally {
    await lease.release();
  }
  return applied;
}

interface Lease {
  /** Throws when the lease was lost (we were too slow to extend it and another replica took it). */
  check(): void;
  release(): Promise<void>;
}

/**
 * Takes the lease, waiting while another replica holds it. Returns undefined when nothing is left
 * to do once the other replica is done.
 */
async function acquireLease(
  driver: Driver,
  logger: Logger,
  owner: string,
  opts: typeof DEFAULTS,
  pending: () => Promise<Migration[]>,
): Promise<Lease | undefined> {
  const started = Date.now();
  let reported = '';
  for (;;) {
    // One statement, so it is atomic on its own: insert the row, or take it over only if expired.
    const got = await driver.query<{ owner: string }>(
      `INSERT INTO schema_migrations_lock (id, owner, expires_at) VALUES (1, $1, now() + CAST($2 AS INT8) * INTERVAL '1 millisecond')
       ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE schema_migrations_lock.expires_at < now()
       RETURNING owner`,
      [owner, opts.leaseMs],
    );
    if (got[0]?.owner === owner) return holdLease(driver, logger, owner, opts.leaseMs);
    if ((await pending()).length === 0) return undefined;
    const [holder] = await driver.query<{ owner: string; expires_at: Date }>('SELECT owner, expires_at FROM schema_migrations_lock WHERE id = 1');
    if (holder && holder.owner !== reported) {
      reported = holder.owner;
      logger.info({ holder: holder.owner, expires_at: holder.expires_at, owner }, `waiting for ${holder.owner} to finish migrating`);
    }
    if (Date.now() - started > opts.waitMs) {
      throw new Error(`migration failed: ${holder?.owner ?? 'another replica'} has held the migration lease for more than ${opts.waitMs} ms`);
    }
    await new Promise((r) => setTimeout(r, opts.pollMs * (0.5 + Math.random())));
  }
}

/** Extends the lease every third of its length while we migrate; a failed extension means it is lost. */
function holdLease(driver: Driver, logger: Logger, owner: string, leaseMs: number): Lease {
  let lost: Error | undefined;
  let extending: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    extending = driver
      .query("UPDATE schema_migrations_lock SET expires_at = now() + CAST($2 AS INT8) * INTERVAL '1 millisecond' WHERE id = 1 AND owner = $1 RETURNING id", [owner, leaseMs])
      .then((rows) => {
        if (rows.length === 0) lost ??= new Error(`the migration lease of ${owner} expired and was taken over by another replica`);
      })
      .catch((err: unknown) => logger.warn({ owner, err: describeError(err) }, 'could not extend the migration lease; trying again'));
  }, Math.max(50, Math.floor(leaseMs / 3)));
  timer.unref();
  return {
    check() {
      if (lost) throw lost;
    },
    async release() {
      clearInterval(timer);
      await extending;
      await driver.query('DELETE FROM schema_migrations_lock WHERE id = 1 AND owner = $1', [owner]).catch((err: unknown) => {
        // Not fatal: the lease expires by itself.
        logger.warn({ owner, err: describeError(err) }, 'could not release the migration lease; it expires by itself');
      });
    },
  };
}

async function retryBootstrapRace<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const code = sqlState(err);
      if (!code || !BOOTSTRAP_RACE_CODES.has(code) || attempt >= BOOTSTRAP_ATTEMPTS) {
        throw new Error(`migration failed: ${describeError(err)}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 50));
    }
  }
}
