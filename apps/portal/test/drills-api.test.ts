// The drills API against the real todo API and load generator (in-process, on the test
// PostgreSQL): a session's hidden fault and traffic, hints, the answer, abort, expiry, restart,
// bad input and the control-plane guard. Prometheus does not run here (the debrief says so);
// test/e2e-drills.test.ts covers the evidence read from a real one.
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { drillForSeed, DRILLS } from '../src/drills/catalogue.js';
import type { DrillResult, HintView, HistoryEntry, SessionView } from '../src/drills/contract.js';
import { FAULT_TTL_S } from '../src/drills/generator.js';
import type { Clock } from '../src/drills/orchestrator.js';
import { portal, tempDir } from './helpers.js';
import { ADMIN_TOKEN, faultsOn, startLabServices, type LabServices } from './lab-services.js';

let lab: LabServices;
const dirs: Array<{ remove(): void }> = [];
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  lab = await startLabServices();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await lab.stopRuns();
  await fetch(`${lab.todoUrl}/api/faults`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
});
afterAll(async () => {
  await lab?.close();
  dirs.forEach((d) => d.remove());
});

function dataDir(): string {
  const d = tempDir();
  dirs.push(d);
  return d.dir;
}

async function drillPortal(env: Record<string, string> = {}, clock?: Clock): Promise<FastifyInstance> {
  const a = await portal(
    { DATA_DIR: dataDir(), TODO_API_INTERNAL_URL: lab.todoUrl, LOADGEN_INTERNAL_URL: lab.loadgenUrl, TODO_API_ADMIN_TOKEN: ADMIN_TOKEN, DRILL_RATE: '4', ...env },
    clock ? { clock } : {},
  );
  apps.push(a);
  return a;
}

const post = (a: FastifyInstance, url: string, payload: unknown = {}) => a.inject({ method: 'POST', url, payload: payload as object });
const view = async (a: FastifyInstance, id: string) => (await a.inject(`/api/drills/sessions/${id}`)).json<SessionView>();
const running = async () => (await lab.runs()).filter((r) => r.state === 'running');

/** A clock the test moves: timers fire when it passes them. */
function fakeClock(): Clock & { advance(ms: number): void } {
  let now = Date.now();
  const timers: Array<{ at: number; fn: () => void }> = [];
  return {
    now: () => now,
    after(ms, fn) {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return () => timers.splice(timers.indexOf(timer) >>> 0, 1);
    },
    advance(ms) {
      now += ms;
      for (const t of timers.filter((x) => x.at <= now)) {
        timers.splice(timers.indexOf(t), 1);
        t.fn();
      }
    },
  };
}

describe('GET /api/drills', () => {
  it('lists the catalogue: id, ru/en title and description, difficulty, nothing a run injects', async () => {
    const a = await drillPortal();
    const list = (await a.inject('/api/drills')).json<Array<Record<string, unknown>>>();
    expect(list.map((d) => d.id)).toEqual(DRILLS.map((d) => d.id));
    for (const d of list) {
      expect(Object.keys(d).sort()).toEqual(['description', 'difficulty', 'id', 'title']);
      expect(d.title).toMatchObject({ en: expect.any(String), ru: expect.any(String) });
    }
  });
});

