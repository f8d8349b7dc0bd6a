import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Tracer } from '@opentelemetry/api';
import { ERROR_CLASSES, type AuthInput, type Percentiles, type RunState, type RunSummary, type SeriesPoint } from '../api/wire.js';
import type { RateCurve } from '../profiles/types.js';
import { TokenHelper } from './auth.js';
import { Shard, type ShardOptions } from './shard.js';
import { emptyErrors, fromWire, mergeWindow, newHistogram, newWindow, pctMs, type WindowStats, type WireWindow } from './stats.js';
import type { PreparedTarget } from './target.js';

export interface RunSpec {
  id: string;
  target: PreparedTarget;
  profile: { id: string; rate: number; duration: number; options: Record<string, unknown>; seed: number };
  curve: RateCurve;
  timeoutMs: number;
  maxInFlight: number;
  auth?: AuthInput | undefined;
  scenario?: string | undefined;
  traceRatio: number;
  userAgent: string;
  /** Shards (threads); "auto" uses worker threads when one core is not enough for the peak rate. */
  threads?: number | 'auto';
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

/** Peak rate one thread holds comfortably; above it the run uses worker threads, if there are cores to spare. */
export const RPS_PER_THREAD = 15000;

/**
 * How long a stop waits for a thread's `end` before terminating it: a thread flushes its spans
 * first, for at most FLUSH_TIMEOUT_MS (engine/worker.ts); locally that takes milliseconds.
 */
const FLUSH_WAIT_MS = 3000;

interface ShardHandle {
  /** Starts sending with t = 0 at `epoch` (performance.timeOrigin-based ms). */
  begin(epoch: number): void;
  stop(): Promise<void>;
  setToken(token: string | undefined): void;
  readonly inFlight: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function percentiles(h: ReturnType<typeof newHistogram>): Percentiles {
  return { p50: pctMs(h, 50), p90: pctMs(h, 90), p95: pctMs(h, 95), p99: pctMs(h, 99), p999: pctMs(h, 99.9), max: h.totalCount ? Math.round(h.maxValue) / 1000 : 0 };
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
  private readonly totals = { sent: 0, ok: 0, failed: 0, dropped: 0, status: {} as Record<string, number>, errors: emptyErrors() };
  private readonly latency = newHistogram();
  private readonly service = newHistogram();
  private readonly lag = newHistogram();
  /** Sent in the last merged second (loadgen_rps_current). */
  lastSecondSent = 0;
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
  }

  get id(): string {
    return this.spec.id;
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
    // One core stays for this thread (merging, API) and the rest of the machine: on 2 cores, worker
    // threads only compete with each other and with a local target (measured in bench/), so one thread it is.
    const cores = availableParallelism();
    return Math.max(1, Math.min(cores - 1, Math.ceil(this.spec.curve.peak / RPS_PER_THREAD)));
  }

  private async startShards(): Promise<void> {
    const n = this.threadCount();
    const base = {
      target: this.spec.target,
      profile: this.spec.profile,
      timeoutMs: this.spec.timeoutMs,
      maxInFlight: Math.max(1, Math.ceil(this.spec.maxInFlight / n)),
      stride: n,
      userAgent: this.spec.userAgent,
      traceRatio: this.spec.traceRatio,
      token: this.tokenHelper?.token,
    };
    const handles: ShardHandle[] = [];
    const starters: Array<Promise<void>> = [];
    for (let i = 0; i < n; i++) {
      this.reported[i] = -1;
      this.shardEnded[i] = false;
      const events = {
        window: (w: WindowStats) => this.onWindow(i, w),
        unauthorized: (token: string | undefined) => this.tokenHelper?.unauthorized(token),
        end: () => this.onShardEnd(i),
      };
      if (n === 1) {
        handles.push(this.localShard(i, base, events));
      } else {
        const { handle, ready } = this.workerShard(i, base, events);
        handles.push(handle);
        starters.push(ready);
      }
    }
    this.shards = handles;
    await Promise.all(starters);
    if (this.state !== 'running') {
      await Promise.all(handles.map((h) => h.stop()));
      return;
    }
    // t = 0 a little ahead, so every shard starts on the same schedule.
    this.startEpoch = performance.timeOrigin + performance.now() + (n > 1 ? 20 : 0);
    this.startedAt = new Date(Date.now() + (n > 1 ? 20 : 0));
    for (const h of handles) h.begin(this.startEpoch);
  }

