/**
 * Counts the statements that hold or wait for one of the pool's connections, and holds statements
 * back when the pool_limit fault allows fewer connections than the pool has.
 *
 * Without the fault a statement goes to the driver at once, even when every connection is busy:
 * the driver (postgres.js with max_pipeline 1, or PGlite's single session) queues it itself, in
 * arrival order, and runs it when a connection frees. Holding it back here instead, in a promise
 * queue in front of the driver's own, cost ~20 % of the API's throughput at saturation, with
 * telemetry on and off (measured by bench/todo-api.bench.ts). Because both queues are FIFO and a
 * connection runs one statement at a time, the gate still knows, without asking the driver, how
 * many statements wait (those beyond the pool's size) and how long each waited (until as many
 * statements as were ahead of it had finished).
 *
 * With the fault, statements beyond the fault's limit wait here, in arrival order, so that at most
 * that many reach the driver.
 */
export class ConnectionGate {
  /** Statements handed to the driver and not finished: running, or queued in the driver. */
  private inDriver = 0;
  /** Statements held back here (pool_limit). */
  private readonly waiting: Array<{ since: bigint; admit: () => void }> = [];
  /** When each statement queued in the driver was handed to it, oldest first. */
  private readonly queuedSince: bigint[] = [];

  constructor(
    /** The pool's connections. */
    private readonly poolSize: number,
    /** The pool_limit fault's connections, when it is on. */
    private readonly faultLimit: () => number | undefined,
    /** Told of every statement once it has a connection, with the seconds it waited for one (0 for most). */
    private readonly waited: (seconds: number) => void = () => undefined,
  ) {}

  /** The connections statements may use now. */
  get max(): number {
    return Math.min(this.poolSize, this.faultLimit() ?? this.poolSize);
  }

  /** Statements holding a connection now. */
  get used(): number {
    return Math.min(this.inDriver, this.max);
  }

  /** Statements waiting for a connection now, here or in the driver. */
  get pending(): number {
    return this.waiting.length + this.queuedSince.length;
  }

  /**
   * Resolves when the statement may go to the driver; the caller must `release()` exactly once
   * after it finished. Returns undefined (no promise, no wait) unless the pool_limit fault holds it
   * back, the common case.
   */
  acquire(): Promise<void> | undefined {
    const limit = this.blockAt();
    if (limit !== undefined && (this.waiting.length > 0 || this.inDriver >= limit)) {
      const since = process.hrtime.bigint();
      return new Promise<void>((admit) => this.waiting.push({ since, admit }));
    }
    this.enter(process.hrtime.bigint());
    return undefined;
  }

  /** A statement finished: its connection runs the oldest statement queued in the driver, if any. */
  release(): void {
    this.inDriver--;
    const since = this.queuedSince.shift();
    if (since !== undefined) this.waited(secondsSince(since));
    this.admit();
  }

  /** Lets statements held back here go while the limit allows: after a release, or when it was raised or lifted. */
  admit(): void {
    while (this.waiting.length > 0) {
      const limit = this.blockAt();
      if (limit !== undefined && this.inDriver >= limit) return;
      const next = this.waiting.shift() as { since: bigint; admit: () => void };
      this.enter(next.since);
      next.admit();
    }
  }

  /** How many statements may be in the driver under the pool_limit fault (never more than the pool); undefined without it. */
  private blockAt(): number | undefined {
    const limit = this.faultLimit();
    return limit === undefined ? undefined : Math.min(limit, this.poolSize);
  }

  /** Hands a statement to the driver: it runs at once when a connection is free, else it queues there. */
  private enter(since: bigint): void {
    if (this.inDriver < this.poolSize) this.waited(secondsSince(since));
    else this.queuedSince.push(since);
    this.inDriver++;
  }
}

function secondsSince(t: bigint): number {
  return Number(process.hrtime.bigint() - t) / 1e9;
}
