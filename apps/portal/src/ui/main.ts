import type { FiringAlert, Lang, LinkedService, LinksConfig, Notification, RunStarted, RunSummary, Scenario, Section, ServiceStatus } from '../shared/api.js';
import { serviceLink } from '../shared/links.js';
import { api, ApiError, every, whenSignInNeeded } from './api.js';
import { renderDistributed, startDistributed } from './distributed.js';
import { DrillsPanel } from './drills/panel.js';
import { fill, h } from './dom.js';
import { formatAgo, formatTime, initialLang, lang, pick, rememberLang, setLang, t, type Key } from './i18n.js';

const SERVICES_EVERY_MS = 3000;
const FIRING_EVERY_MS = 5000;
const INBOX_EVERY_MS = 4000;
const RUN_EVERY_MS = 1500;
const RUNS_KEY = 'o11y.portal.runs';

type Firing = { kind: 'loading' } | { kind: 'ok'; alerts: FiringAlert[] } | { kind: 'not_configured' } | { kind: 'error'; message: string };
type Inbox = { kind: 'loading' } | { kind: 'ok'; items: Notification[] } | { kind: 'error'; message: string };
type Scenarios = { kind: 'loading' } | { kind: 'ok'; items: Scenario[] } | { kind: 'error'; message: string };
interface RunView {
  run: RunStarted;
  started_at: number;
  summary?: RunSummary;
}

const state = {
  config: null as LinksConfig | null,
  statuses: new Map<string, ServiceStatus>(),
  firing: { kind: 'loading' } as Firing,
  inbox: { kind: 'loading' } as Inbox,
  scenarios: { kind: 'loading' } as Scenarios,
  runs: new Map<string, RunView>(),
  starting: new Set<string>(),
  startErrors: new Map<string, string>(),
  /** The API answered 401: LAB_TOKEN is set and this browser has not signed in. */
  signIn: false,
};

const root = {
  header: document.getElementById('header') as HTMLElement,
  drills: document.getElementById('drills') as HTMLElement,
  scenarios: document.getElementById('scenarios') as HTMLElement,
  firing: document.getElementById('firing') as HTMLElement,
  inbox: document.getElementById('inbox') as HTMLElement,
  services: document.getElementById('services') as HTMLElement,
  guide: document.getElementById('guide') as HTMLElement,
  signin: document.getElementById('signin') as HTMLElement,
  footer: document.getElementById('footer') as HTMLElement,
};

// ---------- links ----------

function linkOf(s: LinkedService, path: string): string {
  return serviceLink(s, path, { protocol: location.protocol, hostname: location.hostname }, state.config?.public_base_url ?? null);
}

function service(id: string): LinkedService | undefined {
  return state.config?.services.find((s) => s.id === id);
}

function shortUrl(url: string): string {
  return url.replace(/^https?:\/\//, '');
}

// ---------- header ----------

function renderHeader(): void {
  const mode = state.config?.mode;
  const langButton = (l: Lang, label: string) =>
    h(
      'button',
      {
        type: 'button',
        class: 'lang-btn',
        'data-lang': l,
        'aria-pressed': String(lang() === l),
        onclick: () => {
          rememberLang(l);
          setLang(l);
          renderAll();
        },
      },
      label,
    );
  fill(
    root.header,
    h(
      'div',
      { class: 'header-row' },
      h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), h('h1', {}, 'o11y-platform')),
      h(
        'div',
        { class: 'header-tools' },
        mode ? h('span', { class: 'badge mode', 'data-testid': 'mode' }, t(mode === 'compose' ? 'header.mode.compose' : 'header.mode.embedded')) : null,
        h('div', { class: 'lang', role: 'group', 'aria-label': t('lang.label') }, langButton('en', 'EN'), langButton('ru', 'RU')),
      ),
    ),
    h('p', { class: 'tagline' }, t('header.tagline')),
    h(
      'nav',
      { class: 'nav' },
      h('a', { href: '#drills' }, t('nav.drills')),
      h('a', { href: '#scenarios' }, t('nav.scenarios')),
      h('a', { href: '#alerts' }, t('nav.alerts')),
      h('a', { href: '#services' }, t('nav.services')),
      h('a', { href: '#guide' }, t('nav.guide')),
    ),
  );
}

