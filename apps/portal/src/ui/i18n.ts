import type { Lang, Localized } from '../shared/api.js';

const STORAGE_KEY = 'o11y.portal.lang';

const en = {
  'page.title': 'o11y-platform — portal',
  'header.tagline': 'An observability lab: generate load, watch it in dashboards and traces, receive the alerts it raises.',
  'header.mode.embedded': 'embedded mode',
  'header.mode.compose': 'full stack (compose)',
  'lang.label': 'Language',
  'nav.scenarios': 'Scenarios',
  'nav.alerts': 'Alerts',
  'nav.services': 'Services',
  'nav.guide': 'Guide',
  'scenarios.title': 'Trigger an alert',
  'scenarios.lead': 'One click starts a load scenario in the load generator. Watch its progress here, then the alert it raises.',
  'scenarios.loading': 'Loading scenarios…',
  'scenarios.unavailable': 'The load generator is not reachable, so scenarios cannot start',
  'scenarios.empty': 'The load generator offers no scenarios.',
  'scenarios.trigger': 'Trigger {alert}',
  'scenarios.starting': 'Starting…',
  'scenarios.start': 'Start',
  'scenarios.no_alert': 'Raises no alert: everything should stay green.',
  'run.running': 'running',
  'run.finished': 'finished',
  'run.stopped': 'stopped',
  'run.failed': 'failed',
  'scenarios.alert': 'Raises {alert} about {s} s after the start',
  'scenarios.expected_at': '{alert} expected at about {time}',
  'scenarios.expected_now': '{alert} should be firing now — see “Firing alerts”',
  'scenarios.fired': '{alert} is firing',
  'scenarios.open_run': 'Open the live run',
  'scenarios.state': 'State',
  'scenarios.stats': 'sent {sent} · ok {ok} · failed {failed} · dropped {dropped} · {rps} req/s',
  'scenarios.p99': 'p99 {ms} ms',
  'scenarios.failed_start': 'Could not start: {error}',
  'firing.title': 'Firing alerts',
  'firing.lead': 'Read from Alertmanager every few seconds.',
  'firing.none': 'No alerts are firing.',
  'firing.not_configured': 'No Alertmanager is configured in this setup, so firing alerts cannot be shown.',
  'firing.error': 'Alertmanager is not reachable',
  'firing.since': 'since {time}',
  'inbox.title': 'Alert inbox',
  'inbox.lead': 'Notifications Alertmanager delivered to this portal (the last 200 are kept).',
  'inbox.empty': 'No notifications yet. Alertmanager posts them to /api/alerts/webhook when an alert fires or resolves.',
  'inbox.error': 'The inbox could not be loaded',
  'inbox.received': 'received {time}',
  'inbox.started': 'started {time}',
  'inbox.ended': 'ended {time}',
  'status.firing': 'firing',
  'status.resolved': 'resolved',
  'section.main': 'Main services',
  'section.metrics': 'Metrics endpoints',
  'section.monitoring': 'Monitoring and alerts',
  'section.admin': 'Administration',
  'section.main.lead': 'The service under observation, the load generator and their health.',
  'section.metrics.lead': 'What Prometheus scrapes, in the Prometheus text format.',
  'section.monitoring.lead': 'Dashboards, metrics, alert routing and traces.',
  'section.admin.lead': 'The database console and container management.',
  'service.up': 'up',
  'service.down': 'down',
  'service.not_in_mode': 'not running in this mode',
  'service.checking': 'checking…',
  'service.open': 'Open',
  'service.health': 'Health check',
  'service.latency': '{ms} ms',
  'service.metrics': 'Metrics',
  'guide.title': 'Check alerting',
  'guide.lead': 'The original walkthrough, now one click each.',
  'guide.latency.title': 'HighLatency (critical)',
  'guide.latency.body':
    'Load: GET /api/tasks at 100 requests per second for 120 s. The rule fires when the p99 latency of GET /api/tasks over 1 minute stays above 0.5 s for 30 s.',
  'guide.db.title': 'HighDBLoad (warning)',
  'guide.db.body': 'Load: POST /api/tasks at 100 requests per second for 120 s. The rule fires when the database runs more than 100 statements per second for 30 s.',
  'guide.step1': 'Press “Trigger HighLatency” or “Trigger HighDBLoad” above (or set the same load by hand in the load generator).',
  'guide.step2': 'Follow the run: its progress is on the card; “Open the live run” shows rate and latency live.',
  'guide.step3': 'Watch the metric climb in Grafana or Prometheus; the rule goes pending, then firing on the Prometheus “Alerts” page.',
  'guide.step4': 'Alertmanager routes the alert: it appears under “Firing alerts” and in the “Alert inbox” (and in Telegram when a bot is configured).',
  'guide.step5': 'When the run ends the alert resolves, and a “resolved” notification arrives in the inbox.',
  'guide.login': 'Swagger’s demo account: user@example.com / verysecret.',
  'footer.text': 'Links follow the host this page was opened on; set PUBLIC_BASE_URL or a service’s URL variable to change them.',
  'signin.title': 'Sign in to the lab',
  'signin.lead': 'This lab is protected by an access token (LAB_TOKEN). Enter it once: the sign-in covers every service of this host.',
  'signin.where': 'It is LAB_TOKEN in .env (docker compose), or in the sign-in link the portal prints when it starts.',
  'signin.label': 'Access token',
  'signin.submit': 'Sign in',
  'signin.needed': 'Sign in above to see this.',
  'time.ago_s': '{n} s ago',
  'time.ago_m': '{n} min ago',
  'time.ago_h': '{n} h ago',
};

