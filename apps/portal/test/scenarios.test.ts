// The one-click scenarios, now the portal's: it switches the todo API's fault itself (admin
// token, ttl_s as the safety net) and starts a plain run in the real load generator (in-process,
// with LAB_TOKEN set, so the portal must send it), then clears the fault when the run ends.
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_TTL_MARGIN_S } from '../src/scenarios/runner.js';
import { portal, tempDir } from './helpers.js';
import { ADMIN_TOKEN, faultsOn, startLabServices, type LabServices } from './lab-services.js';

const LAB_TOKEN = 'scenario-lab-token-0123456789';
let lab: LabServices;
const dir = tempDir();
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  lab = await startLabServices({ loadgenEnv: { LAB_TOKEN } });
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await lab.stopRuns();
});
afterAll(async () => {
  await lab?.close();
  dir.remove();
});

async function scenarioPortal(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const a = await portal(
    { DATA_DIR: dir.dir, TODO_API_INTERNAL_URL: lab.todoUrl, LOADGEN_INTERNAL_URL: lab.loadgenUrl, TODO_API_ADMIN_TOKEN: ADMIN_TOKEN, LAB_TOKEN, ...env },
    { scenarioPollMs: 200 },
  );
  apps.push(a);
  return a;
}

const auth = { authorization: `Bearer ${LAB_TOKEN}` };
const inject = (a: FastifyInstance, method: 'GET' | 'POST', url: string, payload?: object) => a.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });

describe('scenarios', () => {
  it('lists the three scenarios on the todo API, with their alerts and without the login', async () => {
    const a = await scenarioPortal();
    const list = (await inject(a, 'GET', '/api/scenarios')).json<Array<{ id: string; alert: string | null; expected_after_s: number | null; run: Record<string, unknown>; fault?: unknown }>>();
    expect(list.map((s) => [s.id, s.alert, s.expected_after_s])).toEqual([
      ['high-latency', 'HighLatency', 60],
      ['high-db-load', 'HighDBLoad', 60],
      ['smoke', null, null],
    ]);
    expect(list[0]?.run).toEqual({ target: { method: 'GET', url: `${lab.todoUrl}/api/tasks` }, rate: 100, duration: 120, profile: 'constant' });
    expect(list[0]?.fault).toEqual({ latency: { ms: 600, method: 'GET', route: '/api/tasks' } });
    expect(JSON.stringify(list)).not.toContain('verysecret');
  });

  it('high-latency: the fault on with a ttl_s, a plain run sent with LAB_TOKEN, the fault cleared when the run ends', async () => {
    const a = await scenarioPortal();
    const res = await inject(a, 'POST', '/api/scenarios/high-latency/run', { rate: 5, duration: 2 });
    expect(res.statusCode).toBe(201);
    const started = res.json<{ id: string; scenario: string; alert: string }>();
    expect(started).toMatchObject({ scenario: 'high-latency', alert: 'HighLatency' });
    // Visible (a demonstration, FaultInjectionActive shows it), and it ends by itself should the portal die.
    expect(faultsOn(await lab.publicFaults())).toEqual({ latency: expect.objectContaining({ ms: 600, method: 'GET', route: '/api/tasks', ttl_s: 2 + FAULT_TTL_MARGIN_S }) });
    const summary = (await inject(a, 'GET', `/api/runs/${started.id}`)).json<Record<string, unknown>>();
    expect(summary).toMatchObject({ id: started.id, target: { method: 'GET', url: `${lab.todoUrl}/api/tasks` }, target_rate: 5, duration: 2 });
    expect(summary).not.toHaveProperty('scenario');
    await expect.poll(async () => (await inject(a, 'GET', `/api/runs/${started.id}`)).json().state, { timeout: 15_000 }).toBe('finished');
    await expect.poll(async () => faultsOn(await lab.adminFaults()), { timeout: 5000 }).toEqual({});
    const done = (await inject(a, 'GET', `/api/runs/${started.id}`)).json<{ ok: number; latency: { p50: number } }>();
    expect(done.ok).toBe(10);
    // Every request waited for the 600 ms fault.
    expect(done.latency.p50).toBeGreaterThanOrEqual(600);
  });

  it('runs without the fault when asked, refuses unknown scenarios and bad input, and 404s an unknown run', async () => {
    const a = await scenarioPortal();
    const res = await inject(a, 'POST', '/api/scenarios/high-latency/run', { fault: false, rate: 2, duration: 1 });
    expect(res.statusCode).toBe(201);
    expect(faultsOn(await lab.adminFaults())).toEqual({});
    expect((await inject(a, 'POST', '/api/scenarios/nope/run', {})).statusCode).toBe(404);
    expect((await inject(a, 'POST', '/api/scenarios/smoke/run', { duration: 'soon' })).json()).toMatchObject({ field: 'duration' });
    expect((await inject(a, 'POST', '/api/scenarios/smoke/run', { rate: 'fast' })).json()).toMatchObject({ field: 'rate' });
    expect((await inject(a, 'POST', '/api/scenarios/..%2Fx/run', {})).statusCode).toBe(400);
    expect((await inject(a, 'GET', '/api/runs/no-such-run')).statusCode).toBe(404);
  });

  it('keeps drills out while a scenario runs (409), and needs the admin token for a fault (503)', async () => {
    const a = await scenarioPortal();
    expect((await inject(a, 'POST', '/api/scenarios/smoke/run', { duration: 30 })).statusCode).toBe(201);
    const drill = await inject(a, 'POST', '/api/drills/sessions', { drill: 'cpu-hog' });
    expect(drill.statusCode).toBe(409);
    expect(drill.json().error).toMatch(/scenario is running/);
    const noToken = await scenarioPortal({ TODO_API_ADMIN_TOKEN: '' });
    const res = await inject(noToken, 'POST', '/api/scenarios/high-latency/run', { duration: 1 });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatch(/TODO_API_ADMIN_TOKEN/);
  });

  it('answers 502 with a clear message when the load generator is unreachable', async () => {
    const a = await scenarioPortal({ LOADGEN_INTERNAL_URL: 'http://127.0.0.1:9' });
    const res = await inject(a, 'POST', '/api/scenarios/smoke/run', {});
    expect(res.statusCode).toBe(502);
    expect(res.json().error).toMatch(/load generator at http:\/\/127\.0\.0\.1:9 is unreachable/);
    expect((await inject(a, 'GET', '/api/runs/r1')).statusCode).toBe(502);
  });
});
