/**
 * The merge of a split run is exact: the windows of disjoint shards, sent as wire data and merged
 * (engine/window-merger.ts through coordinator/merge.ts's path: fromWire + mergeWindow), equal the
 * window of the whole, and the merged p99 is the p99 of every sample within HDR's precision — not
 * an average of the shards' percentiles.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '@o11y/platform';
import { foldRequests, fromWire, newWindow, pctMs, recordMs, toWire, type WindowStats } from '../src/engine/stats.js';
import { WindowMerger } from '../src/engine/window-merger.js';

interface Sample {
  k: number;
  request: number;
  latencyMs: number;
  serviceMs: number;
  lagMs: number;
  status: number;
}

/** A second of arrivals k with made-up but deterministic outcomes; the slow ones all on k ≡ 2 (mod 3). */
function samples(n: number, seed: number): Sample[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, (_, k) => {
    const slow = k % 3 === 2 && rnd() < 0.04;
    const latencyMs = slow ? 200 + rnd() * 300 : 0.2 + rnd() * 40;
    return { k, request: k % 4 === 0 ? 1 : 0, latencyMs, serviceMs: latencyMs * 0.9, lagMs: rnd() * 3, status: rnd() < 0.05 ? 503 : 200 };
  });
}

function windowOf(index: number, ss: Sample[]): WindowStats {
  const w = newWindow(index, 2);
  for (const s of ss) {
    const r = w.requests[s.request] as WindowStats['requests'][number];
    r.sent++;
    if (s.status < 400) r.ok++;
    else r.failed++;
    r.status[String(s.status)] = (r.status[String(s.status)] ?? 0) + 1;
    recordMs(r.latency, s.latencyMs);
    r.promLatency.observe(s.latencyMs / 1000);
    recordMs(w.service, s.serviceMs);
    recordMs(w.lag, s.lagMs);
    w.promLag.observe(s.lagMs / 1000);
  }
  foldRequests(w);
  return w;
}

/** A window as a coordinator receives it: toWire, JSON over HTTP, fromWire. */
const overTheWire = (w: WindowStats): WindowStats => fromWire(JSON.parse(JSON.stringify(toWire(w))));

/** The shards' windows as the coordinator gets them, merged. */
function mergeShards(index: number, all: Sample[], count: number): WindowStats {
  const merger = new WindowMerger(count);
  for (let i = 0; i < count; i++) {
    merger.add(i, overTheWire(windowOf(index, all.filter((s) => s.k % count === i))));
    merger.end(i);
  }
  const [merged, ...rest] = merger.drain();
  expect(rest).toEqual([]);
  return merged as WindowStats;
}

const PERCENTILES = [1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100];

/** Bucket counts add exactly; their float sums only up to the order of the additions. */
function expectSameBuckets(a: WindowStats['promLag'], b: WindowStats['promLag'], label: string) {
  expect([a.counts, a.count], label).toEqual([b.counts, b.count]);
  expect(a.sum, label).toBeCloseTo(b.sum, 9);
}

function expectSameHistogram(a: WindowStats['latency'], b: WindowStats['latency'], label: string) {
  expect(a.totalCount, label).toBe(b.totalCount);
  expect(a.minNonZeroValue, label).toBe(b.minNonZeroValue);
  expect(a.maxValue, label).toBe(b.maxValue);
  for (const p of PERCENTILES) expect(a.getValueAtPercentile(p), `${label} p${p}`).toBe(b.getValueAtPercentile(p));
}

describe('merging the windows of disjoint shards', () => {
  it.each([2, 3, 5])('%i shards: counts, codes, buckets and every HDR histogram equal the whole second\'s', (count) => {
    const all = samples(3000, 11 + count);
    // The whole second as one generator would have sent it.
    const whole = overTheWire(windowOf(7, all));
    const merged = mergeShards(7, all, count);
    expect(merged.index).toBe(7);
    for (const f of ['sent', 'ok', 'failed', 'dropped'] as const) expect(merged[f], f).toBe(whole[f]);
    expect(merged.status).toEqual(whole.status);
    expect(merged.errors).toEqual(whole.errors);
    expectSameBuckets(merged.promLag, whole.promLag, 'promLag');
    expectSameHistogram(merged.latency, whole.latency, 'latency');
    expectSameHistogram(merged.service, whole.service, 'service');
    expectSameHistogram(merged.lag, whole.lag, 'lag');
    whole.requests.forEach((r, i) => {
      const m = merged.requests[i] as typeof r;
      expect([m.sent, m.ok, m.failed, m.status], `request ${i}`).toEqual([r.sent, r.ok, r.failed, r.status]);
      expectSameBuckets(m.promLatency, r.promLatency, `request ${i}`);
      expectSameHistogram(m.latency, r.latency, `request ${i} latency`);
    });
  });

  it('the merged p99 is the p99 of all samples within HDR precision; averaging the shards\' p99 is not', () => {
    const all = samples(6000, 5);
    const merged = mergeShards(0, all, 3);
    const sorted = all.map((s) => s.latencyMs).sort((a, b) => a - b);
    // The p99 of every sample: the smallest value with at least 99 % of the samples at or below it.
    const exact = sorted[Math.ceil(0.99 * sorted.length) - 1] as number;
    const p99 = pctMs(merged.latency, 99);
    // 3 significant digits: within 0.1 % (plus the µs the histogram records in).
    expect(Math.abs(p99 - exact)).toBeLessThanOrEqual(exact * 1e-3 + 0.001);
    const perShard = [0, 1, 2].map((i) => pctMs(windowOf(0, all.filter((s) => s.k % 3 === i)).latency, 99));
    const averaged = perShard.reduce((a, b) => a + b, 0) / 3;
    expect(Math.abs(averaged - exact) / exact).toBeGreaterThan(0.2);
  });

  it('a second is merged only when every shard has reported it, or ended', () => {
    const merger = new WindowMerger(2);
    const w = (index: number, sent: number) => {
      const x = newWindow(index, 1);
      x.sent = sent;
      return x;
    };
    merger.add(0, w(0, 1));
    merger.add(0, w(1, 2));
    expect(merger.drain()).toEqual([]);
    merger.add(1, w(0, 10));
    expect(merger.drain().map((x) => [x.index, x.sent])).toEqual([[0, 11]]);
    merger.end(1);
    expect(merger.drain().map((x) => [x.index, x.sent])).toEqual([[1, 2]]);
    expect(merger.allEnded).toBe(false);
    merger.end(0);
    expect(merger.allEnded).toBe(true);
  });
});
