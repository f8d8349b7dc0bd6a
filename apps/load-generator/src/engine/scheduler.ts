import type { RateCurve } from '../profiles/types.js';

/**
 * Intended send times from a rate curve: request k (0, 1, 2, …) is due at the t where
 * Λ(t) = k, so any window [a, b) holds Λ(b) − Λ(a) requests (±1) and the total over the test
 * is ⌈Λ(T)⌉. A shard takes every `stride`-th request starting at `offset`, so shards together
 * replay exactly the single-threaded schedule. Pure: no clock, no timers.
 */
export class Schedule {
  private k: number;
  private last = 0;
  private readonly total: number;

  constructor(
    private readonly curve: RateCurve,
    private readonly duration: number,
    offset = 0,
    private readonly stride = 1,
  ) {
    this.k = offset;
    this.total = curve.integral(duration);
  }

  /** The next intended send time in seconds, or undefined when the schedule is over. */
  next(): number | undefined {
    const target = this.k;
    if (target >= this.total - 1e-9) return undefined;
    this.k += this.stride;
    const t = this.invert(target);
    this.last = t;
    return t;
  }

  /** Smallest t in [last, duration] with Λ(t) ≥ target: safeguarded Newton, exact in one step on linear pieces. */
  private invert(target: number): number {
    const { curve } = this;
    let lo = this.last;
    let hi = this.duration;
    let t = lo;
    for (let i = 0; i < 100; i++) {
      const f = curve.integral(t) - target;
      if (Math.abs(f) < 1e-9) return t;
      if (f > 0) {
        hi = t;
      } else {
        lo = t;
      }
      if (hi - lo < 1e-9) return hi;
      const r = curve.rate(t);
      let next = r > 0 ? t - f / r : NaN;
      if (!(next > lo && next < hi)) next = (lo + hi) / 2;
      t = next;
    }
    return hi;
  }
}

/** The arrivals one schedule sends: k = offset, offset + stride, offset + 2·stride, … */
export interface Stride {
  offset: number;
  stride: number;
}

/**
 * The strides of the `threads` shards of instance `index` of `count` (a run split across
 * processes): thread t sends k ≡ index + count·t (mod count·threads). For every instance the
 * union over its threads is k ≡ index (mod count), whatever each instance's thread count, so the
 * instances together send every arrival of the one sequence exactly once. One instance
 * (count = 1) is the plain thread sharding: k ≡ t (mod threads).
 */
export function shardStrides(segment: { index: number; count: number }, threads: number): Stride[] {
  const stride = segment.count * threads;
  return Array.from({ length: threads }, (_, t) => ({ offset: segment.index + segment.count * t, stride }));
}