  private localShard(i: number, base: Omit<ShardOptions, 'offset' | 'startEpochMs'>, events: { window(w: WindowStats): void; unauthorized(t: string | undefined): void; end(): void }): ShardHandle {
    let shard: Shard | undefined;
    return {
      begin: (epoch: number) => {
        shard = new Shard({ ...base, offset: i, startEpochMs: epoch }, events, this.deps.tracer);
        shard.start();
      },
      stop: async () => shard?.stop(),
      setToken: (t) => shard?.setToken(t),
      get inFlight() {
        return shard?.inFlight ?? 0;
      },
    };
  }

  private workerShard(i: number, base: Omit<ShardOptions, 'offset' | 'startEpochMs'>, events: { window(w: WindowStats): void; unauthorized(t: string | undefined): void; end(): void }): { handle: ShardHandle; ready: Promise<void> } {
    const fromSource = import.meta.url.endsWith('.ts');
    const file = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
    let inFlight = 0;
    let ended = false;
    let endedResolve: () => void = () => {};
    const endedP = new Promise<void>((r) => (endedResolve = r));
    let worker: Worker | undefined = undefined;
    let readyResolve: () => void = () => {};
    let readyReject: (e: Error) => void = () => {};
    const ready = new Promise<void>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    const finish = () => {
      if (ended) return;
      ended = true;
      endedResolve();
      events.end();
      void worker?.terminate();
    };
    const workerData = { ...base, offset: i, startEpochMs: 0, tracing: Boolean(this.deps.tracingExported) };
    // Run from TypeScript sources (tests): a tiny bootstrap registers tsx in the thread first.
    const entry = fromSource
      ? new URL(`data:text/javascript,${encodeURIComponent(`const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); await import(${JSON.stringify(file.href)});`)}`)
      : file;
    worker = new Worker(entry, { workerData });
    worker.on('message', (m: { type: string; window?: WireWindow; token?: string }) => {
      if (m.type === 'ready') readyResolve();
      else if (m.type === 'window' && m.window) {
        inFlight = m.window.inFlight;
        events.window(fromWire(m.window));
      } else if (m.type === 'unauthorized') events.unauthorized(m.token);
      else if (m.type === 'end') finish();
    });
    worker.on('error', (err) => {
      readyReject(err);
      if (!ended) this.fail(new Error(`engine thread failed: ${err.message}`));
      finish();
    });
    worker.on('exit', () => {
      readyReject(new Error('engine thread exited before it was ready'));
      finish();
    });
    const handle = {
      begin: (epoch: number) => worker?.postMessage({ type: 'start', epoch }),
      stop: async () => {
        if (ended) return;
        worker?.postMessage({ type: 'stop' });
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([endedP, new Promise((r) => (timer = setTimeout(r, FLUSH_WAIT_MS)))]);
        clearTimeout(timer);
        finish();
      },
      setToken: (t: string | undefined) => worker?.postMessage({ type: 'token', token: t }),
      get inFlight() {
        return ended ? 0 : inFlight;
      },
    };
    return { handle, ready };
  }

  private onWindow(shard: number, w: WindowStats): void {
    if (this.doneSettled) return;
    this.reported[shard] = w.index;
    const entry = this.pending.get(w.index);
    if (entry) mergeWindow(entry.w, w);
    else {
      const copy = newWindow(w.index);
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
    const T = this.spec.profile.duration;
    const c = this.spec.curve;
    const a = Math.min(w.index, T);
    const b = Math.min(w.index + 1, T);
    const expected = b > a ? c.integral(b) - c.integral(a) : 0;
    this.totals.sent += w.sent;
    this.totals.ok += w.ok;
    this.totals.failed += w.failed;
    this.totals.dropped += w.dropped;
    for (const [code, n] of Object.entries(w.status)) this.totals.status[code] = (this.totals.status[code] ?? 0) + n;
    for (const e of ERROR_CLASSES) this.totals.errors[e] += w.errors[e];
    this.latency.add(w.latency);
    this.service.add(w.service);
    this.lag.add(w.lag);
    this.lastSecondSent = w.sent;
    const point: SeriesPoint = {
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
    };
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
      target: { method: this.spec.target.method, url: this.spec.target.url },
      target_rate: this.spec.profile.rate,
      sent: this.totals.sent,
      ok: this.totals.ok,
      failed: this.totals.failed,
      dropped: this.totals.dropped,
      achieved_rps: covered > 0 ? round3(this.totals.sent / covered) : 0,
      in_flight: this.doneSettled ? this.finalInFlight : this.inFlightLive(),
      latency: percentiles(this.latency),
      service_latency: percentiles(this.service),
      lag_p99_ms: pctMs(this.lag, 99),
      status_codes: { ...this.totals.status },
      errors: { ...this.totals.errors },
      ...(this.spec.scenario ? { scenario: this.spec.scenario } : {}),
    };
    return s;
  }
}
