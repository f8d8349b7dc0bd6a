import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ShardOptions } from './shard.js';
import type { WireWindow } from './stats.js';

/** What an engine thread tells the run it works for (engine/worker.ts). */
export type ThreadMessage =
  | { type: 'ready' }
  | { type: 'window'; window: WireWindow }
  | { type: 'unauthorized'; token?: string }
  | { type: 'end' };

/** What a run tells its thread. */
export type ThreadCommand = { type: 'run'; options: ShardOptions } | { type: 'start'; epoch: number } | { type: 'token'; token: string | undefined } | { type: 'stop' };

export interface ThreadListener {
  message(m: ThreadMessage): void;
  /** The thread failed or exited while it worked for this listener. */
  failed(err: Error): void;
}

/**
 * An engine thread (engine/worker.ts): runs one shard at a time, for one run, then waits for the
 * next. Its V8 keeps what it compiled, so the runs after the first start warm.
 */
export class EngineThread {
  private listener: ThreadListener | undefined;
  private dead = false;

  constructor(
    private readonly worker: Worker,
    private readonly onExit: (t: EngineThread) => void,
  ) {
    worker.on('message', (m: ThreadMessage) => this.listener?.message(m));
    worker.on('error', (err) => this.die(new Error(`engine thread failed: ${err.message}`)));
    worker.on('exit', () => this.die(new Error('engine thread exited')));
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Works for `listener` until released; keeps the process alive meanwhile. */
  attach(listener: ThreadListener): void {
    this.listener = listener;
    this.worker.ref();
  }

  /** Idle: does not keep the process alive. */
  detach(): void {
    this.listener = undefined;
    this.worker.unref();
  }

  post(c: ThreadCommand): void {
    if (!this.dead) this.worker.postMessage(c);
  }

  terminate(): Promise<void> {
    this.dead = true;
    this.listener = undefined;
    return this.worker.terminate().then(() => undefined);
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    const l = this.listener;
    this.listener = undefined;
    this.onExit(this);
    l?.failed(err);
  }
}

/**
 * Engine threads kept for the next run: starting a thread costs its modules and a cold V8 (its
 * first second of a fast run queued requests for tens to hundreds of ms, measured in bench/).
 * Process-wide, at most availableParallelism() idle ones, unref'd while idle (they never hold the
 * process open); `closeIdle` ends them (the app's close, the CLI's exit).
 */
class EngineThreadPool {
  private readonly idle = new Map<boolean, EngineThread[]>();

  /** An idle thread of this tracing mode, or a new one. */
  acquire(tracing: boolean): EngineThread {
    const list = this.idle.get(tracing) ?? [];
    for (let t = list.pop(); t; t = list.pop()) if (t.alive) return t;
    const fromSource = import.meta.url.endsWith('.ts');
    const file = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
    // Run from TypeScript sources (tests): a tiny bootstrap registers tsx in the thread first.
    const entry = fromSource
      ? new URL(`data:text/javascript,${encodeURIComponent(`const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); await import(${JSON.stringify(file.href)});`)}`)
      : file;
    return new EngineThread(new Worker(entry, { workerData: { tracing } }), (t) => this.forget(t));
  }

  /** Back to the pool after a run (or ended, when enough are idle already). */
  release(t: EngineThread, tracing: boolean): void {
    if (!t.alive) return;
    const list = this.idle.get(tracing) ?? [];
    this.idle.set(tracing, list);
    if (list.length >= availableParallelism()) {
      void t.terminate();
      return;
    }
    t.detach();
    list.push(t);
  }

  async closeIdle(): Promise<void> {
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(all.map((t) => t.terminate()));
  }

  private forget(t: EngineThread): void {
    for (const list of this.idle.values()) {
      const i = list.indexOf(t);
      if (i >= 0) list.splice(i, 1);
    }
  }
}

export const engineThreads = new EngineThreadPool();
