import type { Tracer } from '@opentelemetry/api';
import { Shard, type ShardOptions } from './shard.js';
import { prepareShard } from './warmup.js';
import { fromWire, type WindowStats } from './stats.js';
import { engineThreads } from './threads.js';

/** A shard as the run drives it, in this thread or in a worker thread. */
export interface ShardHandle {
  /** Resolves once the shard can start at once: its thread is up and its first connections are open (Shard.prepare). */
  readonly ready: Promise<void>;
  /** Starts sending with t = 0 at `epoch` (performance.timeOrigin-based ms). */
  begin(epoch: number): void;
  stop(): Promise<void>;
  setToken(token: string | undefined): void;
  readonly inFlight: number;
}

export interface ShardHandleEvents {
  window(w: WindowStats): void;
  unauthorized(token: string | undefined): void;
  end(): void;
  /** A worker thread failed. */
  failed(err: Error): void;
}

export type ShardBase = Omit<ShardOptions, 'offset' | 'startEpochMs'>;

/**
 * How long a stop waits for a thread's `end` before terminating it: a thread flushes its spans
 * first, for at most FLUSH_TIMEOUT_MS (engine/worker.ts); locally that takes milliseconds.
 */
const FLUSH_WAIT_MS = 3000;

/** The shard that sends arrivals `offset`, `offset + base.stride`, …, in this thread. */
export function localShard(offset: number, base: ShardBase, events: ShardHandleEvents, tracer: Tracer | undefined): ShardHandle {
  // The run reads a window as it arrives (and copies what it keeps): it can be reused at once.
  const shard: Shard = new Shard(
    { ...base, offset, startEpochMs: 0 },
    {
      window: (w) => {
        events.window(w);
        shard.recycle(w);
      },
      unauthorized: (token) => events.unauthorized(token),
      end: () => events.end(),
    },
    tracer,
  );
  return {
    ready: prepareShard(shard, base),
    begin: (epoch: number) => shard.start(epoch),
    stop: async () => shard.stop(),
    setToken: (t) => shard.setToken(t),
    get inFlight() {
      return shard.inFlight;
    },
  };
}

/** The shard of arrivals `offset`, `offset + base.stride`, … in an engine thread of the pool (engine/threads.ts). */
export function workerShard(offset: number, base: ShardBase, events: ShardHandleEvents, tracing: boolean): ShardHandle {
  const thread = engineThreads.acquire(tracing);
  let inFlight = 0;
  let ended = false;
  let endedResolve: () => void = () => {};
  const endedP = new Promise<void>((r) => (endedResolve = r));
  let readyResolve: () => void = () => {};
  let readyReject: (e: Error) => void = () => {};
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  // Settles once: `end` from the thread returns it to the pool; a failure or a stop that timed out ends it.
  const finish = (reuse: boolean) => {
    if (ended) return;
    ended = true;
    endedResolve();
    if (reuse) engineThreads.release(thread, tracing);
    else void thread.terminate();
    events.end();
  };
  thread.attach({
    message: (m) => {
      if (m.type === 'ready') readyResolve();
      else if (m.type === 'window') {
        inFlight = m.window.inFlight;
        events.window(fromWire(m.window));
      } else if (m.type === 'unauthorized') events.unauthorized(m.token);
      else if (m.type === 'end') finish(true);
    },
    failed: (err) => {
      readyReject(err);
      if (!ended) events.failed(err);
      finish(false);
    },
  });
  thread.post({ type: 'run', options: { ...base, offset, startEpochMs: 0 } });
  return {
    ready,
    begin: (epoch: number) => thread.post({ type: 'start', epoch }),
    stop: async () => {
      if (ended) return;
      thread.post({ type: 'stop' });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([endedP.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), FLUSH_WAIT_MS)))]);
      clearTimeout(timer);
      if (timedOut) finish(false);
    },
    setToken: (t: string | undefined) => thread.post({ type: 'token', token: t }),
    get inFlight() {
      return ended ? 0 : inFlight;
    },
  };
}