describe('drill sessions', () => {
  it('starts a hidden drill: 201 warming, the journey traffic on, the fault put hidden and delayed, nothing of it in the view', async () => {
    const a = await drillPortal();
    const seed = 31337;
    const res = await post(a, '/api/drills/sessions', { drill: 'random', seed, fault_after_s: 60 });
    expect(res.statusCode).toBe(201);
    const started = res.json<{ id: string; state: string }>();
    expect(Object.keys(started).sort()).toEqual(['id', 'state']);
    expect(started.state).toBe('warming');

    const v = await view(a, started.id);
    expect(v).toMatchObject({ id: started.id, state: 'warming', drill: null, title: null, hints_used: 0, hints: [], hints_total: 3, hint_cost: 10 });
    for (const hidden of ['truth', 'result', 'seed', 'fault']) expect(v, hidden).not.toHaveProperty(hidden);
    expect(JSON.stringify(v)).not.toContain(drillForSeed(seed));
    expect(v.where_options).toEqual(expect.arrayContaining(['GET /api/tasks', 'POST /api/tasks', 'PUT /api/tasks/{id}', 'DELETE /api/tasks/{id}']));
    expect((await a.inject('/api/drills/sessions')).json<SessionView[]>().map((s) => s.id)).toEqual([started.id]);

    // The background: the journey mix at DRILL_RATE for the session's maximum length.
    const runs = await running();
    const background = runs.find((r) => r.id === v.runs[0]);
    expect(background).toMatchObject({ target_rate: 4, duration: 60 + FAULT_TTL_S, profile: 'wave' });
    expect(Object.keys(background?.requests ?? {})).toEqual(['list', 'create', 'finish', 'delete']);

    // The fault: nobody without the admin token sees it; it starts 60 s after the PUT and expires by itself.
    const drill = drillForSeed(seed);
    expect(faultsOn(await lab.publicFaults())).toEqual({});
    const on = faultsOn(await lab.adminFaults());
    if (drill === 'traffic-surge') {
      expect(on).toEqual({});
      expect(runs).toHaveLength(2);
    } else {
      const [fault] = Object.values(on);
      expect(Object.keys(on)).toHaveLength(1);
      expect(fault).toMatchObject({ hidden: true, start_after_s: 60, ttl_s: expect.any(Number) });
      expect(Date.parse(fault?.starts_at as string) - Date.now()).toBeGreaterThan(50_000);
    }

    // One session at a time; no scenario meanwhile; no answer before anything happened.
    expect((await post(a, '/api/drills/sessions', { drill: 'cpu-hog' })).statusCode).toBe(409);
    expect((await post(a, '/api/scenarios/smoke/run')).statusCode).toBe(409);
    const early = await post(a, `/api/drills/sessions/${started.id}/answer`, { symptom: 'latency', where: 'all', layer: 'app' });
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatch(/Nothing has happened yet/);

    // Hints one at a time, then no more.
    const hints: HintView[] = [];
    for (let i = 0; i < 3; i++) hints.push((await post(a, `/api/drills/sessions/${started.id}/hints`)).json<HintView>());
    expect(hints.map((h) => h.number)).toEqual([1, 2, 3]);
    expect(hints[0]).toMatchObject({ hints_used: 1, hints_total: 3, cost: 10, hint: { en: expect.any(String), ru: expect.any(String) } });
    expect((await post(a, `/api/drills/sessions/${started.id}/hints`)).statusCode).toBe(409);
    expect((await view(a, started.id)).hints).toEqual(hints.map((h) => h.hint));

    // Abort: the fault off, the traffic stopped, the truth told.
    const aborted = (await a.inject({ method: 'DELETE', url: `/api/drills/sessions/${started.id}` })).json<SessionView>();
    expect(aborted).toMatchObject({ state: 'aborted', abort_reason: 'user', drill, seed, truth: { drill, seed } });
    expect(faultsOn(await lab.adminFaults())).toEqual({});
    await expect.poll(running).toEqual([]);
    expect((await a.inject('/api/drills/history')).json<HistoryEntry[]>()).toMatchObject([{ id: started.id, state: 'aborted', score: null, drill, hints_used: 3 }]);
    expect((await a.inject({ method: 'DELETE', url: `/api/drills/sessions/${started.id}` })).statusCode).toBe(409);
    expect((await a.inject('/api/drills/sessions')).json()).toEqual([]);
  });

  it('scores the answer, removes the fault, stops the traffic and debriefs; the history survives a restart', async () => {
    const dir = dataDir();
    let a = await drillPortal({ DATA_DIR: dir });
    const { id } = (await post(a, '/api/drills/sessions', { drill: 'cpu-hog', seed: 7, fault_after_s: 1 })).json<{ id: string }>();
    const fault = Object.values(faultsOn(await lab.adminFaults()))[0] as { starts_at: string };
    await expect.poll(async () => (await view(a, id)).state).toBe('active');
    // The session turns active on the todo API's own starts_at (it timed the PUT's arrival, a few ms
    // after the portal asked), never before the fault is on.
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(fault.starts_at));

    // Bad answers name their field.
    const badWhere = await post(a, `/api/drills/sessions/${id}/answer`, { symptom: 'saturation', where: 'GET /api/nope', layer: 'cpu' });
    expect(badWhere.statusCode).toBe(400);
    expect(badWhere.json()).toMatchObject({ field: 'where', error: expect.stringMatching(/METHOD \/template.*openapi\.json.*"all" or "database"/) });
    expect((await post(a, `/api/drills/sessions/${id}/answer`, { symptom: 'slow', where: 'all', layer: 'cpu' })).json()).toMatchObject({ field: 'symptom' });
    expect((await post(a, `/api/drills/sessions/${id}/answer`, { symptom: 'latency', where: 'all' })).json()).toMatchObject({ field: 'layer' });
    expect((await post(a, `/api/drills/sessions/${id}/answer`, { symptom: 'latency', where: 'all', layer: 'cpu', started_at: 'soon' })).json()).toMatchObject({ field: 'started_at' });

    const res = await post(a, `/api/drills/sessions/${id}/answer`, { symptom: 'saturation', where: 'all', layer: 'cpu', started_at: fault.starts_at });
    expect(res.statusCode).toBe(200);
    const r = res.json<DrillResult>();
    expect(r.score).toBe(100);
    expect(r.correct).toEqual({ symptom: true, where: true, layer: true, started_at: true });
    expect(r.truth).toMatchObject({ symptom: 'saturation', where: 'all', layer: 'cpu', drill: 'cpu-hog', seed: 7, fault_after_s: 1, traffic: null });
    // The onset is the todo API's starts_at, to the millisecond.
    expect(r.truth.started_at).toBe(fault.starts_at);
    expect(r.truth.fault).toEqual({ cpu_hog: { share: expect.any(Number), hidden: true, start_after_s: 1, ttl_s: FAULT_TTL_S } });
    expect(Date.parse(r.truth.ended_at as string)).toBeGreaterThanOrEqual(Date.parse(fault.starts_at));
    // Without Prometheus the debrief lists the queries and says why they have no values.
    expect(r.prometheus).toEqual({ available: false, reason: expect.stringMatching(/Prometheus does not run/) });
    expect(r.evidence.map((e) => e.id)).toEqual(['cpu', 'event_loop_lag', 'route_p99', 'route_rps']);
    expect(r.evidence.every((e) => e.series === null && e.expr.includes('job="todo-api"'))).toBe(true);
    expect(r.alerts).toBeNull();
    expect(r.links.map((l) => `${l.service}:${l.kind}`)).toEqual(['load-generator:run']);
    expect(r.cleanup_errors).toEqual([]);

    expect(faultsOn(await lab.adminFaults())).toEqual({});
    await expect.poll(running).toEqual([]);
    expect((await post(a, `/api/drills/sessions/${id}/answer`, { symptom: 'saturation', where: 'all', layer: 'cpu' })).statusCode).toBe(409);
    expect((await view(a, id))).toMatchObject({ state: 'answered', seed: 7, result: { score: 100 } });

    await a.close();
    apps.splice(apps.indexOf(a), 1);
    a = await drillPortal({ DATA_DIR: dir });
    expect((await a.inject('/api/drills/history')).json<HistoryEntry[]>()).toMatchObject([{ id, drill: 'cpu-hog', state: 'answered', score: 100, hints_used: 0, seed: 7 }]);
    expect(await view(a, id)).toMatchObject({ state: 'answered', result: { score: 100, truth: { drill: 'cpu-hog' } } });
  });

  it('marks a session a stopped portal left running as aborted at the next start, and clears its fault and traffic', async () => {
    const dir = dataDir();
    const a = await drillPortal({ DATA_DIR: dir });
    const { id } = (await post(a, '/api/drills/sessions', { drill: 'memory-leak', seed: 3, fault_after_s: 60 })).json<{ id: string }>();
    await a.close();
    apps.splice(apps.indexOf(a), 1);
    // The portal is gone: its fault and traffic are still on (the fault's ttl_s would end it).
    expect(Object.keys(faultsOn(await lab.adminFaults()))).toEqual(['memory_leak']);
    expect(await running()).toHaveLength(1);

    const b = await drillPortal({ DATA_DIR: dir });
    expect(await view(b, id)).toMatchObject({ state: 'aborted', abort_reason: 'restart', truth: { drill: 'memory-leak' } });
    await expect.poll(async () => faultsOn(await lab.adminFaults())).toEqual({});
    await expect.poll(running).toEqual([]);
    expect((await post(b, '/api/drills/sessions', { drill: 'cpu-hog', fault_after_s: 60 })).statusCode).toBe(201);
  });

  it('ends a session by itself at its maximum length (aborted, "expired"), on the injected clock', async () => {
    const clock = fakeClock();
    const a = await drillPortal({}, clock);
    const { id } = (await post(a, '/api/drills/sessions', { drill: 'slow-endpoint', seed: 11, fault_after_s: 30 })).json<{ id: string }>();
    expect((await view(a, id)).state).toBe('warming');
    // The session turns active on the todo API's starts_at, which runs on the real clock: later than
    // this frozen one by the real time since it was made (well under 2 s).
    clock.advance(32_000);
    expect((await view(a, id)).state).toBe('active');
    clock.advance(FAULT_TTL_S * 1000 - 2_001);
    expect((await view(a, id)).state).toBe('active');
    clock.advance(1);
    await expect.poll(async () => (await view(a, id)).state).toBe('aborted');
    expect(await view(a, id)).toMatchObject({ abort_reason: 'expired', elapsed_s: 30 + FAULT_TTL_S });
    await expect.poll(async () => faultsOn(await lab.adminFaults())).toEqual({});
    await expect.poll(running).toEqual([]);
  });

  it('surges traffic with a second run of one request of the mix, silent until the fault time, and no fault', async () => {
    const a = await drillPortal();
    const { id } = (await post(a, '/api/drills/sessions', { drill: 'traffic-surge', seed: 5, fault_after_s: 45 })).json<{ id: string }>();
    const v = await view(a, id);
    expect(v.runs).toHaveLength(2);
    expect(faultsOn(await lab.adminFaults())).toEqual({});
    const surge = (await lab.runs()).find((r) => r.id === v.runs[1]);
    const truth = (await a.inject({ method: 'DELETE', url: `/api/drills/sessions/${id}` })).json<SessionView>().truth;
    const change = truth?.traffic as { request: string; route: string; multiplier: number };
    expect(Object.keys(surge?.requests ?? {})).toEqual([change.request]);
    expect(truth).toMatchObject({ symptom: 'traffic', layer: 'load', where: change.route, fault: null });
    // The journey's weights are 60/25/10/5: (multiplier − 1) × its share of DRILL_RATE (4 rps).
    const share = { list: 0.6, create: 0.25 }[change.request as 'list' | 'create'];
    const rate = Number((4 * share * (change.multiplier - 1)).toFixed(3));
    expect(surge).toMatchObject({ profile: 'stages', target_rate: rate, profile_options: { start_rate: 0, stages: [{ duration: 45, rate: 0 }, { duration: 1, rate }] } });
  });

  it('refuses bad input with 400 naming the field, and unknown sessions with 404', async () => {
    const a = await drillPortal();
    const cases: Array<[unknown, string]> = [
      [{ drill: 'nope' }, 'drill'],
      [{}, 'drill'],
      [{ drill: 'cpu-hog', seed: -1 }, 'seed'],
      [{ drill: 'cpu-hog', seed: '5' }, 'seed'],
      [{ drill: 'cpu-hog', seed: 1.5 }, 'seed'],
      [{ drill: 'cpu-hog', fault_after_s: 121 }, 'fault_after_s'],
      [{ drill: 'cpu-hog', surprise: true }, 'surprise'],
    ];
    for (const [body, field] of cases) {
      const res = await post(a, '/api/drills/sessions', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().field, JSON.stringify(body)).toBe(field);
    }
    expect((await post(a, '/api/drills/sessions', { drill: 'nope' })).json().error).toMatch(/slow-endpoint.*"random"/);
    expect(await running()).toEqual([]);
    expect((await a.inject('/api/drills/sessions/no-such-session')).statusCode).toBe(404);
    expect((await post(a, '/api/drills/sessions/no-such-session/hints')).statusCode).toBe(404);
    expect((await post(a, '/api/drills/sessions/no-such-session/answer', { symptom: 'latency', where: 'all', layer: 'app' })).statusCode).toBe(404);
    expect((await a.inject({ method: 'DELETE', url: '/api/drills/sessions/no-such-session' })).statusCode).toBe(404);
  });

  it('cannot start without the admin token (503 saying so) or without the load generator, and starts nothing', async () => {
    const noToken = await drillPortal({ TODO_API_ADMIN_TOKEN: '' });
    const res = await post(noToken, '/api/drills/sessions', { drill: 'cpu-hog' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatch(/TODO_API_ADMIN_TOKEN/);
    const noLoadgen = await drillPortal({ LOADGEN_INTERNAL_URL: 'none' });
    expect((await post(noLoadgen, '/api/drills/sessions', { drill: 'cpu-hog' })).json()).toMatchObject({ error: expect.stringMatching(/load generator does not run/) });
    const down = await drillPortal({ LOADGEN_INTERNAL_URL: 'http://127.0.0.1:9' });
    const unreachable = await post(down, '/api/drills/sessions', { drill: 'cpu-hog' });
    expect(unreachable.statusCode).toBe(502);
    expect(unreachable.json().error).toMatch(/load generator at http:\/\/127\.0\.0\.1:9 is unreachable/);
    expect(await running()).toEqual([]);
    expect(faultsOn(await lab.adminFaults())).toEqual({});
  });
});

describe('the control plane guards the drills API', () => {
  const TOKEN = 'drills-lab-token-0123456789';
  const routes: Array<[string, string, unknown?]> = [
    ['GET', '/api/drills'],
    ['GET', '/api/drills/history'],
    ['GET', '/api/drills/sessions'],
    ['POST', '/api/drills/sessions', { drill: 'cpu-hog' }],
    ['GET', '/api/drills/sessions/x'],
    ['POST', '/api/drills/sessions/x/hints', {}],
    ['POST', '/api/drills/sessions/x/answer', { symptom: 'latency', where: 'all', layer: 'app' }],
    ['DELETE', '/api/drills/sessions/x'],
  ];

  it('needs LAB_TOKEN when it is set (401), the lab\'s own Host (403) and, to change state, its own Origin (403)', async () => {
    const a = await drillPortal({ LAB_TOKEN: TOKEN });
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const [method, url, payload] of routes) {
      const inject = (headers: Record<string, string>) => a.inject({ method: method as 'GET', url, headers, ...(payload ? { payload: payload as object } : {}) });
      expect((await inject({})).statusCode, `${method} ${url} without the token`).toBe(401);
      expect((await inject({ ...auth, host: 'evil.example' })).statusCode, `${method} ${url} foreign Host`).toBe(403);
      if (method !== 'GET') expect((await inject({ ...auth, origin: 'http://evil.example' })).statusCode, `${method} ${url} foreign Origin`).toBe(403);
      expect([401, 403], `${method} ${url} with the token`).not.toContain((await inject(auth)).statusCode);
    }
    await lab.stopRuns();
  });
});