// ---------- sign-in ----------

/** A plain form posting to /login: the server sets the session cookie and sends the browser back here. */
function renderSignIn(): void {
  root.signin.hidden = !state.signIn;
  if (!state.signIn) return;
  fill(
    root.signin,
    h('h2', {}, t('signin.title')),
    h('p', {}, t('signin.lead')),
    h('p', { class: 'small muted' }, t('signin.where')),
    h(
      'form',
      { method: 'post', action: 'login', 'data-role': 'sign-in' },
      h('label', {}, t('signin.label'), h('input', { type: 'password', name: 'token', required: true, autocomplete: 'current-password' })),
      h('button', { type: 'submit', class: 'btn primary' }, t('signin.submit')),
    ),
  );
}

/** What a section shows instead of an error while the browser is not signed in. */
function signInNeeded(): HTMLElement {
  return h('p', { class: 'state', 'data-state': 'sign-in' }, t('signin.needed'));
}

// ---------- services ----------

const SECTIONS: Section[] = ['main', 'metrics', 'monitoring', 'admin'];

function statusOf(s: LinkedService): { status: ServiceStatus['status'] | 'checking'; latency: number | null; error?: string } {
  const st = state.statuses.get(s.id);
  if (!s.in_mode) return { status: 'not_in_mode', latency: null };
  if (!st) return { status: 'checking', latency: null };
  return { status: st.status, latency: st.latency_ms, ...(st.error ? { error: st.error } : {}) };
}

function statusLine(s: LinkedService): HTMLElement {
  const st = statusOf(s);
  const label = st.status === 'checking' ? t('service.checking') : t(`service.${st.status}` as Key);
  return h(
    'div',
    { class: 'svc-status', 'data-role': 'status' },
    h('span', { class: 'dot', 'data-status': st.status, 'aria-hidden': 'true' }),
    h('span', { class: 'status-text' }, label),
    st.status === 'up' && st.latency !== null ? h('span', { class: 'latency' }, t('service.latency', { ms: st.latency })) : null,
    st.status === 'down' && st.error ? h('span', { class: 'latency', title: st.error }, st.error) : null,
  );
}

function linkButton(s: LinkedService, path: string, kind: string, label: string, primary = false): HTMLElement {
  const href = linkOf(s, path);
  return h('a', { class: primary ? 'btn primary' : 'btn', href, target: '_blank', rel: 'noopener', 'data-link': `${s.id}:${kind}` }, label);
}

function serviceCard(s: LinkedService, section: Section): HTMLElement {
  const st = statusOf(s);
  const isMetrics = section === 'metrics';
  const mainPath = isMetrics ? (s.metrics_path ?? '/metrics') : s.ui_path;
  const links: HTMLElement[] = isMetrics
    ? [linkButton(s, mainPath, 'metrics', t('service.metrics'), true)]
    : [linkButton(s, s.ui_path, 'ui', t('service.open'), true)];
  if (!isMetrics && s.id === 'todo-api') links.push(linkButton(s, s.health_path, 'health', t('service.health')));
  return h(
    'article',
    { class: 'card svc', 'data-service': s.id, 'data-status': st.status },
    h('div', { class: 'svc-head' }, h('h3', {}, pick(s.title))),
    isMetrics ? null : h('p', { class: 'muted' }, pick(s.description)),
    h('code', { class: 'url' }, shortUrl(linkOf(s, mainPath))),
    statusLine(s),
    h('div', { class: 'actions' }, ...links),
  );
}

