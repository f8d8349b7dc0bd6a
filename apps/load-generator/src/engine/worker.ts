import { parentPort, workerData } from 'node:worker_threads';
import type { Tracer } from '@opentelemetry/api';
import { Shard, type ShardOptions } from './shard.js';
import { toWire, type WindowStats } from './stats.js';

/** A shard in a worker thread: windows go to the run as plain data, once per second. */
interface WorkerInput extends ShardOptions {
  tracing: boolean;
}

const port = parentPort;
if (!port) throw new Error('engine/worker.js runs only as a worker thread');
const input = workerData as WorkerInput;
let tracer: Tracer | undefined;
if (input.tracing) {
  const { startTracing } = await import('@o11y/telemetry');
  tracer = startTracing({ serviceName: 'load-generator' }).tracer;
}
let shard: Shard | undefined;
const events = {
  window: (w: WindowStats) => port.postMessage({ type: 'window', window: toWire(w) }),
  unauthorized: (token: string | undefined) => port.postMessage({ type: 'unauthorized', token }),
  end: () => port.postMessage({ type: 'end' }),
};
port.on('message', (m: { type: string; token?: string; epoch?: number }) => {
  if (m.type === 'start') {
    shard = new Shard({ ...input, startEpochMs: m.epoch ?? performance.timeOrigin + performance.now() }, events, tracer);
    shard.start();
  } else if (m.type === 'token') {
    input.token = m.token;
    shard?.setToken(m.token);
  } else if (m.type === 'stop') {
    if (shard) shard.stop();
    else events.end();
  }
});
port.postMessage({ type: 'ready' });
