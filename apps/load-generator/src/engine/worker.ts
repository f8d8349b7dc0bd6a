import { parentPort, workerData } from 'node:worker_threads';
import type { Tracing } from '@o11y/telemetry';
import { Shard } from './shard.js';
import type { WindowStats } from './stats.js';
import { WindowEncoder } from './window-encoder.js';
import type { ThreadCommand, ThreadMessage } from './threads.js';
import { prepareShard } from './warmup.js';

/**
 * An engine thread (engine/threads.ts keeps it across runs): one shard at a time, its windows sent
 * to the run as plain data once per second.
 */
const port = parentPort;
if (!port) throw new Error('engine/worker.js runs only as a worker thread');
const input = workerData as { tracing: boolean };
let tracing: Tracing | undefined;
if (input.tracing) {
  const { startTracing } = await import('@o11y/telemetry');
  tracing = startTracing({ serviceName: 'load-generator' });
}

/** At most this long for the last spans to leave (the run waits for it; see FLUSH_WAIT_MS in shard-handles.ts). */
const FLUSH_TIMEOUT_MS = 2000;

/**
 * Exports this thread's batched spans before it tells the run it ended: the run's `done` promises
 * its spans are out. One turn of the event loop first, so spans of requests cut by a stop have ended.
 */
async function flushSpans(): Promise<void> {
  if (!tracing) return;
  const t = tracing;
  await new Promise((r) => setImmediate(r));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([t.flush().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, FLUSH_TIMEOUT_MS)))]);
  clearTimeout(timer);
}

const post = (m: ThreadMessage) => port.postMessage(m);
let shard: Shard | undefined;

port.on('message', (c: ThreadCommand) => {
  if (c.type === 'run') {
    // Windows go out in order, encoded over the loop's turns, then given back to the shard.
    const encoder = new WindowEncoder((window, w) => {
      current.recycle(w);
      post({ type: 'window', window });
    });
    const current: Shard = new Shard(
      c.options,
      {
        window: (w: WindowStats) => encoder.add(w),
        unauthorized: (token: string | undefined) => post({ type: 'unauthorized', token }),
        // After the last windows.
        end: () => {
          encoder.flush();
          void flushSpans().then(() => {
            if (shard === current) shard = undefined;
            post({ type: 'end' });
          });
        },
      },
      tracing?.tracer,
    );
    shard = current;
    // Ready once warmed up and the first connections are open: the run starts every thread at once.
    void prepareShard(current, c.options).then(() => post({ type: 'ready' }));
  } else if (c.type === 'start') shard?.start(c.epoch);
  else if (c.type === 'token') shard?.setToken(c.token);
  else if (c.type === 'stop') shard?.stop();
});
