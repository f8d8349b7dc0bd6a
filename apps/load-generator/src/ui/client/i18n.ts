// Russian and English texts of the page. The choice is remembered in localStorage; the default comes
// from the browser language.
export type Lang = 'ru' | 'en';

const STORAGE_KEY = 'o11y-loadgen.lang';

const en = {
  title: 'Load generator',
  subtitle: 'Open-model HTTP load: watch what happens while it happens',
  language: 'Language',
  newRun: 'New run',
  target: 'Target',
  method: 'Method',
  url: 'URL',
  urlHint: 'Suggestions list the platform’s own endpoints',
  headers: 'Headers',
  headersRows: 'Rows',
  headersText: 'Text (Name: value)',
  headerName: 'Name',
  headerValue: 'Value',
  addHeader: 'Add header',
  remove: 'Remove',
  body: 'Body',
  bodyHint: 'JSON, checked as you type; sent with methods that take a body',
  bodyOk: 'Valid JSON',
  load: 'Load',
  rate: 'Rate (requests/s)',
  duration: 'Duration',
  durationHint: 'Seconds, or 30s, 2m, 1h',
  profile: 'Load profile',
  stages: 'Stages',
  stageDuration: 'Duration',
  stageRate: 'Rate',
  addStage: 'Add stage',
  preview: 'Planned rate r(t)',
  previewPlanned: 'planned requests',
  advanced: 'Advanced',
  timeout: 'Request timeout',
  maxInFlight: 'In-flight cap',
  seed: 'Seed (chaotic profile)',
  seedHint: 'Empty: random; the report shows the seed used',
  auth: 'Authorization',
  todoApi: 'Todo API',
  loginUrl: 'Login URL',
  email: 'Email',
  password: 'Password',
  getToken: 'Get token',
  tokenSet: 'Token received: the Authorization header is set',
  autoLogin: 'Log in automatically when the run starts (and again once on 401)',
  start: 'Start',
  stop: 'Stop',
  starting: 'Starting…',
  presets: 'Traffic presets',
  presetsHint: 'Built-in traffic mixes, one click each (alert scenarios and incident drills are in the portal)',
  runPreset: 'Run',
  history: 'History',
  historyEmpty: 'No runs yet',
  refresh: 'Refresh',
  run: 'Run',
  noRun: 'No run open. Fill in the form and press Start, run a preset, or open one from the history.',
  state_running: 'running',
  state_finished: 'finished',
  state_stopped: 'stopped',
  state_failed: 'failed',
  total: 'Total',
  success: 'Success',
  fail: 'Fail',
  successRate: 'Success rate',
  currentRps: 'Current RPS',
  targetRps: 'Target RPS',
  achievedRps: 'Achieved RPS',
  dropped: 'Dropped',
  inFlight: 'In flight',
  p99: 'p99',
  elapsed: 'Elapsed',
  chartRps: 'Target vs achieved RPS',
  chartLatency: 'Latency, ms (from intended send time; service latency dashed, intended → sent dotted)',
  chartStatus: 'Status codes and errors per second',
  chartInFlight: 'In flight and dropped',
  serviceLatency: 'service',
  summary: 'Summary',
  latencyIntended: 'Latency (from intended time)',
  latencyService: 'Service latency (from actual send)',
  intendedToSent: 'intended → sent',
  sentToFirstByte: 'sent → first byte',
  firstByteToDone: 'first byte → done',
  p99IntendedToSent: 'p99 intended → sent',
  p99SentToFirstByte: 'p99 sent → first byte',
  p99FirstByteToDone: 'p99 first byte → done',
  bottleneckGenerator: 'Warning: the generator, not the target, is the bottleneck. Its latency includes its own queueing: intended → sent p99 {wait} ms (scheduler lag p99 {lag} ms), {dropped} of the schedule dropped, engine threads busy {busy}. Lower the rate, or give the generator more CPU or a higher in-flight cap.',
  engineBusy: 'Engine threads busy',
  lagP99: 'Scheduler lag p99',
  statusCodes: 'Status codes',
  errors: 'Errors',
  none: 'none',
  download: 'Report',
  startedAt: 'Started',
  profileCol: 'Profile',
  stateCol: 'State',
  targetCol: 'Target',
  sentCol: 'Sent',
  err_required: 'Required',
  err_url: 'Enter an absolute http:// or https:// URL',
  err_json: 'Invalid JSON: {msg}',
  err_number: 'Enter a positive number',
  err_integer: 'Enter a whole number',
  err_duration: 'Enter seconds or a duration like 30s, 2m, 1h',
  err_header: 'Line {n}: expected “Name: value”',
  err_headerName: 'Header name is missing',
  err_network: 'The load generator did not answer: {msg}',
  err_forbidden: 'Refused: {msg}',
  err_tooMany: 'Too many runs at once: {msg}',
  err_generic: 'Error: {msg}',
  err_fixFields: 'Fix the highlighted fields first',
  connectionLost: 'Live updates interrupted; reconnecting…',
  signInTitle: 'Sign in to the lab',
  signInLead: 'This lab is protected by an access token (LAB_TOKEN). Enter it once: the sign-in covers every service of this host.',
  signInWhere: 'It is LAB_TOKEN in .env (docker compose), or in the sign-in link the portal prints when it starts.',
  signInLabel: 'Access token',
  signInSubmit: 'Sign in',
  preset: 'Preset',
  presetNone: '— your own requests —',
  addRequest: 'Add request (a mix)',
  removeRequest: 'Remove this request',
  requestName: 'Name',
  weight: 'Weight, %',
  share: 'Share',
  capture: 'Capture from the JSON response',
  captureHint: 'Name → dot path (id, data.items.0.id); later requests use {{name}} or {{take name}}',
  captureName: 'Name',
  capturePath: 'Path',
  addCapture: 'Add capture',
  templatesHint: 'Templates in URL path, header values and body: {{seq}}, {{uuid}}, {{rand_int 1 100}}, {{pick a|b}}, {{name}}, {{take name}}',
  mixPreview: 'Planned per request',
  request: 'Request',
  plannedRps: 'rps at R',
  plannedRequests: 'planned',
  requestsBreakdown: 'Requests',
  chartRequests: 'p99 latency per request, ms (from intended send time)',
  mixOf: 'Mix of {n}',
};

