import { createLogger } from '@o11y/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres.ts';
import type { Driver } from '../src/db/driver.ts';
import { migrate, MIGRATIONS, type Migration } from '../src/db/migrations.ts';
import { openPostgres } from '../src/db/postgres.ts';

const logger = createLogger({ name: 'migrations-test', level: 'silent' });

// Replicas are separate pools (separate sessions), as two app processes would be.
describe('migrations on PostgreSQL with several replicas starting at once', () => {
  let db: TestDatabase;
  const drivers: Driver[] = [];
  const replica = async () => {
    const d = await openPostgres({ url: db.url, poolSize: 2 });
    drivers.push(d);
    return d;
  };

  beforeAll(async () => {
    db = await createTestDatabase('mig');
  });
  afterAll(async () => {
    await Promise.all(drivers.map((d) => d.close()));
    await db?.drop();
  });

  it('applies each version exactly once when three migrators race', async () => {
    // Not idempotent on purpose: a second CREATE TABLE would fail and a second INSERT would
    // leave two rows. The sleep keeps the first transaction open while the others arrive.
    const racing: Migration[] = [
      { version: 901, name: 'create', sql: 'CREATE TABLE runs (n INT NOT NULL); SELECT pg_sleep(0.3);' },
      { version: 902, name: 'insert', sql: 'INSERT INTO runs (n) VALUES (2); SELECT pg_sleep(0.3);' },
    ];
    const [a, b, c] = await Promise.all([replica(), replica(), replica()]);
    const results = await Promise.all([a, b, c].map((d) => migrate(d as Driver, logger, racing)));
    expect(results.flat().sort()).toEqual([901, 902]);
    expect(await (a as Driver).query('SELECT n FROM runs')).toEqual([{ n: 2 }]);
    expect((await (a as Driver).query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version)).toEqual([901, 902]);
  });

  it('the real migrations race safely too, and a later start has nothing to do', async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    const results = await Promise.all([migrate(a, logger), migrate(b, logger)]);
    expect(results.flat()).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(a, logger)).toEqual([]);
    const tables = await a.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.map((t) => t.table_name)).toEqual(['runs', 'schema_migrations', 'tasks', 'users']);
  });

  it('survives the bootstrap race on empty databases, round after round', async () => {
    // Four replicas creating schema_migrations at the same instant hit PostgreSQL's catalog races
    // (duplicate table, type or index); each round is a fresh database so the race is real.
    for (let round = 0; round < 10; round++) {
      const fresh = await createTestDatabase('migrace');
      const pools = await Promise.all([0, 1, 2, 3].map(() => openPostgres({ url: fresh.url, poolSize: 1 })));
      try {
        const results = await Promise.all(pools.map((d) => migrate(d, logger)));
        expect(results.flat().sort((x, y) => x - y), `round ${round}`).toEqual(MIGRATIONS.map((m) => m.version));
      } finally {
        await Promise.all(pools.map((d) => d.close()));
        await fresh.drop();
      }
    }
  });

  it('rolls a failing migration back completely, so the next start retries it', async () => {
    const d = await replica();
    const broken: Migration[] = [{ version: 100, name: 'broken', sql: 'CREATE TABLE half (x INT); SELECT no_such_function();' }];
    await expect(migrate(d, logger, broken)).rejects.toThrow(/migration failed/);
    expect(await d.query('SELECT 1 FROM schema_migrations WHERE version = 100')).toEqual([]);
    expect(await d.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'")).toEqual([]);
  });
});
