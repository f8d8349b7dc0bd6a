// The load generator's page: form, live run, traffic presets, history; `#/runs/<id>` opens a run.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import type { PresetInfo, RunSummary } from '../../contract/schemas.js';
import { api, ApiError, whenSignInNeeded } from './api.js';
import { fmt, fmtMs, h, tx } from './dom.js';
import { lang, onLang, pick, profileName, rerender, setLang, t, type Key } from './i18n.js';
import { RunForm } from './form/run-form.js';
import { describeRequests } from './run-breakdown.js';
import { RunView } from './run-view.js';

let runView: RunView | null = null;
let presets: PresetInfo[] = [];
let history: RunSummary[] = [];

function shell(): HTMLElement {
  const langBtn = (code: 'ru' | 'en', label: string) =>
    h('button', { type: 'button', class: 'lang-btn', 'data-lang': code, lang: code, onclick: () => setLang(code) }, label);
  return h(
    'div',
    { class: 'page' },
    h(
      'header',
      { class: 'top' },
      h('div', { class: 'brand' }, h('h1', {}, tx('title')), h('p', { class: 'subtitle' }, tx('subtitle'))),
      h('div', { class: 'seg lang', role: 'group', 'aria-label': 'Language / Язык' }, langBtn('ru', 'Русский'), langBtn('en', 'English')),
    ),
    h(
      'main',
      { class: 'layout' },
      h(
        'div',
        { class: 'col col-left' },
        h('section', { class: 'panel form-panel', id: 'new-run', 'aria-labelledby': 'new-run-title' }, h('h2', { id: 'new-run-title' }, tx('newRun'))),
        h(
          'section',
          { class: 'panel presets-panel', id: 'presets', 'aria-labelledby': 'presets-title' },
          h('h2', { id: 'presets-title' }, tx('presets')),
          h('p', { class: 'hint' }, tx('presetsHint')),
          h('div', { id: 'preset-list', class: 'preset-list' }),
        ),
      ),
      h(
        'div',
        { class: 'col col-right' },
        h('section', { class: 'panel run-panel', id: 'run-panel', 'aria-live': 'polite' }),
        h(
          'section',
          { class: 'panel history-panel', id: 'history', 'aria-labelledby': 'history-title' },
          h(
            'div',
            { class: 'panel-head' },
            h('h2', { id: 'history-title' }, tx('history')),
            h('button', { type: 'button', class: 'link', id: 'history-refresh', onclick: () => void loadHistory() }, tx('refresh')),
          ),
          h('ul', { id: 'history-list', class: 'history-list' }),
        ),
      ),
    ),
  );
}

/**
 * The API answered 401: a plain form posting the token to /login, above everything else. The
 * server sets the session cookie and sends the browser back to the page, now signed in.
 */
function showSignIn(): void {
  if (document.getElementById('sign-in')) return;
  const panel = h(
    'section',
    { class: 'panel sign-in-panel', id: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h2', { id: 'sign-in-title' }, tx('signInTitle')),
    h('p', {}, tx('signInLead')),
    h('p', { class: 'hint' }, tx('signInWhere')),
    h(
      'form',
      { method: 'post', action: '/login', class: 'row wrap', 'data-role': 'sign-in' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'sign-in-token' }, tx('signInLabel')),
        h('input', { id: 'sign-in-token', type: 'password', name: 'token', required: true, autocomplete: 'current-password' }),
      ),
      h('button', { type: 'submit', class: 'primary' }, tx('signInSubmit')),
    ),
  );
  document.querySelector('.page main')?.before(panel);
  panel.scrollIntoView({ block: 'start' });
}

function openRun(id: string): void {
  if (location.hash !== `#/runs/${id}`) location.hash = `#/runs/${id}`;
  else void route();
}

async function route(): Promise<void> {
  const m = /^#\/runs\/([^/?#]+)/.exec(location.hash);
  const panel = document.getElementById('run-panel');
  if (!panel) return;
  const id = m?.[1] ? decodeURIComponent(m[1]) : null;
  if (runView && id && runView.el.dataset.runId === id) return;
  runView?.close();
  runView = null;
  if (!id) {
    panel.replaceChildren(h('p', { class: 'empty' }, tx('noRun')));
    return;
  }
  runView = new RunView(id, () => void loadHistory());
  panel.replaceChildren(runView.el);
  await runView.start();
  markCurrentInHistory();
}

