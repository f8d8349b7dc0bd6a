// The pure parts of the drill sessions: the state machine on an injected clock, the traffic the
// background mix gives, the evidence window and how a series is read over it.
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../load-generator/src/config.js';
import { presets } from '../../load-generator/src/presets.js';
import type { Preset } from '../src/clients/load-generator.js';
import { generateDrill } from '../src/drills/catalogue.js';
import { evidenceWindow, readSeries } from '../src/drills/debrief.js';
import { debriefLinkPaths, resolveLinkPaths } from '../src/drills/links.js';
import { evidenceRange, faultStart } from '../src/drills/orchestrator.js';
import { readConfig } from '../src/config.js';
import { linksConfig } from '../src/routes/services.js';
import { DrillSession, type SessionRecord } from '../src/drills/session.js';
import { backgroundRun, mixContext, surgeRun } from '../src/drills/traffic.js';

const ROUTES = ['GET /api/ping', 'POST /api/login', 'GET /api/tasks', 'POST /api/tasks', 'GET /api/tasks/{id}', 'PUT /api/tasks/{id}', 'DELETE /api/tasks/{id}', 'PUT /api/faults'];
const journey = presets(testConfig({ todoApiUrl: 'http://127.0.0.1:4000' }))[0] as unknown as Preset;

