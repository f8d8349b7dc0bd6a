// The latency breakdown (intended → sent → first byte → done) and the generator's verdict on
// itself, through real runs against local targets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/helpers/ports.js';
import { BOTTLENECK_GENERATOR, type RunRequest, type RunSummary, type SeriesPoint } from '../src/contract/schemas.js';
import { Run, type RunSpec } from '../src/engine/run.js';
import { validateRunRequest } from '../src/engine/validate.js';
import { startTarget, type TargetServer } from './target-server.js';

const limits = { allowlist: ['127.0.0.1'], maxRate: 50_000, maxDuration: 3600, traceSampleRatio: 0 };
let n = 0;

async function attack(req: RunRequest, extra: Partial<RunSpec> = {}): Promise<{ summary: RunSummary; points: SeriesPoint[] }> {
  const run = new Run({ ...validateRunRequest(req, limits, `breakdown-${++n}`), ...extra });
  void run.start();
  const summary = await run.finished;
  return { summary, points: run.points };
}

/** Headers after `HEAD_MS` (flushed alone), the body `BODY_MS` later. */
const HEAD_MS = 120;
const BODY_MS = 300;
let phased: TargetServer;
/** Answers after 20 ms. */
let steady: TargetServer;
let fast: TargetServer;
beforeAll(async () => {
  phased = await startTarget((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '4' });
      res.flushHeaders();
      setTimeout(() => res.end('done'), BODY_MS);
    }, HEAD_MS);
  });
  steady = await startTarget((_req, res) => {
    setTimeout(() => res.end('ok'), 20);
  });
  fast = await startTarget();
});
afterAll(async () => {
  await Promise.all([phased.close(), steady.close(), fast.close()]);
});

describe('latency breakdown', () => {
  it('puts a target\'s header delay in sent → first byte and its body delay in first byte → done', async () => {
    const { summary, points } = await attack({ target: { url: `${phased.url}/phased` }, rate: 20, duration: 2 });
    expect(summary.ok).toBe(40);
    const b = summary.latency_breakdown;
    // Wide enough for a loaded machine, narrow enough that swapped or missing phases fail.
    expect(b.sent_to_first_byte.p50).toBeGreaterThanOrEqual(HEAD_MS - 5);
    expect(b.sent_to_first_byte.p50).toBeLessThan(BODY_MS - 60);
    expect(b.first_byte_to_done.p50).toBeGreaterThanOrEqual(BODY_MS - 5);
    expect(b.first_byte_to_done.p50).toBeLessThan(BODY_MS + 200);
    // Connections to spare and a thread at rest: the generator's own share is small.
    expect(b.intended_to_sent.p50).toBeLessThan(HEAD_MS / 2);
    // The phases add up to the latency from the intended time.
    const sum = b.intended_to_sent.p50 + b.sent_to_first_byte.p50 + b.first_byte_to_done.p50;
    expect(Math.abs(sum - summary.latency.p50)).toBeLessThan(60);
    // The request's own breakdown is the run's (one request), and every second carries its phases.
    expect(summary.requests.default?.latency_breakdown).toEqual(b);
    const full = points.filter((p) => p.ok > 0);
    expect(full.length).toBeGreaterThan(0);
    for (const p of full) {
      expect(p.sent_to_first_byte_p50_ms).toBeGreaterThanOrEqual(HEAD_MS - 5);
      expect(p.first_byte_to_done_p50_ms).toBeGreaterThanOrEqual(BODY_MS - 5);
      expect(p.intended_to_sent_p99_ms).toBeLessThan(p.sent_to_first_byte_p50_ms);
    }
  });

  it('a request refused before it was written has no phases, only its latency', async () => {
    const port = await freePort();
    const { summary } = await attack({ target: { url: `http://127.0.0.1:${port}/` }, rate: 20, duration: 1 });
    expect(summary.errors.refused).toBe(20);
    expect(summary.latency.max).toBeGreaterThan(0);
    expect(summary.latency_breakdown.intended_to_sent.max).toBe(0);
    expect(summary.latency_breakdown.sent_to_first_byte.max).toBe(0);
    expect(summary.latency_breakdown.first_byte_to_done.max).toBe(0);
  });

  it('intended → sent grows when connections are scarce, and the rest stays the target\'s', async () => {
    // 20 ms per answer: 2 connections serve 100 rps, so at 150 rps requests queue for a connection.
    const req = { target: { url: `${steady.url}/scarce` }, rate: 150, duration: 2 };
    const [scarce, plenty] = await Promise.all([attack(req, { connections: 2 }), attack(req, { connections: 64 })]);
    for (const r of [scarce, plenty]) expect(r.summary.ok).toBe(300);
    const s = scarce.summary.latency_breakdown;
    const p = plenty.summary.latency_breakdown;
    expect(s.intended_to_sent.p99).toBeGreaterThan(p.intended_to_sent.p99 + 100);
    expect(s.intended_to_sent.p99).toBeGreaterThan(s.sent_to_first_byte.p99);
    // The target's phase is its 20 ms either way.
    for (const b of [s, p]) expect(b.sent_to_first_byte.p50).toBeGreaterThanOrEqual(19);
    expect(scarce.summary.latency.p99).toBeGreaterThan(plenty.summary.latency.p99);
  });
});

