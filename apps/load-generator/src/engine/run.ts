import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import type { Tracer } from '@opentelemetry/api';
import type { PreparedRequest } from '../contract/requests.js';
import type { AuthInput, RunState, RunSummary, Segment, SeriesPoint } from '../contract/schemas.js';
import type { RateCurve } from '../profiles/types.js';
import { TokenHelper } from './auth.js';
import { RunTotals, summarize } from './run-totals.js';
import { shardStrides } from './scheduler.js';
import { localShard, workerShard, type ShardBase, type ShardHandle, type ShardHandleEvents } from './shard-handles.js';
import type { WindowStats, WireWindow } from './stats.js';
import { WindowEncoder } from './window-encoder.js';
import { WindowMerger } from './window-merger.js';

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
  /** This instance's share of a run split across instances: arrivals k ≡ index (mod count). */
  segment?: Segment | undefined;
  /** t = 0 as epoch ms (Date.now's clock), common to every share; undefined = as soon as the run is ready. */
  startAt?: number | undefined;
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
 * Peak rate per engine thread. A thread costs 17–35 µs of CPU per request (its HTTP/1.1 connections, the kernel's
 * socket calls, our statistics), so at 12 000 rps it is 40–50 % busy: enough slack that a stall
 * (GC, the VM taking the CPU) is caught up within milliseconds. Above it a run is split over
 * worker threads, up to one per core (README, "Threads").
 */
export const RPS_PER_THREAD = 12_000;

/**
 * Engine threads for a peak rate: one per RPS_PER_THREAD, at most one per core. This thread
 * (merging once a second, the API) needs little, so it gets no core of its own: on 2 cores with a
 * local target, two engine threads at 20 000 rps kept p99 at 2–4 ms where one thread, 60 % busy,
 * let stalls pile up to 20 ms and more (measured in bench/; README, "Threads").
 */
export function autoThreads(peak: number, cores: number): number {
  return Math.max(1, Math.min(cores, Math.ceil(peak / RPS_PER_THREAD)));
}

/**
 * One run: starts its shards (in this thread or in worker threads), merges their windows second
 * by second into the series, the totals and the observers, and emits `progress` ({summary, point})
 * per second and `done` (summary) at the end. The merged windows are kept in wire form (`windows`)
 * so a coordinator can merge several instances' shares of a split run exactly.
 */
