/**
 * At most `limit()` statements hold a connection at once; the rest wait in arrival order. The
 * limit is the driver's pool size (or less, under the pool_limit fault), so the gate sees what the
 * pool would hide: how many statements wait for a connection and for how long.
 */
export class ConnectionGate {
  private inUse = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: () => number) {}

  /** Statements holding a connection now. */
  get used(): number {
    return this.inUse;
  }

  /** Statements waiting for a connection now. */
  get pending(): number {
    return this.waiting.length;
  }

  get max(): number {
    return this.limit();
  }

  /**
   * Resolves when a connection is free; the caller must `release()` it exactly once. Returns
   * undefined (no promise, no wait) when one is free at once, the common case.
   */
  acquire(): Promise<void> | undefined {
    if (this.waiting.length === 0 && this.inUse < this.limit()) {
      this.inUse++;
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    this.inUse--;
    this.admit();
  }

  /** Lets waiters in while the limit allows: after a release, or when the limit was raised. */
  admit(): void {
    while (this.waiting.length > 0 && this.inUse < this.limit()) {
      this.inUse++;
      (this.waiting.shift() as () => void)();
    }
  }
}
