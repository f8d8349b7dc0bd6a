import type { RunSummary, SeriesPoint } from '../contract/schemas.js';

const f1 = (x: number) => x.toFixed(1);

export function progressLine(point: SeriesPoint): string {
  const errors = point.failed;
  return `${String(point.t + 1).padStart(5)}s  target ${f1(point.target_rps).padStart(8)} rps  achieved ${f1(point.sent).padStart(8)} rps  p99 ${f1(point.p99_ms).padStart(7)} ms  errors ${String(errors).padStart(5)}  dropped ${String(point.dropped).padStart(5)}  in-flight ${point.in_flight}  intended→sent p99 ${f1(point.intended_to_sent_p99_ms)} ms`;
}

/**
 * The progress line of a second of the schedule, or '' for the window after its end: answers that
 * came in late fall there, counted in the final report; a 2 s run prints two lines, not three.
 */
export function progressOutput(point: SeriesPoint, duration: number): string {
  return point.t < duration ? `${progressLine(point)}\n` : '';
}

const table = (rows: string[][]): string[] => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => `    ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`);
};

/** One row per request of the mix: the real share of arrivals, counts and latency (from the intended time). */
export function requestsTable(s: RunSummary): string[] {
  const entries = Object.entries(s.requests ?? {});
  const arrivals = entries.reduce((n, [, r]) => n + r.sent + r.dropped, 0);
  const rows = entries.map(([name, r]) => {
    const codes = Object.entries(r.status_codes).map(([c, n]) => `${c}×${n}`).join(' ') || '-';
    const share = arrivals ? `${((100 * (r.sent + r.dropped)) / arrivals).toFixed(1)}%` : '-';
    return [name, r.method, share, String(r.sent), String(r.ok), String(r.failed), String(r.latency.p50), String(r.latency.p99), String(r.latency.max), codes];
  });
  return table([['request', 'method', 'share', 'sent', 'ok', 'failed', 'p50 ms', 'p99 ms', 'max ms', 'status codes'], ...rows]);
}

export function textReport(s: RunSummary): string {
  const pct = (p: RunSummary['latency']) => `p50 ${p.p50}  p90 ${p.p90}  p95 ${p.p95}  p99 ${p.p99}  p99.9 ${p.p999}  max ${p.max} ms`;
  const codes = Object.entries(s.status_codes).map(([c, n]) => `${c} × ${n}`).join(', ') || 'none';
  const errs = Object.entries(s.errors).filter(([, n]) => n > 0).map(([c, n]) => `${c} × ${n}`).join(', ') || 'none';
  const names = Object.keys(s.requests ?? {});
  const mix = names.length > 1;
  return [
    `Run ${s.state}${s.error ? ` (${s.error})` : ''}: ${mix ? `a mix of ${names.length} requests (${names.join(', ')})` : `${s.target.method} ${s.target.url}`}`,
    `  profile ${s.profile}, R = ${s.target_rate} rps, ${s.duration} s, seed ${s.seed}; elapsed ${s.elapsed} s`,
    `  sent ${s.sent}  ok ${s.ok}  failed ${s.failed}  dropped ${s.dropped}  achieved ${s.achieved_rps} rps${mix && s.redrawn ? `  redrawn ${s.redrawn}` : ''}`,
    `  latency (from intended send)  ${pct(s.latency)}`,
    `  service latency (from send)   ${pct(s.service_latency)}`,
    `    intended → sent             ${pct(s.latency_breakdown.intended_to_sent)}`,
    `    sent → first byte           ${pct(s.latency_breakdown.sent_to_first_byte)}`,
    `    first byte → done           ${pct(s.latency_breakdown.first_byte_to_done)}`,
    `  scheduler lag p99 ${s.lag_p99_ms} ms, engine threads busy ${Math.round(s.engine_utilization * 100)} %`,
    `  status codes: ${codes}`,
    `  errors: ${errs}`,
    ...(mix ? ['  requests:', ...requestsTable(s)] : []),
    ...s.warnings.map((w) => `WARNING: ${w}`),
  ].join('\n');
}
