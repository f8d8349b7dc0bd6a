/**
 * A drill solver that sees only Prometheus: it evaluates the evidence library's queries (the ones
 * every debrief lists, at the session's range) with the HTTP API over a baseline window before the
 * fault and the fault window, and answers symptom, where and layer by the rules of
 * apps/portal/src/drills/README.md ("how the data tells them apart"), in their order. One solver for
 * every drill: a drill it cannot solve is a broken drill.
 */
import { evidenceQueries, type QueryId } from '../../apps/portal/src/drills/evidence.ts';
import type { Answer } from '../../apps/portal/src/drills/schema.ts';

const MiB = 1024 * 1024;

export interface SolverWindows {
  /** Unix seconds: baseline [baselineFrom, from), fault window [from, to]. */
  baselineFrom: number;
  from: number;
  to: number;
  step: number;
}

interface Series {
  labels: Record<string, string>;
  /** Reading over the baseline and over the fault window (highest, or lowest for over_window "min"). */
  before: number | null;
  during: number | null;
  /** [unix seconds, value] inside the fault window. */
  points: [number, number][];
}

export type Readings = Record<QueryId, Series[]>;

export interface Solution {
  answer: Answer;
  /** Which rule decided, and the numbers it saw. */
  rule: string;
  why: string;
}

async function queryRange(prometheusUrl: string, expr: string, w: SolverWindows): Promise<{ metric: Record<string, string>; values: [number, string][] }[]> {
  const res = await fetch(`${prometheusUrl}/api/v1/query_range`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr, start: String(w.baselineFrom), end: String(w.to), step: String(w.step) }).toString(),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  if (body.status !== 'success' || !body.data) throw new Error(`${expr}: ${body.error ?? res.status}`);
  return body.data.result;
}

/** Every query of the library over both windows. */
export async function readAll(prometheusUrl: string, range: string, w: SolverWindows): Promise<Readings> {
  const queries = evidenceQueries(range);
  const out = {} as Readings;
  await Promise.all(
    (Object.keys(queries) as QueryId[]).map(async (id) => {
      const q = queries[id];
      const result = await queryRange(prometheusUrl, q.expr, w);
      out[id] = result.map((s) => {
        const pts = s.values.map(([t, v]) => [t, Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v));
        const pick = (list: number[]) => (list.length === 0 ? null : q.over_window === 'max' ? Math.max(...list) : Math.min(...list));
        return {
          labels: s.metric,
          before: pick(pts.filter(([t]) => t >= w.baselineFrom && t < w.from).map(([, v]) => v)),
          during: pick(pts.filter(([t]) => t >= w.from && t <= w.to).map(([, v]) => v)),
          points: pts.filter(([t]) => t >= w.from && t <= w.to),
        };
      });
    }),
  );
  return out;
}

