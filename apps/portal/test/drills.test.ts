import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
// The contract between the two apps: a drill's fault body must be what the todo API accepts.
import { FaultsBody } from '../../todo-api/src/faults/schema.ts';
import {
  Answer,
  canonicalWhere,
  catalogue,
  DRILLS,
  drillForSeed,
  DrillInfo,
  FAULT_TTL_S,
  generateDrill,
  QUERIES,
  scoreAnswer,
  Truth,
  wrongAnswer,
  type DrillContext,
} from '../src/drills/index.ts';

/** The todo API's routes as its OpenAPI lists them (the journey mix calls them all). */
const ROUTES = [
  'GET /api/ping',
  'POST /api/register',
  'POST /api/login',
  'GET /api/tasks',
  'POST /api/tasks',
  'GET /api/tasks/{id}',
  'PUT /api/tasks/{id}',
  'PATCH /api/tasks/{id}',
  'DELETE /api/tasks/{id}',
  'GET /api/faults',
  'PUT /api/faults',
  'DELETE /api/faults',
];
const DRILLABLE = ROUTES.filter((r) => !r.includes('/api/faults'));
const CONTEXT: DrillContext = { routes: ROUTES, rate_rps: 10, pool_size: 1 };
const SEEDS = Array.from({ length: 200 }, (_, i) => i * 7919 + 1);
const REQUIRED = ['slow-endpoint', 'error-burst', 'slow-queries', 'cpu-hog', 'pool-exhaustion', 'memory-leak', 'db-outage', 'traffic-surge'];

const faultOf = (drill: string, seed: number, ctx: DrillContext = CONTEXT) => generateDrill(drill, seed, ctx).fault as Record<string, Record<string, unknown>>;

