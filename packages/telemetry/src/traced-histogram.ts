import type { SpanContext } from '@opentelemetry/api';
import type { Histogram, LabelValues } from 'prom-client';

/**
 * A series of a prom-client histogram as prom-client stores it (lib/histogram.js, 15.x): bucket
 * counts keyed by the bound as a property name, one exemplar slot per bucket.
 */
interface StoredSeries {
  bucketValues: Record<string, number>;
  bucketExemplars?: Record<string, { labelSet: Record<string, string>; value: number; timestamp?: number } | null>;
  sum: number;
  count: number;
}

/** The parts of prom-client's Histogram that are not in its type declarations. */
interface HistogramInternals {
  hashMap: Record<string, StoredSeries>;
  upperBounds: readonly number[];
  enableExemplars: boolean;
}

/** One label set of one histogram, resolved once. */
interface Series {
  /** prom-client's key of the series in its hashMap. */
  key: string;
  /** The stored series, while prom-client still holds it (a reset() replaces them all). */
  stored: StoredSeries;
}

interface Fast {
  bounds: readonly number[];
  /** The bucket keys prom-client uses (`String(bound)`), and '-1' above the last bound. */
  keys: readonly string[];
  series: Map<string, Series>;
}

const fastPaths = new WeakMap<object, Fast>();

function fastPath(histogram: object): Fast {
  let fast = fastPaths.get(histogram);
  if (!fast) {
    const bounds = (histogram as unknown as HistogramInternals).upperBounds;
    fast = { bounds, keys: [...bounds.map(String), '-1'], series: new Map() };
    fastPaths.set(histogram, fast);
  }
  return fast;
}

/** prom-client's series for `labels`, found after its own observe created it. */
function resolve(histogram: HistogramInternals, labels: Record<string, string | number>): Series | undefined {
  for (const [key, stored] of Object.entries(histogram.hashMap)) {
    const own = (stored as unknown as { labels: Record<string, string | number> }).labels;
    const names = Object.keys(labels);
    if (names.length === Object.keys(own).length && names.every((n) => String(own[n]) === String(labels[n]))) return { key, stored };
  }
  return undefined;
}

/**
 * Observes a value, with the span's trace id as exemplar when the span is sampled: what
 * `histogram.observe({ labels, value, exemplarLabels })` does, exposition included, at a tenth of its
 * cost. prom-client validates and hashes the label set and converts each bucket bound to a property
 * name on every observation, then does it all again for the exemplar: ~3.7 µs each, three per request
 * of the todo API (the HTTP histogram and two statements), a quarter of its telemetry cost (measured
 * by bench/todo-api.bench.ts). Here a label set is resolved once, through prom-client's own observe,
 * and later observations update that stored series in place. A reset() (which replaces prom-client's
 * series) is noticed and the label set resolved again. Tested against prom-client's own observe in
 * packages/telemetry/test/traced-histogram.test.ts, exposition included.
 */
export function observeTraced<T extends string>(histogram: Histogram<T>, labels: LabelValues<T>, value: number, span: SpanContext | undefined): void {
  const sampled = span !== undefined && (span.traceFlags & 1) === 1;
  const internals = histogram as unknown as HistogramInternals;
  const fast = fastPath(histogram);
  let id = '';
  for (const name in labels) id += `${(labels as Record<string, unknown>)[name]}\u0000`;
  const series = fast.series.get(id);
  // A value prom-client would refuse (NaN, infinities) takes its path, and its error.
  if (!series || internals.hashMap[series.key] !== series.stored || !Number.isFinite(value)) {
    // (prom-client's observe takes an object when exemplars are enabled, positional arguments otherwise.)
    if (!internals.enableExemplars) histogram.observe(labels, value);
    else if (sampled) histogram.observe({ labels, value, exemplarLabels: { trace_id: span.traceId } as never });
    else histogram.observe({ labels, value } as never);
    const found = resolve(internals, labels as Record<string, string | number>);
    if (found) fast.series.set(id, found);
    return;
  }
  const { stored } = series;
  const { bounds, keys } = fast;
  let i = 0;
  while (i < bounds.length && value > (bounds[i] as number)) i++;
  const key = keys[i] as string;
  stored.sum += value;
  stored.count += 1;
  if (i < bounds.length) (stored.bucketValues[key] as number)++;
  if (!sampled || !internals.enableExemplars) return;
  const exemplar = stored.bucketExemplars?.[key];
  if (exemplar) {
    exemplar.labelSet = { trace_id: span.traceId };
    exemplar.value = value;
    exemplar.timestamp = Date.now() / 1000;
  } else {
    // The bucket's first exemplar: prom-client makes the object, later ones reuse it (as it does).
    (histogram as unknown as { updateExemplar(l: unknown, v: number, e: unknown): void }).updateExemplar(labels, value, { trace_id: span.traceId });
  }
}
