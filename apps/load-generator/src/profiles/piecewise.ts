import type { RateCurve } from './types.js';

/**
 * A curve made of linear pieces: piece i runs from `starts[i]` for `lengths[i]` seconds, its rate
 * going linearly from `from[i]` to `to[i]`. After the last piece the last rate holds.
 */
export function piecewiseLinear(pieces: Array<{ length: number; from: number; to: number }>): RateCurve {
  const n = pieces.length;
  const starts = new Float64Array(n);
  const cum = new Float64Array(n + 1);
  let t = 0;
  pieces.forEach((p, i) => {
    starts[i] = t;
    cum[i + 1] = (cum[i] as number) + ((p.from + p.to) / 2) * p.length;
    t += p.length;
  });
  const end = t;
  const last = pieces[n - 1];
  const tail = last ? last.to : 0;
  const find = (x: number): number => {
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= x) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return {
    peak: pieces.reduce((m, p) => Math.max(m, p.from, p.to), 0),
    rate: (x) => {
      if (x < 0) return 0;
      if (x >= end) return tail;
      const i = find(x);
      const p = pieces[i] as { length: number; from: number; to: number };
      return p.length > 0 ? p.from + ((p.to - p.from) * (x - (starts[i] as number))) / p.length : p.to;
    },
    integral: (x) => {
      if (x <= 0) return 0;
      if (x >= end) return (cum[n] as number) + tail * (x - end);
      const i = find(x);
      const p = pieces[i] as { length: number; from: number; to: number };
      const dx = x - (starts[i] as number);
      const slope = p.length > 0 ? (p.to - p.from) / p.length : 0;
      return (cum[i] as number) + p.from * dx + (slope * dx * dx) / 2;
    },
  };
}
