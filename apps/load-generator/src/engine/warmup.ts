import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PreparedRequest } from '../contract/requests.js';
import { Shard } from './shard.js';
import { toWire, type WindowStats } from './stats.js';

/**
 * Peak rate per thread from which a run warms its thread up first. Below it a cold start costs
 * little: the thread has time to spare while V8 compiles.
 */
export const WARMUP_MIN_RPS = 2000;
/**
 * The warm-up: WARMUP_REQUESTS answered by a sink in the thread, sent at WARMUP_RPS (open model, so
 * the same code runs as in a run), stopped early after WARMUP_MAX_MS. A cold worker thread serves
 * both ends at 1 000–3 000 requests per second at first, so the cap bounds the delay of the start.
 */
export const WARMUP_REQUESTS = 5000;
export const WARMUP_RPS = 10_000;
export const WARMUP_MAX_MS = 1500;

let warmed: Promise<void> | undefined;

/** Makes `shard` ready to start at once: its thread warmed up when its rate needs it (see warmUp), its first connections open. */
export async function prepareShard(shard: Shard, opts: { requests: readonly PreparedRequest[]; userAgent: string }): Promise<void> {
  if (shard.peakPerThread >= WARMUP_MIN_RPS) await warmUp(opts.requests, opts.userAgent);
  await shard.prepare();
}

/**
 * Runs the hot path once per thread before its first fast run: a shard with the run's own requests
 * (their templates, headers, bodies and captures) sends WARMUP_RPS for WARMUP_SECONDS to an HTTP
 * server in this same thread instead of the target, and its statistics are thrown away. A cold
 * thread spends its first second in V8's compilers: at 10 000–20 000 rps that second queued
 * requests for 50–600 ms (measured in bench/), which a short run's p99 cannot hide. Nothing
 * reaches the target; the later runs of a thread find it warm.
 */
export function warmUp(requests: readonly PreparedRequest[], userAgent: string): Promise<void> {
  warmed ??= sinkWarmUp(requests, userAgent).catch(() => undefined);
  return warmed;
}

async function sinkWarmUp(requests: readonly PreparedRequest[], userAgent: string): Promise<void> {
  // Answers everything with a small JSON body, so requests that capture find a value.
  let n = 0;
  let enough = () => {};
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(`{"id":"${++n}"}`);
      if (n === WARMUP_REQUESTS) enough();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await new Promise<void>((resolve) => {
      const shard = new Shard(
        {
          requests: requests.map((r) => ({ ...r, origin })),
          profile: { id: 'constant', rate: WARMUP_RPS, duration: WARMUP_MAX_MS / 1000, options: {}, seed: 1 },
          timeoutMs: 5000,
          maxInFlight: 256,
          offset: 0,
          stride: 1,
          startEpochMs: performance.timeOrigin + performance.now(),
          userAgent,
          traceRatio: 0,
        },
        // Windows are encoded (in an engine thread for the run, in the run's thread for `windows`):
        // the first encodings compile (10 ms each, cold).
        { window: (w: WindowStats) => void toWire(w), unauthorized: () => undefined, end: resolve },
      );
      const timer = setTimeout(() => shard.stop(), WARMUP_MAX_MS);
      enough = () => {
        clearTimeout(timer);
        shard.stop();
      };
      void shard.prepare().then(() => shard.start(performance.timeOrigin + performance.now()));
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
