// Windows and their statistics as plain numbers: percentiles, the wire form between threads (and
// processes), exact merges, and the generator's verdict on itself.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BOTTLENECK_GENERATOR } from '../src/contract/schemas.js';
import { assessGenerator, type GeneratorFacts } from '../src/engine/bottleneck.js';
import { autoThreads, RPS_PER_THREAD } from '../src/engine/run.js';
import { RunStore } from '../src/engine/store.js';
import { WindowEncoder } from '../src/engine/window-encoder.js';
import { addHistogram, decodeHistogram, encodeHistogram, foldRequests, fromWire, mergeWindow, newHistogram, newWindow, pctsMs, recordMs, toWire, type WindowStats } from '../src/engine/stats.js';

/** A deterministic stream of values spread over six decades. */
function* values(seed: number, n: number): Generator<number> {
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield 1 + Math.floor((x / 2 ** 31) ** 4 * 10 ** (1 + ((x >> 7) % 6)));
  }
}

function filledWindow(index: number, seed: number): WindowStats {
  const w = newWindow(index, 2);
  let i = 0;
  for (const v of values(seed, 500)) {
    const r = w.requests[i++ % 2]!;
    r.sent++;
    r.ok++;
    recordMs(r.latency, v / 100);
    recordMs(r.intendedToSent, v / 1000);
    recordMs(r.sentToFirstByte, v / 200);
    if (i % 3) recordMs(r.firstByteToDone, v / 500);
    recordMs(w.service, v / 150);
    recordMs(w.lag, v / 2000);
  }
  w.loopActiveMs = 300 + seed;
  w.loopMs = 1000;
  foldRequests(w);
  return w;
}

const HISTOGRAMS = ['latency', 'intendedToSent', 'sentToFirstByte', 'firstByteToDone'] as const;
const PS = [1, 50, 90, 95, 99, 99.9, 100];

describe('percentiles', () => {
  it('one pass gives what the library gives one percentile at a time', () => {
    for (const seed of [1, 7, 42, 1234]) {
      const h = newHistogram();
      for (const v of values(seed, 3000)) h.recordValue(v);
      expect(pctsMs(h, PS)).toEqual(PS.map((p) => Math.round(h.getValueAtPercentile(p)) / 1000));
    }
    expect(pctsMs(newHistogram(), [50, 99])).toEqual([0, 0]);
  });
});

describe('adding histograms', () => {
  it('gives what the library add gives: counts, total, min, max and every percentile, fresh or decoded', () => {
    const ps = [0.1, 1, 10, 50, 90, 99, 99.9, 100];
    for (const [seedA, seedB] of [[1, 2], [3, 4], [5, 5]] as const) {
      const a = newHistogram();
      const b = newHistogram();
      for (const v of values(seedA, 300)) recordMs(a, v / 100);
      for (const v of values(seedB, 700)) recordMs(b, v / 7);
      const decoded = decodeHistogram(encodeHistogram(b));
      const ours = newHistogram();
      const library = newHistogram();
      for (const [into, add] of [[ours, addHistogram], [library, (x: typeof a, y: typeof a) => x.add(y)]] as const) {
        add(into, a);
        add(into, decoded);
        add(into, newHistogram());
      }
      expect(ours.totalCount).toBe(1000);
      expect([ours.totalCount, ours.minNonZeroValue, ours.maxValue]).toEqual([library.totalCount, library.minNonZeroValue, library.maxValue]);
      expect(pctsMs(ours, ps)).toEqual(pctsMs(library, ps));
      for (let i = 0; i < library.countsArrayLength; i += 1) if (library.getCountAtIndex(i) !== ours.getCountAtIndex(i)) expect.fail(`count ${i} differs`);
    }
  });

  it('keeps a zero, which sits below the lowest non-zero value', () => {
    const into = newHistogram();
    const from = newHistogram();
    from.recordValue(0);
    from.recordValue(0);
    from.recordValue(250);
    addHistogram(into, from);
    expect([into.totalCount, into.getCountAtIndex(0), into.minNonZeroValue, into.maxValue]).toEqual([3, 2, 250, 250]);
  });
});

