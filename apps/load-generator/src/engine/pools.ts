/** Values kept per captured name and run (per thread: see README, "Traffic mixes"). */
export const POOL_CAPACITY = 10_000;

/**
 * The captured values of one name: the newest POOL_CAPACITY, in a ring. `take` leaves a hole that
 * later compactions close; holes never outnumber values (a pick probes two slots on average), and
 * a full ring evicts its oldest slot unless an eighth of it is holes, which it compacts instead.
 * Every operation is O(1) amortised: the hot path of a capturing run stays flat.
 */
export class CapturePool {
  private slots: Array<string | undefined>;
  private head = 0;
  /** Slots in use, values and holes. */
  private used = 0;
  /** Values. */
  size = 0;

  constructor(readonly capacity = POOL_CAPACITY) {
    this.slots = new Array<string | undefined>(capacity);
  }

  add(value: string): void {
    if (this.used === this.capacity) {
      if (this.used - this.size >= this.capacity / 8) this.compact();
      else {
        if (this.slots[this.head] !== undefined) this.size--;
        this.slots[this.head] = undefined;
        this.head = (this.head + 1) % this.capacity;
        this.used--;
      }
    }
    this.slots[(this.head + this.used) % this.capacity] = value;
    this.used++;
    this.size++;
  }

  /** A value chosen by `u` ∈ [0, 1), left in the pool; undefined when empty. */
  pick(u: number): string | undefined {
    const i = this.find(u);
    return i < 0 ? undefined : this.slots[i];
  }

  /** A value chosen by `u` ∈ [0, 1), removed from the pool; undefined when empty. */
  take(u: number): string | undefined {
    const i = this.find(u);
    if (i < 0) return undefined;
    const value = this.slots[i];
    this.slots[i] = undefined;
    this.size--;
    if (this.size === 0) {
      this.head = 0;
      this.used = 0;
    } else if (this.size * 2 < this.used && this.used > 32) this.compact();
    return value;
  }

  private find(u: number): number {
    if (this.size === 0) return -1;
    const start = Math.min(this.used - 1, Math.floor(u * this.used));
    for (let n = 0; n < this.used; n++) {
      const i = (this.head + ((start + n) % this.used)) % this.capacity;
      if (this.slots[i] !== undefined) return i;
    }
    return -1;
  }

  /** Closes the holes, oldest value first. */
  private compact(): void {
    const values: string[] = [];
    for (let n = 0; n < this.used; n++) {
      const v = this.slots[(this.head + n) % this.capacity];
      if (v !== undefined) values.push(v);
    }
    this.slots = new Array<string | undefined>(this.capacity);
    values.forEach((v, i) => (this.slots[i] = v));
    this.head = 0;
    this.used = values.length;
    this.size = values.length;
  }
}
