import type { LatencyBreakdown, Percentiles, RequestPoint, RequestStats, RunState, RunSummary, Segment, SeriesPoint } from '../contract/schemas.js';
import type { PreparedRequest } from '../contract/requests.js';
import type { RateCurve } from '../profiles/types.js';
import { assessGenerator, type Assessment } from './bottleneck.js';
import { addHistogram, mergeRequestWindow, newHistogram, newRequestWindow, pctMs, pctsMs, type Histogram, type RequestWindow, type WindowStats } from './stats.js';

const round3 = (x: number) => Math.round(x * 1000) / 1000;

const SUMMARY_PERCENTILES = [50, 90, 95, 99, 99.9];

/** What the totals need of a request: its name (the key of the statistics) and what the report shows. */
export type RequestInfo = Pick<PreparedRequest, 'name' | 'method' | 'url' | 'weight'>;

export function percentiles(h: Histogram): Percentiles {
  const [p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0] = pctsMs(h, SUMMARY_PERCENTILES);
  return { p50, p90, p95, p99, p999, max: h.totalCount ? Math.round(h.maxValue) / 1000 : 0 };
}

/** p50 and p99 of a second's histogram, in one pass. */
function p50p99(h: Histogram): [number, number] {
  const [p50 = 0, p99 = 0] = pctsMs(h, [50, 99]);
  return [p50, p99];
}

/** The three phases of a window's (or the run's) latency as percentiles. */
export function breakdown(r: RequestWindow): LatencyBreakdown {
  return { intended_to_sent: percentiles(r.intendedToSent), sent_to_first_byte: percentiles(r.sentToFirstByte), first_byte_to_done: percentiles(r.firstByteToDone) };
}

/** Busy share of the engine threads' event loops (0 before any was measured). */
export function utilization(w: { loopActiveMs: number; loopMs: number }): number {
  return w.loopMs > 0 ? Math.round((w.loopActiveMs / w.loopMs) * 1000) / 1000 : 0;
}

/**
 * A run's totals, per run and per request, from its merged seconds: each window becomes a series
 * point and is added to the totals (counts add, HDR histograms merge exactly).
 */
export class RunTotals {
  /** Counts, codes, errors and latency of the run, and of each request (the windows' own shape). */
  readonly run = newRequestWindow();
  readonly requests: RequestWindow[];
  redrawn = 0;
  readonly service = newHistogram();
  readonly lag = newHistogram();
  /** The engine threads' event loops: busy and elapsed ms, summed over windows and threads. */
  readonly loop = { loopActiveMs: 0, loopMs: 0 };
  /** Sent in the last merged second (loadgen_rps_current). */
  lastSecondSent = 0;

  constructor(
    /** `share`: the part of r(t) these windows send (1/count for one share of a split run; 1 by default). */
    private readonly spec: { requests: readonly RequestInfo[]; curve: RateCurve; duration: number; share?: number },
  ) {
    this.requests = spec.requests.map(newRequestWindow);
  }

  /** Adds a merged window and returns its point of the series. */
  add(w: WindowStats): SeriesPoint {
    const T = this.spec.duration;
    const c = this.spec.curve;
    const a = Math.min(w.index, T);
    const b = Math.min(w.index + 1, T);
    const expected = b > a ? (c.integral(b) - c.integral(a)) * (this.spec.share ?? 1) : 0;
    mergeRequestWindow(this.run, w);
    this.redrawn += w.redrawn;
    addHistogram(this.service, w.service);
    addHistogram(this.lag, w.lag);
    this.loop.loopActiveMs += w.loopActiveMs;
    this.loop.loopMs += w.loopMs;
    this.lastSecondSent = w.sent;
    const requests: Record<string, RequestPoint> = {};
    w.requests.forEach((r, i) => {
      const into = this.requests[i];
      if (into) mergeRequestWindow(into, r);
      const name = this.spec.requests[i]?.name ?? String(i);
      const [p50, p99] = p50p99(r.latency);
      requests[name] = { sent: r.sent, ok: r.ok, failed: r.failed, dropped: r.dropped, p50_ms: p50, p99_ms: p99 };
    });
    const [p50, p95, p99] = pctsMs(w.latency, [50, 95, 99]);
    const [service50, service99] = p50p99(w.service);
    const [toSent50, toSent99] = p50p99(w.intendedToSent);
    const [toFirstByte50, toFirstByte99] = p50p99(w.sentToFirstByte);
    const [toDone50, toDone99] = p50p99(w.firstByteToDone);
    return {
      t: w.index,
      target_rps: round3(expected),
      sent: w.sent,
      ok: w.ok,
      failed: w.failed,
      dropped: w.dropped,
      in_flight: w.inFlight,
      p50_ms: p50 ?? 0,
      p95_ms: p95 ?? 0,
      p99_ms: p99 ?? 0,
      service_p50_ms: service50,
      service_p99_ms: service99,
      intended_to_sent_p50_ms: toSent50,
      intended_to_sent_p99_ms: toSent99,
      sent_to_first_byte_p50_ms: toFirstByte50,
      sent_to_first_byte_p99_ms: toFirstByte99,
      first_byte_to_done_p50_ms: toDone50,
      first_byte_to_done_p99_ms: toDone99,
      lag_p99_ms: pctMs(w.lag, 99),
      engine_utilization: utilization(w),
      status_codes: { ...w.status },
      errors: { ...w.errors },
      requests,
    };
  }

