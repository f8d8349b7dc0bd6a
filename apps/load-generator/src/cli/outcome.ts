import type { RunSummary } from '../contract/schemas.js';
import { textReport } from './report.js';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Reads standard input to its end (for --password-stdin). */
  readStdin?(): Promise<string>;
  /** Called with a stop function while a run is active (SIGINT wiring). */
  onRun?(stop: () => void): () => void;
}

/** A bad command line: exit 2 with the usage. */
export class UsageError extends Error {}

export interface Thresholds {
  /** Milliseconds. */
  maxP99: number | undefined;
  /** A fraction. */
  maxErrorRate: number | undefined;
}

/**
 * Prints the result (the text report, or `json` as JSON) with the thresholds' verdict; the exit
 * code: 1 when a threshold is breached or the run failed.
 */
export function finish(io: CliIO, summary: RunSummary, json: unknown, { maxP99, maxErrorRate }: Thresholds, extra: string[] = []): number {
  const breaches: string[] = [];
  if (maxP99 !== undefined && summary.latency.p99 > maxP99) breaches.push(`p99 latency ${summary.latency.p99} ms > ${maxP99} ms`);
  const errorRate = summary.sent > 0 ? summary.failed / summary.sent : 0;
  if (maxErrorRate !== undefined && errorRate > maxErrorRate) breaches.push(`error rate ${(errorRate * 100).toFixed(2)}% > ${(maxErrorRate * 100).toFixed(2)}%`);
  if (json !== undefined) io.out(`${JSON.stringify(json, null, 2)}\n`);
  else {
    io.out(`${[textReport(summary), ...extra].join('\n')}\n`);
    if (maxP99 !== undefined || maxErrorRate !== undefined) io.out(breaches.length ? `Thresholds breached: ${breaches.join('; ')}\n` : 'Thresholds met.\n');
  }
  if (breaches.length && json !== undefined) io.err(`Thresholds breached: ${breaches.join('; ')}\n`);
  return breaches.length > 0 || summary.state === 'failed' ? 1 : 0;
}
