import type { Tracer } from '@opentelemetry/api';
import type { PreparedRequest } from '../contract/requests.js';
import { buildProfile } from '../profiles/registry.js';
import { MixPicker } from './mix.js';
import { CapturePool } from './pools.js';
import { Arrival, RequestRuntime, valueAt } from './render.js';
import { Schedule } from './scheduler.js';
import { MIN_CONNECTIONS, Sender, type Completed } from './sender.js';
import { foldRequests, newWindow, recordMs, resetWindow, windowActive, type RequestWindow, type WindowStats } from './stats.js';

/** Everything a shard needs, as plain data (it may run in a worker thread). */
export interface ShardOptions {
  requests: PreparedRequest[];
  profile: { id: string; rate: number; duration: number; options: Record<string, unknown>; seed: number };
  timeoutMs: number;
  /** In-flight cap of this shard. */
  maxInFlight: number;
  /** Connections per origin at most (MAX_CONNECTIONS by default). */
  connections?: number;
  /** This shard sends requests offset, offset + stride, … of the schedule. */
  offset: number;
  stride: number;
  /** t = 0 of the schedule as a wall-clock epoch in ms (performance.timeOrigin + performance.now()); start() may set it. */
  startEpochMs: number;
  userAgent: string;
  traceRatio: number;
  token?: string | undefined;
}

export interface ShardEvents {
  /**
   * A closed window (folded), in index order without gaps. It is lent: hand it back with
   * `Shard.recycle` once read (the shard then reuses it), or keep it.
   */
  window(w: WindowStats): void;
  /** A response was 401 for a request sent with `token`. */
  unauthorized(token: string | undefined): void;
  /** The shard is done: schedule over and in-flight drained (or given up), or stopped. */
  end(): void;
}

const MAX_PER_TICK = 20_000;
/**
 * How late an arrival may be before a completion sends it instead of waiting for the timer. The
 * timer sends in batches (one wake-up of this thread and of the target per tick), but libuv's clock
 * counts whole milliseconds, so it fires up to 2 ms late even on an idle thread; at 10 000 rps that
 * lateness was most of the p99 (measured in bench/). Completions arrive between ticks at high rates,
 * so an overdue arrival leaves with the next one, while on time the batches stay the timer's.
 */
const OVERDUE_MS = 1;
/** Connections per shard and origin. */
export const MAX_CONNECTIONS = 1024;
/**
 * Connections opened before the schedule starts, per shard and origin: this many seconds of the
 * peak rate it sends there (a fast target turns a request around within a tick or two of the
 * scheduler), at least 1 and at most MIN_CONNECTIONS. A run's first second then does not wait on
 * handshakes: at 20 000 rps a cold start queued requests for 150 ms and more (measured in bench/).
 */
export const PRECONNECT_SECONDS = 0.004;
/** How long the start waits for those connections. */
export const PRECONNECT_WAIT_MS = 1000;

/**
 * The attacker loop of one thread: it owns time and I/O. Each tick takes every arrival whose
 * intended time has come, draws its request from the mix (a function of the seed and the
 * arrival's index k), and sends it (or counts it dropped at the in-flight cap), then closes the
 * windows that are over. Memory is a few open windows, counters and the capture pools (bounded):
 * nothing per request is kept. The pools belong to this shard: with worker threads each thread
 * captures and uses its own values.
 */
export class Shard {
  private readonly schedule: Schedule;
  private readonly senders: Sender[];
  private readonly requests: RequestRuntime[];
  private readonly senderOf: Sender[];
  private readonly pools: CapturePool[];
  private readonly mix: MixPicker;
  private readonly arrival: Arrival;
  private readonly duration: number;
  private readonly peak: number;
  /** Per sender, the share of the mix's weight its requests carry. */
  private readonly weightOf: number[];
  private origin: number;
  private token: string | undefined;
  private nextT: number | undefined;
  /** Index k of the next arrival in the run's schedule. */
  private k: number;
  private inFlightCount = 0;
  private readonly open = new Map<number, WindowStats>();
  private readonly spare: WindowStats[] = [];
  private closedBefore = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The event loop's counters at the last closed window (its utilization goes into each window). */
  private loop = performance.eventLoopUtilization();
  private started = false;
  private stopped = false;
  private ended = false;

