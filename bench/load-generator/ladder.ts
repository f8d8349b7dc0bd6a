// The fixed-rate ladder: our engine at each rate, back to back with wrk2 at the same rate against
// the same nginx (or next to nginx's own view of the requests), in alternating order, N rounds.
import { loadavg } from 'node:os';
import type { Nginx, TargetView } from './nginx.js';
import type { Wrk2Result } from './wrk2.js';

export const LADDER_RATES = [1000, 4000, 10_000, 20_000, 40_000];

/** One run of our engine at a constant rate. */
export interface OursResult {
  sent_pct: number;
  p50_ms: number;
  p99_ms: number;
  lag_p99_ms: number;
  intended_to_sent_p99_ms: number;
  sent_to_first_byte_p99_ms: number;
  first_byte_to_done_p99_ms: number;
  cpu_us_per_request: number;
  engine_utilization: number;
  threads: number;
  bottleneck: string | null;
}

export interface Wrk2Summary extends Wrk2Result {
  sent_pct: number;
}

export interface Rung {
  rate: number;
  seconds: number;
  /** Every round, in the order they ran. */
  rounds: Array<{ ours: OursResult; wrk2: Wrk2Summary | null; target: TargetView | null; load_avg: number }>;
  /** Medians over the rounds, field by field. */
  ours: OursResult;
  wrk2: Wrk2Summary | null;
  target: TargetView | null;
  load_avg: number;
  /** Against wrk2 (null without it): ≥ 99 % sent, p99 ≤ max(wrk2 + 2 ms, 1.5 × wrk2), p50 ≤ wrk2 + 1 ms. */
  pass: { sent: boolean; p99: boolean; p50: boolean } | null;
}

export const LADDER_CRITERIA = 'ours: ≥ 99 % of the schedule sent; p99 ≤ max(wrk2 p99 + 2 ms, 1.5 × wrk2 p99); p50 ≤ wrk2 p50 + 1 ms (medians of the rounds, from the intended send time for both)';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return 0;
  return n % 2 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
};

/** Field-by-field medians of numeric records (the first record's other fields are kept). */
function medianOf<T extends object>(rows: T[]): T {
  const first = rows[0] as T;
  const out = { ...first } as Record<string, unknown>;
  for (const [k, v] of Object.entries(first)) {
    if (typeof v === 'number') out[k] = Math.round(median(rows.map((r) => (r as Record<string, number>)[k] as number)) * 1000) / 1000;
  }
  return out as T;
}