export class Run extends EventEmitter {
  state: RunState = 'running';
  error: string | undefined;
  readonly createdAt = new Date();
  startedAt: Date | undefined;
  finishedAt: Date | undefined;
  readonly points: SeriesPoint[] = [];
  /** Every merged second, as plain data (GET /api/runs/:id/windows). */
  readonly windows: WireWindow[] = [];
  tokenHelper: TokenHelper | undefined;
  private startEpoch = 0;
  private endEpoch = 0;
  private shards: ShardHandle[] = [];
  private merger = new WindowMerger(0);
  private readonly totals: RunTotals;
  private finalInFlight = 0;
  private readonly encoder = new WindowEncoder((wire, w) => {
    this.windows.push(wire);
    this.merger.recycle(w);
  });
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
    this.totals = new RunTotals({ requests: spec.requests, curve: spec.curve, duration: spec.profile.duration, share: 1 / this.segment.count });
  }

  /** The share of the arrivals this instance sends (the whole run unless it is split). */
  get segment(): Segment {
    return this.spec.segment ?? { index: 0, count: 1 };
  }

  /** The run is over and every window is merged: nothing more will come. */
  get settled(): boolean {
    return this.doneSettled;
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

  /** This instance's part of r(t) now, for loadgen_target_rps (0 before t = 0). */
  currentTargetRate(): number {
    if (!this.active || !this.startEpoch) return 0;
    const t = (performance.timeOrigin + performance.now() - this.startEpoch) / 1000;
    return t >= 0 && t < this.spec.profile.duration ? this.spec.curve.rate(t) / this.segment.count : 0;
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
    // A share of a split run sends 1/count of the arrivals.
    return autoThreads(this.spec.curve.peak / this.segment.count, availableParallelism());
  }

  private async startShards(): Promise<void> {
    const n = this.threadCount();
    const strides = shardStrides(this.segment, n);
    const base: ShardBase = {
      requests: this.spec.requests,
      profile: this.spec.profile,
      timeoutMs: this.spec.timeoutMs,
      maxInFlight: Math.max(1, Math.ceil(this.spec.maxInFlight / n)),
      ...(this.spec.connections ? { connections: this.spec.connections } : {}),
      stride: (strides[0] as { stride: number }).stride,
      userAgent: this.spec.userAgent,
      traceRatio: this.spec.traceRatio,
      token: this.tokenHelper?.token,
    };
    this.merger = new WindowMerger(n);
    const handles: ShardHandle[] = [];
    for (let i = 0; i < n; i++) {
      const offset = (strides[i] as { offset: number }).offset;
      const events: ShardHandleEvents = {
        window: (w: WindowStats) => this.onWindow(i, w),
        unauthorized: (token: string | undefined) => this.tokenHelper?.unauthorized(token),
        end: () => this.onShardEnd(i),
        failed: (err: Error) => this.fail(err),
      };
      handles.push(n === 1 ? localShard(offset, base, events, this.deps.tracer) : workerShard(offset, base, events, Boolean(this.deps.tracingExported)));
    }
    this.shards = handles;
    await Promise.all(handles.map((h) => h.ready));
    if (this.state !== 'running') {
      await Promise.all(handles.map((h) => h.stop()));
      return;
    }
    // t = 0: the common start of a split run (Date.now's clock, moved to this process's
    // performance clock, which the shards keep time with), else a little ahead, so every shard
    // starts on the same schedule. A shard does nothing before its t = 0.
    const nowPerf = performance.timeOrigin + performance.now();
    const lead = this.spec.startAt !== undefined ? this.spec.startAt - Date.now() : n > 1 ? 20 : 0;
    this.startEpoch = nowPerf + lead;
    this.startedAt = new Date(this.spec.startAt ?? Date.now() + lead);
    for (const h of handles) h.begin(this.startEpoch);
  }

  private onWindow(shard: number, w: WindowStats): void {
    if (this.doneSettled) return;
    this.merger.add(shard, w);
    this.flush(false);
  }

  private onShardEnd(shard: number): void {
    this.merger.end(shard);
    this.flush(false);
    if (this.merger.allEnded) this.complete();
  }

  /** Adds every window all shards have reported (all pending ones when `all`). */
  private flush(all: boolean): void {
    for (const w of this.merger.drain(all)) this.addWindow(w);
  }

  private addWindow(w: WindowStats): void {
    const point: SeriesPoint = this.totals.add(w);
    this.points.push(point);
    // Encoded for `windows` over the next turns of the loop (this thread also sends when the run
    // has one shard), then reused.
    this.encoder.add(w);
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
    // Settled means every window is in `windows` (a coordinator reads them up to `done`).
    this.encoder.flush();
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
    return summarize(this.totals, {
      id: this.id,
      state: this.state,
      error: this.error,
      startedAt: this.startedAt ?? new Date(this.spec.startAt ?? this.createdAt.getTime()),
      finishedAt: this.finishedAt,
      elapsed,
      // Totals come from merged seconds, so while running they are divided by the seconds merged so far.
      covered: this.doneSettled ? Math.min(elapsed, this.spec.profile.duration) : Math.min(this.points.length, this.spec.profile.duration),
      inFlight: this.doneSettled ? this.finalInFlight : this.inFlightLive(),
      profile: this.spec.profile,
      scenario: this.spec.scenario,
      segment: this.spec.segment,
      maxInFlight: this.spec.maxInFlight,
    });
  }
}
