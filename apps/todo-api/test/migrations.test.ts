import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createLogger } from '@o11y/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres.ts';
import { stopChild } from '../../../test/helpers/process.ts';
import type { Driver } from '../src/db/driver.ts';
import { checkMigrations, migrate, MIGRATIONS, type Migration } from '../src/db/migrations.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { cockroachRules, type CockroachRules } from './cockroach-rules.ts';
import { logSink } from './helpers.ts';

const logger = createLogger({ name: 'migrations-test', level: 'silent' });

/**
 * The suite runs against PostgreSQL as it is, and against PostgreSQL behind the checker of
 * CockroachDB's transaction rules (one checker per server, shared by its replicas, so it sees
 * every statement they send). Replicas are separate pools (separate sessions), as two app
 * processes would be.
 */
const SERVERS: { name: string; rules?: () => CockroachRules }[] = [
  { name: 'PostgreSQL' },
  { name: 'CockroachDB rules over PostgreSQL', rules: () => cockroachRules() },
];

describe.each(SERVERS)('migrations on $name', (server) => {
  let db: TestDatabase;
  const rules = server.rules?.();
  const drivers: Driver[] = [];
  const replica = async (url = db.url, poolSize = 2) => {
    const d = await openPostgres({ url, poolSize, intercept: rules?.wrap });
    drivers.push(d);
    return d;
  };
  const versions = async (d: Driver) => (await d.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version);

  beforeAll(async () => {
    db = await createTestDatabase('mig');
  });
  afterAll(async () => {
    await Promise.all(drivers.map((d) => d.close()));
    await db?.drop();
  });

  it('applies each version exactly once when three migrators race', async () => {
    // Not idempotent on purpose: a second CREATE TABLE would fail and a second INSERT would leave
    // two rows, so this proves the lease lets one replica at a time in. The sleep keeps the
    // first replica busy while the others arrive.
    const racing: Migration[] = [
      { version: 901, name: 'create', statements: ['CREATE TABLE runs (n INT NOT NULL)', 'SELECT pg_sleep(0.3)'] },
      { version: 902, name: 'insert', statements: ['INSERT INTO runs (n) VALUES (2)', 'SELECT pg_sleep(0.3)'] },
    ];
    const [a, b, c] = await Promise.all([replica(), replica(), replica()]);
    const results = await Promise.all([a, b, c].map((d) => migrate(d as Driver, logger, racing, { pollMs: 50 })));
    expect(results.flat().sort()).toEqual([901, 902]);
    expect(await (a as Driver).query('SELECT n FROM runs')).toEqual([{ n: 2 }]);
    expect(await versions(a as Driver)).toEqual([901, 902]);
    expect(await (a as Driver).query('SELECT * FROM schema_migrations_lock')).toEqual([]);
  });

  it('the real migrations race safely too, and a later start has nothing to do', async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    const results = await Promise.all([migrate(a, logger), migrate(b, logger)]);
    expect(results.flat()).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(a, logger)).toEqual([]);
    const tables = await a.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.map((t) => t.table_name)).toEqual(['runs', 'schema_migrations', 'schema_migrations_lock', 'tasks', 'users']);
  });

  it('survives the bootstrap race on empty databases, round after round', async () => {
    // Four replicas creating the bookkeeping tables at the same instant hit PostgreSQL's catalog
    // races (duplicate table, type or index); each round is a fresh database so the race is real.
    for (let round = 0; round < 8; round++) {
      const fresh = await createTestDatabase('migrace');
      const pools = await Promise.all([0, 1, 2, 3].map(() => openPostgres({ url: fresh.url, poolSize: 2, intercept: rules?.wrap })));
      try {
        const results = await Promise.all(pools.map((d) => migrate(d, logger, MIGRATIONS, { pollMs: 50 })));
        expect(results.flat().sort((x, y) => x - y), `round ${round}`).toEqual(MIGRATIONS.map((m) => m.version));
      } finally {
        await Promise.all(pools.map((d) => d.close()));
        await fresh.drop();
      }
    }
  });

  it('a failing migration records no version and frees the lease; the next start completes it', async () => {
    const d = await replica();
    // Statements are not all-or-nothing any more (CockroachDB cannot make them so): the table of
    // the first statement stays, which is why every statement must be idempotent.
    const broken: Migration[] = [{ version: 100, name: 'broken', statements: ['CREATE TABLE IF NOT EXISTS half (x INT)', 'SELECT no_such_function()'] }];
    await expect(migrate(d, logger, broken)).rejects.toThrow(/migration failed: .*no_such_function/);
    expect(await d.query('SELECT 1 FROM schema_migrations WHERE version = 100')).toEqual([]);
    expect(await d.query('SELECT * FROM schema_migrations_lock')).toEqual([]);
    const fixed: Migration[] = [{ version: 100, name: 'fixed', statements: ['CREATE TABLE IF NOT EXISTS half (x INT)', 'CREATE INDEX IF NOT EXISTS half_x_idx ON half (x)'] }];
    expect(await migrate(d, logger, fixed)).toEqual([100]);
    expect(await d.query("SELECT indexname FROM pg_indexes WHERE tablename = 'half'")).toEqual([{ indexname: 'half_x_idx' }]);
  });

  it('a replica killed between its DDL and its marker: the next waits out the lease and finishes the version, once', async () => {
    const fresh = await createTestDatabase('migcrash');
    const owner = 'crashed-replica';
    const version = 7;
    // The dead replica's run: its DDL, then a long step during which it is killed (SIGKILL: no
    // finally, no lease release, like a container that dies). The next release of the code runs
    // the same version with the long step done quickly.
    const statements = (sleep: number) => [
      'CREATE TABLE IF NOT EXISTS crash_once (x INT)',
      'CREATE INDEX IF NOT EXISTS crash_once_x_idx ON crash_once (x)',
      `SELECT pg_sleep(${sleep})`,
    ];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(import.meta.dirname, 'fixtures/migrate-child.ts'), JSON.stringify({ url: fresh.url, owner, leaseMs: 1500, migrations: [{ version, name: 'crash', statements: statements(30) }] })],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const d = await replica(fresh.url);
    try {
      // Wait until the child holds the lease and has run its DDL, then kill it.
      await expect
        .poll(async () => {
          if (child.exitCode !== null) throw new Error(`the child exited early (${child.exitCode}): ${output}`);
          const ddl = await d.query("SELECT 1 FROM pg_indexes WHERE indexname = 'crash_once_x_idx'").catch(() => []);
          return ddl.length;
        }, { timeout: 30_000, interval: 100 })
        .toBe(1);
      await stopChild(child, 'SIGKILL');
      expect(await d.query<{ owner: string }>('SELECT owner FROM schema_migrations_lock')).toEqual([{ owner }]);
      expect(await d.query('SELECT 1 FROM schema_migrations WHERE version = $1', [version]).catch(() => [])).toEqual([]);

      const logs = logSink();
      const next = createLogger({ name: 'migrations-test', level: 'info', destination: logs.stream });
      expect(await migrate(d, next, [{ version, name: 'crash', statements: statements(0) }], { pollMs: 50 })).toEqual([version]);
      // It saw the dead replica's lease and waited for it rather than ignoring it.
      expect(logs.lines().some((l) => l.holder === owner)).toBe(true);
      expect(await versions(d)).toEqual([version]);
      expect(await d.query('SELECT * FROM schema_migrations_lock')).toEqual([]);
      expect(await migrate(d, logger, [{ version, name: 'crash', statements: statements(0) }])).toEqual([]);
    } finally {
      await stopChild(child, 'SIGKILL');
      await fresh.drop();
    }
  });

  it('a replica that outlives its lease length keeps the lease by extending it: the waiting one never takes over', async () => {
    const fresh = await createTestDatabase('miglong');
    const pools = await Promise.all([0, 1].map(() => openPostgres({ url: fresh.url, poolSize: 2, intercept: rules?.wrap })));
    try {
      // Three lease lengths of work; a second INSERT would mean the waiting replica took over.
      const slow: Migration[] = [
        { version: 1, name: 'slow', statements: ['CREATE TABLE IF NOT EXISTS slow_once (n INT)', 'INSERT INTO slow_once VALUES (1)', 'SELECT pg_sleep(1.2)'] },
      ];
      const results = await Promise.all(pools.map((p) => migrate(p, logger, slow, { leaseMs: 400, pollMs: 50 })));
      expect(results.flat()).toEqual([1]);
      expect(await (pools[0] as Driver).query('SELECT n FROM slow_once')).toEqual([{ n: 1 }]);
    } finally {
      await Promise.all(pools.map((d) => d.close()));
      await fresh.drop();
    }
  });

  it('every real migration is idempotent: running its statements again changes nothing and fails nothing', async () => {
    const fresh = await createTestDatabase('migidem');
    const d = await replica(fresh.url);
    try {
      await migrate(d, logger);
      const schema = () =>
        d.query("SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2");
      const indexes = () => d.query("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1");
      const before = [await schema(), await indexes()];
      for (const m of MIGRATIONS) for (const st of m.statements) await d.exec(st);
      expect([await schema(), await indexes()]).toEqual(before);
    } finally {
      await fresh.drop();
    }
  });

  it.runIf(rules)('sent nothing CockroachDB refuses', () => {
    expect(rules?.violations).toEqual([]);
  });

  it.runIf(rules)('refuses what the old migrations did (marker, then DDL, in one transaction) and the usual PostgreSQL lock', async () => {
    const d = await replica();
    await migrate(d, logger, []);
    const oldWay = d.transaction(async (tx) => {
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING', [999, 'old way']);
      await tx.exec('CREATE TABLE IF NOT EXISTS old_way (x INT)');
    });
    await expect(oldWay).rejects.toMatchObject({ code: '0A000', message: 'schema change statement cannot follow a statement that has written in the same transaction' });
    expect(await d.query('SELECT 1 FROM schema_migrations WHERE version = 999')).toEqual([]);
    await expect(d.query('SELECT pg_advisory_lock(42)')).rejects.toMatchObject({ code: '0A000' });
    await expect(d.exec('CREATE TABLE IF NOT EXISTS a (x INT); INSERT INTO a VALUES (1)')).rejects.toMatchObject({ code: '0A000' });
    expect(rules?.violations).toHaveLength(3);
  });
});

describe('the migration list', () => {
  it('refuses several statements in one entry (they would share one implicit transaction)', () => {
    expect(() => checkMigrations([{ version: 1, name: 'x', statements: ['CREATE TABLE a (x INT); CREATE TABLE b (x INT)'] }])).toThrow(/one statement per entry/);
    expect(() => checkMigrations([{ version: 1, name: 'x', statements: ['SELECT 1'] }, { version: 1, name: 'y', statements: [] }])).toThrow(/used twice/);
    expect(() => checkMigrations(MIGRATIONS)).not.toThrow();
  });
});