  constructor(
    private readonly opts: ShardOptions,
    private readonly events: ShardEvents,
    tracer?: Tracer,
  ) {
    const { curve } = buildProfile({ profile: opts.profile.id, rate: opts.profile.rate, duration: opts.profile.duration, options: opts.profile.options, seed: opts.profile.seed });
    this.duration = opts.profile.duration;
    this.peak = curve.peak;
    this.schedule = new Schedule(curve, this.duration, opts.offset, opts.stride);
    this.k = opts.offset;
    this.origin = opts.startEpochMs - performance.timeOrigin;
    this.token = opts.token;
    const names = [...new Set(opts.requests.flatMap((r) => [...r.capture.map((c) => c.name), ...r.needs.map((n) => n.name)]))];
    this.pools = names.map(() => new CapturePool());
    const pool = (name: string) => names.indexOf(name);
    this.requests = opts.requests.map((r, i) => new RequestRuntime(i, r, opts.userAgent, pool));
    this.arrival = new Arrival(opts.profile.seed, this.pools);
    this.mix = new MixPicker(this.requests.map((r, i) => ({ weight: opts.requests[i]?.weight ?? 1, needs: r.needs, canRun: (p: CapturePool[]) => r.canRun(p) })), this.pools, opts.profile.seed);
    const byOrigin = new Map<string, Sender>();
    for (const r of this.requests) {
      if (byOrigin.has(r.origin)) continue;
      byOrigin.set(
        r.origin,
        new Sender(r.origin, {
          timeoutMs: opts.timeoutMs,
          // Opened on demand (see BUSY_UTILIZATION) up to the in-flight cap, but at most MAX_CONNECTIONS.
          // Requests beyond it wait in the sender; their latency still counts from the intended send time.
          connections: Math.min(opts.maxInFlight, opts.connections ?? MAX_CONNECTIONS),
          userAgent: opts.userAgent,
          traceRatio: opts.traceRatio,
          tracer,
          now: () => this.nowMs(),
          done: this.complete,
        }),
      );
    }
    this.senders = [...byOrigin.values()];
    this.senderOf = this.requests.map((r) => byOrigin.get(r.origin) as Sender);
    const total = opts.requests.reduce((sum, r) => sum + r.weight, 0);
    this.weightOf = this.senders.map((sender) => opts.requests.reduce((sum, r, i) => sum + (this.senderOf[i] === sender ? r.weight : 0), 0) / (total || 1));
  }

  /** Opens the connections the first second will need (see PRECONNECT_SECONDS), before start. */
  async prepare(): Promise<void> {
    const perShard = this.peakPerThread;
    await Promise.all(
      this.senders.map((sender, i) => {
        const n = Math.ceil(perShard * (this.weightOf[i] ?? 1) * PRECONNECT_SECONDS);
        return sender.preconnect(Math.max(1, Math.min(n, MIN_CONNECTIONS, this.opts.maxInFlight, this.opts.connections ?? MAX_CONNECTIONS)), PRECONNECT_WAIT_MS);
      }),
    );
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  /** The highest rate this shard sends (its share of the profile's peak). */
  get peakPerThread(): number {
    return this.peak / this.opts.stride;
  }

  setToken(token: string | undefined): void {
    this.token = token;
  }

  /** Starts the schedule, with t = 0 at `startEpochMs` (the options' by default). */
  start(startEpochMs = this.opts.startEpochMs): void {
    if (this.stopped) return;
    this.origin = startEpochMs - performance.timeOrigin;
    this.started = true;
    this.loop = performance.eventLoopUtilization();
    this.nextT = this.schedule.next();
    this.tick();
  }

  /** Stops sending now: closes the open windows (the last one partial), drops connections, ends. */
  stop(): void {
    if (this.ended) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.started) this.finish(this.nowMs() / 1000, true);
    else {
      // Stopped while preparing: nothing was sent, so there is no window to report.
      this.ended = true;
      for (const s of this.senders) void s.destroy();
      this.events.end();
    }
  }

  private nowMs(): number {
    return performance.now() - this.origin;
  }

  private windowAt(index: number): WindowStats {
    const i = index < this.closedBefore ? this.closedBefore : index;
    let w = this.open.get(i);
    if (!w) {
      const s = this.spare.pop();
      w = s ? resetWindow(s, i) : newWindow(i, this.requests.length);
      this.open.set(i, w);
    }
    return w;
  }

  private readonly complete = (c: Completed): void => {
    this.inFlightCount--;
    if (this.stopped) return;
    const now = this.nowMs();
    const w = this.windowAt(Math.floor(now / 1000));
    const r = w.requests[c.request.index] as RequestWindow;
    const { status, error } = c;
    if (error) {
      r.failed++;
      r.errors[error]++;
    } else {
      if (status >= 200 && status < 400) r.ok++;
      else r.failed++;
      const code = String(status);
      r.status[code] = (r.status[code] ?? 0) + 1;
      if (status === 401) this.events.unauthorized(c.token);
      if (status < 300 && c.request.capture.length) this.capture(c);
    }
    const latency = now - c.intendedMs;
    // Service latency starts at the write; a request never written (refused, timed out waiting for a
    // connection) counts from when it was taken from the schedule.
    const { sentMs, firstByteMs } = c;
    const service = now - (sentMs || c.queuedMs);
    recordMs(r.latency, latency);
    recordMs(w.service, service);
    if (sentMs) {
      recordMs(r.intendedToSent, sentMs - c.intendedMs);
      if (firstByteMs) {
        recordMs(r.sentToFirstByte, firstByteMs - sentMs);
        recordMs(r.firstByteToDone, now - firstByteMs);
      }
    }
    r.promLatency.observe(latency / 1000);
    r.promService.observe(service / 1000);
    if (this.ended) return;
    // A drained shard ends without waiting for the next tick.
    if (this.nextT === undefined && this.inFlightCount === 0 && now >= this.duration * 1000) this.finish(now / 1000, false);
    // The timer is late (see OVERDUE_MS): what is due goes out now.
    else if (this.nextT !== undefined && now - this.nextT * 1000 >= OVERDUE_MS) this.sendDue(now);
  };

