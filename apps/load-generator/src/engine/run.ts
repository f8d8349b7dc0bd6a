import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import type { Tracer } from '@opentelemetry/api';
import type { PreparedRequest } from '../contract/requests.js';
import type { AuthInput, RunState, RunSummary, SeriesPoint } from '../contract/schemas.js';
import type { RateCurve } from '../profiles/types.js';
import { TokenHelper } from './auth.js';
import { assessGenerator } from './bottleneck.js';
import { RunTotals, breakdown, percentiles, utilization } from './run-totals.js';
import { localShard, workerShard, type ShardBase, type ShardHandle, type ShardHandleEvents } from './shard-handles.js';
import { mergeWindow, newWindow, pctMs, pctsMs, type Histogram, type WindowStats } from './stats.js';

export interface RunSpec {
  id: string;
  /** The mix (a single target is a list of one). */
  requests: PreparedRequest[];
  profile: { id: string; rate: number; duration: number; options: Record<string, unknown>; seed: number };
  curve: RateCurve;
  timeoutMs: number;
  maxInFlight: number;
  auth?: AuthInput | undefined;
  scenario?: string | undefined;
  traceRatio: number;
  userAgent: string;
  /** Shards (threads); "auto" (autoThreads) uses worker threads when one is not enough for the peak rate. */
  threads?: number | 'auto';
  /** Connections per origin and thread at most (MAX_CONNECTIONS by default; the in-flight cap bounds them too). */
  connections?: number;
}

/** Told of every merged second of every run (the Prometheus metrics listen here). */
export interface RunObserver {
  window(run: Run, w: WindowStats): void;
}

export interface RunDeps {
  observer?: RunObserver | undefined;
  tracer?: Tracer | undefined;
  /** Whether spans leave the process (worker threads then start their own exporter). */
  tracingExported?: boolean;
  /** Runs before the schedule starts (after login), e.g. switching a fault on; a throw fails the run. */
  beforeStart?: () => Promise<void>;
  /** Runs once the run ended, whatever the outcome (e.g. switching the fault off). */
  afterEnd?: () => Promise<void>;
}

/**
 * Peak rate per engine thread. A thread costs 25–35 µs of CPU per request (undici, the kernel's
 * socket calls, our statistics), so at 12 000 rps it is 40–50 % busy: enough slack that a stall
 * (GC, the VM taking the CPU) is caught up within milliseconds. Above it a run is split over
 * worker threads, up to one per core (README, "Threads").
 */
export const RPS_PER_THREAD = 12_000;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Engine threads for a peak rate: one per RPS_PER_THREAD, at most one per core. This thread
 * (merging once a second, the API) needs little, so it gets no core of its own: on 2 cores with a
 * local target, two engine threads at 20 000 rps kept p99 at 2–4 ms where one thread, 60 % busy,
 * let stalls pile up to 20 ms and more (measured in bench/; README, "Threads").
 */
function intendedToSent(h: Histogram): { intendedToSentP50: number; intendedToSentP99: number } {
  const [p50 = 0, p99 = 0] = pctsMs(h, [50, 99]);
  return { intendedToSentP50: p50, intendedToSentP99: p99 };
}

export function autoThreads(peak: number, cores: number): number {
  return Math.max(1, Math.min(cores, Math.ceil(peak / RPS_PER_THREAD)));
}

/**
 * One run: starts its shards (in this thread or in worker threads), merges their windows second
 * by second into the series, the totals and the observers, and emits `progress` ({summary, point})
 * per second and `done` (summary) at the end.
 */
export class Run extends EventEmitter {
  state: RunState = 'running';
  error: string | undefined;
  readonly createdAt = new Date();
  startedAt: Date | undefined;
  finishedAt: Date | undefined;
  readonly points: SeriesPoint[] = [];
  tokenHelper: TokenHelper | undefined;
  private startEpoch = 0;
  private endEpoch = 0;
  private shards: ShardHandle[] = [];
  private readonly reported: number[] = [];
  private readonly shardEnded: boolean[] = [];
  private readonly pending = new Map<number, { w: WindowStats }>();
  private nextIndex = 0;
  private readonly totals: RunTotals;
  private finalInFlight = 0;
  private doneSettled = false;
  readonly finished: Promise<RunSummary>;
  private resolveFinished!: (s: RunSummary) => void;

  constructor(
    readonly spec: RunSpec,
    private readonly deps: RunDeps = {},
  ) {
    super();
    this.setMaxListeners(0);
    this.finished = new Promise((r) => (this.resolveFinished = r));
    this.totals = new RunTotals({ requests: spec.requests, curve: spec.curve, duration: spec.profile.duration });
  }