function renderServices(): void {
  const services = state.config?.services ?? [];
  fill(
    root.services,
    ...SECTIONS.map((section) => {
      const list = section === 'metrics' ? services.filter((s) => s.metrics_path) : services.filter((s) => s.section === section);
      return h(
        'section',
        { class: 'block', id: `section-${section}`, 'data-section': section },
        h('h2', {}, t(`section.${section}` as Key)),
        h('p', { class: 'lead' }, t(`section.${section}.lead` as Key)),
        h('div', { class: 'grid' }, ...list.map((s) => serviceCard(s, section))),
      );
    }),
  );
}

// ---------- alerts ----------

function severityBadge(severity: string): HTMLElement | null {
  return severity ? h('span', { class: 'badge sev', 'data-severity': severity }, severity) : null;
}

function renderFiring(): void {
  const f = state.firing;
  let body: HTMLElement;
  if (state.signIn) body = signInNeeded();
  else if (f.kind === 'loading') body = h('p', { class: 'state' }, '…');
  else if (f.kind === 'not_configured') body = h('p', { class: 'state warn', 'data-state': 'not_configured' }, t('firing.not_configured'));
  else if (f.kind === 'error') body = h('p', { class: 'state error', 'data-state': 'error' }, `${t('firing.error')}: ${f.message}`);
  else if (f.alerts.length === 0) body = h('p', { class: 'state ok', 'data-state': 'none' }, t('firing.none'));
  else
    body = h(
      'ul',
      { class: 'alerts', 'data-state': 'firing' },
      ...f.alerts.map((a) =>
        h(
          'li',
          { class: 'alert', 'data-alertname': a.alertname },
          h('div', { class: 'alert-head' }, h('strong', {}, a.alertname), severityBadge(a.severity)),
          a.summary ? h('p', {}, a.summary) : null,
          h('p', { class: 'muted small' }, t('firing.since', { time: formatTime(a.since) }), ' · ', formatAgo(a.since)),
        ),
      ),
    );
  fill(root.firing, h('h2', {}, t('firing.title')), h('p', { class: 'lead' }, t('firing.lead')), body);
}

function renderInbox(): void {
  const box = state.inbox;
  let body: HTMLElement;
  if (state.signIn) body = signInNeeded();
  else if (box.kind === 'loading') body = h('p', { class: 'state' }, '…');
  else if (box.kind === 'error') body = h('p', { class: 'state error' }, `${t('inbox.error')}: ${box.message}`);
  else if (box.items.length === 0) body = h('p', { class: 'state', 'data-state': 'empty' }, t('inbox.empty'));
  else
    body = h(
      'ol',
      { class: 'feed' },
      ...box.items.map((n) =>
        h(
          'li',
          { class: 'msg', 'data-status': n.status, 'data-alertname': n.alertname, 'data-id': n.id },
          h(
            'div',
            { class: 'msg-head' },
            h('span', { class: 'badge status', 'data-status': n.status }, t(`status.${n.status}`)),
            h('strong', {}, n.alertname),
            severityBadge(n.severity),
          ),
          n.summary ? h('p', { class: 'summary' }, n.summary) : null,
          n.description ? h('p', { class: 'desc' }, n.description) : null,
          h(
            'p',
            { class: 'muted small' },
            t('inbox.started', { time: formatTime(n.starts_at) }),
            n.ends_at ? ` · ${t('inbox.ended', { time: formatTime(n.ends_at) })}` : '',
          ),
          h('time', { class: 'msg-time', datetime: n.received_at }, t('inbox.received', { time: formatTime(n.received_at) })),
        ),
      ),
    );
  fill(root.inbox, h('h2', {}, t('inbox.title')), h('p', { class: 'lead' }, t('inbox.lead')), body);
}

// ---------- scenarios ----------

function loadRuns(): void {
  try {
    const saved = JSON.parse(localStorage.getItem(RUNS_KEY) ?? '{}') as Record<string, RunView>;
    for (const [scenario, view] of Object.entries(saved)) if (view?.run?.id) state.runs.set(scenario, { run: view.run, started_at: view.started_at });
  } catch {
    // nothing to resume
  }
}