  /** Stores the captured values of a 2xx JSON response in the pools (a body that is not JSON captures nothing). */
  private capture(c: Completed): void {
    const body = c.responseText();
    if (!body) return;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return;
    }
    for (const spec of c.request.capture) {
      const v = valueAt(json, spec.path);
      if (v !== undefined) this.pools[spec.pool]?.add(v);
    }
  }

  private send(i: number, intendedMs: number): void {
    const r = this.requests[i] as RequestRuntime;
    const a = this.arrival.at(this.k);
    const token = this.token;
    const path = r.path(a);
    const headers = r.expandHeaders(a, token !== undefined && r.takesToken);
    const body = r.body(a);
    this.inFlightCount++;
    (this.senderOf[i] as Sender).send(r, path, body, headers, token, intendedMs);
  }

  /**
   * Sends (or drops, at the in-flight cap) every arrival due by `nowMs`, at most MAX_PER_TICK;
   * returns how many it took. The timer calls it (its floor here is 1.1 ms), and a completion only
   * once the next arrival is OVERDUE_MS late: sending each due request from the completion that
   * finds it due halved the median intended → sent at 10 000 rps but cost 40 % more CPU per
   * request, the target and this thread each woken per request instead of once per tick's batch;
   * sending only the overdue ones took the intended → sent p99 from 2.7 to 2.2 ms (medians of 6
   * runs of 10 s, alternated) at the same CPU per request (measured in bench/).
   */
  private sendDue(nowMs: number): number {
    const now = nowMs / 1000;
    let n = 0;
    while (this.nextT !== undefined && this.nextT <= now && n < MAX_PER_TICK) {
      const t = this.nextT;
      const w = this.windowAt(Math.floor(t));
      const i = this.mix.pick(this.k);
      if (this.mix.redrawn) w.redrawn++;
      const r = w.requests[i] as RequestWindow;
      if (this.inFlightCount >= this.opts.maxInFlight) {
        r.dropped++;
      } else {
        r.sent++;
        const lagMs = nowMs - t * 1000;
        recordMs(w.lag, lagMs);
        w.promLag.observe(lagMs / 1000);
        this.send(i, t * 1000);
      }
      n++;
      this.k += this.opts.stride;
      this.nextT = this.schedule.next();
    }
    return n;
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    if (this.stopped || this.ended) return;
    const nowMs = this.nowMs();
    const now = nowMs / 1000;
    const n = this.sendDue(nowMs);
    this.closeUpTo(now);
    if (this.nextT === undefined && now >= this.duration) {
      const giveUp = this.duration + this.opts.timeoutMs / 1000 + 2;
      if (this.inFlightCount === 0 || now > giveUp) {
        this.finish(now, false);
        return;
      }
    }
    let delayMs = 100;
    if (n >= MAX_PER_TICK) delayMs = 0;
    else if (this.nextT !== undefined) delayMs = Math.min(delayMs, this.nextT * 1000 - nowMs);
    else if (now < this.duration) delayMs = Math.min(delayMs, this.duration * 1000 - nowMs);
    delayMs = Math.min(delayMs, (Math.floor(now) + 1) * 1000 - nowMs + 1);
    if (delayMs < 1) {
      this.timer = setTimeout(this.tick, 0);
    } else {
      this.timer = setTimeout(this.tick, Math.floor(delayMs));
    }
  };

  /** Emits every window that ended at or before `now`. */
  private closeUpTo(now: number): void {
    while (this.closedBefore + 1 <= now) this.emit(this.closedBefore, 1);
  }

  private emit(index: number, length: number): void {
    const w = this.windowAt(index);
    w.length = length;
    w.inFlight = this.inFlightCount;
    const loop = performance.eventLoopUtilization();
    const d = performance.eventLoopUtilization(loop, this.loop);
    this.loop = loop;
    w.loopActiveMs = d.active;
    w.loopMs = d.active + d.idle;
    foldRequests(w);
    this.open.delete(index);
    this.closedBefore = index + 1;
    this.events.window(w);
  }

  /** A window `events.window` lent, read and no longer needed: reused for a later second. */
  recycle(w: WindowStats): void {
    if (this.spare.length < 4) this.spare.push(w);
  }

  private finish(now: number, stopped: boolean): void {
    if (this.ended) return;
    this.closeUpTo(now);
    // The current window, partial: always on stop, otherwise only when something happened in it.
    const cur = this.open.get(this.closedBefore);
    const busy = cur !== undefined && windowActive(cur);
    if (stopped ? now > this.closedBefore || busy : busy || this.closedBefore < Math.ceil(this.duration - 1e-9)) {
      this.emit(this.closedBefore, Math.max(0, Math.min(1, now - this.closedBefore)));
    }
    this.ended = true;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.senders) {
      if (stopped || s.inFlight > 0) void s.destroy();
      else void s.close();
    }
    this.events.end();
  }
}
