import { parentPort, workerData } from 'node:worker_threads';
import type { Tracing } from '@o11y/telemetry';
import { Shard, type ShardOptions } from './shard.js';
import { toWire, type WindowStats } from './stats.js';

/** A shard in a worker thread: windows go to the run as plain data, once per second. */
interface WorkerInput extends ShardOptions {
  tracing: boolean;
}

const port = parentPort;
if (!port) throw new Error('engine/worker.js runs only as a worker thread');
const input = workerData as WorkerInput;
let tracing: Tracing | undefined;
if (input.tracing) {
  const { startTracing } = await import('@o11y/telemetry');
  tracing = startTracing({ serviceName: 'load-generator' });
}

/** At most this long for the last spans to leave (the run waits for it; see FLUSH_WAIT_MS in run.ts). */
const FLUSH_TIMEOUT_MS = 2000;

/**
 * Ends this thread's tracer provider, exporting the spans still batched: the run terminates the
 * thread once it says `end`, and a batch not yet sent would be lost with it. One turn of the event
 * loop first, so spans of requests cut by a stop have ended.
 */
async function flushSpans(): Promise<void> {
  if (!tracing) return;
  const t = tracing;
  await new Promise((r) => setImmediate(r));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([t.shutdown().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, FLUSH_TIMEOUT_MS)))]);
  clearTimeout(timer);
}

const events = {
  window: (w: WindowStats) => port.postMessage({ type: 'window', window: toWire(w) }),
  unauthorized: (token: string | undefined) => port.postMessage({ type: 'unauthorized', token }),
  end: () => void flushSpans().then(() => port.postMessage({ type: 'end' })),
};
const shard = new Shard(input, events, tracing?.tracer);
port.on('message', (m: { type: string; token?: string; epoch?: number }) => {
  if (m.type === 'start') shard.start(m.epoch ?? performance.timeOrigin + performance.now());
  else if (m.type === 'token') shard.setToken(m.token);
  else if (m.type === 'stop') shard.stop();
});
// Ready once the first connections are open (Shard.prepare): the run starts every thread at once.
await shard.prepare();
port.postMessage({ type: 'ready' });
