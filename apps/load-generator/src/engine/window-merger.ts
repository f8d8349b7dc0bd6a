import { mergeWindow, newWindow, resetWindow, type WindowStats } from './stats.js';

/**
 * Merges the per-second windows of several sources of one run: the shards (threads) of one load
 * generator, or the generators of a run split across processes. Sources report their windows in
 * index order; a second is merged once every source has reported it (or ended), so the merged
 * windows come out complete and in order. Merging goes through mergeWindow (counts add, HDR
 * histograms merge exactly), so whatever a window holds is combined without code here.
 */
export class WindowMerger {
  private readonly reported: number[];
  private readonly ended: boolean[];
  private readonly pending = new Map<number, WindowStats>();
  /** Merged windows handed back (recycle): their HDR histograms (~90 KB each, 6 + 4 per request) are reused. */
  private readonly spare: WindowStats[] = [];
  private nextIndex = 0;

  constructor(sources: number) {
    this.reported = new Array<number>(sources).fill(-1);
    this.ended = new Array<boolean>(sources).fill(false);
  }

  /** Whether every source has ended. */
  get allEnded(): boolean {
    return this.ended.every(Boolean);
  }

  /** Adds source `source`'s window (copied: the caller may reuse the object). */
  add(source: number, w: WindowStats): void {
    this.reported[source] = Math.max(this.reported[source] ?? -1, w.index);
    const entry = this.pending.get(w.index);
    if (entry) {
      mergeWindow(entry, w);
      return;
    }
    const reused = this.spare.pop();
    const copy = reused && reused.requests.length === w.requests.length ? resetWindow(reused, w.index) : newWindow(w.index, w.requests.length);
    mergeWindow(copy, w);
    copy.length = w.length;
    copy.inFlight = w.inFlight;
    this.pending.set(w.index, copy);
  }

  /** A drained window its reader is done with (it kept nothing of it): reused for a later second. */
  recycle(w: WindowStats): void {
    if (this.spare.length < 2) this.spare.push(w);
  }

  /** Source `source` will report no more windows. */
  end(source: number): void {
    this.ended[source] = true;
  }

  /** The merged windows every source has reported (every pending one when `all`), in index order. */
  drain(all = false): WindowStats[] {
    const out: WindowStats[] = [];
    for (;;) {
      const idx = this.nextIndex;
      const ready = this.reported.every((r, i) => r >= idx || this.ended[i]);
      if (!all && !ready) return out;
      const entry = this.pending.get(idx);
      if (!entry) {
        if (![...this.pending.keys()].some((k) => k > idx)) return out;
        this.nextIndex++;
        continue;
      }
      this.pending.delete(idx);
      this.nextIndex++;
      out.push(entry);
    }
  }
}
