import { isValidSpanId, isValidTraceId } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { PooledIdGenerator } from '../src/ids.js';

describe('PooledIdGenerator', () => {
  it('gives valid W3C ids (lowercase hex, 32 and 16 characters, never all zero), all different across pool refills', () => {
    const ids = new PooledIdGenerator();
    const traces = new Set<string>();
    const spans = new Set<string>();
    // 20 000 of each: the 4 KiB pool is refilled ~300 times.
    for (let i = 0; i < 20_000; i++) {
      const t = ids.generateTraceId();
      const s = ids.generateSpanId();
      expect(isValidTraceId(t) && /^[0-9a-f]{32}$/.test(t)).toBe(true);
      expect(isValidSpanId(s) && /^[0-9a-f]{16}$/.test(s)).toBe(true);
      traces.add(t);
      spans.add(s);
    }
    expect(traces.size).toBe(20_000);
    expect(spans.size).toBe(20_000);
  });

  it('spreads its hex digits evenly (the bytes are random, not a counter)', () => {
    const ids = new PooledIdGenerator();
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) for (const c of ids.generateTraceId()) counts.set(c, (counts.get(c) ?? 0) + 1);
    // 128 000 digits: 8 000 per hex digit expected; a counter or a stuck byte would be far off.
    expect(counts.size).toBe(16);
    for (const n of counts.values()) expect(Math.abs(n - 8000)).toBeLessThan(600);
  });
});