export type Key = keyof typeof en;

const ru: Record<Key, string> = {
  'page.title': 'o11y-platform — портал',
  'header.tagline': 'Лаборатория наблюдаемости: создайте нагрузку, посмотрите на неё в дашбордах и трассировках, получите алерты, которые она вызовет.',
  'header.mode.embedded': 'встроенный режим',
  'header.mode.compose': 'полный стек (compose)',
  'lang.label': 'Язык',
  'nav.scenarios': 'Сценарии',
  'nav.alerts': 'Алерты',
  'nav.services': 'Сервисы',
  'nav.guide': 'Инструкция',
  'scenarios.title': 'Вызвать алерт',
  'scenarios.lead': 'Одна кнопка запускает сценарий нагрузки в генераторе. Здесь видно, как идёт прогон, а затем — алерт, который он вызовет.',
  'scenarios.loading': 'Загрузка сценариев…',
  'scenarios.unavailable': 'Генератор нагрузки недоступен, сценарии запустить нельзя',
  'scenarios.empty': 'В генераторе нагрузки нет сценариев.',
  'scenarios.trigger': 'Вызвать {alert}',
  'scenarios.starting': 'Запуск…',
  'scenarios.start': 'Запустить',
  'scenarios.no_alert': 'Алертов не вызывает: всё должно остаться зелёным.',
  'run.running': 'идёт',
  'run.finished': 'завершён',
  'run.stopped': 'остановлен',
  'run.failed': 'ошибка',
  'scenarios.alert': 'Вызывает {alert} примерно через {s} с после старта',
  'scenarios.expected_at': '{alert} ожидается около {time}',
  'scenarios.expected_now': '{alert} уже должен сработать — см. «Активные алерты»',
  'scenarios.fired': '{alert} сработал',
  'scenarios.open_run': 'Открыть прогон',
  'scenarios.state': 'Состояние',
  'scenarios.stats': 'отправлено {sent} · успешно {ok} · ошибок {failed} · отброшено {dropped} · {rps} запр./с',
  'scenarios.p99': 'p99 {ms} мс',
  'scenarios.failed_start': 'Не удалось запустить: {error}',
  'firing.title': 'Активные алерты',
  'firing.lead': 'Читаются из Alertmanager каждые несколько секунд.',
  'firing.none': 'Активных алертов нет.',
  'firing.not_configured': 'В этой конфигурации нет Alertmanager, поэтому активные алерты показать нельзя.',
  'firing.error': 'Alertmanager недоступен',
  'firing.since': 'с {time}',
  'inbox.title': 'Входящие алерты',
  'inbox.lead': 'Уведомления, которые Alertmanager доставил в портал (хранятся последние 200).',
  'inbox.empty': 'Уведомлений пока нет. Alertmanager отправляет их на /api/alerts/webhook, когда алерт срабатывает или снимается.',
  'inbox.error': 'Не удалось загрузить входящие',
  'inbox.received': 'получено {time}',
  'inbox.started': 'начало {time}',
  'inbox.ended': 'конец {time}',
  'status.firing': 'сработал',
  'status.resolved': 'снят',
  'section.main': 'Основные сервисы',
  'section.metrics': 'Эндпоинты метрик',
  'section.monitoring': 'Мониторинг и алерты',
  'section.admin': 'Администрирование',
  'section.main.lead': 'Наблюдаемый сервис, генератор нагрузки и их состояние.',
  'section.metrics.lead': 'То, что собирает Prometheus, в текстовом формате Prometheus.',
  'section.monitoring.lead': 'Дашборды, метрики, маршрутизация алертов и трассировки.',
  'section.admin.lead': 'Консоль базы данных и управление контейнерами.',
  'service.up': 'работает',
  'service.down': 'недоступен',
  'service.not_in_mode': 'не запущен в этом режиме',
  'service.checking': 'проверка…',
  'service.open': 'Открыть',
  'service.health': 'Проверка состояния',
  'service.latency': '{ms} мс',
  'service.metrics': 'Метрики',
  'guide.title': 'Проверка алертинга',
  'guide.lead': 'Исходная инструкция — теперь в один клик.',
  'guide.latency.title': 'HighLatency (critical)',
  'guide.latency.body':
    'Нагрузка: GET /api/tasks, 100 запросов в секунду в течение 120 с. Правило срабатывает, когда p99 задержки GET /api/tasks за 1 минуту держится выше 0,5 с в течение 30 с.',
  'guide.db.title': 'HighDBLoad (warning)',
  'guide.db.body': 'Нагрузка: POST /api/tasks, 100 запросов в секунду в течение 120 с. Правило срабатывает, когда база выполняет больше 100 запросов в секунду в течение 30 с.',
  'guide.step1': 'Нажмите «Вызвать HighLatency» или «Вызвать HighDBLoad» выше (или задайте ту же нагрузку вручную в генераторе нагрузки).',
  'guide.step2': 'Следите за прогоном: ход виден на карточке, а «Открыть прогон» показывает скорость и задержки вживую.',
  'guide.step3': 'Смотрите, как растёт метрика в Grafana или Prometheus; правило переходит в pending, затем в firing на странице «Alerts» Prometheus.',
  'guide.step4': 'Alertmanager маршрутизирует алерт: он появляется в «Активных алертах» и во «Входящих алертах» (и в Telegram, если настроен бот).',
  'guide.step5': 'Когда прогон закончится, алерт снимется, и во входящие придёт уведомление «снят».',
  'guide.login': 'Демо-учётная запись для Swagger: user@example.com / verysecret.',
  'footer.text': 'Ссылки строятся от адреса, по которому открыта страница; чтобы изменить их, задайте PUBLIC_BASE_URL или URL-переменную сервиса.',
  'signin.title': 'Вход в лабораторию',
  'signin.lead': 'Лаборатория защищена токеном доступа (LAB_TOKEN). Введите его один раз: вход действует для всех сервисов на этом хосте.',
  'signin.where': 'Это LAB_TOKEN из .env (docker compose) или из ссылки для входа, которую портал печатает при запуске.',
  'signin.label': 'Токен доступа',
  'signin.submit': 'Войти',
  'signin.needed': 'Войдите (форма выше), чтобы это увидеть.',
  'time.ago_s': '{n} с назад',
  'time.ago_m': '{n} мин назад',
  'time.ago_h': '{n} ч назад',
};

