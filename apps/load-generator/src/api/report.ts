import { ERROR_CLASSES, type RequestPoint, type SeriesPoint } from '../contract/schemas.js';

const FIXED = [
  't',
  'target_rps',
  'sent',
  'ok',
  'failed',
  'dropped',
  'in_flight',
  'p50_ms',
  'p95_ms',
  'p99_ms',
  'service_p50_ms',
  'service_p99_ms',
  'intended_to_sent_p50_ms',
  'intended_to_sent_p99_ms',
  'sent_to_first_byte_p50_ms',
  'sent_to_first_byte_p99_ms',
  'first_byte_to_done_p50_ms',
  'first_byte_to_done_p99_ms',
  'lag_p99_ms',
  'engine_utilization',
] as const;
const PER_REQUEST: ReadonlyArray<keyof RequestPoint> = ['sent', 'ok', 'failed', 'dropped', 'p50_ms', 'p99_ms'];

/**
 * The series as CSV: one row per second, a header, one `status_<code>` column per code seen, one
 * `errors_<class>` per class, then `requests.<name>.<field>` per request of the mix (request names
 * hold no commas or quotes, so no column needs quoting).
 */
export function seriesCsv(points: SeriesPoint[]): string {
  const codes = [...new Set(points.flatMap((p) => Object.keys(p.status_codes)))].sort();
  const names = [...new Set(points.flatMap((p) => Object.keys(p.requests ?? {})))];
  const header = [
    ...FIXED,
    ...codes.map((c) => `status_${c}`),
    ...ERROR_CLASSES.map((e) => `errors_${e}`),
    ...names.flatMap((n) => PER_REQUEST.map((f) => `requests.${n}.${f}`)),
  ];
  const rows = points.map((p) =>
    [
      ...FIXED.map((k) => p[k]),
      ...codes.map((c) => p.status_codes[c] ?? 0),
      ...ERROR_CLASSES.map((e) => p.errors[e]),
      ...names.flatMap((n) => PER_REQUEST.map((f) => p.requests?.[n]?.[f] ?? 0)),
    ].join(','),
  );
  return `${[header.join(','), ...rows].join('\n')}\n`;
}