type Dict = typeof en;
export type Key = keyof Dict;

const ru: Dict = {
  title: 'Генератор нагрузки',
  subtitle: 'Открытая модель HTTP-нагрузки: видно, что происходит, пока это происходит',
  language: 'Язык',
  newRun: 'Новый запуск',
  target: 'Цель',
  method: 'Метод',
  url: 'URL',
  urlHint: 'В подсказках — эндпоинты самой платформы',
  headers: 'Заголовки',
  headersRows: 'Строки',
  headersText: 'Текст (Имя: значение)',
  headerName: 'Имя',
  headerValue: 'Значение',
  addHeader: 'Добавить заголовок',
  remove: 'Удалить',
  body: 'Тело запроса',
  bodyHint: 'JSON, проверяется при вводе; отправляется для методов с телом',
  bodyOk: 'Корректный JSON',
  load: 'Нагрузка',
  rate: 'Запросов в секунду',
  duration: 'Длительность',
  durationHint: 'Секунды или 30s, 2m, 1h',
  profile: 'Профиль нагрузки',
  stages: 'Ступени',
  stageDuration: 'Длительность',
  stageRate: 'Интенсивность',
  addStage: 'Добавить ступень',
  preview: 'План интенсивности r(t)',
  previewPlanned: 'запросов по плану',
  advanced: 'Дополнительно',
  timeout: 'Таймаут запроса',
  maxInFlight: 'Предел одновременных запросов',
  seed: 'Seed (хаотичный профиль)',
  seedHint: 'Пусто — случайный; использованный seed есть в отчёте',
  auth: 'Авторизация',
  todoApi: 'Todo API',
  loginUrl: 'URL входа',
  email: 'Email',
  password: 'Пароль',
  getToken: 'Получить токен',
  tokenSet: 'Токен получен: заголовок Authorization заполнен',
  autoLogin: 'Входить автоматически при запуске (и повторно один раз при 401)',
  start: 'Старт',
  stop: 'Стоп',
  starting: 'Запуск…',
  presets: 'Готовые смеси трафика',
  presetsHint: 'Встроенные смеси запросов, запуск в один клик (сценарии алертов и учебные инциденты — в портале)',
  runPreset: 'Запустить',
  history: 'История',
  historyEmpty: 'Запусков пока нет',
  refresh: 'Обновить',
  run: 'Запуск',
  noRun: 'Запуск не открыт. Заполните форму и нажмите «Старт», запустите готовую смесь или откройте запуск из истории.',
  state_running: 'идёт',
  state_finished: 'завершён',
  state_stopped: 'остановлен',
  state_failed: 'ошибка',
  total: 'Всего',
  success: 'Успешно',
  fail: 'Ошибки',
  successRate: 'Доля успешных',
  currentRps: 'Текущий RPS',
  targetRps: 'Целевой RPS',
  achievedRps: 'Фактический RPS',
  dropped: 'Отброшено',
  inFlight: 'В полёте',
  p99: 'p99',
  elapsed: 'Прошло',
  chartRps: 'Целевой и фактический RPS',
  chartLatency: 'Задержка, мс (от запланированного времени; пунктир — сервисная, точки — план → отправка)',
  chartStatus: 'Коды ответа и ошибки в секунду',
  chartInFlight: 'В полёте и отброшено',
  serviceLatency: 'сервис',
  summary: 'Итоги',
  latencyIntended: 'Задержка (от запланированного времени)',
  latencyService: 'Сервисная задержка (от фактической отправки)',
  intendedToSent: 'план → отправка',
  sentToFirstByte: 'отправка → первый байт',
  firstByteToDone: 'первый байт → конец',
  p99IntendedToSent: 'p99 план → отправка',
  p99SentToFirstByte: 'p99 отправка → первый байт',
  p99FirstByteToDone: 'p99 первый байт → конец',
  bottleneckGenerator: 'Внимание: узкое место — генератор нагрузки, а не цель. Его задержка включает его собственную очередь: план → отправка p99 {wait} мс (отставание планировщика p99 {lag} мс), отброшено {dropped} расписания, потоки движка заняты {busy}. Снизьте темп или дайте генератору больше CPU либо больший предел запросов в полёте.',
  engineBusy: 'Загрузка потоков движка',
  lagP99: 'Отставание планировщика p99',
  statusCodes: 'Коды ответа',
  errors: 'Ошибки',
  none: 'нет',
  download: 'Отчёт',
  startedAt: 'Начало',
  profileCol: 'Профиль',
  stateCol: 'Состояние',
  targetCol: 'Цель',
  sentCol: 'Отправлено',
  err_required: 'Обязательное поле',
  err_url: 'Введите абсолютный URL с http:// или https://',
  err_json: 'Некорректный JSON: {msg}',
  err_number: 'Введите положительное число',
  err_integer: 'Введите целое число',
  err_duration: 'Введите секунды или длительность вида 30s, 2m, 1h',
  err_header: 'Строка {n}: ожидается «Имя: значение»',
  err_headerName: 'Не указано имя заголовка',
  err_network: 'Генератор нагрузки не ответил: {msg}',
  err_forbidden: 'Отказано: {msg}',
  err_tooMany: 'Слишком много одновременных запусков: {msg}',
  err_generic: 'Ошибка: {msg}',
  err_fixFields: 'Сначала исправьте выделенные поля',
  connectionLost: 'Обновления прервались; переподключение…',
  signInTitle: 'Вход в лабораторию',
  signInLead: 'Лаборатория защищена токеном доступа (LAB_TOKEN). Введите его один раз: вход действует для всех сервисов на этом хосте.',
  signInWhere: 'Это LAB_TOKEN из .env (docker compose) или из ссылки для входа, которую портал печатает при запуске.',
  signInLabel: 'Токен доступа',
  signInSubmit: 'Войти',
  preset: 'Готовая смесь',
  presetNone: '— свои запросы —',
  addRequest: 'Добавить запрос (смесь)',
  removeRequest: 'Удалить этот запрос',
  requestName: 'Имя',
  weight: 'Вес, %',
  share: 'Доля',
  capture: 'Запомнить из JSON-ответа',
  captureHint: 'Имя → путь через точку (id, data.items.0.id); следующие запросы берут {{name}} или {{take name}} (имя латиницей)',
  captureName: 'Имя',
  capturePath: 'Путь',
  addCapture: 'Добавить',
  templatesHint: 'Шаблоны в пути URL, значениях заголовков и теле: {{seq}}, {{uuid}}, {{rand_int 1 100}}, {{pick a|b}}, {{name}}, {{take name}}',
  mixPreview: 'План по запросам',
  request: 'Запрос',
  plannedRps: 'RPS при R',
  plannedRequests: 'по плану',
  requestsBreakdown: 'Запросы',
  chartRequests: 'p99 задержки по запросам, мс (от запланированного времени)',
  mixOf: 'Смесь из {n}',
};

