import type { HintView, HistoryEntry, SessionView } from '../../drills/contract.js';
import type { Answer, DrillInfo } from '../../drills/schema.js';
import { api, ApiError } from '../api.js';
import { fill, h } from '../dom.js';
import { lang, pick, t } from '../i18n.js';
import { answerForm } from './answer-form.js';
import { catalogueCards, startOptions } from './catalogue.js';
import { debriefView, injectedView } from './debrief.js';
import { formatTimer } from './format.js';
import { historyView } from './history.js';

const POLL_MS = 2000;

export interface DrillsPanelOptions {
  root: HTMLElement;
  /** Links to every tool of this mode (the page builds them from /api/config). */
  tools: () => HTMLElement[];
  /** The API answered 401: the section shows the sign-in note instead. */
  signInNeeded: () => HTMLElement | null;
}

type Phase = { kind: 'list' } | { kind: 'running'; session: SessionView } | { kind: 'ended'; session: SessionView };

/**
 * The portal's Drills section: the catalogue (and "surprise me"); while a session runs only a
 * timer, the links to every tool, "something is wrong: find it", hints one at a time and the
 * answer form; then the debrief; the history and scoreboard below. The running session is found
 * again after a reload or in another tab (GET /api/drills/sessions), and the form is built once
 * per session, so the polls never reset what the learner picked.
 */
export class DrillsPanel {
  private catalogue: DrillInfo[] | null = null;
  private catalogueError: string | null = null;
  private history: HistoryEntry[] = [];
  private phase: Phase = { kind: 'list' };
  private starting: string | null = null;
  private error: string | null = null;
  private busy: 'hint' | 'answer' | 'abort' | null = null;
  private form: HTMLFormElement | null = null;
  private formSession: string | null = null;
  private options: HTMLElement | null = null;
  private optionsLang: string | null = null;
  private formLang: string | null = null;

  constructor(private readonly opts: DrillsPanelOptions) {}

  async init(): Promise<void> {
    await Promise.all([this.loadCatalogue(), this.loadHistory(), this.findRunning()]);
    this.render();
    setInterval(() => void this.poll(), POLL_MS);
    setInterval(() => this.tick(), 1000);
  }

  private async loadCatalogue(): Promise<void> {
    try {
      this.catalogue = await api<DrillInfo[]>('api/drills');
      this.catalogueError = null;
    } catch (err) {
      this.catalogueError = (err as Error).message;
    }
  }

  private async findRunning(): Promise<void> {
    try {
      const [session] = await api<SessionView[]>('api/drills/sessions');
      if (session) this.phase = { kind: 'running', session };
    } catch {
      // shown as the catalogue; the next start says what is wrong
    }
  }

  private async loadHistory(): Promise<void> {
    try {
      this.history = await api<HistoryEntry[]>('api/drills/history');
    } catch {
      // keep the last list
    }
  }

  private async poll(): Promise<void> {
    if (this.catalogue === null) {
      await this.loadCatalogue();
      if (this.catalogue) this.render();
    }
    if (this.phase.kind !== 'running' || this.busy) return;
    try {
      const session = await api<SessionView>(`api/drills/sessions/${encodeURIComponent(this.phase.session.id)}`);
      const ended = session.state !== 'warming' && session.state !== 'active';
      if (ended) {
        await this.loadHistory();
        this.phase = { kind: 'ended', session };
        this.render();
      } else {
        const changed = session.state !== this.phase.session.state || session.hints_used !== this.phase.session.hints_used;
        this.phase = { kind: 'running', session };
        if (changed) this.render();
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        this.phase = { kind: 'list' };
        this.render();
      }
    }
  }

  /** The timer moves every second without a request. */
  private tick(): void {
    if (this.phase.kind !== 'running') return;
    const el = this.opts.root.querySelector('[data-role="timer"]');
    if (el) el.textContent = formatTimer((Date.now() - Date.parse(this.phase.session.created_at)) / 1000);
  }

