import { seededRandom } from '@o11y/platform';
import { evidence } from './evidence.js';
import {
  FAULT_AFTER_S,
  FAULT_TTL_S,
  STATEMENTS_PER_REQUEST,
  createRng,
  resolveContext,
  type DrillContext,
  type DrillDefinition,
  type GeneratedDrill,
} from './generator.js';
import type { DrillInfo } from './schema.js';

const MiB = 1024 * 1024;
const pct = (p: number) => Math.round(p * 100);

/**
 * The drills. Each draws its parameters from the seed in a fixed order and sizes the database
 * faults from the background rate and the pool, so the fault is plain in the data at the rates
 * the sessions use without toppling the service. README.md beside this file says how a solver
 * tells each one from the others.
 */
export const DRILLS: readonly DrillDefinition[] = [
  {
    id: 'slow-endpoint',
    title: { en: 'Slow endpoint', ru: 'Медленный маршрут' },
    description: { en: 'Users complain that part of the app has become slow.', ru: 'Пользователи жалуются, что часть приложения стала медленной.' },
    difficulty: 'easy',
    build(rng, ctx) {
      const route = rng.pick(ctx.routes);
      const ms = rng.between(250, 1000, 10);
      return {
        duration_s: FAULT_TTL_S,
        fault: { latency: { ms, jitter_ms: Math.round(ms / 5), method: route.method, route: route.template, ...ctx.lifetime(FAULT_TTL_S) } },
        traffic: null,
        truth: { symptom: 'latency', where: route.key, layer: 'app' },
        hints: [
          { en: 'Compare the p99 latency of every route before and after the trouble started.', ru: 'Сравните p99 задержки всех маршрутов до и после начала проблемы.' },
          { en: 'The database, the CPU and the other routes look as before: the time goes inside the application, on one route.', ru: 'БД, CPU и остальные маршруты — как раньше: время уходит внутри приложения, на одном маршруте.' },
          { en: `Look at ${route.key}.`, ru: `Посмотрите на ${route.key}.` },
        ],
        evidence: evidence([
          ['route_p50', { en: `${route.key}: ${ms}–${ms + Math.round(ms / 5)} ms more than before (every request of it is delayed); the other routes as before.`, ru: `${route.key}: на ${ms}–${ms + Math.round(ms / 5)} мс больше, чем раньше (задержан каждый его запрос); остальные как были.` }],
          ['route_p99', { en: `${route.key} far above the rest.`, ru: `${route.key} намного выше остальных.` }],
          ['db_op_p50', { en: 'As before: not the database.', ru: 'Как раньше: не БД.' }],
          ['cpu', { en: 'As before: not the CPU (the time is spent waiting).', ru: 'Как раньше: не CPU (время уходит на ожидание).' }],
        ], ctx.evidence_range),
      };
    },
  },
  {
    id: 'error-burst',
    title: { en: 'Error burst', ru: 'Всплеск ошибок' },
    description: { en: 'Some requests fail with a server error.', ru: 'Часть запросов завершается ошибкой сервера.' },
    difficulty: 'easy',
    build(rng, ctx) {
      const route = rng.pick(ctx.routes);
      // At least ~12 errors in a minute of the route's traffic: 5 % of a route called once every
      // two seconds would stay invisible for minutes.
      const floor = Math.min(0.5, Math.max(0.05, Math.ceil((12 / (ctx.routeRate(route) * 60)) * 100) / 100));
      const probability = rng.between(floor, 0.5, 0.01);
      return {
        duration_s: FAULT_TTL_S,
        fault: { error: { probability, status: 500, method: route.method, route: route.template, ...ctx.lifetime(FAULT_TTL_S) } },
        traffic: null,
        truth: { symptom: 'errors', where: route.key, layer: 'app' },
        hints: [
          { en: 'Look at the share of 5xx answers, route by route.', ru: 'Посмотрите на долю ответов 5xx по маршрутам.' },
          { en: 'The database is up and its statements succeed: the errors come from the application itself.', ru: 'БД доступна и её запросы успешны: ошибки рождает само приложение.' },
          { en: `Look at ${route.key}.`, ru: `Посмотрите на ${route.key}.` },
        ],
        evidence: evidence([
          ['route_error_ratio', { en: `${route.key}: about ${pct(probability)} % 5xx; the other routes none.`, ru: `${route.key}: около ${pct(probability)} % ответов 5xx; у остальных — нет.` }],
          ['db_up', { en: 'Stays 1: the database is reachable.', ru: 'Остаётся 1: БД доступна.' }],
          ['db_errors', { en: 'Stays near 0: the statements succeed.', ru: 'Около 0: запросы к БД успешны.' }],
        ], ctx.evidence_range),
      };
    },
  },
  {
    id: 'slow-queries',
    title: { en: 'Slow queries', ru: 'Медленные запросы к БД' },
    description: { en: 'Requests are slower than usual, some more than others.', ru: 'Запросы медленнее обычного, одни сильнее других.' },
    difficulty: 'medium',
    build(rng, ctx) {
      const keys = new Set(ctx.routes.map((r) => r.key));
      const operations = [
        'SELECT',
        ...(keys.has('POST /api/tasks') ? ['INSERT'] : []),
        ...(keys.has('PUT /api/tasks/{id}') || keys.has('PATCH /api/tasks/{id}') ? ['UPDATE'] : []),
        ...(keys.has('DELETE /api/tasks/{id}') ? ['DELETE'] : []),
      ];
      const operation = rng.pick(operations);
      // The delay holds a connection: keep the busy share of the pool under ~0.5 (queueing would
      // make it look like pool exhaustion), but never so short it hides in the noise.
      const load = rng.between(0.3, 0.5, 0.01);
      const ms = Math.min(500, Math.max(40, Math.round((load * ctx.pool_size * 1000) / (ctx.rate_rps * STATEMENTS_PER_REQUEST) / 10) * 10));
      return {
        duration_s: FAULT_TTL_S,
        fault: { db_slowdown: { ms, operation, ...ctx.lifetime(FAULT_TTL_S) } },
        traffic: null,
        truth: { symptom: 'latency', where: 'database', layer: 'database' },
        hints: [
          { en: 'Requests are slower, but not all by the same amount: compare how long database statements take, by operation.', ru: 'Запросы медленнее, но не все одинаково: сравните длительность запросов к БД по операциям.' },
          { en: 'Only one kind of statement is slow; the CPU and the connection pool are fine.', ru: 'Медленный только один вид запросов к БД; CPU и пул соединений в порядке.' },
          { en: `${operation} statements are slow.`, ru: `Медленные — ${operation}.` },
        ],
        evidence: evidence([
          ['db_op_p50', { en: `${operation}: about ${ms} ms more than before; the other operations as before.`, ru: `${operation}: примерно на ${ms} мс дольше, чем раньше; остальные операции как были.` }],
          ['db_op_p99', { en: `${operation} up as much.`, ru: `${operation} выросла так же.` }],
          ['route_p99', { en: `The routes that run ${operation} statements are slower, /api/ping is not.`, ru: `Медленнее маршруты, выполняющие ${operation}; /api/ping — нет.` }],
          ['cpu', { en: 'As before: not the CPU.', ru: 'Как раньше: не CPU.' }],
        ], ctx.evidence_range),
      };
    },
  },
  {
    id: 'cpu-hog',
    title: { en: 'CPU hog', ru: 'Пожиратель CPU' },
    description: { en: 'The whole service feels sluggish, though the traffic has not changed.', ru: 'Весь сервис стал вялым, хотя трафик прежний.' },
    difficulty: 'medium',
    build(rng, ctx) {
      const share = rng.between(0.3, 0.7, 0.05);
      return {
        duration_s: FAULT_TTL_S,
        fault: { cpu_hog: { share, ...ctx.lifetime(FAULT_TTL_S) } },
        traffic: null,
        truth: { symptom: 'saturation', where: 'all', layer: 'cpu' },
        hints: [
          { en: 'Every route is a little slower, even ones that never touch the database.', ru: 'Все маршруты чуть медленнее, даже те, что не ходят в БД.' },
          { en: 'Look at the resources of the todo API process.', ru: 'Посмотрите на ресурсы процесса todo API.' },
          { en: 'The process CPU and the event-loop lag.', ru: 'CPU процесса и задержка event loop.' },
        ],
        evidence: evidence([
          ['cpu', { en: `About ${share} of a core more than before, with the same traffic.`, ru: `Примерно на ${share} ядра больше, чем раньше, при том же трафике.` }],
          ['event_loop_lag', { en: 'Up: the one JS thread is busy.', ru: 'Выросла: единственный поток JS занят.' }],
          ['route_p99', { en: 'Every route slower, /api/ping too.', ru: 'Медленнее все маршруты, и /api/ping тоже.' }],
          ['route_rps', { en: 'As before: not more traffic.', ru: 'Как раньше: трафика не больше.' }],
        ], ctx.evidence_range),
      };
    },
  },
  {
    id: 'pool-exhaustion',
    title: { en: 'Connection pool exhaustion', ru: 'Исчерпание пула соединений' },
    description: { en: 'Requests that need the database are slow, and getting slower.', ru: 'Запросы, которым нужна БД, медленные, и всё медленнее.' },
    difficulty: 'hard',
    build(rng, ctx) {
      const max_connections = Math.min(ctx.pool_size, rng.pick([1, 2]));
      // Each statement holds its connection hold_ms: demand exceeds the pool (by `overload`), so
      // a queue for connections forms and grows while the statements themselves stay fast.
      const overload = rng.between(1.2, 1.6, 0.05);
      const hold_ms = Math.min(2000, Math.max(5, Math.round((overload * max_connections * 1000) / (ctx.rate_rps * STATEMENTS_PER_REQUEST))));
      return {
        duration_s: FAULT_TTL_S,
        fault: { pool_limit: { max_connections, hold_ms, ...ctx.lifetime(FAULT_TTL_S) } },
        traffic: null,
        truth: { symptom: 'saturation', where: 'database', layer: 'connection_pool' },
        hints: [
          { en: 'Only routes that use the database are slow; /api/ping is fine.', ru: 'Медленные только маршруты, которые ходят в БД; /api/ping в порядке.' },
          { en: 'The statements themselves run as fast as before: the time goes before them.', ru: 'Сами запросы к БД выполняются так же быстро: время уходит до них.' },
          { en: 'Look at the connection pool: how many statements wait for a connection, and for how long.', ru: 'Посмотрите на пул соединений: сколько запросов ждут соединения и как долго.' },
        ],
        evidence: evidence([
          ['db_pending', { en: 'Above 0: statements queue for a connection.', ru: 'Больше 0: запросы стоят в очереди за соединением.' }],
          ['db_wait', { en: 'Grows from about 0 to tens or hundreds of milliseconds.', ru: 'Растёт от нуля до десятков и сотен миллисекунд.' }],
          ['db_pool_usage', { en: 'At 1: every connection the app may use is busy.', ru: 'Равна 1: заняты все доступные соединения.' }],
          ['db_op_p50', { en: 'As before: the statements themselves are fast.', ru: 'Как раньше: сами запросы быстрые.' }],
          ['route_p99', { en: 'Every database route slower; /api/ping not.', ru: 'Медленнее все маршруты с БД; /api/ping — нет.' }],
        ], ctx.evidence_range),
      };
    },
  },
  {
    id: 'memory-leak',
    title: { en: 'Memory leak', ru: 'Утечка памяти' },
    description: { en: 'Users notice nothing yet, but the service is not well.', ru: 'Пользователи пока ничего не замечают, но сервису нехорошо.' },
    difficulty: 'medium',
    build(rng, ctx) {
      const perSecond = rng.between(3, 8, 1) * 512 * 1024;
      return {
        duration_s: FAULT_TTL_S,
        fault: { memory_leak: { bytes_per_second: perSecond, max_bytes: 384 * MiB, ...ctx.lifetime(FAULT_TTL_S) } },
        traffic: null,
        truth: { symptom: 'saturation', where: 'all', layer: 'memory' },
        hints: [
          { en: 'Nothing is slow or failing: look at the resources of the todo API process.', ru: 'Ничего не тормозит и не падает: посмотрите на ресурсы процесса todo API.' },
          { en: 'Memory.', ru: 'Память.' },
          { en: 'The JS heap grows steadily and garbage collection does not bring it back.', ru: 'Куча JS растёт ровно, и сборка мусора её не возвращает.' },
        ],
        evidence: evidence([
          ['heap_growth', { en: `About ${perSecond / MiB} MiB/s, steadily (up to 384 MiB).`, ru: `Около ${perSecond / MiB} МиБ/с, ровно (до 384 МиБ).` }],
          ['heap_used', { en: 'Climbs far above its level before.', ru: 'Поднимается намного выше прежнего уровня.' }],
          ['rss', { en: 'Follows the heap.', ru: 'Растёт вслед за кучей.' }],
          ['route_p99', { en: 'About as before.', ru: 'Примерно как раньше.' }],
        ], ctx.evidence_range),
      };
    },
  },
  {
    id: 'db-outage',
    title: { en: 'Database outage', ru: 'Отказ базы данных' },
    description: { en: 'For a while, a lot of requests fail.', ru: 'Какое-то время многие запросы не проходят.' },
    difficulty: 'easy',
    build(rng, ctx) {
      const duration = rng.between(30, 90, 1);
      return {
        duration_s: duration,
        fault: { db_outage: { ...ctx.lifetime(duration) } },
        traffic: null,
        truth: { symptom: 'outage', where: 'database', layer: 'database' },
        hints: [
          { en: 'Many routes answer 5xx at once, /api/ping does not.', ru: 'Многие маршруты разом отвечают 5xx, /api/ping — нет.' },
          { en: 'Check whether the todo API can reach what it stores its data in.', ru: 'Проверьте, достаёт ли todo API до хранилища данных.' },
          { en: 'todo_database_up', ru: 'todo_database_up' },
        ],
        evidence: evidence([
          ['db_up', { en: `0 for about ${duration} s, then 1 again by itself.`, ru: `0 около ${duration} с, затем сама снова 1.` }],
          ['route_error_ratio', { en: 'Every route that uses the database answers 503 meanwhile.', ru: 'Все маршруты с БД в это время отвечают 503.' }],
          ['db_errors', { en: 'Up: statements fail.', ru: 'Выросло: запросы к БД падают.' }],
        ], ctx.evidence_range),
      };
    },
  },
  {
    id: 'traffic-surge',
    title: { en: 'Traffic surge', ru: 'Всплеск трафика' },
    description: { en: 'Nothing looks broken, yet something has changed.', ru: 'Ничего не сломано, но что-то изменилось.' },
    difficulty: 'medium',
    build(rng, ctx) {
      if (ctx.requests.length === 0) throw new Error('traffic-surge needs a request of the mix that calls one of context.routes');
      const { name, route } = rng.pick(ctx.requests);
      const multiplier = rng.between(3, 6, 1);
      const label = name ?? route.key;
      return {
        duration_s: FAULT_TTL_S,
        fault: null,
        traffic: { request: name, route: route.key, multiplier },
        truth: { symptom: 'traffic', where: route.key, layer: 'load' },
        hints: [
          { en: 'Errors and latency are as before. What else can change?', ru: 'Ошибки и задержки как раньше. Что ещё может измениться?' },
          { en: 'Compare requests per second, route by route.', ru: 'Сравните число запросов в секунду по маршрутам.' },
          { en: `Look at ${route.key}.`, ru: `Посмотрите на ${route.key}.` },
        ],
        evidence: evidence([
          ['loadgen_request_rps', { en: `${label}: about ×${multiplier}; the other request types as before.`, ru: `${label}: примерно ×${multiplier}; остальные как раньше.` }],
          ['route_rps', { en: `${route.key}: about ×${multiplier}; the other routes as before.`, ru: `${route.key}: примерно ×${multiplier}; остальные как раньше.` }],
          ['route_error_ratio', { en: 'No new errors: nothing is broken.', ru: 'Новых ошибок нет: ничего не сломано.' }],
        ], ctx.evidence_range),
      };
    },
  },
];