/** `GET` + `/api/tasks/:id` → `GET /api/tasks/{id}` (the OpenAPI form answers use). */
const routeOf = (labels: Record<string, string>) => `${labels.method} ${(labels.route ?? '').replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
const one = (list: Series[]) => list[0];
const ms = (s: number | null) => (s === null ? 'none' : `${(s * 1000).toFixed(1)} ms`);
const iso = (t: number) => new Date(t * 1000).toISOString();

/** The first time in the fault window a series passes `test`, as the answer's started_at. */
function onset(s: Series | undefined, test: (v: number) => boolean, fallback: number): string {
  const hit = s?.points.find(([, v]) => test(v));
  return iso(hit ? hit[0] : fallback);
}

/** Symptom, where and layer from the readings, by the first rule that holds. */
export function solve(r: Readings, w: SolverWindows): Solution {
  const dbUp = one(r.db_up);
  // 1. Outage: the database unreachable at some point.
  if (dbUp && dbUp.during === 0) {
    return { answer: { symptom: 'outage', where: 'database', layer: 'database', started_at: onset(dbUp, (v) => v === 0, w.from) }, rule: 'outage', why: 'db_up reached 0' };
  }

  // 2. Traffic: one route's rate more than doubled, with no new errors.
  const newErrors = (s: Series) => (s.during ?? 0) > (s.before ?? 0) + 0.02;
  const surges = r.route_rps
    .filter((s) => s.before !== null && s.during !== null && s.during > 2 * s.before && s.during - s.before > 0.5)
    .sort((a, b) => (b.during as number) / (b.before as number) - (a.during as number) / (a.before as number));
  const surge = surges[0];
  if (surge && !r.route_error_ratio.some(newErrors)) {
    const threshold = 2 * (surge.before as number);
    return {
      answer: { symptom: 'traffic', where: routeOf(surge.labels), layer: 'load', started_at: onset(surge, (v) => v > threshold, w.from) },
      rule: 'traffic',
      why: `${routeOf(surge.labels)} ${surge.before?.toFixed(2)} → ${surge.during?.toFixed(2)} rps`,
    };
  }

  // 3. Errors: a route answering 5xx while the database is up.
  const erring = r.route_error_ratio.filter(newErrors).sort((a, b) => (b.during as number) - (a.during as number));
  if (erring[0]) {
    const s = erring[0];
    return {
      answer: { symptom: 'errors', where: routeOf(s.labels), layer: 'app', started_at: onset(s, (v) => v > (s.before ?? 0) + 0.02, w.from) },
      rule: 'errors',
      why: `${routeOf(s.labels)} 5xx share ${s.before ?? 0} → ${s.during}`,
    };
  }

  // 4. Memory: the heap far above its baseline band and still growing.
  const heap = one(r.heap_used);
  const growth = one(r.heap_growth);
  if (heap?.before !== null && heap?.during !== null && heap && growth && (heap.during as number) - (heap.before as number) > 24 * MiB && (growth.during ?? 0) > 0.5 * MiB) {
    const limit = (heap.before as number) + 16 * MiB;
    return {
      answer: { symptom: 'saturation', where: 'all', layer: 'memory', started_at: onset(heap, (v) => v > limit, w.from) },
      rule: 'memory',
      why: `heap ${((heap.before as number) / MiB).toFixed(0)} → ${((heap.during as number) / MiB).toFixed(0)} MiB, growing ${((growth.during ?? 0) / MiB).toFixed(2)} MiB/s`,
    };
  }

  // 5. CPU: the process uses much more CPU for the same traffic.
  const cpu = one(r.cpu);
  if (cpu && cpu.before !== null && cpu.during !== null && cpu.during - cpu.before > 0.1) {
    const limit = cpu.before + 0.1;
    return { answer: { symptom: 'saturation', where: 'all', layer: 'cpu', started_at: onset(cpu, (v) => v > limit, w.from) }, rule: 'cpu', why: `cpu ${cpu.before.toFixed(2)} → ${cpu.during.toFixed(2)} cores` };
  }

  // 6. Pool: statements queue for a connection, and the wait outweighs any slowing of the
  //    statements themselves (the time goes before them, not in them).
  const ops = r.db_op_p50.filter((s) => s.before !== null && s.during !== null);
  const rise = (s: Series) => (s.during as number) - (s.before as number);
  const pending = one(r.db_pending);
  const wait = one(r.db_wait);
  const waitS = wait?.during ?? 0;
  if (pending && (pending.during ?? 0) >= 1 && waitS > 0.01 && ops.every((s) => rise(s) < waitS)) {
    return {
      answer: { symptom: 'saturation', where: 'database', layer: 'connection_pool', started_at: onset(wait, (v) => v > 0.01, w.from) },
      rule: 'pool',
      why: `pending ${pending.during}, wait ${ms(wait?.before ?? null)} → ${ms(waitS)}, statements at most +${ms(Math.max(0, ...ops.map(rise)))}`,
    };
  }

  // 7. Slow queries: one statement type much slower, another with traffic as before.
  const slowOps = ops.filter((s) => (s.during as number) > 3 * (s.before as number) && rise(s) > 0.02);
  const steadyOps = ops.filter((s) => (s.during as number) < 2 * (s.before as number));
  if (slowOps.length > 0 && steadyOps.length > 0) {
    const s = slowOps.sort((a, b) => rise(b) - rise(a))[0] as Series;
    const limit = 3 * (s.before as number);
    return {
      answer: { symptom: 'latency', where: 'database', layer: 'database', started_at: onset(s, (v) => v > limit, w.from) },
      rule: 'slow-queries',
      why: `${s.labels.operation} p50 ${ms(s.before)} → ${ms(s.during)}; steady: ${steadyOps.map((o) => o.labels.operation).join(', ')}`,
    };
  }

  // 8. Slow endpoint: one route's median far above its baseline.
  const slow = r.route_p50
    .filter((s) => s.before !== null && s.during !== null && (s.during as number) > 3 * (s.before as number) && (s.during as number) - (s.before as number) > 0.1)
    .sort((a, b) => (b.during as number) - (b.before as number) - ((a.during as number) - (a.before as number)));
  if (slow[0]) {
    const s = slow[0];
    const limit = (s.before as number) + 0.1;
    return {
      answer: { symptom: 'latency', where: routeOf(s.labels), layer: 'app', started_at: onset(s, (v) => v > limit, w.from) },
      rule: 'slow-endpoint',
      why: `${routeOf(s.labels)} p50 ${ms(s.before)} → ${ms(s.during)}`,
    };
  }
  return { answer: { symptom: 'latency', where: 'all', layer: 'app' }, rule: 'none', why: 'no rule held' };
}

/** A compact picture of the readings, for a failing test's message. */
export function describeReadings(r: Readings): string {
  return (Object.keys(r) as QueryId[])
    .map((id) => `${id}: ${r[id].map((s) => `${JSON.stringify(Object.fromEntries(Object.entries(s.labels).filter(([k]) => !['job', 'instance'].includes(k))))} ${s.before} → ${s.during}`).join('; ')}`)
    .join('\n');
}
