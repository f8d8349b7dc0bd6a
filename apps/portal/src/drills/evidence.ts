import { formatDuration, parseDuration } from '@o11y/platform';
import type { Evidence, Text, Unit } from './schema.js';

/**
 * The evidence library: generic PromQL over what Prometheus scrapes from the todo API and the
 * load generator. Every drill lists some of these; none names the drill's route, operation or
 * numbers, so a solver that runs the same queries learns nothing it could not learn from the data
 * (see README.md next to this file for how each drill is told apart).
 *
 * Each is evaluated over the fault window (a range query, step = the scrape interval) and read by
 * its highest or lowest value per series, compared with the same over the minutes before the fault.
 */

const API = 'job="todo-api"';
const API_ROUTES = `${API},route=~"/api/.+",route!~"/api/faults.*"`;

interface Query {
  expr: string;
  over_window: 'max' | 'min';
  unit: Unit;
  explain: Text;
}

/**
 * The library for one PromQL range `r` of the rates (`1m` with 5 s scrapes, `12s` with 1 s; the heap trend over
 * 2r): about twelve scrapes, so a rate is steady and still follows a change within the range.
 */
export function evidenceQueries(r: string = DEFAULT_RANGE) {
  const r2 = doubled(r);
  return {
  route_p50: {
    expr: `histogram_quantile(0.5, sum by (le, method, route) (rate(http_server_request_duration_seconds_bucket{${API_ROUTES}}[${r}])))`,
    over_window: 'max',
    unit: 'seconds',
    explain: { en: 'Median latency of each route (steadier than the tail on a busy machine).', ru: 'Медиана задержки каждого маршрута (устойчивее хвоста на загруженной машине).' },
  },
  route_p99: {
    expr: `histogram_quantile(0.99, sum by (le, method, route) (rate(http_server_request_duration_seconds_bucket{${API_ROUTES}}[${r}])))`,
    over_window: 'max',
    unit: 'seconds',
    explain: { en: 'p99 latency of each route.', ru: 'p99 задержки каждого маршрута.' },
  },
  route_error_ratio: {
    // `or 0 * …`: a route without any 5xx reads 0 rather than having no series.
    expr:
      `(sum by (method, route) (rate(http_server_request_duration_seconds_count{${API_ROUTES},status_code=~"5.."}[${r}]))` +
      ` or 0 * sum by (method, route) (rate(http_server_request_duration_seconds_count{${API_ROUTES}}[${r}])))` +
      ` / sum by (method, route) (rate(http_server_request_duration_seconds_count{${API_ROUTES}}[${r}]))`,
    over_window: 'max',
    unit: 'ratio',
    explain: { en: 'Share of 5xx answers of each route.', ru: 'Доля ответов 5xx каждого маршрута.' },
  },
  route_rps: {
    expr: `sum by (method, route) (rate(http_server_request_duration_seconds_count{${API_ROUTES}}[${r}]))`,
    over_window: 'max',
    unit: 'per_second',
    explain: { en: 'Requests per second the todo API serves on each route.', ru: 'Запросов в секунду на каждый маршрут todo API.' },
  },
  loadgen_request_rps: {
    expr: `sum by (request) (rate(loadgen_requests_total{job="load-generator"}[${r}]))`,
    over_window: 'max',
    unit: 'per_second',
    explain: { en: 'Requests per second the load generator sends, by request type of the mix.', ru: 'Запросов в секунду от генератора нагрузки по типам запросов смеси.' },
  },
  db_op_p50: {
    expr: `histogram_quantile(0.5, sum by (le, operation) (rate(db_client_operation_duration_seconds_bucket{${API}}[${r}])))`,
    over_window: 'max',
    unit: 'seconds',
    explain: {
      en: 'Median duration of database statements by operation, once the statement has a connection (a shared disk makes the tail noisy, the median moves only when every statement slows).',
      ru: 'Медиана длительности запросов к БД по операциям, с момента получения соединения (общий диск шумит в хвосте, медиана сдвигается, только когда медленнее каждый запрос).',
    },
  },
  db_op_p99: {
    expr: `histogram_quantile(0.99, sum by (le, operation) (rate(db_client_operation_duration_seconds_bucket{${API}}[${r}])))`,
    over_window: 'max',
    unit: 'seconds',
    explain: {
      en: 'p99 duration of database statements by operation, measured once the statement has a connection.',
      ru: 'p99 длительности запросов к БД по операциям (с момента, когда у запроса есть соединение).',
    },
  },
  db_wait: {
    expr: `sum(rate(db_client_connection_wait_time_seconds_sum{${API}}[${r}])) / sum(rate(db_client_connection_wait_time_seconds_count{${API}}[${r}]))`,
    over_window: 'max',
    unit: 'seconds',
    explain: { en: 'Average time a statement waits for a free connection.', ru: 'Среднее время ожидания свободного соединения.' },
  },
  db_pending: {
    expr: `max(db_client_connection_pending_requests{${API}})`,
    over_window: 'max',
    unit: 'count',
    explain: { en: 'Statements queued for a connection.', ru: 'Запросы к БД в очереди за соединением.' },
  },
  db_pool_usage: {
    expr: `sum(db_client_connection_count{${API},state="used"}) / sum(db_client_connection_max{${API}})`,
    over_window: 'max',
    unit: 'ratio',
    explain: { en: 'Share of the pool\'s connections in use.', ru: 'Доля занятых соединений пула.' },
  },
  db_up: {
    expr: `min(todo_database_up{${API}})`,
    over_window: 'min',
    unit: 'boolean',
    explain: { en: 'Whether the todo API reaches its database (0: it does not).', ru: 'Достаёт ли todo API до своей БД (0 — нет).' },
  },
  db_errors: {
    // A counter with no series before its first error: `or vector(0)` reads that as 0.
    expr: `sum(rate(db_client_errors_total{${API}}[${r}])) or vector(0)`,
    over_window: 'max',
    unit: 'per_second',
    explain: { en: 'Failed database statements per second.', ru: 'Неудачных запросов к БД в секунду.' },
  },
  cpu: {
    expr: `sum(rate(process_cpu_seconds_total{${API}}[${r}]))`,
    over_window: 'max',
    unit: 'cores',
    explain: { en: 'CPU the todo API process uses, in cores.', ru: 'CPU процесса todo API, в ядрах.' },
  },
  event_loop_lag: {
    expr: `max(nodejs_eventloop_lag_p99_seconds{${API}})`,
    over_window: 'max',
    unit: 'seconds',
    explain: { en: 'p99 event-loop lag: how long ready work waits for the one JS thread.', ru: 'p99 задержки event loop: сколько готовая работа ждёт единственный поток JS.' },
  },
  heap_used: {
    expr: `sum(nodejs_heap_size_used_bytes{${API}})`,
    over_window: 'max',
    unit: 'bytes',
    explain: { en: 'JS heap in use, bytes.', ru: 'Занятая куча JS, байты.' },
  },
  heap_growth: {
    expr: `sum(deriv(nodejs_heap_size_used_bytes{${API}}[${r2}]))`,
    over_window: 'max',
    unit: 'bytes_per_second',
    explain: { en: 'How fast the JS heap grows, bytes per second (garbage collection keeps it near 0).', ru: 'Скорость роста кучи JS, байт/с (сборка мусора держит её около 0).' },
  },
  rss: {
    expr: `sum(process_resident_memory_bytes{${API}})`,
    over_window: 'max',
    unit: 'bytes',
    explain: { en: 'Resident memory of the process, bytes.', ru: 'Резидентная память процесса, байты.' },
  },
  } satisfies Record<string, Query>;
}

/** The range of the rates with Prometheus' default-ish 5 s scrapes (the lab's SCRAPE_INTERVAL). */
export const DEFAULT_RANGE = '1m';

/** The library at the default range. */
export const QUERIES = evidenceQueries();

export type QueryId = keyof typeof QUERIES;

/** "1m" → "2m", "12s" → "24s", "1m30s" → "3m". */
function doubled(range: string): string {
  const seconds = /^(\d+(s|m|h))+$/.test(range) ? parseDuration(range) : undefined;
  if (!seconds) throw new Error(`evidence range must be a PromQL duration such as 1m or 12s (got ${JSON.stringify(range)})`);
  return formatDuration(seconds * 2);
}

/** The evidence of a drill: the queries at `range`, each with the library's explanation and what this drill shows in it. */
export function evidence(items: ReadonlyArray<[QueryId, Text]>, range: string = DEFAULT_RANGE): Evidence[] {
  const queries = evidenceQueries(range);
  return items.map(([id, seen]) => {
    const q: Query = queries[id];
    return { id, expr: q.expr, over_window: q.over_window, unit: q.unit, explain: { en: `${q.explain.en} ${seen.en}`, ru: `${q.explain.ru} ${seen.ru}` } };
  });
}