  /** Starts a drill: the seed and the delay from the options when given (a replay passes its seed). */
  private async start(drill: string, seed?: number): Promise<void> {
    const option = (name: string) => {
      const raw = this.opts.root.querySelector<HTMLInputElement>(`.drill-options input[name="${name}"]`)?.value.trim();
      return raw ? Number(raw) : undefined;
    };
    const chosenSeed = seed ?? option('seed');
    const faultAfter = option('fault_after_s');
    this.starting = drill;
    this.error = null;
    this.render();
    try {
      const body = { drill, ...(chosenSeed === undefined ? {} : { seed: chosenSeed }), ...(faultAfter === undefined ? {} : { fault_after_s: faultAfter }) };
      const started = await api<{ id: string }>('api/drills/sessions', { method: 'POST', body: JSON.stringify(body) }, 30_000);
      this.phase = { kind: 'running', session: await api<SessionView>(`api/drills/sessions/${encodeURIComponent(started.id)}`) };
      this.opts.root.scrollIntoView({ block: 'start' });
    } catch (err) {
      this.error = t('drills.failed_start', { error: (err as Error).message });
    } finally {
      this.starting = null;
      this.render();
    }
  }

  private async act<T>(kind: 'hint' | 'answer' | 'abort', call: () => Promise<T>, then: (value: T) => Promise<void> | void): Promise<void> {
    if (this.phase.kind !== 'running') return;
    this.busy = kind;
    this.error = null;
    this.render();
    try {
      await then(await call());
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = null;
      this.render();
    }
  }

  private session(): SessionView | null {
    return this.phase.kind === 'list' ? null : this.phase.session;
  }

  private hint(): Promise<void> {
    const s = this.session() as SessionView;
    return this.act(
      'hint',
      () => api<HintView>(`api/drills/sessions/${encodeURIComponent(s.id)}/hints`, { method: 'POST', body: '{}' }),
      (hint) => {
        if (this.phase.kind === 'running') this.phase.session = { ...s, hints: [...s.hints, hint.hint], hints_used: hint.hints_used };
      },
    );
  }

  private answer(answer: Answer): Promise<void> {
    const s = this.session() as SessionView;
    return this.act(
      'answer',
      () => api<unknown>(`api/drills/sessions/${encodeURIComponent(s.id)}/answer`, { method: 'POST', body: JSON.stringify(answer) }, 60_000),
      () => this.end(s.id),
    );
  }

  private abort(): Promise<void> {
    const s = this.session() as SessionView;
    return this.act('abort', () => api<SessionView>(`api/drills/sessions/${encodeURIComponent(s.id)}`, { method: 'DELETE' }, 30_000), () => this.end(s.id));
  }

  /** Shows a finished session: right after its answer, or opened from the history. */
  private async end(id: string): Promise<void> {
    const [session] = await Promise.all([api<SessionView>(`api/drills/sessions/${encodeURIComponent(id)}`), this.loadHistory()]);
    this.phase = { kind: 'ended', session };
    this.form = null;
  }

  private async open(id: string): Promise<void> {
    try {
      await this.end(id);
    } catch (err) {
      this.error = (err as Error).message;
    }
    this.render();
    this.opts.root.scrollIntoView({ block: 'start' });
  }

  render(): void {
    const signIn = this.opts.signInNeeded();
    let body: (HTMLElement | null)[];
    if (signIn) body = [signIn];
    else if (this.phase.kind === 'running') body = [this.runningView(this.phase.session)];
    else if (this.phase.kind === 'ended') body = [this.endedView(this.phase.session)];
    else body = [this.catalogueView()];
    fill(
      this.opts.root,
      h('h2', {}, t('drills.title')),
      h('p', { class: 'lead' }, t('drills.lead')),
      this.error ? h('p', { class: 'state error', 'data-role': 'drill-error', role: 'alert' }, this.error) : null,
      ...body,
      signIn ? null : h('section', { class: 'drill-history', 'data-role': 'history' }, h('h3', {}, t('drills.history')), historyView(this.history, this.catalogue ?? [], (id) => void this.open(id))),
    );
  }

  private catalogueView(): HTMLElement {
    if (this.catalogueError && !this.catalogue) return h('p', { class: 'state error' }, `${t('drills.unavailable')}: ${this.catalogueError}`);
    if (!this.catalogue) return h('p', { class: 'state' }, t('drills.loading'));
    const busy = this.starting !== null;
    const startButton = (drill: string, label: string, primary: boolean) =>
      h('button', { type: 'button', class: primary ? 'btn primary' : 'btn', 'data-action': 'start', disabled: busy, onclick: () => void this.start(drill) }, this.starting === drill ? t('drills.starting') : label);
    // Kept across renders, so what was typed stays (rebuilt with the values when the language changes).
    if (!this.options || this.optionsLang !== lang()) {
      const typed = (name: string) => this.options?.querySelector<HTMLInputElement>(`input[name="${name}"]`)?.value ?? '';
      this.options = startOptions({ seed: typed('seed'), fault_after_s: typed('fault_after_s') });
      this.optionsLang = lang();
    }
    return h('div', {}, catalogueCards(this.catalogue, startButton), this.options);
  }

