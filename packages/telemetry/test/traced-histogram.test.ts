import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { observeTraced } from '@o11y/telemetry';

const BUCKETS = [0.005, 0.01, 0.5, 1];

function pair(exemplars: boolean) {
  const make = (name: string) => {
    const registry = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const histogram = new Histogram({ name, help: 'h', labelNames: ['route', 'status_code'], buckets: BUCKETS, enableExemplars: exemplars, registers: [registry] });
    return { registry, histogram };
  };
  return { fast: make('demo_seconds'), plain: make('demo_seconds') };
}

function span(traceId: string, sampled: boolean): SpanContext {
  return { traceId, spanId: '0123456789abcdef', traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE };
}

/** The exposition with exemplar timestamps dropped (the two histograms observe a few µs apart). */
async function text(registry: Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>): Promise<string> {
  return (await registry.metrics()).replace(/(# \{[^}]*\} \S+) \d+(\.\d+)?$/gm, '$1');
}

/** Label sets, values (below the first bound, on a bound, above the last) and sampled or not. */
const OBSERVATIONS: [Record<string, string>, number, SpanContext | undefined][] = [
  [{ route: '/a', status_code: '200' }, 0.001, span('a'.repeat(32), true)],
  [{ route: '/a', status_code: '200' }, 0.5, span('b'.repeat(32), true)],
  [{ route: '/a', status_code: '200' }, 0.004, span('c'.repeat(32), true)],
  [{ route: '/a', status_code: '500' }, 3, span('d'.repeat(32), true)],
  [{ route: '/a', status_code: '200' }, 0.2, span('e'.repeat(32), false)],
  [{ route: '/a', status_code: '500' }, 7.5, span('f'.repeat(32), true)],
  [{ route: '/b', status_code: '200' }, 0.01, undefined],
  [{ route: '/a', status_code: '200' }, 0.3, span('1'.repeat(32), true)],
];

describe('observeTraced', () => {
  for (const exemplars of [true, false]) {
    it(`stores what prom-client's own observe stores, exposition and exemplars included (exemplars ${exemplars ? 'on' : 'off'})`, async () => {
      const { fast, plain } = pair(exemplars);
      for (const [labels, value, sc] of OBSERVATIONS) {
        observeTraced(fast.histogram, labels, value, sc);
        if (!exemplars) plain.histogram.observe(labels, value);
        else if (sc && sc.traceFlags & TraceFlags.SAMPLED) plain.histogram.observe({ labels, value, exemplarLabels: { trace_id: sc.traceId } as never });
        else plain.histogram.observe({ labels, value });
      }
      const expected = await text(plain.registry);
      expect(await text(fast.registry)).toBe(expected);
      // By value, not only equal: /a 200 has five observations, all five are ≤ 0.5 and the last exemplar of that bucket is 1…1.
      expect(expected).toContain('demo_seconds_count{route="/a",status_code="200"} 5');
      expect(expected).toContain(`demo_seconds_bucket{le="0.005",route="/a",status_code="200"} 2${exemplars ? ` # {trace_id="${'c'.repeat(32)}"} 0.004` : ''}`);
      expect(expected).toContain(`demo_seconds_bucket{le="0.5",route="/a",status_code="200"} 5${exemplars ? ` # {trace_id="${'1'.repeat(32)}"} 0.3` : ''}`);
      expect(expected).toContain('demo_seconds_bucket{le="+Inf",route="/a",status_code="500"} 2');
    });
  }

  it('starts over after a reset, as prom-client does', async () => {
    const { fast, plain } = pair(true);
    for (const h of [fast.histogram, plain.histogram]) {
      const observe = (v: number) => (h === fast.histogram ? observeTraced(h, { route: '/a', status_code: '200' }, v, undefined) : h.observe({ labels: { route: '/a', status_code: '200' }, value: v }));
      observe(0.1);
      observe(0.2);
      h.reset();
      observe(0.003);
    }
    expect(await text(fast.registry)).toBe(await text(plain.registry));
    expect(await text(fast.registry)).toContain('demo_seconds_count{route="/a",status_code="200"} 1');
  });

  it('refuses a value that is not a number, as prom-client does', () => {
    const { fast } = pair(true);
    observeTraced(fast.histogram, { route: '/a', status_code: '200' }, 0.1, undefined);
    expect(() => observeTraced(fast.histogram, { route: '/a', status_code: '200' }, Number.NaN, undefined)).toThrow(/not a valid number/);
  });
});
