import { ERROR_CLASSES, type SeriesPoint } from './wire.js';

const FIXED = ['t', 'target_rps', 'sent', 'ok', 'failed', 'dropped', 'in_flight', 'p50_ms', 'p95_ms', 'p99_ms', 'service_p50_ms', 'service_p99_ms', 'lag_p99_ms'] as const;

/** The series as CSV: one row per second, a header, one `status_<code>` column per code seen and one `errors_<class>` per class. */
export function seriesCsv(points: SeriesPoint[]): string {
  const codes = [...new Set(points.flatMap((p) => Object.keys(p.status_codes)))].sort();
  const header = [...FIXED, ...codes.map((c) => `status_${c}`), ...ERROR_CLASSES.map((e) => `errors_${e}`)];
  const rows = points.map((p) => [...FIXED.map((k) => p[k]), ...codes.map((c) => p.status_codes[c] ?? 0), ...ERROR_CLASSES.map((e) => p.errors[e])].join(','));
  return `${[header.join(','), ...rows].join('\n')}\n`;
}
