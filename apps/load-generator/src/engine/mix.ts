import { randomAt, streamSeed } from '@o11y/platform';
import type { CapturePool } from './pools.js';

/** What the draw needs to know of a request: its weight and the pools it reads. */
export interface Drawable {
  weight: number;
  canRun(pools: CapturePool[]): boolean;
  readonly needs: ReadonlyArray<unknown>;
}

/**
 * The weighted draw of the mix. Arrival k draws with the k-th value of the run's seeded generator
 * (@o11y/platform's random.ts, its own stream of the seed), so the draw is a function of (seed, k): the
 * same seed replays the same sequence of requests, and a shard that sends arrivals k = i, i + n, …
 * draws exactly what a single thread would. An arrival whose request needs a captured value while
 * that pool is empty is drawn again, by weight, among the requests that can run (another stream,
 * also a function of (seed, k)), so the rate holds; `redrawn` says it happened.
 */
export class MixPicker {
  private readonly cumulative: number[];
  private readonly total: number;
  private readonly drawSeed: number;
  private readonly redrawSeed: number;
  /** Whether the last pick was a redraw. */
  redrawn = false;

  constructor(
    private readonly requests: readonly Drawable[],
    private readonly pools: CapturePool[],
    seed: number,
  ) {
    let sum = 0;
    this.cumulative = requests.map((r) => (sum += r.weight));
    this.total = sum;
    this.drawSeed = streamSeed(seed, 1);
    this.redrawSeed = streamSeed(seed, 2);
  }

  /** The first draw of arrival k, whatever the pools hold (the replayable sequence). */
  first(k: number): number {
    const n = this.cumulative.length;
    if (n === 1) return 0;
    const u = randomAt(this.drawSeed, k) * this.total;
    let i = 0;
    while (i < n - 1 && u >= (this.cumulative[i] as number)) i++;
    return i;
  }

  /** The request arrival k sends. */
  pick(k: number): number {
    const i = this.first(k);
    const r = this.requests[i] as Drawable;
    this.redrawn = false;
    if (r.needs.length === 0 || r.canRun(this.pools)) return i;
    this.redrawn = true;
    let sum = 0;
    const runnable: number[] = [];
    this.requests.forEach((x, j) => {
      if (x.canRun(this.pools)) {
        runnable.push(j);
        sum += x.weight;
      }
    });
    // Validation guarantees a request that needs no captured value, so the list is never empty.
    let u = randomAt(this.redrawSeed, k) * sum;
    for (const j of runnable) {
      u -= (this.requests[j] as Drawable).weight;
      if (u < 0) return j;
    }
    return runnable[runnable.length - 1] as number;
  }
}