describe('windows on the wire', () => {
  it('carry the latency breakdown and the event-loop time, and merge exactly like the rest', () => {
    const a = filledWindow(3, 11);
    const b = filledWindow(3, 29);
    const back = fromWire(JSON.parse(JSON.stringify(toWire(a))) as ReturnType<typeof toWire>);
    for (const k of HISTOGRAMS) {
      expect(pctsMs(back[k], PS)).toEqual(pctsMs(a[k], PS));
      expect(back[k].totalCount).toBe(a[k].totalCount);
      a.requests.forEach((r, i) => expect(pctsMs(back.requests[i]![k], PS)).toEqual(pctsMs(r[k], PS)));
    }
    expect([back.loopActiveMs, back.loopMs]).toEqual([a.loopActiveMs, a.loopMs]);
    // Two threads' windows merged after the wire equal one window that recorded everything.
    const merged = newWindow(3, 2);
    mergeWindow(merged, back);
    mergeWindow(merged, fromWire(toWire(b)));
    const direct = newWindow(3, 2);
    mergeWindow(direct, a);
    mergeWindow(direct, b);
    for (const k of HISTOGRAMS) expect(pctsMs(merged[k], PS)).toEqual(pctsMs(direct[k], PS));
    expect(merged.firstByteToDone.totalCount).toBe(a.firstByteToDone.totalCount + b.firstByteToDone.totalCount);
    expect(merged.loopActiveMs).toBe(a.loopActiveMs + b.loopActiveMs);
    expect(merged.loopMs).toBe(2000);
  });

  it('send an empty histogram as an empty string', () => {
    const w = newWindow(0, 1);
    const wire = toWire(w);
    expect(wire.intendedToSent).toBe('');
    expect(fromWire(wire).intendedToSent.totalCount).toBe(0);
  });
});

describe('encoding windows over the turns of the event loop', () => {
  it('encodes them in order, none at once, each as toWire does; flush encodes what is left at once', async () => {
    const windows = [filledWindow(0, 11), filledWindow(1, 12), filledWindow(2, 13)];
    const expected = windows.map((w) => toWire(w));
    const out: Array<{ index: number; wire: ReturnType<typeof toWire> }> = [];
    const encoder = new WindowEncoder((wire, w) => out.push({ index: w.index, wire }));
    encoder.add(windows[0]!);
    encoder.add(windows[1]!);
    // Nothing in the turn that added them: the sending thread goes on at once.
    expect(out).toHaveLength(0);
    await vi.waitFor(() => expect(out).toHaveLength(2));
    encoder.add(windows[2]!);
    encoder.flush();
    // The end of a run: the rest is there before flush returns.
    expect(out.map((o) => o.index)).toEqual([0, 1, 2]);
    expect(out.map((o) => o.wire)).toEqual(expected);
    encoder.flush();
    expect(out).toHaveLength(3);
  });
});