/** GET /api/drills: the catalogue without anything a run would inject. */
export function catalogue(): DrillInfo[] {
  return DRILLS.map(({ id, title, description, difficulty }) => ({ id, title, description, difficulty }));
}

/** `"random"` ("surprise me"): the drill the seed picks. */
export function drillForSeed(seed: number): string {
  // A separate stream (seed mixed with a constant), so the pick does not shift the drill's own draws.
  return (DRILLS[Math.floor(seededRandom(seed ^ 0x5bd1e995)() * DRILLS.length)] as DrillDefinition).id;
}

/**
 * The whole drill for one seed: the same (drill, seed, context) always gives the same fault,
 * truth, hints and evidence. Throws on an unknown drill id or an unusable context.
 */
export function generateDrill(drill: string, seed: number, context: DrillContext): GeneratedDrill {
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer (got ${seed})`);
  const id = drill === 'random' ? drillForSeed(seed) : drill;
  const definition = DRILLS.find((d) => d.id === id);
  if (!definition) throw new Error(`unknown drill ${JSON.stringify(drill)}; known: ${DRILLS.map((d) => d.id).join(', ')}, random`);
  const rng = createRng(seed);
  const drawnAfter = rng.between(FAULT_AFTER_S.min, FAULT_AFTER_S.max, 1);
  const ctx = resolveContext(context, drawnAfter);
  return { drill: id, seed, fault_after_s: ctx.fault_after_s, ...definition.build(rng, ctx) };
}