  /** The first request (a single target's run has only this one), for `summary.target`. */
  get first(): { method: string; url: string } {
    const r = this.spec.requests[0];
    return { method: r?.method ?? 'GET', url: r?.url ?? '' };
  }

  /** `summary.requests`: by name, in the order of the run request. */
  requestStats(): Record<string, RequestStats> {
    const out: Record<string, RequestStats> = {};
    this.spec.requests.forEach((r, i) => {
      const t = this.requests[i] as RequestWindow;
      out[r.name] = {
        method: r.method,
        url: r.url,
        weight: r.weight,
        sent: t.sent,
        ok: t.ok,
        failed: t.failed,
        dropped: t.dropped,
        latency: percentiles(t.latency),
        latency_breakdown: breakdown(t),
        status_codes: { ...t.status },
        errors: { ...t.errors },
      };
    });
    return out;
  }
}

/** The part of a run summary that is not counted from windows. */
export interface SummaryHead {
  id: string;
  state: RunState;
  error?: string | undefined;
  startedAt: Date;
  finishedAt?: Date | undefined;
  /** Seconds since t = 0. */
  elapsed: number;
  /** Seconds the merged windows cover, which achieved_rps divides by. */
  covered: number;
  inFlight: number;
  profile: { id: string; rate: number; duration: number; options: Record<string, unknown>; seed: number };
  scenario?: string | undefined;
  segment?: Segment | undefined;
  /** The run's in-flight cap, which the generator's verdict weighs drops against. */
  maxInFlight?: number | undefined;
  /** The verdict when it is not this run's own (a split run's: its shares'). */
  verdict?: Assessment | undefined;
}

/** A run summary from its totals: one shape for a run, a share of a split run and the merged split run. */
export function summarize(t: RunTotals, head: SummaryHead): RunSummary {
  const achieved = head.covered > 0 ? round3(t.run.sent / head.covered) : 0;
  const engineUtilization = utilization(t.loop);
  const lagP99 = pctMs(t.lag, 99);
  const [intendedToSentP50 = 0, intendedToSentP99 = 0] = pctsMs(t.run.intendedToSent, [50, 99]);
  const latency = percentiles(t.run.latency);
  const { bottleneck, warnings } =
    head.verdict ??
    assessGenerator({
      sent: t.run.sent,
      dropped: t.run.dropped,
      achievedRps: achieved,
      maxInFlight: head.maxInFlight ?? 0,
      intendedToSentP50,
      intendedToSentP99,
      lagP99,
      latencyP99: latency.p99,
      // From the Prometheus buckets' sum and count: the HDR histogram's mean walks all its counts.
      serviceMeanMs: t.run.promService.count ? (t.run.promService.sum / t.run.promService.count) * 1000 : 0,
      utilization: engineUtilization,
    });
  return {
    id: head.id,
    state: head.state,
    ...(head.error ? { error: head.error } : {}),
    started_at: head.startedAt.toISOString(),
    ...(head.finishedAt ? { finished_at: head.finishedAt.toISOString() } : {}),
    elapsed: round3(head.elapsed),
    duration: head.profile.duration,
    profile: head.profile.id,
    profile_options: head.profile.options,
    seed: head.profile.seed,
    target: t.first,
    target_rate: head.profile.rate,
    sent: t.run.sent,
    ok: t.run.ok,
    failed: t.run.failed,
    dropped: t.run.dropped,
    redrawn: t.redrawn,
    achieved_rps: achieved,
    in_flight: head.inFlight,
    latency,
    service_latency: percentiles(t.service),
    latency_breakdown: breakdown(t.run),
    lag_p99_ms: lagP99,
    engine_utilization: engineUtilization,
    bottleneck,
    warnings,
    status_codes: { ...t.run.status },
    errors: { ...t.run.errors },
    requests: t.requestStats(),
    ...(head.scenario ? { scenario: head.scenario } : {}),
    ...(head.segment ? { segment: { ...head.segment } } : {}),
  };
}
