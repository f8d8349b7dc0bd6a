/**
 * Every drill can be solved from its own evidence. Per drill, an isolated lab (the todo API on
 * PostgreSQL and the load generator as processes, Prometheus scraping them every second, the portal
 * in-process: test/helpers/drill-lab.ts) runs a real session: background traffic, the hidden fault
 * after FAULT_AFTER_S, then a solver that sees only Prometheus (test/helpers/drill-solver.ts: the
 * evidence library's queries over the baseline and the fault window) answers, and must score 100,
 * while a fixed wrong answer scores below 50. The eight labs run side by side, so the file takes
 * about one session's time.
 *
 *   DRILL_ONLY=cpu-hog,db-outage npx vitest run test/e2e-drills.test.ts   # a subset
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRILLS } from '../apps/portal/src/drills/catalogue.ts';
import type { DrillResult, SessionView } from '../apps/portal/src/drills/contract.ts';
import { evidenceRange } from '../apps/portal/src/drills/orchestrator.ts';
import { scoreAnswer, wrongAnswer } from '../apps/portal/src/drills/score.ts';
import { startDrillLab, type DrillLab } from './helpers/drill-lab.ts';
import { describeReadings, readAll, solve, type Readings, type Solution } from './helpers/drill-solver.ts';

/** Seconds of background traffic before the fault: the rates fill and a baseline remains. */
const FAULT_AFTER_S = 40;
/** Seconds the solver watches the fault before it reads the data. */
const WINDOW_S = 30;
/** Background requests per second (the portal's DRILL_RATE). */
const RATE = 15;
/** Prometheus scrapes every second here, so the evidence's range is 12 s. */
const RANGE = evidenceRange(1);

/** One seed per drill, the same when a subset runs. */
const seedOf = (id: string) => 1000 + DRILLS.findIndex((d) => d.id === id) * 7919;
const only = process.env.DRILL_ONLY?.split(',').filter(Boolean);
const drills = DRILLS.map((d) => d.id).filter((id) => !only || only.includes(id));

interface Outcome {
  started: { status: number; body: { id?: string; state?: string } };
  warming: SessionView;
  active: SessionView;
  solution: Solution;
  readings: Readings;
  result: DrillResult;
  history: unknown[];
  faultsAfter: unknown;
  runsAfter: Array<{ state: string }>;
  lab: DrillLab;
}

const dir = mkdtempSync(join(tmpdir(), 'o11y-e2e-drills-'));
const labs: DrillLab[] = [];
const outcomes = new Map<string, Promise<Outcome>>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runDrill(lab: DrillLab, id: string, seed: number): Promise<Outcome> {
  const portal = lab.portal;
  const startedRes = await portal.inject({ method: 'POST', url: '/api/drills/sessions', payload: { drill: id, seed, fault_after_s: FAULT_AFTER_S } });
  const started = { status: startedRes.statusCode, body: startedRes.json() as { id?: string; state?: string } };
  if (started.status !== 201 || !started.body.id) throw new Error(`${id}: start → HTTP ${started.status} ${startedRes.body}`);
  const createdAt = Date.now() / 1000;
  const sid = started.body.id;
  const view = async () => (await portal.inject(`/api/drills/sessions/${sid}`)).json() as SessionView;
  const warming = await view();
  // The learner sees the session turn active (a bounded wait: the fault is due after FAULT_AFTER_S).
  let active = warming;
  for (let i = 0; i < (FAULT_AFTER_S + 30) * 4 && active.state === 'warming'; i++) {
    await sleep(250);
    active = await view();
  }
  const from = Date.now() / 1000;
  await sleep(WINDOW_S * 1000);
  const to = Date.now() / 1000;
  const windows = { baselineFrom: Math.max(createdAt + 15, from - WINDOW_S), from, to, step: 1 };
  const readings = await readAll(lab.prometheus.url, RANGE, windows);
  const solution = solve(readings, windows);
  // What the solver saw, kept for a look when a drill drifts near its thresholds.
  mkdirSync('test-results/drills', { recursive: true });
  writeFileSync(`test-results/drills/${id}.txt`, `${solution.rule}: ${solution.why}\n${JSON.stringify(solution.answer)}\n${describeReadings(readings)}\n`);
  const answerRes = await portal.inject({ method: 'POST', url: `/api/drills/sessions/${sid}/answer`, payload: solution.answer });
  if (answerRes.statusCode !== 200) throw new Error(`${id}: answer → HTTP ${answerRes.statusCode} ${answerRes.body}`);
  const result = answerRes.json() as DrillResult;
  const history = (await portal.inject('/api/drills/history')).json() as unknown[];
  const faultsAfter = await (await fetch(`${lab.todoUrl}/api/faults`, { headers: { authorization: 'Bearer drill-lab-admin-token-0123456789abcdef' } })).json();
  const runsAfter = (await (await fetch(`${lab.loadgenUrl}/api/runs`)).json()) as Array<{ state: string }>;
  return { started, warming, active, solution, readings, result, history, faultsAfter, runsAfter, lab };
}

