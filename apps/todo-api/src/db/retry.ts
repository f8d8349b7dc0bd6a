/**
 * Client-side transaction retries. CockroachDB runs every transaction SERIALIZABLE and answers a
 * conflict with SQLSTATE 40001 ("restart transaction"); the transaction was aborted, nothing of it
 * was committed, and the client is expected to run it again, with backoff:
 * https://www.cockroachlabs.com/docs/stable/transaction-retry-error-reference#client-side-retry-handling
 * PostgreSQL aborts the loser of a deadlock with 40P01, which is just as safe to run again.
 * Anything else (40003 "statement completion unknown" above all: the commit may have happened)
 * is never retried here.
 */
import { decorateDriver, sqlState, type BaseDriver, type Driver } from './driver.js';

export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['40001', '40P01']);

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** Ceiling of the first wait, ms; each retry doubles it up to `maxDelayMs` ("full jitter"). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 20, maxDelayMs: 1000 };

export interface RetryEvent {
  /** SQLSTATE that caused the retry. */
  code: string;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  /** How long we wait before the next attempt, ms. */
  delayMs: number;
  /** The failed work: 'query', 'exec' or 'transaction'. */
  kind: string;
  message: string;
}

export interface RetryOptions {
  policy?: Partial<RetryPolicy>;
  /** Called before each wait (logging, metrics). */
  onRetry?: (event: RetryEvent) => void;
  /** Source of randomness for the jitter (tests make it deterministic). */
  random?: () => number;
}

export class RetryRunner {
  private readonly policy: RetryPolicy;
  private readonly counts: Record<string, number> = {};

  constructor(private readonly options: RetryOptions = {}) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  }

  /** Retries counted so far, per SQLSTATE. */
  get retries(): Readonly<Record<string, number>> {
    return this.counts;
  }

  /** Runs `work`, again after a jittered exponential backoff while it fails with a retryable code. */
  async run<T>(kind: string, work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        const code = sqlState(err);
        if (!code || !RETRYABLE_CODES.has(code) || attempt >= this.policy.maxAttempts) throw err;
        const ceiling = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
        const delayMs = Math.round((this.options.random ?? Math.random)() * ceiling);
        this.counts[code] = (this.counts[code] ?? 0) + 1;
        this.options.onRetry?.({ code, attempt, delayMs, kind, message: (err as Error).message });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }
}

/** Adds client-side retries on top of an adapter (the one place both adapters get them from). */
export function withRetries(base: BaseDriver, options: RetryOptions = {}): Driver {
  const runner = new RetryRunner(options);
  return decorateDriver(
    base,
    {
      query: (text, params) => runner.run('query', () => base.query(text, params)),
      exec: (text) => runner.run('exec', () => base.exec(text)),
      transaction: (fn) => runner.run('transaction', () => base.transaction(fn)),
    },
    {
      get retries() {
        return runner.retries;
      },
    },
  );
}