export interface LadderOptions {
  rates: number[];
  seconds: number;
  rounds: number;
  nginx: Nginx;
  ours(rate: number, seconds: number): Promise<OursResult>;
  /** Absent without WRK2: nginx's access log is read instead. */
  wrk2?: (rate: number, seconds: number) => Promise<Wrk2Result>;
  log(line: string): void;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runLadder(o: LadderOptions): Promise<Rung[]> {
  const rungs: Rung[] = [];
  for (const rate of o.rates) {
    const rounds: Rung['rounds'] = [];
    for (let round = 0; round < o.rounds; round++) {
      const load = loadavg()[0] ?? 0;
      let ours: OursResult | undefined;
      let wrk2: Wrk2Summary | null = null;
      let target: TargetView | null = null;
      // Alternating order, so drift on a shared box hits both.
      const order = round % 2 === 0 ? ['wrk2', 'ours'] : ['ours', 'wrk2'];
      for (const who of order) {
        await pause(1000);
        if (who === 'ours') {
          if (!o.wrk2) o.nginx.mark();
          ours = await o.ours(rate, o.seconds);
          if (!o.wrk2) target = await o.nginx.view();
        } else if (o.wrk2) {
          const w = await o.wrk2(rate, o.seconds);
          wrk2 = { ...w, sent_pct: Math.round((w.requests / (rate * o.seconds)) * 10000) / 100 };
        }
      }
      const r = ours as OursResult;
      o.log(
        `  ${rate} rps round ${round + 1}: ours sent ${r.sent_pct} % p50 ${r.p50_ms} p99 ${r.p99_ms} ms (intended→sent p99 ${r.intended_to_sent_p99_ms}, lag p99 ${r.lag_p99_ms}, ${r.threads} thread(s), busy ${Math.round(r.engine_utilization * 100)} %, ${r.cpu_us_per_request} µs/request${r.bottleneck ? `, bottleneck: ${r.bottleneck}` : ''})` +
          (wrk2 ? ` | wrk2 sent ${wrk2.sent_pct} % p50 ${wrk2.p50_ms} p99 ${wrk2.p99_ms} ms (${wrk2.cpu_us_per_request} µs/request)` : '') +
          (target ? ` | nginx logged ${target.requests}, $request_time p99 ${target.request_time_p99_ms} ms` : '') +
          ` | load ${load.toFixed(2)}`,
      );
      rounds.push({ ours: r, wrk2, target, load_avg: Math.round(load * 100) / 100 });
    }
    const ours = medianOf(rounds.map((x) => x.ours));
    const wrk2s = rounds.map((x) => x.wrk2).filter((x): x is Wrk2Summary => x !== null);
    const wrk2 = wrk2s.length ? medianOf(wrk2s) : null;
    const targets = rounds.map((x) => x.target).filter((x): x is TargetView => x !== null);
    rungs.push({
      rate,
      seconds: o.seconds,
      rounds,
      ours,
      wrk2,
      target: targets.length ? medianOf(targets) : null,
      load_avg: Math.round(median(rounds.map((x) => x.load_avg)) * 100) / 100,
      pass: wrk2 ? { sent: ours.sent_pct >= 99, p99: ours.p99_ms <= Math.max(wrk2.p99_ms + 2, 1.5 * wrk2.p99_ms), p50: ours.p50_ms <= wrk2.p50_ms + 1 } : null,
    });
  }
  return rungs;
}

/** The ladder as a markdown table. */
export function ladderTable(rungs: Rung[]): string {
  const withWrk2 = rungs.some((r) => r.wrk2);
  const head = withWrk2
    ? '| rate | wrk2 p50 / p99 | ours p50 / p99 | ours sent | lag p99 | p99 intended→sent / sent→first byte / first byte→done | CPU µs/req ours / wrk2 | threads | load | pass |\n|---|---|---|---|---|---|---|---|---|---|'
    : '| rate | ours p50 / p99 | ours sent | nginx logged | lag p99 | p99 intended→sent / sent→first byte / first byte→done | CPU µs/req | threads | load |\n|---|---|---|---|---|---|---|---|---|';
  const rows = rungs.map((r) => {
    const o = r.ours;
    const phases = `${o.intended_to_sent_p99_ms} / ${o.sent_to_first_byte_p99_ms} / ${o.first_byte_to_done_p99_ms}`;
    if (withWrk2) {
      const pass = r.pass ? (r.pass.sent && r.pass.p99 && r.pass.p50 ? 'pass' : `FAIL (${Object.entries(r.pass).filter(([, ok]) => !ok).map(([k]) => k).join(', ')})`) : '';
      return `| ${r.rate} | ${r.wrk2 ? `${r.wrk2.p50_ms} / ${r.wrk2.p99_ms} ms` : '—'} | ${o.p50_ms} / ${o.p99_ms} ms | ${o.sent_pct} % | ${o.lag_p99_ms} ms | ${phases} ms | ${o.cpu_us_per_request} / ${r.wrk2?.cpu_us_per_request ?? '—'} | ${o.threads} | ${r.load_avg} | ${pass} |`;
    }
    return `| ${r.rate} | ${o.p50_ms} / ${o.p99_ms} ms | ${o.sent_pct} % | ${r.target?.requests ?? '—'} | ${o.lag_p99_ms} ms | ${phases} ms | ${o.cpu_us_per_request} | ${o.threads} | ${r.load_avg} |`;
  });
  return [head, ...rows].join('\n');
}
