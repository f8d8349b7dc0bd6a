import { parseDuration } from '@o11y/platform';
import type { PrometheusClient, RangeSeries } from '../clients/prometheus.js';
import type { AlertSeen, DrillResult, EvidenceReading, EvidenceSeries, StoredResult, TraceExample } from './contract.js';
import { debriefLinkPaths } from './links.js';
import { parseRoute } from './routes.js';
import type { SessionRecord } from './session.js';
import type { Evidence, Truth } from './schema.js';

/** The windows the evidence is read over, unix seconds. */
export interface EvidenceWindow {
  /** Start of the baseline: as long as the fault window, but never before the traffic's rates filled. */
  baselineFrom: number;
  /** The fault's start. */
  from: number;
  /** The answer (or the abort). */
  to: number;
  /** Query resolution: the scrape interval, coarser for long windows (at most ~600 points). */
  step: number;
}

export function evidenceWindow(times: { created_at: string; fault_at: string; ended_at: string }, range: string, scrapeIntervalS: number | null): EvidenceWindow {
  const created = Date.parse(times.created_at) / 1000;
  const from = Date.parse(times.fault_at) / 1000;
  const to = Math.max(from, Date.parse(times.ended_at) / 1000);
  const rangeS = parseDuration(range) ?? 60;
  const baselineFrom = Math.min(from, Math.max(created + rangeS, from - Math.max(to - from, rangeS)));
  const step = Math.max(scrapeIntervalS ?? 5, Math.ceil((to - baselineFrom) / 600));
  return { baselineFrom, from, to, step };
}

const MAX_POINTS = 120;

/** One series' value before and during the fault, by the evidence's reading (highest or lowest). */
export function readSeries(series: RangeSeries, over: 'max' | 'min', w: EvidenceWindow): EvidenceSeries {
  const points = series.values.map(([t, v]) => [t, Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v));
  const pick = (list: number[]) => (list.length === 0 ? null : over === 'max' ? Math.max(...list) : Math.min(...list));
  const every = Math.max(1, Math.ceil(points.length / MAX_POINTS));
  return {
    labels: Object.fromEntries(Object.entries(series.metric).filter(([k]) => k !== '__name__')),
    before: pick(points.filter(([t]) => t >= w.baselineFrom && t < w.from).map(([, v]) => v)),
    during: pick(points.filter(([t]) => t >= w.from && t <= w.to).map(([, v]) => v)),
    values: points.filter((_, i) => i % every === 0),
  };
}

/** Every evidence query over both windows. A query Prometheus refuses keeps its error beside it. */
export async function readEvidence(prometheus: PrometheusClient, evidence: readonly Evidence[], w: EvidenceWindow): Promise<EvidenceReading[]> {
  return Promise.all(
    evidence.map(async (e): Promise<EvidenceReading> => {
      try {
        const series = await prometheus.queryRange(e.expr, w.baselineFrom, w.to, w.step);
        return { ...e, series: series.map((s) => readSeries(s, e.over_window, w)) };
      } catch (err) {
        return { ...e, series: null, error: (err as Error).message };
      }
    }),
  );
}

const TODO_API = 'job="todo-api"';

/** The histogram whose exemplars carry the traces of the truth's requests (or statements). */
export function exemplarSelector(truth: Truth): string {
  if (truth.where === 'database') return `db_client_operation_duration_seconds_bucket{${TODO_API}}`;
  if (truth.where === 'all') return `http_server_request_duration_seconds_bucket{${TODO_API},route=~"/api/.+",route!~"/api/faults.*"}`;
  const route = parseRoute(truth.where);
  return `http_server_request_duration_seconds_bucket{${TODO_API},method="${route.method}",route="${route.template}"}`;
}

