import { Counter, Gauge, type Registry } from 'prom-client';
import type { Run, RunObserver } from './run.js';
import { BucketCounts, LAG_BUCKETS, LATENCY_BUCKETS, type WindowStats } from './stats.js';

type Labels = Record<string, string>;

/**
 * A Prometheus histogram fed with whole seconds of bucket counts (from the engine's windows), so the
 * hot path never touches prom-client. It renders exactly like prom-client's own histograms.
 */
class WindowHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, { labels: Labels; b: BucketCounts }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  add(labels: Labels, counts: { counts: readonly number[]; sum: number; count: number }): void {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      s = { labels, b: new BucketCounts(this.bounds) };
      this.series.set(key, s);
    }
    s.b.add(counts);
  }

  async get() {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string; sharedLabels?: Labels }> = [];
    for (const { labels, b } of this.series.values()) {
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += b.counts[i] ?? 0;
        values.push({ labels: { le }, sharedLabels: labels, value: acc, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: labels, value: b.count, metricName: `${this.name}_bucket` });
      values.push({ labels: {}, sharedLabels: labels, value: b.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: labels, value: b.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.series.clear();
  }
}

/** Status class label: 2xx … 5xx, or "error" for transport errors. */
export function statusClass(code: string): string {
  const n = Number(code);
  return n >= 100 && n < 600 ? `${Math.floor(n / 100)}xx` : 'error';
}

/** Distinct `request` label values the process reports before it folds new names into "other". */
export const MAX_REQUEST_LABELS = 200;

/**
 * The load generator's own metrics (names are a contract with dashboards and alert rules).
 * Labels are bounded: profile id, method, status class and the request's name in the mix (at most
 * 20 per run, and MAX_REQUEST_LABELS over the life of the process) — never URLs or run ids. The
 * gauges and the scheduler lag describe the schedule, not a request, and have no request label.
 */
export class LoadgenMetrics implements RunObserver {
  private readonly requests: Counter<'profile' | 'method' | 'status_class' | 'request'>;
  private readonly success: Counter<'profile' | 'method' | 'request'>;
  private readonly fail: Counter<'profile' | 'method' | 'request'>;
  private readonly dropped: Counter<'profile' | 'request'>;
  private readonly requestLabels = new Set<string>();
  private readonly latency: WindowHistogram;
  private readonly service: WindowHistogram;
  private readonly lag: WindowHistogram;

  constructor(registry: Registry, activeRuns: () => Run[]) {
    const r = [registry];
    this.requests = new Counter({ name: 'loadgen_requests_total', help: 'Requests completed by the load generator, by profile, method and status class (or "error").', labelNames: ['profile', 'method', 'status_class', 'request'], registers: r });
    this.success = new Counter({ name: 'loadgen_requests_success_total', help: 'Requests answered 2xx or 3xx.', labelNames: ['profile', 'method', 'request'], registers: r });
    this.fail = new Counter({ name: 'loadgen_requests_fail_total', help: 'Requests answered 4xx/5xx or failed (timeout, refused, reset, DNS, other).', labelNames: ['profile', 'method', 'request'], registers: r });
    this.dropped = new Counter({ name: 'loadgen_dropped_total', help: 'Requests not sent because the in-flight cap was reached (never delayed).', labelNames: ['profile', 'request'], registers: r });
    new Gauge({
      name: 'loadgen_rps_current',
      help: 'Requests sent over the last completed second, summed over active runs.',
      registers: r,
      collect() {
        this.set(activeRuns().reduce((s, x) => s + x.lastSecondSent, 0));
      },
    });
    new Gauge({
      name: 'loadgen_target_rps',
      help: 'Rate the active runs ask for right now, r(t), summed.',
      registers: r,
      collect() {
        this.set(activeRuns().reduce((s, x) => s + x.currentTargetRate(), 0));
      },
    });
    new Gauge({
      name: 'loadgen_in_flight',
      help: 'Requests sent and not yet answered, summed over active runs.',
      registers: r,
      collect() {
        this.set(activeRuns().reduce((s, x) => s + x.inFlight(), 0));
      },
    });
    new Gauge({
      name: 'loadgen_active_runs',
      help: 'Runs in progress.',
      registers: r,
      collect() {
        this.set(activeRuns().length);
      },
    });
    this.latency = new WindowHistogram('loadgen_response_latency_seconds', 'Response latency from the intended send time (coordinated-omission free).', ['profile', 'method', 'request'], LATENCY_BUCKETS, registry);
    this.service = new WindowHistogram('loadgen_service_latency_seconds', 'Response latency from the actual send time.', ['profile', 'method', 'request'], LATENCY_BUCKETS, registry);
    this.lag = new WindowHistogram('loadgen_scheduler_lag_seconds', 'How late requests were sent after their intended time.', [], LAG_BUCKETS, registry);
  }

  /** The label of a request name: itself while the process has seen fewer than MAX_REQUEST_LABELS names, "other" after. */
  private requestLabel(name: string): string {
    if (this.requestLabels.has(name)) return name;
    if (this.requestLabels.size >= MAX_REQUEST_LABELS) return 'other';
    this.requestLabels.add(name);
    return name;
  }

  window(run: Run, w: WindowStats): void {
    const profile = run.spec.profile.id;
    w.requests.forEach((r, i) => {
      const spec = run.spec.requests[i];
      if (!spec) return;
      const method = spec.method;
      const request = this.requestLabel(spec.name);
      for (const [code, n] of Object.entries(r.status)) this.requests.inc({ profile, method, status_class: statusClass(code), request }, n);
      const errors = Object.values(r.errors).reduce((s, n) => s + n, 0);
      if (errors) this.requests.inc({ profile, method, status_class: 'error', request }, errors);
      if (r.ok) this.success.inc({ profile, method, request }, r.ok);
      if (r.failed) this.fail.inc({ profile, method, request }, r.failed);
      if (r.dropped) this.dropped.inc({ profile, request }, r.dropped);
      if (r.promLatency.count) this.latency.add({ profile, method, request }, r.promLatency);
      if (r.promService.count) this.service.add({ profile, method, request }, r.promService);
    });
    if (w.promLag.count) this.lag.add({}, w.promLag);
  }
}