describe('the generator as the bottleneck (the rule, with numbers)', () => {
  const healthy: GeneratorFacts = { sent: 10_000, dropped: 0, achievedRps: 1000, maxInFlight: 10_000, intendedToSentP50: 0.8, intendedToSentP99: 2.5, lagP99: 1.6, latencyP99: 3.2, serviceMeanMs: 1, utilization: 0.3 };

  it('is quiet about a run that kept its schedule', () => {
    expect(assessGenerator(healthy)).toEqual({ bottleneck: null, warnings: [] });
    // A few stalls on an idle thread (a cold start, the VM) are not a limit of the rate.
    expect(assessGenerator({ ...healthy, intendedToSentP99: 25, utilization: 0.2 }).bottleneck).toBeNull();
  });

  it('names the generator when its threads lacked CPU, when half the requests queued, or when it dropped what a fast target would take', () => {
    const busy = assessGenerator({ ...healthy, intendedToSentP99: 40, lagP99: 30, utilization: 0.95 });
    expect(busy.bottleneck).toBe('generator');
    expect(busy.warnings).toHaveLength(1);
    expect(busy.warnings[0]).toMatch(new RegExp(`^${BOTTLENECK_GENERATOR}: requests waited 40 ms \\(p99; 0.8 ms p50\\)`));
    expect(busy.warnings[0]).toContain('busy 95 %');
    expect(assessGenerator({ ...healthy, intendedToSentP50: 250, intendedToSentP99: 900, utilization: 0.1 }).bottleneck).toBe('generator');
    const capped = assessGenerator({ ...healthy, dropped: 500, maxInFlight: 2, serviceMeanMs: 0.5 });
    expect(capped.bottleneck).toBe('generator');
    expect(capped.warnings[0]).toMatch(/4\.8 % of the schedule was dropped at the in-flight cap \(2\)/);
  });

  it('says when the latency p99 of a run it held is mostly its own wait after a stall, not for a short run or a slow target', () => {
    const stalled = assessGenerator({ ...healthy, sent: 200_000, intendedToSentP99: 95.6, lagP99: 10.5, latencyP99: 106.9, utilization: 0.45 });
    expect(stalled.bottleneck).toBeNull();
    expect(stalled.warnings).toEqual([
      'the generator stalled: requests waited 95.6 ms (p99) in it before their write (scheduler lag p99 10.5 ms), most of the latency p99 of 106.9 ms; the target\'s own time is in sent → first byte. Its threads were busy 45 % of the time: pauses (GC, the VM, a target on the same cores), not a rate it cannot hold',
    ]);
    // 60 requests: the p99 is one request's pause.
    expect(assessGenerator({ ...healthy, sent: 60, intendedToSentP99: 40, latencyP99: 41, utilization: 0.01 }).warnings).toEqual([]);
    // A slow target: the wait is a small part of the p99.
    expect(assessGenerator({ ...healthy, intendedToSentP99: 30, latencyP99: 900 }).warnings).toEqual([]);
    expect(assessGenerator({ ...healthy, intendedToSentP99: 25, latencyP99: 30 }).warnings).toEqual([]);
  });

  it('leaves drops to a target slow enough to fill the cap', () => {
    const slow = assessGenerator({ ...healthy, dropped: 500, maxInFlight: 100, serviceMeanMs: 2000, achievedRps: 50 });
    expect(slow.bottleneck).toBeNull();
    expect(slow.warnings).toEqual([expect.stringMatching(/dropped at the in-flight cap \(100\): the target is slow enough/)]);
  });
});

describe('threads', () => {
  it('one per RPS_PER_THREAD of the peak rate, at most one per core', () => {
    expect(autoThreads(1000, 2)).toBe(1);
    expect(autoThreads(RPS_PER_THREAD, 2)).toBe(1);
    expect(autoThreads(RPS_PER_THREAD + 1, 2)).toBe(2);
    expect(autoThreads(40_000, 2)).toBe(2);
    expect(autoThreads(40_000, 8)).toBe(4);
    expect(autoThreads(0, 1)).toBe(1);
  });
});

describe('runs saved before the latency breakdown', () => {
  it('load with zero phases and no verdict', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'o11y-store-'));
    try {
      mkdirSync(join(dir, 'runs'));
      const p = { p50: 1, p90: 2, p95: 3, p99: 4, p999: 5, max: 6 };
      const errors = { timeout: 0, refused: 0, reset: 0, dns: 0, other: 0 };
      const summary = { id: 'old', state: 'finished', started_at: '2026-11-01T00:00:00.000Z', target: { method: 'GET', url: 'http://x/' }, sent: 5, ok: 5, failed: 0, dropped: 0, latency: p, service_latency: p, lag_p99_ms: 1, status_codes: { 200: 5 }, errors };
      const point = { t: 0, target_rps: 5, sent: 5, ok: 5, failed: 0, dropped: 0, in_flight: 0, p50_ms: 1, p95_ms: 3, p99_ms: 4, service_p50_ms: 1, service_p99_ms: 2, lag_p99_ms: 1, status_codes: { 200: 5 }, errors };
      writeFileSync(join(dir, 'runs', 'old.json'), JSON.stringify({ summary, points: [point] }));
      const [run] = await new RunStore(dir).load();
      const zero = { p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
      expect(run?.summary.latency_breakdown).toEqual({ intended_to_sent: zero, sent_to_first_byte: zero, first_byte_to_done: zero });
      expect(run?.summary.requests.default?.latency_breakdown).toEqual(run?.summary.latency_breakdown);
      expect([run?.summary.bottleneck, run?.summary.warnings, run?.summary.engine_utilization]).toEqual([null, [], 0]);
      expect(run?.points[0]?.intended_to_sent_p99_ms).toBe(0);
      expect(run?.points[0]?.engine_utilization).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