  private runningView(s: SessionView): HTMLElement {
    // The form is kept across renders of the same session: what the learner picked stays.
    if (!this.form || this.formSession !== s.id || this.formLang !== lang()) {
      const previous = this.formSession === s.id ? this.form : null;
      this.form = answerForm(s, (answer) => void this.answer(answer));
      // A language switch rebuilds the form with what was picked.
      for (const el of previous?.querySelectorAll<HTMLSelectElement | HTMLInputElement>('[data-field]') ?? []) {
        const same = this.form.querySelector<HTMLSelectElement | HTMLInputElement>(`[data-field="${el.name}"]`);
        if (same) same.value = el.value;
      }
      this.formSession = s.id;
      this.formLang = lang();
    }
    const active = s.state === 'active';
    for (const el of this.form.querySelectorAll<HTMLButtonElement | HTMLSelectElement | HTMLInputElement>('select, input, button')) el.disabled = !active || this.busy !== null;
    const wait = this.form.querySelector<HTMLElement>('[data-role="answer-wait"]');
    if (wait) wait.hidden = active;
    const submit = this.form.querySelector('button[data-action="answer"]');
    if (submit) submit.textContent = this.busy === 'answer' ? t('drills.submitting') : t('drills.submit');
    const noMore = s.hints_used >= s.hints_total;
    return h(
      'div',
      { class: 'drill-run card', 'data-role': 'running', 'data-state': s.state, 'data-session': s.id },
      h(
        'div',
        { class: 'run-head' },
        h('h3', {}, s.title ? pick(s.title) : t('drills.random')),
        h('span', { class: 'timer', 'data-role': 'timer', 'aria-live': 'off' }, formatTimer((Date.now() - Date.parse(s.created_at)) / 1000)),
      ),
      h('p', { class: active ? 'state error big' : 'state', 'data-role': 'message' }, active ? t('drills.active') : t('drills.warming')),
      h('div', { class: 'tools' }, h('h4', {}, t('drills.tools')), h('p', { class: 'link-list' }, ...this.opts.tools())),
      h(
        'div',
        { class: 'hints', 'data-role': 'hints' },
        h(
          'button',
          { type: 'button', class: 'btn', 'data-action': 'hint', disabled: noMore || this.busy !== null, onclick: () => void this.hint() },
          noMore ? t('drills.no_more_hints') : t('drills.hint', { cost: s.hint_cost }),
        ),
        h('span', { class: 'small muted' }, ` ${t('drills.hints_used', { n: s.hints_used, total: s.hints_total })}`),
        s.hints.length ? h('ol', { class: 'hint-list' }, ...s.hints.map((x) => h('li', {}, pick(x)))) : null,
      ),
      this.form,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'btn', 'data-action': 'abort', disabled: this.busy !== null, onclick: () => void this.abort() }, this.busy === 'abort' ? t('drills.aborting') : t('drills.abort')),
      ),
    );
  }

  private endedView(s: SessionView): HTMLElement {
    const back = h('button', { type: 'button', class: 'btn', 'data-action': 'back', onclick: () => ((this.phase = { kind: 'list' }), this.render()) }, t('drills.back'));
    const truth = s.result?.truth ?? s.truth;
    const replay = truth
      ? h('button', { type: 'button', class: 'btn primary', 'data-action': 'replay', onclick: () => void this.start(truth.drill, truth.seed) }, t('drills.replay'))
      : null;
    const actions = h('div', { class: 'actions' }, replay, back);
    if (s.result) return h('div', { class: 'card drill-ended', 'data-session': s.id }, h('h3', {}, t('drills.debrief'), ': ', pick(s.result.truth.title)), debriefView(s, s.result, actions));
    const key = s.abort_reason === 'expired' ? 'drills.expired' : s.abort_reason === 'restart' ? 'drills.restarted' : 'drills.aborted';
    return h(
      'div',
      { class: 'card drill-ended', 'data-session': s.id, 'data-state': 'aborted' },
      h('p', { class: 'state warn' }, t(key, { title: truth ? pick(truth.title) : '?' })),
      truth ? injectedView(truth) : null,
      actions,
    );
  }
}
