import { Worker } from 'node:worker_threads';
import type { Tracer } from '@opentelemetry/api';
import { Shard, type ShardOptions } from './shard.js';
import { fromWire, type WindowStats, type WireWindow } from './stats.js';

/** A shard as the run drives it, in this thread or in a worker thread. */
export interface ShardHandle {
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
  let shard: Shard | undefined;
  return {
    begin: (epoch: number) => {
      shard = new Shard({ ...base, offset, startEpochMs: epoch }, events, tracer);
      shard.start();
    },
    stop: async () => shard?.stop(),
    setToken: (t) => shard?.setToken(t),
    get inFlight() {
      return shard?.inFlight ?? 0;
    },
  };
}

/** The shard of arrivals `offset`, `offset + base.stride`, … in a worker thread (engine/worker.ts); `ready` resolves once the thread can start. */
export function workerShard(offset: number, base: ShardBase, events: ShardHandleEvents, tracing: boolean): { handle: ShardHandle; ready: Promise<void> } {
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
  const workerData = { ...base, offset, startEpochMs: 0, tracing };
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
    if (!ended) events.failed(new Error(`engine thread failed: ${err.message}`));
    finish();
  });
  worker.on('exit', () => {
    readyReject(new Error('engine thread exited before it was ready'));
    finish();
  });
  const handle: ShardHandle = {
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
