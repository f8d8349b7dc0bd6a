import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '../../../test/helpers/postgres.ts';
export { logSink } from '../../../test/helpers/logs.ts';
import { buildApp, type App, type AppDeps } from '../src/app.ts';
import { readConfig, type Config } from '../src/config.ts';
import { cockroachRules, type CockroachRules } from './cockroach-rules.ts';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/** A database the app can use, and how to throw it away. */
export interface DatabaseFactory {
  name: 'pglite' | 'postgresql' | 'CockroachDB rules over PostgreSQL';
  /** The CockroachDB rule checker between the app and the server, when there is one. */
  rules?: CockroachRules;
  create(): Promise<{ env: Record<string, string>; deps?: AppDeps; dispose(): Promise<void> }>;
}

export const pglite: DatabaseFactory = {
  name: 'pglite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'todo-api-pglite-'));
    return { env: { DATA_DIR: dir }, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

export const postgresql: DatabaseFactory = {
  name: 'postgresql',
  async create() {
    const db = await createTestDatabase('todo');
    const dir = mkdtempSync(join(tmpdir(), 'todo-api-pg-'));
    return {
      env: { DATABASE_URL: db.url, DATA_DIR: dir },
      dispose: async () => {
        await db.drop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/**
 * PostgreSQL behind the checker of CockroachDB's transaction rules (cockroach-rules.ts): the app
 * takes its CockroachDB path (session settings, version) and every statement it sends must be one
 * CockroachDB accepts. One checker per factory, so a test can inject 40001s into its app.
 */
export function cockroachOverPostgres(): DatabaseFactory & { rules: CockroachRules } {
  const rules = cockroachRules();
  return {
    name: 'CockroachDB rules over PostgreSQL',
    rules,
    async create() {
      const db = await postgresql.create();
      return { ...db, deps: { connect: { openPostgres: rules.open } } };
    },
  };
}

export const DATABASES: DatabaseFactory[] = [pglite, postgresql, cockroachOverPostgres()];

export function testConfig(env: Record<string, string>): Config {
  return readConfig({ JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'warn', ...env });
}


export async function startTestApp(env: Record<string, string>, deps: AppDeps = {}): Promise<App> {
  const app = await buildApp(testConfig(env), { passwords: { scrypt: { ln: 10, r: 8, p: 1 }, bcryptRounds: 4 }, ...deps });
  await app.ready();
  return app;
}

/** Registers and logs in a fresh user through the API; returns its bearer header. */
export async function newUser(app: App, email = `u${Math.random().toString(36).slice(2)}@example.org`): Promise<{ auth: string; id: string; email: string }> {
  const password = 'password123';
  const reg = await app.inject({ method: 'POST', url: '/api/register', payload: { email, password } });
  if (reg.statusCode !== 201) throw new Error(`register failed: ${reg.statusCode} ${reg.body}`);
  // Each helper login comes from its own address, so tests never trip the per-IP login limit.
  const remoteAddress = `10.${rand()}.${rand()}.${rand()}`;
  const login = await app.inject({ method: 'POST', url: '/api/login', remoteAddress, payload: { email, password } });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode} ${login.body}`);
  return { auth: `Bearer ${login.json<{ token: string }>().token}`, id: reg.json<{ id: string }>().id, email };
}

const rand = () => Math.floor(Math.random() * 250) + 1;
