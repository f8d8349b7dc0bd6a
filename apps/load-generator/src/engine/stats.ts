import * as hdr from 'hdr-histogram-js';
import { ERROR_CLASSES, type ErrorCounts } from '../contract/schemas.js';

/** hdr-histogram-js's JS implementation (build() and decode return it unless asked for WebAssembly): its counts are public, so percentiles take one pass. */
export type Histogram = hdr.JsHistogram;

/** Prometheus buckets of the latency histograms, in seconds; 0.5 is a bound so "p99 > 500 ms" is exact. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30];
/** Prometheus buckets of the scheduler lag histogram, in seconds. */
export const LAG_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** An HDR histogram of microseconds (1 µs … 1 h, 3 significant digits). */
export function newHistogram(): Histogram {
  return asJs(hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 }));
}

function asJs(h: hdr.Histogram): Histogram {
  if (!(h instanceof hdr.JsHistogram)) throw new Error('hdr-histogram-js returned a histogram that is not its JS implementation');
  return h;
}

/** The histogram as compressed base64 ('' when empty: most breakdown histograms of a quiet second are, and encoding costs). */
export function encodeHistogram(h: Histogram): string {
  return h.totalCount ? hdr.encodeIntoCompressedBase64(h) : '';
}

export function decodeHistogram(s: string): Histogram {
  if (!s) return newHistogram();
  const h = asJs(hdr.decodeFromCompressedBase64(s, 32, false));
  // As newHistogram's: merging a longer-ranged one into it grows it instead of throwing.
  h.autoResize = true;
  return h;
}

/**
 * Adds `from` into `into`, exactly as the library's add does, walking only the counts between
 * `from`'s lowest and highest value. The library walks every count of the layout (~23 500 for
 * 1 µs … 1 h at 3 digits) per add, and a run adds 6 + 4 per request of the mix every second, two or
 * three times over (fold, merge, totals): 50–90 µs apiece here, where a second's latencies span a
 * few thousand counts at most. Histograms of another layout take the library's path.
 */
export function addHistogram(into: Histogram, from: Histogram): void {
  const total = from.totalCount;
  if (total === 0) return;
  const sameLayout =
    into.countsArrayLength === from.countsArrayLength && into.bucketCount === from.bucketCount && into.subBucketCount === from.subBucketCount && into.unitMagnitude === 0 && from.unitMagnitude === 0;
  if (!sameLayout) {
    into.add(from);
    return;
  }
  const n = from.countsArrayLength;
  // (A histogram holding only zeros has no lowest non-zero value: its index is out of range.)
  const first = from.countsArrayIndex(from.minNonZeroValue);
  const lo = first >= 0 && first < n ? first : n;
  const hi = Math.min(n - 1, from.countsArrayIndex(from.maxValue));
  let added = 0;
  for (let i = lo; i <= hi; i++) {
    const c = from.getCountAtIndex(i);
    if (c > 0) {
      into.addToCountAtIndex(i, c);
      added += c;
    }
  }
  // Zeros (recordMs never records one) sit below the lowest non-zero value.
  for (let i = 0; added < total && i < lo; i++) {
    const c = from.getCountAtIndex(i);
    if (c > 0) {
      into.addToCountAtIndex(i, c);
      added += c;
    }
  }
  into.setTotalCount(into.totalCount + added);
  // With a unit of 1 (unitMagnitude 0), the library keeps these as the values themselves.
  if (from.maxValue > into.maxValue) into.maxValue = from.maxValue;
  if (from.minNonZeroValue < into.minNonZeroValue) into.minNonZeroValue = from.minNonZeroValue;
}

/** Records milliseconds into a microsecond histogram. */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(ms <= 0.001 ? 1 : Math.round(ms * 1000));
}