describe('drill catalogue', () => {
  it('lists at least the eight drills, each with ru/en title and description and a difficulty', () => {
    const list = catalogue();
    expect(list.map((d) => d.id)).toEqual(expect.arrayContaining(REQUIRED));
    expect(new Set(list.map((d) => d.id)).size).toBe(list.length);
    for (const d of list) {
      expect(Value.Check(DrillInfo, d), d.id).toBe(true);
      for (const text of [d.title, d.description]) for (const lang of ['ru', 'en'] as const) expect(text[lang].length, `${d.id} ${lang}`).toBeGreaterThan(3);
      expect(d.title.ru).not.toBe(d.title.en);
      // The catalogue says nothing of what a run injects.
      expect(Object.keys(d).sort()).toEqual(['description', 'difficulty', 'id', 'title']);
    }
  });

  it('replays a drill exactly from its seed, and different seeds give different drills', () => {
    for (const { id } of DRILLS) {
      const runs = SEEDS.slice(0, 30).map((seed) => generateDrill(id, seed, CONTEXT));
      for (const [i, run] of runs.entries()) expect(generateDrill(id, SEEDS[i] as number, CONTEXT), id).toEqual(run);
      const distinct = new Set(runs.map((r) => JSON.stringify([r.fault, r.traffic, r.truth, r.fault_after_s])));
      expect(distinct.size, id).toBeGreaterThan(5);
    }
    // The order the routes come in does not change the drill a seed gives.
    const shuffled = { ...CONTEXT, routes: [...ROUTES].reverse() };
    expect(generateDrill('slow-endpoint', 42, shuffled)).toEqual(generateDrill('slow-endpoint', 42, CONTEXT));
  });

  it('gives every fault the lifetime of a hidden drill fault, valid for the todo API', () => {
    for (const { id } of DRILLS) {
      for (const seed of SEEDS.slice(0, 50)) {
        const d = generateDrill(id, seed, CONTEXT);
        expect(d.fault_after_s).toBeGreaterThanOrEqual(30);
        expect(d.fault_after_s).toBeLessThanOrEqual(120);
        expect(Value.Check(Truth, d.truth), `${id} ${seed}`).toBe(true);
        expect(d.hints.length).toBeGreaterThanOrEqual(3);
        expect(d.evidence.length).toBeGreaterThanOrEqual(2);
        if (id === 'traffic-surge') {
          expect(d.fault).toBeNull();
          continue;
        }
        expect(Value.Check(FaultsBody, d.fault), `${id} ${seed} ${JSON.stringify([...Value.Errors(FaultsBody, d.fault)][0])}`).toBe(true);
        const faults = Object.values(d.fault as object) as Record<string, unknown>[];
        expect(faults.length).toBe(1);
        expect(faults[0]).toMatchObject({ hidden: true, start_after_s: d.fault_after_s, ttl_s: d.duration_s });
      }
    }
    expect(generateDrill('cpu-hog', 7, { ...CONTEXT, fault_after_s: 5 }).fault?.cpu_hog).toMatchObject({ start_after_s: 5 });
  });

  it('draws routes only from the given list (never the fault endpoints), in both spellings', () => {
    const seen = new Set<string>();
    for (const seed of SEEDS) {
      for (const id of ['slow-endpoint', 'error-burst']) {
        const d = generateDrill(id, seed, CONTEXT);
        expect(DRILLABLE).toContain(d.truth.where);
        const f = Object.values(d.fault as object)[0] as { method: string; route: string };
        expect(`${f.method} ${f.route.replace(/:(\w+)/g, '{$1}')}`).toBe(d.truth.where);
        seen.add(d.truth.where);
      }
    }
    expect(seen.size).toBe(DRILLABLE.length);
    const only = generateDrill('slow-endpoint', 3, { routes: ['GET /api/ping', 'GET /api/faults'] });
    expect(only.truth.where).toBe('GET /api/ping');
  });

  it('keeps the parameters in range: errors 5–50 %, outage 30–90 s, latency 250–1000 ms, CPU share 0.3–0.7', () => {
    const probabilities = SEEDS.map((s) => faultOf('error-burst', s).error?.probability as number);
    expect(Math.min(...probabilities)).toBeGreaterThanOrEqual(0.05);
    expect(Math.max(...probabilities)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...probabilities) - Math.min(...probabilities)).toBeGreaterThan(0.3); // spread over the range
    for (const seed of SEEDS) {
      const outage = generateDrill('db-outage', seed, CONTEXT);
      expect(outage.duration_s).toBeGreaterThanOrEqual(30);
      expect(outage.duration_s).toBeLessThanOrEqual(90);
      expect(outage.fault?.db_outage?.ttl_s).toBe(outage.duration_s);
      expect(outage.truth).toEqual({ symptom: 'outage', where: 'database', layer: 'database' });
      const ms = faultOf('slow-endpoint', seed).latency?.ms as number;
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThanOrEqual(1000);
      const share = faultOf('cpu-hog', seed).cpu_hog?.share as number;
      expect(share).toBeGreaterThanOrEqual(0.3);
      expect(share).toBeLessThanOrEqual(0.7);
      expect(String(share)).toMatch(/^0\.\d{1,2}$/); // a round number, as a person would write it
      expect(String(faultOf('error-burst', seed).error?.probability)).toMatch(/^0\.\d{1,2}$/);
      expect(generateDrill('memory-leak', seed, CONTEXT).duration_s).toBe(FAULT_TTL_S);
    }
  });

  it('sizes the database faults from the rate and the pool: slow queries stay below the pool, exhaustion above it', () => {
    for (const ctx of [CONTEXT, { ...CONTEXT, pool_size: 10, rate_rps: 20 }, { ...CONTEXT, rate_rps: 50 }]) {
      for (const seed of SEEDS.slice(0, 40)) {
        const slow = faultOf('slow-queries', seed, ctx).db_slowdown as { ms: number; operation: string };
        const statementsPerS = (ctx.rate_rps as number) * 2;
        expect(slow.ms).toBeGreaterThanOrEqual(40);
        // Busy share of the pool if every statement were slowed: at most ~0.5 unless the 40 ms floor applies.
        if (slow.ms > 40) expect((statementsPerS * slow.ms) / 1000 / (ctx.pool_size as number)).toBeLessThanOrEqual(0.51);
        const pool = faultOf('pool-exhaustion', seed, ctx).pool_limit as { max_connections: number; hold_ms: number };
        expect(pool.max_connections).toBeLessThanOrEqual(ctx.pool_size as number);
        const demand = (statementsPerS * pool.hold_ms) / 1000 / pool.max_connections;
        expect(demand).toBeGreaterThanOrEqual(1.15);
        expect(demand).toBeLessThanOrEqual(1.65);
      }
    }
    // Only the statement types the routes run: with read-only routes a slow-queries drill is about SELECT.
    for (const seed of SEEDS.slice(0, 20)) expect(faultOf('slow-queries', seed, { routes: ['GET /api/tasks'] }).db_slowdown?.operation).toBe('SELECT');
    const ops = new Set(SEEDS.map((s) => faultOf('slow-queries', s).db_slowdown?.operation));
    expect([...ops].sort()).toEqual(['DELETE', 'INSERT', 'SELECT', 'UPDATE']);
  });

  it('surges one request type of the mix (its route is the answer), with no fault', () => {
    const requests = [
      { name: 'list tasks', route: 'GET /api/tasks' },
      { name: 'create task', route: 'POST /api/tasks' },
      { name: 'read task', route: 'GET /api/tasks/:id' },
      { name: 'elsewhere', route: 'GET /not/in/the/api' },
    ];
    const names = new Set<string | null>();
    for (const seed of SEEDS.slice(0, 60)) {
      const d = generateDrill('traffic-surge', seed, { ...CONTEXT, requests });
      expect(d.fault).toBeNull();
      const req = requests.find((r) => r.name === d.traffic?.request);
      expect(req).toBeDefined();
      expect(d.traffic?.route).toBe(canonicalWhere(req?.route as string));
      expect(d.truth).toEqual({ symptom: 'traffic', where: d.traffic?.route, layer: 'load' });
      expect(d.traffic?.multiplier).toBeGreaterThanOrEqual(3);
      expect(d.traffic?.multiplier).toBeLessThanOrEqual(6);
      names.add(d.traffic?.request ?? null);
    }
    expect([...names].sort()).toEqual(['create task', 'list tasks', 'read task']);
  });

  it('answers "random" with a drill the seed picks, every drill for some seed', () => {
    const picked = new Set(SEEDS.map((s) => drillForSeed(s)));
    expect([...picked].sort()).toEqual(DRILLS.map((d) => d.id).sort());
    const d = generateDrill('random', 1234, CONTEXT);
    expect(d.drill).toBe(drillForSeed(1234));
    expect(d).toEqual(generateDrill(d.drill, 1234, CONTEXT));
  });

  it('refuses an unknown drill, a non-integer seed and a context without API routes', () => {
    expect(() => generateDrill('nope', 1, CONTEXT)).toThrow(/unknown drill "nope".*slow-endpoint/);
    expect(() => generateDrill('cpu-hog', 1.5, CONTEXT)).toThrow(/seed/);
    expect(() => generateDrill('cpu-hog', 1, { routes: ['GET /api/faults', 'GET /health/ready'] })).toThrow(/at least one API route/);
    expect(() => generateDrill('cpu-hog', 1, { routes: ['nonsense'] })).toThrow(/METHOD \/path/);
  });

  it('keeps the evidence generic: no query names a route, an operation or a number of the drill', () => {
    for (const { id } of DRILLS) {
      for (const seed of SEEDS.slice(0, 20)) {
        const d = generateDrill(id, seed, CONTEXT);
        for (const e of d.evidence) {
          expect(QUERIES[e.id as keyof typeof QUERIES].expr).toBe(e.expr);
          expect(e.expr).not.toMatch(/\/api\/tasks|\/api\/ping|SELECT|INSERT|UPDATE|DELETE/);
          expect(e.explain.en.length).toBeGreaterThan(10);
          expect(e.explain.ru.length).toBeGreaterThan(10);
        }
      }
    }
  });
});

