/**
 * The services a drill or a scenario drives, real and in-process: the todo API on its own
 * PostgreSQL database (ADMIN_TOKEN set, telemetry on so its /metrics tells the pool size) and the
 * load generator aimed at it. Both listen on 127.0.0.1, so the portal reaches them over HTTP as
 * it does in the lab.
 */
import type { FastifyInstance } from 'fastify';
import { createLogger, createRegistry } from '@o11y/telemetry';
import { buildApp as buildLoadgen } from '../../load-generator/src/app.js';
import { readConfig as readLoadgenConfig } from '../../load-generator/src/config.js';
import { buildApp as buildTodo } from '../../todo-api/src/app.js';
import { readConfig as readTodoConfig } from '../../todo-api/src/config.js';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres.js';
import { tempDir } from './helpers.js';

export const ADMIN_TOKEN = 'portal-test-admin-token-0123456789';

export interface LabServices {
  todoUrl: string;
  loadgenUrl: string;
  /** GET /api/faults with the admin token: the hidden faults too. */
  adminFaults(): Promise<Record<string, Record<string, unknown> | null>>;
  /** GET /api/faults as anyone sees it. */
  publicFaults(): Promise<Record<string, Record<string, unknown> | null>>;
  /** The load generator's runs, newest first. */
  runs(): Promise<Array<{ id: string; state: string; target_rate: number; duration: number; profile: string; profile_options: Record<string, unknown>; requests: Record<string, unknown> }>>;
  /** Stops every run still going (so the next test starts quiet). */
  stopRuns(): Promise<void>;
  close(): Promise<void>;
}

export async function startLabServices(opts: { loadgenEnv?: Record<string, string> } = {}): Promise<LabServices> {
  const dir = tempDir('portal-lab-');
  let db: TestDatabase | undefined;
  const apps: FastifyInstance[] = [];
  const close = async () => {
    for (const a of apps.reverse()) await a.close();
    await db?.drop();
    dir.remove();
  };
  try {
    db = await createTestDatabase('portal_lab');
    const todoConfig = readTodoConfig({ DATABASE_URL: db.url, DATA_DIR: `${dir.dir}/todo`, JWT_SECRET: 'portal-lab-jwt-secret-0123456789abcdef', ADMIN_TOKEN, LOG_LEVEL: 'warn' });
    const todo = await buildTodo(todoConfig, {
      passwords: { scrypt: { ln: 10, r: 8, p: 1 }, bcryptRounds: 4 },
      logger: createLogger({ name: 'todo-api', level: 'silent' }),
      registry: createRegistry(),
    });
    apps.push(todo);
    await todo.listen({ port: 0, host: '127.0.0.1' });
    const todoUrl = `http://127.0.0.1:${(todo.server.address() as { port: number }).port}`;
    const loadgenConfig = readLoadgenConfig({ DATA_DIR: `${dir.dir}/loadgen`, TODO_API_URL: todoUrl, TARGET_ALLOWLIST: '127.0.0.1', ...opts.loadgenEnv });
    const loadgen = await buildLoadgen(loadgenConfig, { logger: createLogger({ name: 'load-generator', level: 'silent' }), registry: createRegistry() });
    apps.push(loadgen);
    await loadgen.listen({ port: 0, host: '127.0.0.1' });
    const loadgenUrl = `http://127.0.0.1:${(loadgen.server.address() as { port: number }).port}`;
    const lab = opts.loadgenEnv?.LAB_TOKEN ? { authorization: `Bearer ${opts.loadgenEnv.LAB_TOKEN}` } : {};
    const runs = async () => (await loadgen.inject({ url: '/api/runs', headers: lab })).json();
    return {
      todoUrl,
      loadgenUrl,
      adminFaults: async () => (await todo.inject({ url: '/api/faults', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json(),
      publicFaults: async () => (await todo.inject({ url: '/api/faults' })).json(),
      runs,
      async stopRuns() {
        for (const r of await runs()) if (r.state === 'running') await loadgen.inject({ method: 'POST', url: `/api/runs/${r.id}/stop`, headers: lab });
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The faults that are on (non-null), by kind. */
export function faultsOn(state: Record<string, Record<string, unknown> | null>): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.entries(state).filter((e): e is [string, Record<string, unknown>] => e[1] !== null));
}