/** Cheap Prometheus-style bucket counts (non-cumulative, last slot = +Inf), kept beside the HDR histograms. */
export class BucketCounts {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(seconds: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && seconds > (b[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += seconds;
    this.count++;
  }

  add(other: { counts: readonly number[]; sum: number; count: number }): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] = (this.counts[i] as number) + (other.counts[i] ?? 0);
    this.sum += other.sum;
    this.count += other.count;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  toJSON(): { counts: number[]; sum: number; count: number } {
    return { counts: [...this.counts], sum: this.sum, count: this.count };
  }
}

export function emptyErrors(): ErrorCounts {
  return { timeout: 0, refused: 0, reset: 0, dns: 0, other: 0 };
}

function addCounts(a: Record<string, number>, b: Record<string, number>): void {
  for (const k in b) a[k] = (a[k] ?? 0) + (b[k] as number);
}

function addErrors(a: ErrorCounts, b: ErrorCounts): void {
  for (const c of ERROR_CLASSES) a[c] += b[c];
}

/**
 * One second of one request of the mix, in one shard: the hot path records here only. Counts add
 * and HDR histograms merge exactly, so shards, threads and processes combine without loss.
 */
export interface RequestWindow {
  sent: number;
  ok: number;
  failed: number;
  dropped: number;
  status: Record<string, number>;
  errors: ErrorCounts;
  /** From the intended send time. */
  latency: Histogram;
  /**
   * The latency's three phases (see Completed in sender.ts): intended → sent (the scheduler's
   * lateness and the wait for a connection: the generator's share), sent → first byte (the
   * network and the target's think time), first byte → done (the response's transfer). A request
   * records the phases it reached: one refused before it was written records none.
   */
  intendedToSent: Histogram;
  sentToFirstByte: Histogram;
  firstByteToDone: Histogram;
  promLatency: BucketCounts;
  promService: BucketCounts;
}

/** The histograms of a RequestWindow, by field: one list for new, reset, merge and wire. */
const REQUEST_HISTOGRAMS = ['latency', 'intendedToSent', 'sentToFirstByte', 'firstByteToDone'] as const;
type RequestHistogram = (typeof REQUEST_HISTOGRAMS)[number];

/** One value per request histogram, made by `f` from its field name. */
function histograms<T>(f: (k: RequestHistogram) => T): Record<RequestHistogram, T> {
  return Object.fromEntries(REQUEST_HISTOGRAMS.map((k) => [k, f(k)])) as Record<RequestHistogram, T>;
}

export function newRequestWindow(): RequestWindow {
  return {
    sent: 0,
    ok: 0,
    failed: 0,
    dropped: 0,
    status: {},
    errors: emptyErrors(),
    ...histograms((): Histogram => newHistogram()),
    promLatency: new BucketCounts(LATENCY_BUCKETS),
    promService: new BucketCounts(LATENCY_BUCKETS),
  };
}

function resetRequestWindow(r: RequestWindow): void {
  r.sent = r.ok = r.failed = r.dropped = 0;
  r.status = {};
  r.errors = emptyErrors();
  for (const k of REQUEST_HISTOGRAMS) r[k].reset();
  r.promLatency.reset();
  r.promService.reset();
}

/** Adds the counts, codes, errors and latencies of `b` into `a` (a request's or a whole window's). */
export function mergeRequestWindow(a: RequestWindow, b: RequestWindow): void {
  a.sent += b.sent;
  a.ok += b.ok;
  a.failed += b.failed;
  a.dropped += b.dropped;
  addCounts(a.status, b.status);
  addErrors(a.errors, b.errors);
  for (const k of REQUEST_HISTOGRAMS) addHistogram(a[k], b[k]);
  a.promLatency.add(b.promLatency);
  a.promService.add(b.promService);
}

/**
 * One second of one shard. `sent` and `dropped` belong to the window of the intended send time;
 * responses (ok, failed, codes, errors, latencies) to the window in which they completed.
 * `requests[i]` holds request i of the mix; the run-level counts, codes, errors and latency are
 * their sum, folded in when the window closes (foldRequests), so the hot path records once. Lag
 * and service latency are recorded for the run only (the summary has them per run).
 */
export interface WindowStats extends RequestWindow {
  index: number;
  /** Window length in seconds (< 1 for the last, partial one). */
  length: number;
  /** Arrivals whose first draw could not run (a pool was empty) and were drawn again. */
  redrawn: number;
  inFlight: number;
  /**
   * The engine threads' event loops over the window: time busy and time elapsed, summed over the
   * threads (their ratio is the mean event-loop utilization; sums merge exactly).
   */
  loopActiveMs: number;
  loopMs: number;
  service: Histogram;
  lag: Histogram;
  promLag: BucketCounts;
  requests: RequestWindow[];
}

export function newWindow(index: number, requestCount: number): WindowStats {
  return {
    ...newRequestWindow(),
    index,
    length: 1,
    redrawn: 0,
    inFlight: 0,
    loopActiveMs: 0,
    loopMs: 0,
    service: newHistogram(),
    lag: newHistogram(),
    promLag: new BucketCounts(LAG_BUCKETS),
    requests: Array.from({ length: requestCount }, newRequestWindow),
  };
}

export function resetWindow(w: WindowStats, index: number): WindowStats {
  resetRequestWindow(w);
  w.index = index;
  w.length = 1;
  w.redrawn = w.inFlight = w.loopActiveMs = w.loopMs = 0;
  w.service.reset();
  w.lag.reset();
  w.promLag.reset();
  for (const r of w.requests) resetRequestWindow(r);
  return w;
}

/** Sums the requests' counts, codes, errors and latencies into the run-level fields (once, when the window closes). */
export function foldRequests(w: WindowStats): void {
  for (const r of w.requests) mergeRequestWindow(w, r);
}

/** Anything happened in the window (before foldRequests). */
export function windowActive(w: WindowStats): boolean {
  return w.requests.some((r) => r.sent + r.dropped + r.ok + r.failed > 0);
}

/** Adds `b` into `a` (folded windows of disjoint shards): counts, codes, errors, histograms; in-flight is summed. */
export function mergeWindow(a: WindowStats, b: WindowStats): void {
  mergeRequestWindow(a, b);
  a.redrawn += b.redrawn;
  a.inFlight += b.inFlight;
  a.loopActiveMs += b.loopActiveMs;
  a.loopMs += b.loopMs;
  a.length = Math.max(a.length, b.length);
  addHistogram(a.service, b.service);
  addHistogram(a.lag, b.lag);
  a.promLag.add(b.promLag);
  b.requests.forEach((r, i) => {
    const into = a.requests[i];
    if (into) mergeRequestWindow(into, r);
  });
}

type WireBuckets = { counts: number[]; sum: number; count: number };

export interface WireRequestWindow extends Omit<RequestWindow, RequestHistogram | 'promLatency' | 'promService'>, Record<RequestHistogram, string> {
  promLatency: WireBuckets;
  promService: WireBuckets;
}

/** A window as plain data, for postMessage from a worker thread (and, later, between processes). */
export interface WireWindow extends Omit<WindowStats, RequestHistogram | 'service' | 'lag' | 'promLatency' | 'promService' | 'promLag' | 'requests'>, Record<RequestHistogram, string> {
  service: string;
  lag: string;
  promLatency: WireBuckets;
  promService: WireBuckets;
  promLag: WireBuckets;
  requests: WireRequestWindow[];
}

/** A request window's counts, copied (the same fields on the wire and in memory). */
function countsOf(r: Pick<RequestWindow, 'sent' | 'ok' | 'failed' | 'dropped' | 'status' | 'errors'>): Pick<RequestWindow, 'sent' | 'ok' | 'failed' | 'dropped' | 'status' | 'errors'> {
  const errors = emptyErrors();
  addErrors(errors, r.errors);
  return { sent: r.sent, ok: r.ok, failed: r.failed, dropped: r.dropped, status: { ...r.status }, errors };
}

/** The numbers a window has beyond its requests' (the same fields on the wire and in memory). */
type WindowScalars = Pick<WindowStats, 'index' | 'length' | 'redrawn' | 'inFlight' | 'loopActiveMs' | 'loopMs'>;

function scalarsOf(w: WindowScalars): WindowScalars {
  return { index: w.index, length: w.length, redrawn: w.redrawn, inFlight: w.inFlight, loopActiveMs: w.loopActiveMs, loopMs: w.loopMs };
}

function requestToWire(r: RequestWindow, encode: (h: Histogram) => string): WireRequestWindow {
  return {
    ...countsOf(r),
    ...histograms((k) => encode(r[k])),
    promLatency: r.promLatency.toJSON(),
    promService: r.promService.toJSON(),
  };
}

export function toWire(w: WindowStats): WireWindow {
  const steps = toWireInSteps(w);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** toWire one histogram at a time: it yields after encoding each (WindowEncoder spreads them over the loop's turns). */
export function* toWireInSteps(w: WindowStats): Generator<undefined, WireWindow, undefined> {
  const encoded = new Map<Histogram, string>();
  const all = [w.service, w.lag, ...REQUEST_HISTOGRAMS.map((k) => w[k]), ...w.requests.flatMap((r) => REQUEST_HISTOGRAMS.map((k) => r[k]))];
  for (const h of all) {
    if (!h.totalCount) continue;
    encoded.set(h, encodeHistogram(h));
    yield;
  }
  const encode = (h: Histogram) => encoded.get(h) ?? '';
  return {
    ...requestToWire(w, encode),
    ...scalarsOf(w),
    service: encode(w.service),
    lag: encode(w.lag),
    promLag: w.promLag.toJSON(),
    requests: w.requests.map((r) => requestToWire(r, encode)),
  };
}

/** A request window from its wire form (counts as they are, histograms decoded: the decoded ones are used as they are). */
function requestFromWire(r: WireRequestWindow): RequestWindow {
  return {
    ...countsOf(r),
    ...histograms((k) => decodeHistogram(r[k])),
    promLatency: bucketsOf(LATENCY_BUCKETS, r.promLatency),
    promService: bucketsOf(LATENCY_BUCKETS, r.promService),
  };
}

function bucketsOf(bounds: readonly number[], wire: WireBuckets): BucketCounts {
  const b = new BucketCounts(bounds);
  b.add(wire);
  return b;
}

export function fromWire(w: WireWindow): WindowStats {
  return {
    ...requestFromWire(w),
    ...scalarsOf(w),
    service: decodeHistogram(w.service),
    lag: decodeHistogram(w.lag),
    promLag: bucketsOf(LAG_BUCKETS, w.promLag),
    requests: w.requests.map(requestFromWire),
  };
}

/** Percentile in ms from a microsecond histogram (0 when empty). */
export function pctMs(h: Histogram, p: number): number {
  return pctsMs(h, [p])[0] as number;
}

/**
 * Percentiles in ms (ascending `ps`) of a microsecond histogram, all in one pass over its counts,
 * with getValueAtPercentile's rule (the highest value equivalent to the first index whose
 * cumulative count reaches ⌈p·total⌉). The library walks the counts from zero for each
 * percentile: a summary asks for dozens every second, and at 40 000 rps that walk cost the engine
 * thread milliseconds per second (measured in bench/).
 */
export function pctsMs(h: Histogram, ps: readonly number[]): number[] {
  const out = new Array<number>(ps.length).fill(0);
  const total = h.totalCount;
  if (total === 0) return out;
  let j = 0;
  let need = countAt(ps[0] as number, total);
  let acc = 0;
  const n = h.countsArrayLength;
  for (let i = 0; i < n && j < ps.length; i++) {
    acc += h.getCountAtIndex(i);
    while (acc >= need && j < ps.length) {
      out[j] = Math.round(h.highestEquivalentValue(h.valueFromIndex(i))) / 1000;
      j++;
      if (j < ps.length) need = countAt(ps[j] as number, total);
    }
  }
  return out;
}

/** The count a percentile must reach: ⌈p·total⌉, at least 1, tolerant of one ulp of rounding above. */
function countAt(p: number, total: number): number {
  const fp = (Math.min(p, 100) / 100) * total;
  return Math.max(1, Math.ceil(fp - fp * Number.EPSILON));
}
