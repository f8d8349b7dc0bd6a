import type { Tracer } from '@opentelemetry/api';
import { buildProfile } from '../profiles/registry.js';
import { Schedule } from './scheduler.js';
import { Sender } from './sender.js';
import type { ErrorClass } from '../api/wire.js';
import { newWindow, recordMs, resetWindow, type WindowStats } from './stats.js';
import type { PreparedTarget } from './target.js';

/** Everything a shard needs, as plain data (it may run in a worker thread). */
export interface ShardOptions {
  target: PreparedTarget;
  profile: { id: string; rate: number; duration: number; options: Record<string, unknown>; seed: number };
  timeoutMs: number;
  /** In-flight cap of this shard. */
  maxInFlight: number;
  /** This shard sends requests offset, offset + stride, … of the schedule. */
  offset: number;
  stride: number;
  /** t = 0 of the schedule as a wall-clock epoch in ms (performance.timeOrigin + performance.now()). */
  startEpochMs: number;
  userAgent: string;
  traceRatio: number;
  token?: string | undefined;
}

export interface ShardEvents {
  /** A closed window, in index order without gaps. The object is reused after the call returns. */
  window(w: WindowStats): void;
  /** A response was 401 for a request sent with `token`. */
  unauthorized(token: string | undefined): void;
  /** The shard is done: schedule over and in-flight drained (or given up), or stopped. */
  end(): void;
}

const MAX_PER_TICK = 20_000;
/** Connections per shard and target. */
export const MAX_CONNECTIONS = 1024;

/**
 * The attacker loop of one thread: it owns time and I/O. Each tick sends every request whose
 * intended time has come (or counts it dropped at the in-flight cap), then closes the windows
 * that are over. Memory is a few open windows and counters: nothing per request is kept.
 */
export class Shard {
  private readonly schedule: Schedule;
  private readonly sender: Sender;
  private readonly duration: number;
  private readonly origin: number;
  private token: string | undefined;
  private nextT: number | undefined;
  private readonly open = new Map<number, WindowStats>();
  private readonly spare: WindowStats[] = [];
  private closedBefore = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private ended = false;

  constructor(
    private readonly opts: ShardOptions,
    private readonly events: ShardEvents,
    tracer?: Tracer,
  ) {
    const { curve } = buildProfile({ profile: opts.profile.id, rate: opts.profile.rate, duration: opts.profile.duration, options: opts.profile.options, seed: opts.profile.seed });
    this.duration = opts.profile.duration;
    this.schedule = new Schedule(curve, this.duration, opts.offset, opts.stride);
    this.origin = opts.startEpochMs - performance.timeOrigin;
    this.token = opts.token;
    this.sender = new Sender(opts.target, {
      timeoutMs: opts.timeoutMs,
      // Opened on demand (see BUSY_UTILIZATION) up to the in-flight cap, but at most MAX_CONNECTIONS.
      // Requests beyond it wait in the sender; their latency still counts from the intended send time.
      connections: Math.min(opts.maxInFlight, MAX_CONNECTIONS),
      userAgent: opts.userAgent,
      traceRatio: opts.traceRatio,
      tracer,
      now: () => this.nowMs(),
      done: this.complete,
    });
  }

  get inFlight(): number {
    return this.sender.inFlight;
  }

  setToken(token: string | undefined): void {
    this.token = token;
  }

  start(): void {
    this.nextT = this.schedule.next();
    this.tick();
  }

  /** Stops sending now: closes the open windows (the last one partial), drops connections, ends. */
  stop(): void {
    if (this.ended) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.finish(this.nowMs() / 1000, true);
  }

  private nowMs(): number {
    return performance.now() - this.origin;
  }

  private windowAt(index: number): WindowStats {
    const i = index < this.closedBefore ? this.closedBefore : index;
    let w = this.open.get(i);
    if (!w) {
      const s = this.spare.pop();
      w = s ? resetWindow(s, i) : newWindow(i);
      this.open.set(i, w);
    }
    return w;
  }

  private readonly complete = (status: number, error: ErrorClass | undefined, sentAtMs: number, tokenUsed: string | undefined, intendedMs: number): void => {
    if (this.stopped) return;
    const now = this.nowMs();
    const w = this.windowAt(Math.floor(now / 1000));
    if (error) {
      w.failed++;
      w.errors[error]++;
    } else {
      if (status >= 200 && status < 400) w.ok++;
      else w.failed++;
      const code = String(status);
      w.status[code] = (w.status[code] ?? 0) + 1;
      if (status === 401) this.events.unauthorized(tokenUsed);
    }
    const latency = now - intendedMs;
    const service = now - sentAtMs;
    recordMs(w.latency, latency);
    recordMs(w.service, service);
    w.promLatency.observe(latency / 1000);
    w.promService.observe(service / 1000);
    if (this.ended) return;
    // A drained shard ends without waiting for the next tick.
    if (this.nextT === undefined && this.sender.inFlight === 0 && now >= this.duration * 1000) this.finish(now / 1000, false);
  };

  private readonly tick = (): void => {
    this.timer = undefined;
    if (this.stopped || this.ended) return;
    const nowMs = this.nowMs();
    const now = nowMs / 1000;
    let n = 0;
    while (this.nextT !== undefined && this.nextT <= now && n < MAX_PER_TICK) {
      const t = this.nextT;
      const w = this.windowAt(Math.floor(t));
      if (this.sender.inFlight >= this.opts.maxInFlight) {
        w.dropped++;
      } else {
        w.sent++;
        const lagMs = nowMs - t * 1000;
        recordMs(w.lag, lagMs);
        w.promLag.observe(lagMs / 1000);
        this.sender.send(this.token, t * 1000);
      }
      n++;
      this.nextT = this.schedule.next();
    }
    this.closeUpTo(now);
    if (this.nextT === undefined && now >= this.duration) {
      const giveUp = this.duration + this.opts.timeoutMs / 1000 + 2;
      if (this.sender.inFlight === 0 || now > giveUp) {
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
    w.inFlight = this.sender.inFlight;
    this.open.delete(index);
    this.closedBefore = index + 1;
    this.events.window(w);
    if (this.spare.length < 4) this.spare.push(w);
  }

  private finish(now: number, stopped: boolean): void {
    if (this.ended) return;
    this.closeUpTo(now);
    // The current window, partial: always on stop, otherwise only when something happened in it.
    const cur = this.open.get(this.closedBefore);
    const busy = cur && cur.sent + cur.dropped + cur.ok + cur.failed > 0;
    if (stopped ? now > this.closedBefore || busy : busy || this.closedBefore < Math.ceil(this.duration - 1e-9)) {
      this.emit(this.closedBefore, Math.max(0, Math.min(1, now - this.closedBefore)));
    }
    this.ended = true;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (stopped || this.sender.inFlight > 0) void this.sender.destroy();
    else void this.sender.close();
    this.events.end();
  }
}