  /** Sent in the last merged second (loadgen_rps_current). */
  get lastSecondSent(): number {
    return this.totals.lastSecondSent;
  }

  get id(): string {
    return this.spec.id;
  }

  /** Engine threads (shards) the run uses: 0 before it started them. */
  get threads(): number {
    return this.shards.length;
  }

  get active(): boolean {
    return this.state === 'running';
  }

  /** Seconds since the schedule started (0 before it did). */
  elapsed(): number {
    if (!this.startEpoch) return 0;
    const end = this.endEpoch || performance.timeOrigin + performance.now();
    return Math.max(0, (end - this.startEpoch) / 1000);
  }

  /** r(t) now, for loadgen_target_rps. */
  currentTargetRate(): number {
    if (!this.active || !this.startEpoch) return 0;
    const t = this.elapsed();
    return t < this.spec.profile.duration ? this.spec.curve.rate(t) : 0;
  }

  inFlight(): number {
    if (!this.active) return this.finalInFlight;
    return this.shards.reduce((s, x) => s + x.inFlight, 0);
  }

  async start(): Promise<void> {
    try {
      if (this.spec.auth) {
        this.tokenHelper = new TokenHelper(this.spec.auth, this.spec.timeoutMs, (token) => this.shards.forEach((s) => s.setToken(token)));
        await this.tokenHelper.login();
      }
      if (this.state !== 'running') return;
      await this.deps.beforeStart?.();
      if (this.state !== 'running') return;
      await this.startShards();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private threadCount(): number {
    const t = this.spec.threads ?? 'auto';
    if (typeof t === 'number') return Math.max(1, Math.floor(t));
    return autoThreads(this.spec.curve.peak, availableParallelism());
  }

  private async startShards(): Promise<void> {
    const n = this.threadCount();
    const base: ShardBase = {
      requests: this.spec.requests,
      profile: this.spec.profile,
      timeoutMs: this.spec.timeoutMs,
      maxInFlight: Math.max(1, Math.ceil(this.spec.maxInFlight / n)),
      ...(this.spec.connections ? { connections: this.spec.connections } : {}),
      stride: n,
      userAgent: this.spec.userAgent,
      traceRatio: this.spec.traceRatio,
      token: this.tokenHelper?.token,
    };
    const handles: ShardHandle[] = [];
    for (let i = 0; i < n; i++) {
      this.reported[i] = -1;
      this.shardEnded[i] = false;
      const events: ShardHandleEvents = {
        window: (w: WindowStats) => this.onWindow(i, w),
        unauthorized: (token: string | undefined) => this.tokenHelper?.unauthorized(token),
        end: () => this.onShardEnd(i),
        failed: (err: Error) => this.fail(err),
      };
      handles.push(n === 1 ? localShard(i, base, events, this.deps.tracer) : workerShard(i, base, events, Boolean(this.deps.tracingExported)));
    }
    this.shards = handles;
    await Promise.all(handles.map((h) => h.ready));
    if (this.state !== 'running') {
      await Promise.all(handles.map((h) => h.stop()));
      return;
    }
    // t = 0 a little ahead, so every shard starts on the same schedule.
    this.startEpoch = performance.timeOrigin + performance.now() + (n > 1 ? 20 : 0);
    this.startedAt = new Date(Date.now() + (n > 1 ? 20 : 0));
    for (const h of handles) h.begin(this.startEpoch);
  }

  private onWindow(shard: number, w: WindowStats): void {
    if (this.doneSettled) return;
    this.reported[shard] = w.index;
    const entry = this.pending.get(w.index);
    if (entry) mergeWindow(entry.w, w);
    else {
      const copy = newWindow(w.index, w.requests.length);
      mergeWindow(copy, w);
      copy.length = w.length;
      copy.inFlight = w.inFlight;
      this.pending.set(w.index, { w: copy });
    }
    this.flush(false);
  }

  private onShardEnd(shard: number): void {
    this.shardEnded[shard] = true;
    this.flush(false);
    if (this.shardEnded.every(Boolean)) this.complete();
  }

  /** Merges every window all shards have reported (all pending ones when `all`). */
  private flush(all: boolean): void {
    for (;;) {
      const idx = this.nextIndex;
      const entry = this.pending.get(idx);
      const ready = this.reported.every((r, i) => r >= idx || this.shardEnded[i]);
      if (!all && !ready) return;
      if (!entry) {
        const later = [...this.pending.keys()].some((k) => k > idx);
        if (!later) return;
        this.nextIndex++;
        continue;
      }
      this.pending.delete(idx);
      this.nextIndex++;
      this.addWindow(entry.w);
    }
  }

  private addWindow(w: WindowStats): void {
    const point: SeriesPoint = this.totals.add(w);
    this.points.push(point);
    this.deps.observer?.window(this, w);
    this.emit('progress', { summary: this.summary(), point });
  }

  private complete(): void {
    if (this.doneSettled) return;
    this.flush(true);
    if (this.state === 'running') this.state = 'finished';
    this.settle();
  }

  private settle(): void {
    if (this.doneSettled) return;
    this.finalInFlight = this.shards.reduce((s, x) => s + x.inFlight, 0);
    this.doneSettled = true;
    this.endEpoch = this.startEpoch ? performance.timeOrigin + performance.now() : 0;
    this.finishedAt = new Date();
    const summary = this.summary();
    const after = this.deps.afterEnd ? this.deps.afterEnd().catch(() => undefined) : Promise.resolve();
    void after.then(() => {
      this.emit('done', summary);
      this.resolveFinished(summary);
    });
  }

  fail(err: Error): void {
    if (this.doneSettled) return;
    this.state = 'failed';
    this.error = err.message;
    void Promise.all(this.shards.map((s) => s.stop())).then(() => {
      this.flush(true);
      this.settle();
    });
    if (this.shards.length === 0) {
      this.settle();
    }
  }

  /** Stops sending at once; resolves with the final summary (state stopped). */
  async stop(): Promise<RunSummary> {
    if (this.state === 'running') {
      this.state = 'stopped';
      this.finalInFlight = this.inFlightLive();
      await Promise.all(this.shards.map((s) => s.stop()));
      this.flush(true);
      this.settle();
    }
    return this.finished;
  }

  private inFlightLive(): number {
    return this.shards.reduce((s, x) => s + x.inFlight, 0);
  }

  summary(): RunSummary {
    const elapsed = this.elapsed();
    // Totals come from merged seconds, so while running they are divided by the seconds merged so far.
    const covered = this.doneSettled ? Math.min(elapsed, this.spec.profile.duration) : Math.min(this.points.length, this.spec.profile.duration);
    const t = this.totals;
    const first = this.spec.requests[0];
    const achieved = covered > 0 ? round3(t.run.sent / covered) : 0;
    const engineUtilization = utilization(t.loop);
    const lagP99 = pctMs(t.lag, 99);
    const { bottleneck, warnings } = assessGenerator({
      sent: t.run.sent,
      dropped: t.run.dropped,
      achievedRps: achieved,
      maxInFlight: this.spec.maxInFlight,
      ...intendedToSent(t.run.intendedToSent),
      lagP99,
      // From the Prometheus buckets' sum and count: the HDR histogram's mean walks all its counts.
      serviceMeanMs: t.run.promService.count ? (t.run.promService.sum / t.run.promService.count) * 1000 : 0,
      utilization: engineUtilization,
    });
    const s: RunSummary = {
      id: this.id,
      state: this.state,
      ...(this.error ? { error: this.error } : {}),
      started_at: (this.startedAt ?? this.createdAt).toISOString(),
      ...(this.finishedAt ? { finished_at: this.finishedAt.toISOString() } : {}),
      elapsed: round3(elapsed),
      duration: this.spec.profile.duration,
      profile: this.spec.profile.id,
      profile_options: this.spec.profile.options,
      seed: this.spec.profile.seed,
      target: { method: first?.method ?? 'GET', url: first?.url ?? '' },
      target_rate: this.spec.profile.rate,
      sent: t.run.sent,
      ok: t.run.ok,
      failed: t.run.failed,
      dropped: t.run.dropped,
      redrawn: t.redrawn,
      achieved_rps: achieved,
      in_flight: this.doneSettled ? this.finalInFlight : this.inFlightLive(),
      latency: percentiles(t.run.latency),
      service_latency: percentiles(t.service),
      latency_breakdown: breakdown(t.run),
      lag_p99_ms: lagP99,
      engine_utilization: engineUtilization,
      bottleneck,
      warnings,
      status_codes: { ...t.run.status },
      errors: { ...t.run.errors },
      requests: t.requestStats(),
      ...(this.spec.scenario ? { scenario: this.spec.scenario } : {}),
    };
    return s;
  }
}
