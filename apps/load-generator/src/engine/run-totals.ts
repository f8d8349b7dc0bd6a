import type { Percentiles, RequestPoint, RequestStats, RunState, RunSummary, Segment, SeriesPoint } from '../contract/schemas.js';
import type { PreparedRequest } from '../contract/requests.js';
import type { RateCurve } from '../profiles/types.js';
import { mergeRequestWindow, newHistogram, newRequestWindow, pctMs, type Histogram, type RequestWindow, type WindowStats } from './stats.js';

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** What the totals need of a request: its name (the key of the statistics) and what the report shows. */
export type RequestInfo = Pick<PreparedRequest, 'name' | 'method' | 'url' | 'weight'>;

export function percentiles(h: Histogram): Percentiles {
  return { p50: pctMs(h, 50), p90: pctMs(h, 90), p95: pctMs(h, 95), p99: pctMs(h, 99), p999: pctMs(h, 99.9), max: h.totalCount ? Math.round(h.maxValue) / 1000 : 0 };
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
    if (w.service.totalCount) this.service.add(w.service);
    if (w.lag.totalCount) this.lag.add(w.lag);
    this.lastSecondSent = w.sent;
    const requests: Record<string, RequestPoint> = {};
    w.requests.forEach((r, i) => {
      const into = this.requests[i];
      if (into) mergeRequestWindow(into, r);
      const name = this.spec.requests[i]?.name ?? String(i);
      requests[name] = { sent: r.sent, ok: r.ok, failed: r.failed, dropped: r.dropped, p50_ms: pctMs(r.latency, 50), p99_ms: pctMs(r.latency, 99) };
    });
    return {
      t: w.index,
      target_rps: round3(expected),
      sent: w.sent,
      ok: w.ok,
      failed: w.failed,
      dropped: w.dropped,
      in_flight: w.inFlight,
      p50_ms: pctMs(w.latency, 50),
      p95_ms: pctMs(w.latency, 95),
      p99_ms: pctMs(w.latency, 99),
      service_p50_ms: pctMs(w.service, 50),
      service_p99_ms: pctMs(w.service, 99),
      lag_p99_ms: pctMs(w.lag, 99),
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
}

/** A run summary from its totals: one shape for a run, a share of a split run and the merged split run. */
export function summarize(t: RunTotals, head: SummaryHead): RunSummary {
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
    achieved_rps: head.covered > 0 ? round3(t.run.sent / head.covered) : 0,
    in_flight: head.inFlight,
    latency: percentiles(t.run.latency),
    service_latency: percentiles(t.service),
    lag_p99_ms: pctMs(t.lag, 99),
    status_codes: { ...t.run.status },
    errors: { ...t.run.errors },
    requests: t.requestStats(),
    ...(head.scenario ? { scenario: head.scenario } : {}),
    ...(head.segment ? { segment: { ...head.segment } } : {}),
  };
}