/** Up to `limit` trace ids from the exemplars of the fault window: failed requests first for errors, then the slowest. */
export async function exampleTraces(prometheus: PrometheusClient, truth: Truth, w: EvidenceWindow, limit = 5): Promise<TraceExample[]> {
  const found = await prometheus.exemplars(exemplarSelector(truth), w.from, w.to);
  const all = found.flatMap((s) =>
    s.exemplars
      .filter((x) => x.labels.trace_id)
      .map((x) => ({
        trace_id: x.labels.trace_id as string,
        value_s: Number(x.value),
        at: new Date(x.timestamp * 1000).toISOString(),
        labels: Object.fromEntries(Object.entries(s.seriesLabels).filter(([k]) => ['method', 'route', 'status_code', 'operation', 'table'].includes(k))),
      })),
  );
  const failed = (x: TraceExample) => (truth.symptom === 'errors' || truth.symptom === 'outage') && /^5/.test(x.labels.status_code ?? '');
  all.sort((a, b) => Number(failed(b)) - Number(failed(a)) || b.value_s - a.value_s);
  const seen = new Set<string>();
  return all.filter((x) => !seen.has(x.trace_id) && seen.add(x.trace_id)).slice(0, limit);
}

/** "Would your rules have caught this?": every alerting rule, split by whether it fired in the fault window. */
export async function alertsInWindow(prometheus: PrometheusClient, w: EvidenceWindow): Promise<NonNullable<DrillResult['alerts']>> {
  const [rules, firing] = await Promise.all([prometheus.alertRules(), prometheus.queryRange('ALERTS{alertstate="firing"}', w.from, w.to, w.step)]);
  const fired = new Map<string, AlertSeen>();
  for (const s of firing) {
    const name = s.metric.alertname ?? '';
    const first = s.values[0]?.[0];
    const seen = fired.get(name);
    if (first === undefined || (seen?.first_seen && Date.parse(seen.first_seen) <= first * 1000)) continue;
    fired.set(name, { alertname: name, severity: s.metric.severity ?? '', first_seen: new Date(first * 1000).toISOString() });
  }
  const notFired = new Map<string, AlertSeen>();
  for (const r of rules) if (!fired.has(r.name) && !notFired.has(r.name)) notFired.set(r.name, { alertname: r.name, severity: r.labels?.severity ?? '' });
  const byName = (a: AlertSeen, b: AlertSeen) => a.alertname.localeCompare(b.alertname);
  return { fired: [...fired.values()].sort(byName), not_fired: [...notFired.values()].sort(byName) };
}

const iso = (unixS: number) => new Date(unixS * 1000).toISOString();

/** What the debrief adds to the score: the window, the evidence with its values, traces, alerts, links. */
export type Debrief = Pick<StoredResult, 'window' | 'evidence' | 'prometheus' | 'traces' | 'alerts' | 'links'>;

/**
 * The debrief of a session over a window: evidence values, example traces and alerts from
 * Prometheus, or, when it does not run or cannot be read, the queries and why they have no values.
 */
export async function buildDebrief(prometheus: PrometheusClient | null, r: SessionRecord, window: EvidenceWindow): Promise<Debrief> {
  const { generated: g, runs } = r;
  const windowOut = { baseline_from: iso(window.baselineFrom), from: iso(window.from), to: iso(window.to), range: r.evidence_range, step_s: window.step };
  const links = (traceIds: string[]) => debriefLinkPaths({ evidence: g.evidence, truth: g.truth, window, traceIds, runs });
  const noValues = (reason: string): Debrief => ({
    window: windowOut,
    evidence: g.evidence.map((e) => ({ ...e, series: null })),
    prometheus: { available: false, reason },
    traces: [],
    alerts: null,
    links: links([]),
  });
  if (!prometheus) return noValues('Prometheus does not run in this setup, so the evidence has no values: run these queries where it does.');
  const [evidence, traces, alerts] = await Promise.all([
    readEvidence(prometheus, g.evidence, window),
    exampleTraces(prometheus, g.truth, window).catch(() => []),
    alertsInWindow(prometheus, window).catch(() => null),
  ]);
  if (evidence.every((e) => e.series === null) && evidence[0]?.error) return noValues(`Prometheus at ${prometheus.url} could not be read: ${evidence[0].error}`);
  return { window: windowOut, evidence, prometheus: { available: true }, traces, alerts, links: links(traces.map((t) => t.trace_id)) };
}