const DICTS: Record<Lang, Dict> = { en, ru };

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'ru' || saved === 'en') return saved;
  } catch {
    /* storage may be unavailable (privacy mode): fall back to the browser language */
  }
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language];
  return langs.some((l) => l?.toLowerCase().startsWith('ru')) ? 'ru' : 'en';
}

let current: Lang = initialLang();
/** Re-render callbacks; one that returns `false` is dropped (its element left the page). */
type Listener = () => boolean | void;
let listeners: Listener[] = [];

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    /* not remembered, still switched */
  }
  document.documentElement.lang = next;
  rerender();
}

/** Runs every re-render callback again (after a switch, or when labels from the API arrive). */
export function rerender(): void {
  listeners = listeners.filter((fn) => fn() !== false);
}

/** Calls fn now and after every language switch, until it returns `false`. */
export function onLang(fn: Listener): void {
  if (fn() !== false) listeners.push(fn);
}

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  // {name} is a variable; {{name}} is a request template shown as it is.
  return DICTS[current][key].replace(/\{\{[^}]*\}\}|\{(\w+)\}/g, (whole, name: string | undefined) => (name === undefined ? whole : String(vars[name] ?? '')));
}

const profileLabels = new Map<string, { ru: string; en: string }>();

/** Remembers the profiles' labels (from GET /api/profiles) so runs can name theirs. */
export function setProfileLabels(list: Array<{ id: string; label: { ru: string; en: string } }>): void {
  for (const p of list) profileLabels.set(p.id, p.label);
}

/** A profile's label in the current language, or its id when unknown. */
export function profileName(id: string): string {
  const label = profileLabels.get(id);
  return label ? pick(label) : id;
}

/** Picks the current language from an API's {ru, en} text. */
export function pick(text: { ru?: string; en?: string } | string | undefined): string {
  if (text === undefined) return '';
  if (typeof text === 'string') return text;
  return (current === 'ru' ? text.ru : text.en) ?? text.en ?? text.ru ?? '';
}