describe('the generator, not the target, is the bottleneck', () => {
  it('says so when the in-flight cap drops requests a fast target would have taken', async () => {
    const { summary } = await attack({ target: { url: `${fast.url}/capped` }, rate: 2000, duration: 2, max_in_flight: 1 });
    expect(summary.dropped).toBeGreaterThan(0.01 * (summary.sent + summary.dropped));
    expect(summary.bottleneck).toBe('generator');
    expect(summary.warnings[0]).toContain(BOTTLENECK_GENERATOR);
    expect(summary.warnings[0]).toMatch(/dropped at the in-flight cap \(1\)/);
  });

  it('says so when its thread is too busy to keep the schedule', async () => {
    // The test blocks this thread (where the run's only shard runs) for 30 ms out of every 40.
    const spin = setInterval(() => {
      const until = performance.now() + 30;
      while (performance.now() < until);
    }, 10);
    try {
      const { summary } = await attack({ target: { url: `${fast.url}/busy` }, rate: 500, duration: 2 }, { threads: 1 });
      expect(summary.sent).toBe(1000);
      expect(summary.latency_breakdown.intended_to_sent.p99).toBeGreaterThan(10);
      expect(summary.bottleneck).toBe('generator');
      expect(summary.warnings[0]).toContain(BOTTLENECK_GENERATOR);
      expect(summary.warnings[0]).toMatch(/waited [\d.]+ ms \(p99;/);
      expect(summary.engine_utilization).toBeGreaterThan(0.5);
    } finally {
      clearInterval(spin);
    }
  });

  it('stays quiet about a healthy run, and about a slow target that fills the cap', async () => {
    const healthy = await attack({ target: { url: `${fast.url}/healthy` }, rate: 300, duration: 4 });
    expect(healthy.summary.dropped).toBe(0);
    expect(healthy.summary.bottleneck, JSON.stringify({ w: healthy.summary.warnings, b: healthy.summary.latency_breakdown.intended_to_sent, lag: healthy.summary.lag_p99_ms, pts: healthy.points.map((p) => p.intended_to_sent_p99_ms) })).toBeNull();
    expect(healthy.summary.warnings).toEqual([]);
    // 20 ms answers at 150 rps keep 3 in flight: a cap of 1 is the target's doing, not a queue in the generator.
    const slow = await attack({ target: { url: `${steady.url}/slow-cap` }, rate: 150, duration: 2, max_in_flight: 1 });
    expect(slow.summary.dropped).toBeGreaterThan(0);
    expect(slow.summary.bottleneck).toBeNull();
    expect(slow.summary.warnings).toHaveLength(1);
    expect(slow.summary.warnings[0]).toMatch(/the target is slow enough to hold that many requests at once/);
  });
});