beforeAll(async () => {
  // Every lab first, then every session at once: no lab's baseline overlaps another's start-up.
  const started = await Promise.allSettled(drills.map((id) => startDrillLab({ name: id, dir, rate: RATE })));
  drills.forEach((id, i) => {
    const lab = started[i] as PromiseSettledResult<DrillLab>;
    if (lab.status === 'fulfilled') labs.push(lab.value);
    const outcome = lab.status === 'fulfilled' ? runDrill(lab.value, id, seedOf(id)) : Promise.reject(lab.reason as Error);
    outcome.catch(() => undefined); // reported by the drill's own test
    outcomes.set(id, outcome);
  });
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([...outcomes.values()]);
  await Promise.all(labs.map((l) => l.stop()));
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('every drill is solvable from its evidence', () => {
  for (const id of drills) {
    it(`${id}: a solver that sees only Prometheus scores 100, a fixed wrong answer below 50`, async () => {
      const o = await (outcomes.get(id) as Promise<Outcome>);
      const context = `${o.solution.rule}: ${o.solution.why}\n${describeReadings(o.readings)}`;
      expect(o.started.body.state).toBe('warming');
      // Nothing about the fault before the answer.
      expect(o.warming).toMatchObject({ id: o.started.body.id, state: 'warming', drill: id, hints_used: 0 });
      expect(o.warming).not.toHaveProperty('truth');
      expect(o.warming).not.toHaveProperty('result');
      expect(o.active.state).toBe('active');

      expect(o.result.correct, context).toEqual({ symptom: true, where: true, layer: true, started_at: true });
      expect(o.result.score, context).toBe(100);
      expect(o.result.truth.drill).toBe(id);
      const wrong = scoreAnswer({ answer: wrongAnswer(o.result.truth), truth: o.result.truth, answered_at: o.result.answered_at, hints_used: 0 });
      expect(wrong.score).toBeLessThan(50);

      // The debrief: values of every evidence query read from Prometheus, the alerts, the links.
      expect(o.result.prometheus).toEqual({ available: true });
      for (const e of o.result.evidence) expect(e.series?.length, `${e.id}: ${e.error ?? ''}`).toBeGreaterThan(0);
      expect(o.result.alerts?.not_fired.map((a) => a.alertname)).toContain('FaultInjectionActive');
      expect(o.result.links.some((l) => l.service === 'prometheus' && l.url.includes('/graph?'))).toBe(true);
      // Example traces of the window, from the exemplars of the truth's histogram.
      expect(o.result.traces.length, JSON.stringify(o.result.traces)).toBeGreaterThan(0);
      for (const t of o.result.traces) expect(t.trace_id).toMatch(/^[0-9a-f]{32}$/);
      // The fault is off and the traffic stopped; the session is in the history.
      expect(Object.values(o.faultsAfter as object).every((f) => f === null)).toBe(true);
      expect(o.runsAfter.every((r) => r.state !== 'running')).toBe(true);
      expect(o.history).toHaveLength(1);
    }, 300_000);
  }
});