function saveRuns(): void {
  try {
    const out: Record<string, RunView> = {};
    for (const [k, v] of state.runs) out[k] = { run: v.run, started_at: v.started_at };
    localStorage.setItem(RUNS_KEY, JSON.stringify(out));
  } catch {
    // not remembered when storage is disabled
  }
}

const ACTIVE = new Set(['running']);
function isActive(view: RunView | undefined): boolean {
  return Boolean(view && (!view.summary || ACTIVE.has(view.summary.state)));
}

async function startScenario(s: Scenario): Promise<void> {
  state.starting.add(s.id);
  state.startErrors.delete(s.id);
  renderScenarios();
  try {
    const run = await api<RunStarted>(`api/scenarios/${encodeURIComponent(s.id)}/run`, { method: 'POST', body: '{}' }, 15000);
    state.runs.set(s.id, { run, started_at: Date.now() });
    saveRuns();
    await pollRun(s.id);
  } catch (err) {
    state.startErrors.set(s.id, (err as Error).message);
  } finally {
    state.starting.delete(s.id);
    renderScenarios();
  }
}

async function pollRun(scenarioId: string): Promise<void> {
  const view = state.runs.get(scenarioId);
  if (!view) return;
  try {
    view.summary = await api<RunSummary>(`api/runs/${encodeURIComponent(view.run.id)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      state.runs.delete(scenarioId);
      saveRuns();
    }
  }
}

function num(n: number | undefined, digits = 0): string {
  return typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString(lang(), { maximumFractionDigits: digits }) : '–';
}

function runPanel(s: Scenario, view: RunView): HTMLElement {
  const sum = view.summary;
  const duration = sum?.duration ?? 0;
  const pct = sum && duration > 0 ? Math.min(100, Math.round((sum.elapsed / duration) * 100)) : 0;
  const alert = view.run.alert ?? s.alert;
  const started = sum?.started_at ? Date.parse(sum.started_at) : view.started_at;
  let expectation: HTMLElement | null = null;
  if (alert) {
    const expectedAt = started + (s.expected_after_s ?? 0) * 1000;
    const fired = state.firing.kind === 'ok' && state.firing.alerts.some((a) => a.alertname === alert);
    expectation = fired
      ? h('p', { class: 'expect fired', 'data-role': 'expectation' }, `✓ ${t('scenarios.fired', { alert })}`)
      : h(
          'p',
          { class: 'expect', 'data-role': 'expectation' },
          Date.now() < expectedAt
            ? t('scenarios.expected_at', { alert, time: formatTime(new Date(expectedAt).toISOString()) })
            : t('scenarios.expected_now', { alert }),
        );
  }
  const lg = service('load-generator');
  const p99 = sum?.latency?.p99;
  return h(
    'div',
    { class: 'run', 'data-run': view.run.id, 'data-state': sum?.state ?? 'starting' },
    h(
      'div',
      { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct },
      h('div', { class: 'bar', style: `width:${pct}%` }),
    ),
    h(
      'p',
      { class: 'small' },
      h('strong', {}, `${t('scenarios.state')}: ${sum ? t(stateKey(sum.state)) : '…'}`),
      sum ? ` · ${num(sum.elapsed)} / ${num(sum.duration)} s` : '',
    ),
    sum?.error ? h('p', { class: 'state error small' }, sum.error) : null,
    sum
      ? h(
          'p',
          { class: 'small muted' },
          t('scenarios.stats', { sent: num(sum.sent), ok: num(sum.ok), failed: num(sum.failed), dropped: num(sum.dropped), rps: num(sum.achieved_rps, 1) }),
          typeof p99 === 'number' ? ` · ${t('scenarios.p99', { ms: num(p99, 1) })}` : '',
        )
      : null,
    expectation,
    lg ? h('a', { class: 'btn', href: linkOf(lg, `/#/runs/${encodeURIComponent(view.run.id)}`), target: '_blank', rel: 'noopener', 'data-link': 'load-generator:run' }, t('scenarios.open_run')) : null,
  );
}

function stateKey(runState: string): Key {
  return (['running', 'finished', 'stopped', 'failed'].includes(runState) ? `run.${runState}` : 'run.running') as Key;
}

function scenarioCard(s: Scenario): HTMLElement {
  const view = state.runs.get(s.id);
  const busy = state.starting.has(s.id) || isActive(view);
  const error = state.startErrors.get(s.id);
  return h(
    'article',
    { class: 'card scenario', 'data-scenario': s.id },
    h('h3', {}, pick(s.title)),
    h('p', { class: 'muted' }, pick(s.description)),
    s.alert
      ? h('p', { class: 'small' }, h('span', { class: 'badge alertname' }, s.alert), ' ', t('scenarios.alert', { alert: s.alert, s: s.expected_after_s ?? '?' }))
      : h('p', { class: 'small muted' }, t('scenarios.no_alert')),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', class: s.alert ? 'btn primary' : 'btn', 'data-action': 'run', disabled: busy, onclick: () => void startScenario(s) },
        state.starting.has(s.id) ? t('scenarios.starting') : s.alert ? t('scenarios.trigger', { alert: s.alert }) : t('scenarios.start'),
      ),
    ),
    error ? h('p', { class: 'state error' }, t('scenarios.failed_start', { error })) : null,
    view ? runPanel(s, view) : null,
  );
}

