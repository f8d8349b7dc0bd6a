import { toWireInSteps, type WindowStats, type WireWindow } from './stats.js';

/**
 * Encodes windows (toWire) a histogram per event-loop turn, in order, so the thread that encodes
 * keeps sending what falls due in between: a window holds 6 + 4 histograms per request of the mix,
 * 0.1–0.3 ms apiece, and encoding them at once stalled the sending thread 2–6 ms every second,
 * 15–25 ms the first time (measured at 10 000 rps; bench/). `flush` encodes what is left at once,
 * for the end of a run, whose windows must then all be there.
 */
export class WindowEncoder {
  private queue: Array<{ w: WindowStats; steps: Generator<undefined, WireWindow, undefined> }> = [];
  private timer: NodeJS.Immediate | undefined;

  /** `encoded` gets each window's wire form, in the order they were added; `w` is then free to reuse. */
  constructor(private readonly encoded: (wire: WireWindow, w: WindowStats) => void) {}

  add(w: WindowStats): void {
    this.queue.push({ w, steps: toWireInSteps(w) });
    this.timer ??= setImmediate(this.step);
  }

  /** Encodes every queued window now. */
  flush(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = undefined;
    for (;;) {
      const head = this.queue.shift();
      if (!head) return;
      let step = head.steps.next();
      while (!step.done) step = head.steps.next();
      this.encoded(step.value, head.w);
    }
  }

  private readonly step = (): void => {
    this.timer = undefined;
    const head = this.queue[0];
    if (!head) return;
    const step = head.steps.next();
    if (step.done) {
      this.queue.shift();
      this.encoded(step.value, head.w);
    }
    if (this.queue.length > 0) this.timer = setImmediate(this.step);
  };
}