function renderPresets(): void {
  const list = document.getElementById('preset-list');
  if (!list) return;
  list.replaceChildren(
    ...presets.map((p) => {
      const err = h('p', { class: 'field-error', id: `preset-err-${p.id}`, role: 'alert', hidden: true });
      const btn = h('button', { type: 'button', class: 'secondary', id: `preset-${p.id}` }, t('runPreset'));
      btn.addEventListener('click', () => {
        err.hidden = true;
        btn.disabled = true;
        api
          .startRun({ preset: p.id })
          .then((r) => {
            openRun(r.id);
            void loadHistory();
            document.getElementById('run-panel')?.scrollIntoView({ block: 'start' });
          })
          .catch((e: ApiError) => {
            err.textContent = e.status === 429 ? t('err_tooMany', { msg: e.message }) : e.status === 403 ? t('err_forbidden', { msg: e.message }) : t('err_generic', { msg: e.message });
            err.hidden = false;
          })
          .finally(() => (btn.disabled = false));
      });
      const duration = p.run.duration ?? '';
      return h(
        'article',
        { class: 'preset', 'data-preset': p.id },
        h('h3', {}, pick(p.title)),
        h('p', {}, pick(p.description)),
        h('p', { class: 'hint' }, `${(p.run.requests ?? []).length} · ${p.run.rate ?? ''} rps · ${typeof duration === 'number' ? `${duration} s` : duration} · ${profileName(p.run.profile ?? 'constant')}`),
        h('div', { class: 'row actions' }, btn),
        err,
      );
    }),
  );
}

async function loadPresets(): Promise<void> {
  try {
    presets = await api.presets();
  } catch {
    presets = [];
  }
  renderPresets();
}

function renderHistory(): void {
  const list = document.getElementById('history-list');
  if (!list) return;
  if (history.length === 0) {
    list.replaceChildren(h('li', { class: 'empty' }, t('historyEmpty')));
    return;
  }
  list.replaceChildren(
    ...history.map((s) =>
      h(
        'li',
        {},
        h(
          'a',
          { href: `#/runs/${encodeURIComponent(s.id)}`, 'data-run-id': s.id },
          h('span', { class: `badge state-${s.state}` }, t(`state_${s.state}` as Key)),
          h('span', { class: 'when' }, new Date(s.started_at).toLocaleString(lang() === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'short', timeStyle: 'medium' })),
          h('span', { class: 'what' }, describeRequests(s)),
          h('span', { class: 'nums' }, `${profileName(s.profile)} · ${fmt(s.sent)} · ${fmt(s.achieved_rps, 1)} rps · p99 ${fmtMs(s.latency?.p99)}`),
        ),
      ),
    ),
  );
  markCurrentInHistory();
}

function markCurrentInHistory(): void {
  const current = runView?.el.dataset.runId;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#history-list a')) {
    if (a.dataset.runId === current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function loadHistory(): Promise<void> {
  try {
    history = await api.runs();
  } catch {
    /* keep the last list */
  }
  renderHistory();
}

async function main(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) return;
  whenSignInNeeded(showSignIn);
  root.replaceChildren(shell());
  document.documentElement.lang = lang();
  onLang(() => {
    document.title = `${t('title')} · o11y-platform`;
    for (const b of document.querySelectorAll<HTMLButtonElement>('.lang-btn')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang()));
    renderPresets();
    renderHistory();
  });
  const form = new RunForm((id) => {
    openRun(id);
    void loadHistory();
    // Show the run and move keyboard focus there.
    setTimeout(() => {
      document.getElementById('run-panel')?.scrollIntoView({ block: 'start' });
      runView?.focus();
    }, 50);
  });
  document.getElementById('new-run')?.append(form.el);
  window.addEventListener('hashchange', () => void route());
  await Promise.all([form.init(), loadPresets(), loadHistory(), route()]);
  // Profile names arrived: show them everywhere.
  rerender();
  // Runs started elsewhere (the portal's scenarios and drills, the CLI, /ws) show up, and running ones move on.
  setInterval(() => {
    if (document.visibilityState === 'visible') void loadHistory();
  }, 5000);
}

void main();
