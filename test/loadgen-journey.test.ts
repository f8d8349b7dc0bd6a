// The load generator's "Todo user journey" preset against the real todo API (in-process, on the test
// PostgreSQL): the demo user logs in, lists, creates, finishes and deletes tasks, every request 2xx.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@o11y/telemetry';
import { testConfig as loadgenConfig } from '../apps/load-generator/src/config.js';
import { Run } from '../apps/load-generator/src/engine/run.js';
import { validateRunRequest } from '../apps/load-generator/src/engine/validate.js';
import { presets, resolvePreset } from '../apps/load-generator/src/presets.js';
import { buildApp, type App } from '../apps/todo-api/src/app.js';
import { readConfig } from '../apps/todo-api/src/config.js';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.js';

let db: TestDatabase;
let todo: App;
let url: string;
const dataDir = mkdtempSync(join(tmpdir(), 'loadgen-journey-'));

beforeAll(async () => {
  db = await createTestDatabase('journey');
  const config = readConfig({ DATABASE_URL: db.url, DATA_DIR: dataDir, JWT_SECRET: 'journey-test-secret-0123456789abcdef0123', LOG_LEVEL: 'warn', TELEMETRY_ENABLED: 'false' });
  todo = await buildApp(config, { passwords: { scrypt: { ln: 10, r: 8, p: 1 }, bcryptRounds: 4 }, logger: createLogger({ name: 'todo-api', level: 'warn' }) });
  await todo.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(todo.server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await todo?.close();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('todo-journey preset on the real todo API', () => {
  it('runs every request of the journey with a 2xx, on tasks it created', async () => {
    const config = loadgenConfig({ todoApiUrl: url });
    const req = resolvePreset({ preset: 'todo-journey', rate: 25, duration: 4, profile: 'constant', seed: 2026 }, presets(config));
    const run = new Run(validateRunRequest(req, config, 'journey'));
    void run.start();
    const s = await run.finished;
    expect(s.error).toBeUndefined();
    expect(s.state).toBe('finished');
    expect(s.sent).toBe(100);
    expect(Object.keys(s.requests)).toEqual(['list', 'create', 'finish', 'delete']);
    for (const [name, r] of Object.entries(s.requests)) {
      expect(r.sent, name).toBeGreaterThan(0);
      expect(r.failed, `${name}: ${JSON.stringify(r.status_codes)}`).toBe(0);
      expect(r.ok, name).toBe(r.sent);
    }
    expect(s.requests.create?.status_codes).toEqual({ '201': s.requests.create?.sent });
    // What the API holds now: created minus deleted, the finished ones marked done.
    const login = await todo.inject({ method: 'POST', url: '/api/login', payload: { email: 'user@example.com', password: 'verysecret' } });
    const auth = `Bearer ${(login.json() as { token: string }).token}`;
    const tasks = (await todo.inject({ url: '/api/tasks?limit=100', headers: { authorization: auth } })).json() as Array<{ status: string }>;
    expect(tasks).toHaveLength((s.requests.create?.sent ?? 0) - (s.requests.delete?.sent ?? 0));
    expect(tasks.some((t) => t.status === 'done')).toBe(true);
  });
});