function renderScenarios(): void {
  const sc = state.scenarios;
  let body: HTMLElement;
  if (state.signIn) body = signInNeeded();
  else if (sc.kind === 'loading') body = h('p', { class: 'state' }, t('scenarios.loading'));
  else if (sc.kind === 'error') body = h('p', { class: 'state warn', 'data-state': 'unavailable' }, `${t('scenarios.unavailable')}: ${sc.message}`);
  else if (sc.items.length === 0) body = h('p', { class: 'state' }, t('scenarios.empty'));
  else body = h('div', { class: 'grid two' }, ...sc.items.map(scenarioCard));
  fill(root.scenarios, h('h2', {}, t('scenarios.title')), h('p', { class: 'lead' }, t('scenarios.lead')), body);
}

// ---------- drills ----------

/** Every tool a learner investigates with, in this mode: the links of the drills' running view. */
function toolLinks(): HTMLElement[] {
  const tools: Array<[string, 'ui' | 'metrics']> = [
    ['prometheus', 'ui'],
    ['grafana', 'ui'],
    ['jaeger', 'ui'],
    ['alertmanager', 'ui'],
    ['todo-api', 'ui'],
    ['todo-api', 'metrics'],
    ['load-generator', 'ui'],
  ];
  return tools.flatMap(([id, kind]) => {
    const s = service(id);
    if (!s?.in_mode) return [];
    const path = kind === 'metrics' ? (s.metrics_path ?? '/metrics') : s.ui_path;
    const label = kind === 'metrics' ? `${pick(s.title)} · ${t('service.metrics')}` : pick(s.title);
    return [h('a', { class: 'btn', href: linkOf(s, path), target: '_blank', rel: 'noopener', 'data-link': `${s.id}:${kind}` }, label)];
  });
}

const drills = new DrillsPanel({ root: root.drills, tools: toolLinks, signInNeeded: () => (state.signIn ? signInNeeded() : null) });

// ---------- guide ----------

