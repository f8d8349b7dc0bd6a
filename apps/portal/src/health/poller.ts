import type { ServiceTarget } from '../config.js';
import type { Fetch } from '../outbound.js';

export interface ProbeResult {
  up: boolean;
  latency_ms: number | null;
  checked_at: string;
  error?: string;
}

export interface PollerOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Called after every probe (sets portal_service_up). */
  onResult?: (id: string, result: ProbeResult) => void;
  /** Ids answered without probing, as up (the portal itself: it is serving this request). */
  self?: string;
  /** How probes go out (the app's own connection pool); the global fetch by default. */
  fetch?: Fetch;
}

/** One health probe: GET <internalUrl><healthPath>, 2xx within the timeout = up. */
export async function probe(url: string, timeoutMs: number, fetch: Fetch = globalThis.fetch): Promise<ProbeResult> {
  const started = performance.now();
  const checked_at = new Date().toISOString();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json, text/plain, */*' } });
    await res.body?.cancel().catch(() => undefined);
    const latency_ms = Math.round(performance.now() - started);
    return res.ok ? { up: true, latency_ms, checked_at } : { up: false, latency_ms, checked_at, error: `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { up: false, latency_ms: null, checked_at, error: reason };
  }
}

/**
 * Probes every polled service on a fixed interval, at most one probe per service in flight,
 * each bounded by a timeout, and keeps the latest result. A stopped service is seen as down on
 * the next round (interval + timeout), and as up again on the round after it is back. Its timer
 * is not unref'd: stop() clears it, and one left running must show.
 */
export class HealthPoller {
  private readonly results = new Map<string, ProbeResult>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private first: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly targets: ServiceTarget[],
    private readonly options: PollerOptions,
  ) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.first = this.runRound();
    this.timer = setInterval(() => {
      if (!this.round) void this.runRound();
    }, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.round;
  }

  /** Resolves when the first round has finished (at most one timeout after start). */
  ready(): Promise<void> {
    return this.first ?? Promise.resolve();
  }

  result(id: string): ProbeResult | undefined {
    return this.results.get(id);
  }

  private runRound(): Promise<void> {
    const polled = this.targets.filter((t) => t.internalUrl !== null);
    this.round = Promise.all(
      polled.map(async (t) => {
        const result =
          t.info.id === this.options.self
            ? { up: true, latency_ms: null, checked_at: new Date().toISOString() }
            : await probe(`${t.internalUrl}${t.info.healthPath}`, this.options.timeoutMs, this.options.fetch);
        if (this.stopped) return;
        this.results.set(t.info.id, result);
        this.options.onResult?.(t.info.id, result);
      }),
    ).then(() => {
      this.round = undefined;
    });
    return this.round;
  }
}