const DICTS: Record<Lang, Record<Key, string>> = { en, ru };

/** The stored choice, else the browser's language (Russian for any ru-*), else English. */
export function initialLang(): Lang {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'en' || stored === 'ru') return stored;
  } catch {
    // storage may be disabled; fall through to the browser language
  }
  const preferred = navigator.languages?.[0] ?? navigator.language ?? 'en';
  return preferred.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export function rememberLang(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered when storage is disabled
  }
}

let current: Lang = 'en';

export function setLang(lang: Lang): void {
  current = lang;
  document.documentElement.lang = lang;
  document.title = t('page.title');
}

export function lang(): Lang {
  return current;
}

/** Translates a key, filling `{name}` placeholders. */
export function t(key: Key, vars: Record<string, string | number> = {}): string {
  return DICTS[current][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

/** Picks the current language from a `{en, ru}` pair. */
export function pick(text: Localized): string {
  return text[current] || text.en;
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay
    ? d.toLocaleTimeString(current, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : d.toLocaleString(current, { dateStyle: 'short', timeStyle: 'medium' });
}

export function formatAgo(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 90) return t('time.ago_s', { n: s });
  if (s < 90 * 60) return t('time.ago_m', { n: Math.round(s / 60) });
  return t('time.ago_h', { n: Math.round(s / 3600) });
}