describe('the background mix as a drill context', () => {
  it('maps the journey preset to the routes it calls, with weights, and knows which requests can run alone', () => {
    const ctx = mixContext(journey, ROUTES);
    expect(ctx.routes).toEqual(['GET /api/tasks', 'POST /api/tasks', 'PUT /api/tasks/{id}', 'DELETE /api/tasks/{id}']);
    expect(ctx.requests).toEqual([
      { name: 'list', route: 'GET /api/tasks', weight: 60, standalone: true },
      { name: 'create', route: 'POST /api/tasks', weight: 25, standalone: true },
      { name: 'finish', route: 'PUT /api/tasks/{id}', weight: 10, standalone: false },
      { name: 'delete', route: 'DELETE /api/tasks/{id}', weight: 5, standalone: false },
    ]);
    expect(() => mixContext(journey, ['GET /api/ping'])).toThrow(/calls none of the todo API's routes/);
  });

  it('sizes the error burst from the route\'s traffic: ~12 errors a minute at least, within 5–50 %', () => {
    const ctx = { ...mixContext(journey, ROUTES), rate_rps: 10 };
    for (let seed = 1; seed < 200; seed++) {
      const d = generateDrill('error-burst', seed, ctx);
      const p = (d.fault?.error as { probability: number }).probability;
      const share = { 'GET /api/tasks': 0.6, 'POST /api/tasks': 0.25, 'PUT /api/tasks/{id}': 0.1, 'DELETE /api/tasks/{id}': 0.05 }[d.truth.where] as number;
      expect(p).toBeLessThanOrEqual(0.5);
      expect(p * share * 10 * 60, `${d.truth.where} at ${p}`).toBeGreaterThanOrEqual(Math.min(12, 0.5 * share * 10 * 60));
    }
  });

  it('runs the background at the drill rate with the gentle wave, and a surge as a second, silent-then-on run', () => {
    expect(backgroundRun({ rate: 10, duration: 960, seed: 4 })).toEqual({ preset: 'todo-journey', rate: 10, duration: 960, seed: 4, profile: 'wave', profile_options: { period: 120, amplitude: 0.2 } });
    const surge = surgeRun(journey, { request: 'list', route: 'GET /api/tasks', multiplier: 4 }, 45, { rate: 10, duration: 945, seed: 4 });
    expect(surge).toMatchObject({ rate: 18, duration: 945, profile: 'stages', profile_options: { start_rate: 0, stages: [{ duration: 45, rate: 0 }, { duration: 1, rate: 18 }] }, auth: journey.run.auth });
    expect(surge.requests).toEqual([{ name: 'list', method: 'GET', url: 'http://127.0.0.1:4000/api/tasks?limit=10' }]);
  });
});

describe('a session on an injected clock', () => {
  const record = (): SessionRecord => ({
    id: 's1',
    requested: 'random',
    generated: generateDrill('slow-queries', 9, { routes: ROUTES, fault_after_s: 40 }),
    created_at: '2026-12-03T10:00:00.000Z',
    fault_at: '2026-12-03T10:00:40.000Z',
    fault_ends_at: null,
    ends_at: '2026-12-03T10:15:40.000Z',
    lifecycle: 'running',
    hints_used: 0,
    where_options: ROUTES,
    runs: ['r1'],
    evidence_range: '1m',
    scrape_interval_s: 5,
  });

  it('is warming until the fault starts, then active; answers only when active; the view hides a random drill', () => {
    let now = Date.parse('2026-12-03T10:00:39.999Z');
    const s = new DrillSession(record(), () => now);
    expect(s.state()).toBe('warming');
    expect(() => s.markAnswered()).toThrow(/Nothing has happened yet/);
    const v = s.view(() => []);
    expect(v).toMatchObject({ state: 'warming', drill: null, title: null, elapsed_s: 40 });
    expect(JSON.stringify(v)).not.toMatch(/slow-queries|db_slowdown|"database"/);
    now += 1;
    expect(s.state()).toBe('active');
    expect(s.takeHint()).toMatchObject({ number: 1, hints_used: 1, cost: 10 });
    now += 60_000;
    expect(s.markAnswered()).toBe('2026-12-03T10:01:40.000Z');
    expect(s.state()).toBe('answered');
    expect(s.view(() => [])).toMatchObject({ drill: 'slow-queries', seed: 9, elapsed_s: 100 });
    expect(() => s.takeHint()).toThrow(/answered/);
    expect(s.truth()).toMatchObject({ symptom: 'latency', where: 'database', started_at: '2026-12-03T10:00:40.000Z', ended_at: '2026-12-03T10:01:40.000Z' });
  });

  it('expires at its maximum length', () => {
    let now = Date.parse('2026-12-03T10:15:39.999Z');
    const s = new DrillSession(record(), () => now);
    expect(s.expired()).toBe(false);
    now += 1;
    expect(s.expired()).toBe(true);
    s.markAborted('expired');
    expect(s.expired()).toBe(false);
    expect(s.historyEntry()).toMatchObject({ state: 'aborted', abort_reason: 'expired', score: null, drill: 'slow-queries' });
  });
});

describe('the evidence window', () => {
  it('takes a baseline as long as the fault window, after the rates filled, at the scrape interval', () => {
    const times = { created_at: '2026-12-03T10:00:00Z', fault_at: '2026-12-03T10:01:00Z', ended_at: '2026-12-03T10:01:30Z' };
    const t0 = Date.parse(times.created_at) / 1000;
    expect(evidenceWindow(times, '12s', 1)).toEqual({ baselineFrom: t0 + 30, from: t0 + 60, to: t0 + 90, step: 1 });
    // A short warm-up: the baseline starts once a whole range of traffic is behind.
    expect(evidenceWindow({ ...times, ended_at: '2026-12-03T10:03:00Z' }, '12s', 1).baselineFrom).toBe(t0 + 12);
    // A long session: a coarser step keeps a query under ~600 points.
    expect(evidenceWindow({ ...times, ended_at: '2026-12-03T11:00:00Z' }, '1m', 5).step).toBe(Math.ceil((3600 - 60) / 600));
    expect([evidenceRange(1), evidenceRange(5), evidenceRange(15), evidenceRange(null)]).toEqual(['12s', '1m', '3m', '1m']);
  });

  it('reads a series by its highest (or lowest) value before and during the fault', () => {
    const w = { baselineFrom: 100, from: 110, to: 120, step: 1 };
    const values: [number, string][] = [[100, '1'], [105, '3'], [110, '0'], [115, 'NaN'], [120, '7']];
    expect(readSeries({ metric: { __name__: 'x', route: '/a' }, values }, 'max', w)).toEqual({ labels: { route: '/a' }, before: 3, during: 7, values: [[100, 1], [105, 3], [110, 0], [120, 7]] });
    expect(readSeries({ metric: {}, values }, 'min', w)).toMatchObject({ before: 1, during: 0 });
  });
});

describe('the debrief\'s links', () => {
  const drill = generateDrill('slow-queries', 9, { routes: ROUTES });
  const window = { baselineFrom: Date.parse('2026-12-03T10:00:30Z') / 1000, from: Date.parse('2026-12-03T10:01:00Z') / 1000, to: Date.parse('2026-12-03T10:01:30Z') / 1000, step: 5 };
  const paths = debriefLinkPaths({ evidence: drill.evidence, truth: drill.truth, window, traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'], runs: ['run-1'] });
  const page = { protocol: 'http:', hostname: 'lab.example' };

  it('in compose: each query\'s Prometheus graph of the window, Grafana\'s dashboards, Jaeger\'s search and traces, the background run', () => {
    const links = resolveLinkPaths(paths, linksConfig(readConfig({ MODE: 'compose', LAB_TOKEN: 'compose-lab-token-0123' })), page);
    const url = (kind: string) => links.find((l) => l.kind === kind)?.url;
    const graph = new URL(url('graph:db_op_p50') as string);
    expect(graph.origin + graph.pathname).toBe('http://lab.example:9090/graph');
    expect(graph.searchParams.get('g0.expr')).toBe(drill.evidence.find((e) => e.id === 'db_op_p50')?.expr);
    expect(graph.searchParams.get('g0.range_input')).toBe('60s');
    expect(graph.searchParams.get('g0.end_input')).toBe('2026-12-03 10:01:30');
    expect(url('dashboard')).toBe(`http://lab.example:3000/d/o11y-todo-api?from=${window.baselineFrom * 1000}&to=${window.to * 1000}`);
    expect(url('dashboard:database')).toBe(`http://lab.example:3000/d/o11y-database?from=${window.baselineFrom * 1000}&to=${window.to * 1000}`);
    expect(url('traces')).toBe(`http://lab.example:16686/search?service=todo-api&start=${window.baselineFrom * 1e6}&end=${window.to * 1e6}&limit=20&lookback=custom`);
    expect(url('trace:4bf92f3577b34da6a3ce929d0e0e4736')).toBe('http://lab.example:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736');
    expect(url('run')).toBe('http://lab.example:8081/#/runs/run-1');
  });

  it('embedded: no Grafana or Jaeger (not in the mode); Debian\'s classic-only Prometheus gets /classic/graph', () => {
    const config = linksConfig(readConfig({}), new Map([['prometheus', '/classic/alerts']]));
    const links = resolveLinkPaths(paths, config, page);
    expect(new Set(links.map((l) => l.service))).toEqual(new Set(['prometheus', 'load-generator']));
    expect(links.find((l) => l.kind === 'graph:cpu')?.url).toMatch(/^http:\/\/lab\.example:9090\/classic\/graph\?g0\.expr=/);
  });
});

describe('when a drill fault starts', () => {
  const estimate = Date.parse('2026-12-03T10:00:40.000Z');
  const at = (ms: number) => ({ starts_at: new Date(estimate + ms).toISOString() });

  it("takes the todo API's starts_at when it is later than the portal's estimate (the PUT's transit), the latest of several faults", () => {
    expect(faultStart({ cpu_hog: at(7), latency: null }, ['cpu_hog'], estimate)).toBe(estimate + 7);
    expect(faultStart({ cpu_hog: at(3), db_slowdown: at(12) }, ['cpu_hog', 'db_slowdown'], estimate)).toBe(estimate + 12);
  });

  it('keeps the estimate when the API answered an earlier time, none, or one so far off that the clocks differ', () => {
    expect(faultStart({ cpu_hog: at(-5) }, ['cpu_hog'], estimate)).toBe(estimate);
    expect(faultStart({ cpu_hog: { share: 0.5 } }, ['cpu_hog'], estimate)).toBe(estimate);
    expect(faultStart({ cpu_hog: null }, ['cpu_hog'], estimate)).toBe(estimate);
    expect(faultStart({ cpu_hog: at(30_000) }, ['cpu_hog'], estimate)).toBe(estimate);
  });
});