function renderGuide(): void {
  const links = (
    [
      ['todo-api', 'Swagger'],
      ['load-generator', null],
      ['prometheus', 'Prometheus · Alerts'],
      ['alertmanager', null],
      ['grafana', null],
    ] as const
  )
    .map(([id, label]) => {
      const s = service(id);
      return s && s.in_mode ? h('a', { href: linkOf(s, s.ui_path), target: '_blank', rel: 'noopener' }, label ?? pick(s.title)) : null;
    })
    .filter((a): a is HTMLAnchorElement => a !== null);
  fill(
    root.guide,
    h('h2', {}, t('guide.title')),
    h('p', { class: 'lead' }, t('guide.lead')),
    h(
      'div',
      { class: 'grid two' },
      h('article', { class: 'card' }, h('h3', {}, t('guide.latency.title')), h('p', {}, t('guide.latency.body'))),
      h('article', { class: 'card' }, h('h3', {}, t('guide.db.title')), h('p', {}, t('guide.db.body'))),
    ),
    h('ol', { class: 'steps' }, ...(['guide.step1', 'guide.step2', 'guide.step3', 'guide.step4', 'guide.step5'] as const).map((k) => h('li', {}, t(k)))),
    h('p', { class: 'small muted' }, t('guide.login')),
    links.length ? h('p', { class: 'small guide-links' }, ...links.flatMap((a, i) => (i === 0 ? [a] : [' · ', a]))) : null,
  );
}

function renderFooter(): void {
  fill(root.footer, h('p', { class: 'small muted' }, t('footer.text')));
}

function renderAll(): void {
  renderHeader();
  renderSignIn();
  drills.render();
  renderScenarios();
  renderFiring();
  renderInbox();
  renderServices();
  renderGuide();
  renderFooter();
  renderDistributed();
}

// ---------- polling ----------

async function refreshServices(): Promise<void> {
  if (!state.config) {
    try {
      state.config = await api<LinksConfig>('api/config');
      renderAll();
    } catch {
      return;
    }
  }
  try {
    const list = await api<ServiceStatus[]>('api/services');
    state.statuses = new Map(list.map((s) => [s.id, s]));
  } catch {
    // the portal itself is unreachable: keep the last known state
    return;
  }
  renderServices();
}

async function refreshFiring(): Promise<void> {
  try {
    const body = await api<FiringAlert[] | { configured: false }>('api/alerts/firing');
    state.firing = Array.isArray(body) ? { kind: 'ok', alerts: body } : { kind: 'not_configured' };
  } catch (err) {
    state.firing = { kind: 'error', message: (err as Error).message };
  }
  renderFiring();
  if (state.runs.size > 0) renderScenarios();
}

async function refreshInbox(): Promise<void> {
  try {
    state.inbox = { kind: 'ok', items: await api<Notification[]>('api/alerts/inbox') };
  } catch (err) {
    state.inbox = { kind: 'error', message: (err as Error).message };
  }
  renderInbox();
}

async function refreshScenarios(): Promise<void> {
  try {
    state.scenarios = { kind: 'ok', items: await api<Scenario[]>('api/scenarios') };
  } catch (err) {
    state.scenarios = { kind: 'error', message: (err as Error).message };
  }
  renderScenarios();
}

async function refreshRuns(): Promise<void> {
  const active = [...state.runs.entries()].filter(([, v]) => isActive(v));
  if (active.length === 0) return;
  await Promise.all(active.map(([id]) => pollRun(id)));
  renderScenarios();
}

async function start(): Promise<void> {
  whenSignInNeeded(() => {
    if (state.signIn) return;
    state.signIn = true;
    renderAll();
    root.signin.scrollIntoView({ block: 'start' });
  });
  setLang(initialLang());
  loadRuns();
  renderAll();
  every(SERVICES_EVERY_MS, refreshServices);
  every(FIRING_EVERY_MS, refreshFiring);
  every(INBOX_EVERY_MS, refreshInbox);
  every(RUN_EVERY_MS, refreshRuns);
  startDistributed(document.getElementById('distributed') as HTMLElement);
  every(15000, async () => {
    if (state.scenarios.kind !== 'ok') await refreshScenarios();
  });
  void drills.init();
  // Relative times ("2 min ago") and expectations move on even when nothing new arrives.
  setInterval(() => {
    renderFiring();
    if (state.runs.size > 0) renderScenarios();
  }, 10000);
}

void start();