describe('drill scoring', () => {
  const truth = { symptom: 'latency', where: 'GET /api/tasks/{id}', layer: 'app', started_at: '2026-12-03T10:00:00.000Z' } as const;
  const right: Answer = { symptom: 'latency', where: 'GET /api/tasks/{id}', layer: 'app' };
  const at = (s: number) => new Date(Date.parse(truth.started_at) + s * 1000).toISOString();
  const score = (answer: Answer, opts: { after_s?: number; hints?: number } = {}) =>
    scoreAnswer({ answer, truth, answered_at: at(opts.after_s ?? 120), hints_used: opts.hints ?? 0 });

  it('gives 100 for the right answer in time without hints, with or without a right start', () => {
    expect(score(right)).toEqual({ score: 100, correct: { symptom: true, where: true, layer: true, started_at: false } });
    expect(score({ ...right, started_at: at(29) })).toEqual({ score: 100, correct: { symptom: true, where: true, layer: true, started_at: true } });
    // The route in the template spelling and lower case is the same route.
    expect(score({ ...right, where: 'get /api/tasks/:id' }).correct.where).toBe(true);
    expect(score({ ...right, where: 'GET /api/tasks' }).correct.where).toBe(false);
  });

  it('counts each field, the start time within 30 s, hints and time', () => {
    expect(score({ ...right, layer: 'database' }).score).toBe(67);
    expect(score({ ...right, layer: 'database', where: 'all' }).score).toBe(33);
    expect(score({ ...right, layer: 'database', where: 'all', started_at: at(-10) }).score).toBe(43);
    expect(score({ ...right, started_at: at(31) })).toMatchObject({ score: 90, correct: { started_at: false } });
    expect(score({ ...right, started_at: at(-31) }).correct.started_at).toBe(false);
    expect(score(right, { hints: 2 }).score).toBe(80);
    expect(score({ ...right, started_at: at(0) }, { hints: 1 }).score).toBe(100);
    expect(score(right, { after_s: 300 }).score).toBe(100);
    expect(score(right, { after_s: 301 }).score).toBe(98);
    expect(score(right, { after_s: 420 }).score).toBe(96);
    expect(score(right, { after_s: 3600 }).score).toBe(80);
    expect(score(right, { hints: 20, after_s: 3600 }).score).toBe(0);
  });

  it('scores a fixed wrong answer below 50 for every drill (0), and one right field below 50', () => {
    for (const { id } of DRILLS) {
      for (const seed of SEEDS.slice(0, 10)) {
        const t = { ...generateDrill(id, seed, CONTEXT).truth, started_at: truth.started_at };
        const wrong = wrongAnswer(t);
        expect(Value.Check(Answer, wrong)).toBe(true);
        const r = scoreAnswer({ answer: { ...wrong, started_at: t.started_at }, truth: t, answered_at: at(60), hints_used: 0 });
        expect(r.score, id).toBe(0);
        expect(r.correct).toEqual({ symptom: false, where: false, layer: false, started_at: true });
        const oneRight = scoreAnswer({ answer: { ...wrong, symptom: t.symptom, started_at: t.started_at }, truth: t, answered_at: at(60), hints_used: 0 });
        expect(oneRight.score).toBeLessThan(50);
        expect(scoreAnswer({ answer: { ...t }, truth: t, answered_at: at(60), hints_used: 0 }).score).toBe(100);
      }
    }
  });
});
