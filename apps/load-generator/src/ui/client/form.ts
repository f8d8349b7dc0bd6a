// The "new run" form: target, headers, body, load, profile (with options and stages), preview,
// authorization helper, advanced settings. Everything is checked as you type; the server's 400/403/429
// answers are shown next to the field they concern.
import type { ProfileInfo, RunRequest } from '../../contract/schemas.js';
import { api, ApiError } from './api.js';
import { PreviewChart } from './charts.js';
import { byId, fmt, h, tAttr, tx } from './dom.js';
import { lang, onLang, pick, setProfileLabels, t, type Key } from './i18n.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];
const SUGGESTED_PATHS = ['/api/ping', '/api/tasks', '/api/tasks?limit=10&offset=0', '/api/login', '/api/register', '/health/ready', '/metrics'];
const DURATION_RE = /^\s*\d+(\.\d+)?\s*(ms|s|m|h)?\s*$/;

/** Field keys of the form; the API's `field` values map onto them. */
type FieldKey = 'method' | 'url' | 'headers' | 'body' | 'rate' | 'duration' | 'profile' | 'timeout' | 'max_in_flight' | 'seed' | 'auth' | 'form';

export function fieldFromApi(field: string | undefined, status: number): FieldKey {
  if (status === 403) return 'url';
  if (!field) return 'form';
  const f = field.replace(/^\/?body[./]?/, '').replace(/^\//, '').replace(/\//g, '.');
  if (f.startsWith('target.url') || f === 'url') return 'url';
  if (f.startsWith('target.method')) return 'method';
  if (f.startsWith('target.headers') || f.startsWith('headers')) return 'headers';
  if (f.startsWith('target.body') || f === 'body') return 'body';
  if (f.startsWith('target')) return 'url';
  if (f.startsWith('profile')) return 'profile';
  if (f.startsWith('auth')) return 'auth';
  for (const k of ['rate', 'duration', 'timeout', 'max_in_flight', 'seed'] as const) if (f.startsWith(k)) return k;
  return 'form';
}

function errorBox(key: FieldKey): HTMLElement {
  return h('p', { class: 'field-error', id: `err-${key}`, role: 'alert', 'aria-live': 'polite', hidden: true });
}

function field(key: FieldKey, label: Key, control: HTMLElement, hint?: Key): HTMLElement {
  const id = control.id;
  if (hint) control.setAttribute('aria-describedby', `hint-${key} err-${key}`);
  else control.setAttribute('aria-describedby', `err-${key}`);
  return h(
    'div',
    { class: 'field', 'data-field': key },
    h('label', { for: id }, tx(label)),
    control,
    hint ? h('p', { class: 'hint', id: `hint-${key}` }, tx(hint)) : null,
    errorBox(key),
  );
}

export class RunForm {
  readonly el: HTMLFormElement;
  private profiles: ProfileInfo[] = [];
  private preview: PreviewChart;
  private headerMode: 'rows' | 'text' = 'rows';
  private previewTimer: ReturnType<typeof setTimeout> | undefined;
  private previewSeq = 0;
  private previewTotal: number | null = null;
  private readonly errors = new Map<FieldKey, string>();

  constructor(private readonly onStarted: (id: string) => void) {
    this.el = this.render();
    this.preview = new PreviewChart(this.q('#preview-chart'));
    onLang(() => {
      this.renderProfileSelect();
      this.refreshErrors();
      this.renderPreviewTotal();
    });
  }

  private q<E extends HTMLElement = HTMLElement>(sel: string): E {
    const el = this.el.querySelector(sel);
    if (!el) throw new Error(`${sel} missing`);
    return el as E;
  }

  private input(id: string): HTMLInputElement {
    return this.q<HTMLInputElement>(`#${id}`);
  }

  private render(): HTMLFormElement {
    const methodSel = h('select', { id: 'method', name: 'method' }, ...METHODS.map((m) => h('option', { value: m }, m)));
    const url = h('input', { id: 'url', name: 'url', type: 'url', inputmode: 'url', list: 'url-suggestions', autocomplete: 'off', spellcheck: 'false', required: true });
    const body = h('textarea', { id: 'body', name: 'body', rows: 4, spellcheck: 'false', placeholder: '{"title": "Load", "status": "pending"}' });
    const headersText = h('textarea', { id: 'headers-text', rows: 3, spellcheck: 'false', placeholder: 'Content-Type: application/json\nAuthorization: Bearer …', hidden: true });

    const form = h(
      'form',
      { id: 'run-form', novalidate: true },
      h(
        'fieldset',
        {},
        h('legend', {}, tx('target')),
        h(
          'div',
          { class: 'row method-url' },
          field('method', 'method', methodSel),
          field('url', 'url', url, 'urlHint'),
        ),
        h('datalist', { id: 'url-suggestions' }),
        h(
          'div',
          { class: 'field', 'data-field': 'headers' },
          h(
            'div',
            { class: 'field-head' },
            h('span', { class: 'label', id: 'headers-label' }, tx('headers')),
            h(
              'span',
              { class: 'seg', role: 'group', 'aria-labelledby': 'headers-label' },
              h('button', { type: 'button', id: 'headers-mode-rows', 'aria-pressed': 'true', onclick: () => this.setHeaderMode('rows') }, tx('headersRows')),
              h('button', { type: 'button', id: 'headers-mode-text', 'aria-pressed': 'false', onclick: () => this.setHeaderMode('text') }, tx('headersText')),
            ),
          ),
          h('div', { id: 'headers-rows', class: 'kv-rows' }),
          h('button', { type: 'button', class: 'link', id: 'add-header', onclick: () => this.addHeaderRow('', '', true) }, '+ ', tx('addHeader')),
          headersText,
          errorBox('headers'),
        ),
        field('body', 'body', body, 'bodyHint'),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, tx('load')),
        h(
          'div',
          { class: 'row' },
          field('rate', 'rate', h('input', { id: 'rate', name: 'rate', type: 'number', min: '0.1', step: 'any', value: '10', inputmode: 'decimal', required: true })),
          field('duration', 'duration', h('input', { id: 'duration', name: 'duration', type: 'text', value: '30s', required: true, autocomplete: 'off' }), 'durationHint'),
        ),
        field('profile', 'profile', h('select', { id: 'profile', name: 'profile' })),
        h('p', { class: 'hint', id: 'profile-description' }),
        h('div', { id: 'profile-options', class: 'row wrap' }),
        h('div', { id: 'stages-editor', hidden: true }, h('span', { class: 'label' }, tx('stages')), h('div', { id: 'stages-rows', class: 'kv-rows' }), h('button', { type: 'button', class: 'link', id: 'add-stage', onclick: () => this.addStageRow('30s', '10', true) }, '+ ', tx('addStage'))),
        h('figure', { class: 'chart preview' }, h('figcaption', {}, tx('preview'), ' ', h('span', { id: 'preview-total', class: 'muted' })), h('div', { id: 'preview-chart', class: 'chart-box' })),
      ),
      h(
        'details',
        { id: 'auth-details' },
        h('summary', {}, tx('auth')),
        h(
          'div',
          { class: 'details-body' },
          field('auth', 'loginUrl', h('input', { id: 'login-url', type: 'url', autocomplete: 'off', spellcheck: 'false' })),
          h(
            'div',
            { class: 'row' },
            h('div', { class: 'field' }, h('label', { for: 'email' }, tx('email')), h('input', { id: 'email', type: 'email', value: 'user@example.com', autocomplete: 'username' })),
            h('div', { class: 'field' }, h('label', { for: 'password' }, tx('password')), h('input', { id: 'password', type: 'password', value: 'verysecret', autocomplete: 'current-password' })),
          ),
          h(
            'div',
            { class: 'row actions' },
            h('button', { type: 'button', id: 'get-token', onclick: () => void this.getToken() }, tx('getToken')),
            h('span', { id: 'token-status', class: 'ok-text', role: 'status' }),
          ),
          h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 'auto-login' }), ' ', tx('autoLogin')),
        ),
      ),
      h(
        'details',
        { id: 'advanced' },
        h('summary', {}, tx('advanced')),
        h(
          'div',
          { class: 'details-body row wrap' },
          field('timeout', 'timeout', h('input', { id: 'timeout', type: 'text', value: '30s', autocomplete: 'off' })),
          field('max_in_flight', 'maxInFlight', h('input', { id: 'max_in_flight', type: 'number', min: '1', step: '1', value: '10000', inputmode: 'numeric' })),
          field('seed', 'seed', h('input', { id: 'seed', type: 'number', step: '1', inputmode: 'numeric' }), 'seedHint'),
        ),
      ),
      h('div', { class: 'submit-row' }, h('button', { type: 'submit', id: 'start', class: 'primary' }, tx('start')), errorBox('form')),
    );

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.submit();
    });
    url.addEventListener('input', () => this.validateUrl());
    body.addEventListener('input', () => this.validateBody());
    headersText.addEventListener('input', () => this.validateHeaders());
    for (const id of ['rate', 'duration', 'seed']) {
      form.querySelector(`#${id}`)?.addEventListener('input', () => {
        this.validateLoad();
        this.schedulePreview();
      });
    }
    form.querySelector('#timeout')?.addEventListener('input', () => this.validateAdvanced());
    form.querySelector('#max_in_flight')?.addEventListener('input', () => this.validateAdvanced());
    form.querySelector('#profile')?.addEventListener('change', () => {
      this.renderProfileDetails();
      this.setError('profile', undefined);
      this.schedulePreview();
    });
    form.querySelector('#login-url')?.addEventListener('input', () => this.updateSuggestions());
    return form;
  }

  /** Loads profiles and the todo API's address, then fills the defaults. */
  async init(): Promise<void> {
    let base = 'http://127.0.0.1:4000';
    try {
      const cfg = await api.uiConfig();
      if (cfg.todo_api_url) base = cfg.todo_api_url.replace(/\/+$/, '');
    } catch {
      /* not exposed: fall back below */
    }
    if (base === 'http://127.0.0.1:4000') {
      // The scenarios target the configured todo API; use its origin.
      try {
        const first = (await api.scenarios())[0];
        if (first) base = new URL(first.run.target.url).origin;
      } catch {
        /* keep the default; the user can type it */
      }
    }
    this.input('login-url').value = `${base}/api/login`;
    if (!this.input('url').value) this.input('url').value = `${base}/api/ping`;
    this.updateSuggestions();
    this.addHeaderRow('', '', false);
    try {
      this.profiles = await api.profiles();
      setProfileLabels(this.profiles);
    } catch (err) {
      this.setError('profile', t('err_generic', { msg: (err as Error).message }));
    }
    this.renderProfileSelect();
    this.renderProfileDetails();
    this.schedulePreview(0);
  }

  private updateSuggestions(): void {
    let origin = 'http://127.0.0.1:4000';
    try {
      origin = new URL(this.input('login-url').value).origin;
    } catch {
      /* keep the default */
    }
    byIdIn(this.el, 'url-suggestions').replaceChildren(...SUGGESTED_PATHS.map((p) => h('option', { value: origin + p })));
  }

  // ---- headers -------------------------------------------------------------------------------

  private addHeaderRow(name: string, value: string, focus: boolean): void {
    const rows = this.q('#headers-rows');
    const n = rows.children.length + 1;
    const nameIn = tAttr(h('input', { type: 'text', class: 'h-name', value: name, autocomplete: 'off', spellcheck: 'false' }), 'aria-label', 'headerName');
    const valueIn = tAttr(h('input', { type: 'text', class: 'h-value', value: value, autocomplete: 'off', spellcheck: 'false' }), 'aria-label', 'headerValue');
    tAttr(nameIn, 'placeholder', 'headerName');
    tAttr(valueIn, 'placeholder', 'headerValue');
    const row = h('div', { class: 'kv-row', 'data-row': n }, nameIn, valueIn);
    const rm = tAttr(h('button', { type: 'button', class: 'icon', onclick: () => (row.remove(), this.validateHeaders()) }, '×'), 'aria-label', 'remove');
    row.append(rm);
    nameIn.addEventListener('input', () => this.validateHeaders());
    valueIn.addEventListener('input', () => this.validateHeaders());
    rows.append(row);
    if (focus) nameIn.focus();
  }

  private headerRows(): Array<[string, string]> {
    return [...this.q('#headers-rows').querySelectorAll('.kv-row')].map((r) => [
      (r.querySelector('.h-name') as HTMLInputElement).value.trim(),
      (r.querySelector('.h-value') as HTMLInputElement).value.trim(),
    ]);
  }

  private setHeaderMode(mode: 'rows' | 'text'): void {
    if (mode === this.headerMode) return;
    const text = this.q<HTMLTextAreaElement>('#headers-text');
    if (mode === 'text') {
      text.value = this.headerRows()
        .filter(([n, v]) => n || v)
        .map(([n, v]) => `${n}: ${v}`)
        .join('\n');
    } else {
      const parsed = parseHeaderLines(text.value);
      if (parsed.error !== undefined) {
        this.setError('headers', parsed.error);
        return;
      }
      this.q('#headers-rows').replaceChildren();
      for (const [n, v] of parsed.pairs) this.addHeaderRow(n, v, false);
      if (parsed.pairs.length === 0) this.addHeaderRow('', '', false);
    }
    this.headerMode = mode;
    text.hidden = mode !== 'text';
    this.q('#headers-rows').hidden = mode !== 'rows';
    this.q('#add-header').hidden = mode !== 'rows';
    this.q('#headers-mode-rows').setAttribute('aria-pressed', String(mode === 'rows'));
    this.q('#headers-mode-text').setAttribute('aria-pressed', String(mode === 'text'));
    this.validateHeaders();
  }

  /** Sets (or replaces) one header in whichever editor is showing. */
  private setHeader(name: string, value: string): void {
    if (this.headerMode === 'rows') {
      const rows = [...this.q('#headers-rows').querySelectorAll('.kv-row')];
      const existing = rows.find((r) => (r.querySelector('.h-name') as HTMLInputElement).value.trim().toLowerCase() === name.toLowerCase());
      const empty = rows.find((r) => !(r.querySelector('.h-name') as HTMLInputElement).value.trim() && !(r.querySelector('.h-value') as HTMLInputElement).value.trim());
      const row = existing ?? empty;
      if (row) {
        (row.querySelector('.h-name') as HTMLInputElement).value = name;
        (row.querySelector('.h-value') as HTMLInputElement).value = value;
      } else this.addHeaderRow(name, value, false);
    } else {
      const text = this.q<HTMLTextAreaElement>('#headers-text');
      const lines = text.value.split(/\r?\n/).filter((l) => !l.toLowerCase().startsWith(`${name.toLowerCase()}:`) && l.trim());
      lines.push(`${name}: ${value}`);
      text.value = lines.join('\n');
    }
    this.validateHeaders();
  }

  private headersValue(): Record<string, string> | string | undefined {
    if (this.headerMode === 'text') {
      const v = this.q<HTMLTextAreaElement>('#headers-text').value.trim();
      return v ? v : undefined;
    }
    const out: Record<string, string> = {};
    for (const [n, v] of this.headerRows()) if (n) out[n] = v;
    return Object.keys(out).length ? out : undefined;
  }

  private contentType(): string {
    const hv = this.headersValue();
    if (!hv) return '';
    const pairs = typeof hv === 'string' ? parseHeaderLines(hv).pairs : Object.entries(hv);
    return pairs.find(([n]) => n.toLowerCase() === 'content-type')?.[1]?.toLowerCase() ?? '';
  }

  // ---- validation ----------------------------------------------------------------------------

  private setError(key: FieldKey, message: string | undefined): void {
    if (message) this.errors.set(key, message);
    else this.errors.delete(key);
    const box = this.el.querySelector<HTMLElement>(`#err-${key}`);
    if (box) {
      box.textContent = message ?? '';
      box.hidden = !message;
    }
    const wrap = this.el.querySelector(`[data-field="${key}"]`);
    wrap?.classList.toggle('invalid', Boolean(message));
    wrap?.querySelectorAll('input, select, textarea').forEach((c) => {
      if (message) c.setAttribute('aria-invalid', 'true');
      else c.removeAttribute('aria-invalid');
    });
  }

  /** Re-runs the client checks so messages follow a language switch. */
  private refreshErrors(): void {
    if (this.errors.has('url')) this.validateUrl();
    if (this.errors.has('body')) this.validateBody();
    if (this.errors.has('headers')) this.validateHeaders();
    if (this.errors.has('rate') || this.errors.has('duration') || this.errors.has('seed')) this.validateLoad();
    if (this.errors.has('timeout') || this.errors.has('max_in_flight')) this.validateAdvanced();
  }

  private validateUrl(): boolean {
    const v = this.input('url').value.trim();
    let msg: string | undefined;
    if (!v) msg = t('err_required');
    else {
      try {
        const u = new URL(v);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') msg = t('err_url');
      } catch {
        msg = t('err_url');
      }
    }
    this.setError('url', msg);
    return !msg;
  }

  private validateBody(): boolean {
    const v = this.q<HTMLTextAreaElement>('#body').value;
    let msg: string | undefined;
    const ct = this.contentType();
    const jsonExpected = !ct || ct.includes('json');
    if (v.trim() && jsonExpected) {
      try {
        JSON.parse(v);
      } catch (err) {
        msg = t('err_json', { msg: (err as Error).message });
      }
    }
    this.setError('body', msg);
    return !msg;
  }

  private validateHeaders(): boolean {
    let msg: string | undefined;
    if (this.headerMode === 'text') {
      msg = parseHeaderLines(this.q<HTMLTextAreaElement>('#headers-text').value).error;
    } else if (this.headerRows().some(([n, v]) => !n && v)) {
      msg = t('err_headerName');
    }
    this.setError('headers', msg);
    if (this.q<HTMLTextAreaElement>('#body').value.trim()) this.validateBody();
    return !msg;
  }

  private validateLoad(): boolean {
    const rate = Number(this.input('rate').value);
    this.setError('rate', this.input('rate').value.trim() && rate > 0 && Number.isFinite(rate) ? undefined : t('err_number'));
    const dur = this.input('duration').value;
    this.setError('duration', DURATION_RE.test(dur) && parseFloat(dur) > 0 ? undefined : t('err_duration'));
    const seed = this.input('seed').value.trim();
    this.setError('seed', !seed || Number.isInteger(Number(seed)) ? undefined : t('err_integer'));
    return !this.errors.has('rate') && !this.errors.has('duration') && !this.errors.has('seed');
  }

  private validateAdvanced(): boolean {
    const timeout = this.input('timeout').value;
    this.setError('timeout', !timeout.trim() || (DURATION_RE.test(timeout) && parseFloat(timeout) > 0) ? undefined : t('err_duration'));
    const mif = this.input('max_in_flight').value.trim();
    this.setError('max_in_flight', !mif || (Number.isInteger(Number(mif)) && Number(mif) > 0) ? undefined : t('err_integer'));
    return !this.errors.has('timeout') && !this.errors.has('max_in_flight');
  }

  // ---- profiles ------------------------------------------------------------------------------

  private renderProfileSelect(): void {
    const sel = this.el.querySelector<HTMLSelectElement>('#profile');
    if (!sel) return;
    const current = sel.value || 'constant';
    sel.replaceChildren(
      ...this.profiles.map((p) => {
        const other = lang() === 'ru' ? p.label.en : p.label.ru;
        return h('option', { value: p.id }, `${pick(p.label)} (${other})`);
      }),
    );
    if (this.profiles.some((p) => p.id === current)) sel.value = current;
    this.renderProfileDescription();
  }

  private currentProfile(): ProfileInfo | undefined {
    const id = this.el.querySelector<HTMLSelectElement>('#profile')?.value;
    return this.profiles.find((p) => p.id === id);
  }

  private renderProfileDescription(): void {
    const p = this.currentProfile();
    const d = this.el.querySelector('#profile-description');
    if (d) d.textContent = p ? pick(p.description) : '';
    // Option labels follow the language too.
    for (const el of this.el.querySelectorAll<HTMLElement>('[data-option-desc]')) {
      const opt = p?.options.find((o) => o.name === el.dataset.optionDesc);
      el.textContent = opt ? pick(opt.description) : '';
    }
  }

  private isStagesOption(o: { name: string; type: string }): boolean {
    return o.name === 'stages' || o.type === 'array' || o.type === 'stages';
  }

  private renderProfileDetails(): void {
    const p = this.currentProfile();
    const box = this.q('#profile-options');
    box.replaceChildren();
    const stagesEditor = this.q('#stages-editor');
    let hasStages = false;
    for (const o of p?.options ?? []) {
      if (this.isStagesOption(o)) {
        hasStages = true;
        continue;
      }
      const id = `opt-${o.name}`;
      const input = h('input', {
        id,
        'data-option': o.name,
        'data-type': o.type,
        type: o.type === 'number' ? 'number' : 'text',
        step: 'any',
        value: o.default === undefined || o.default === null ? '' : String(o.default),
        autocomplete: 'off',
        'aria-describedby': `${id}-desc`,
      });
      input.addEventListener('input', () => this.schedulePreview());
      box.append(h('div', { class: 'field' }, h('label', { for: id }, o.name), input, h('p', { class: 'hint', id: `${id}-desc`, 'data-option-desc': o.name })));
    }
    if (!hasStages && p?.id === 'stages') hasStages = true;
    stagesEditor.hidden = !hasStages;
    if (hasStages && this.q('#stages-rows').children.length === 0) {
      const spec = p?.options.find((o) => this.isStagesOption(o))?.default;
      const stages = Array.isArray(spec) && spec.length ? (spec as Array<{ duration: unknown; rate: unknown }>) : [{ duration: '10s', rate: 10 }, { duration: '20s', rate: 50 }, { duration: '10s', rate: 0 }];
      for (const st of stages) this.addStageRow(String(st.duration), String(st.rate), false);
    }
    this.renderProfileDescription();
  }

  private addStageRow(duration: string, rate: string, focus: boolean): void {
    const d = tAttr(h('input', { type: 'text', class: 's-duration', value: duration, autocomplete: 'off' }), 'aria-label', 'stageDuration');
    const r = tAttr(h('input', { type: 'number', class: 's-rate', value: rate, min: '0', step: 'any' }), 'aria-label', 'stageRate');
    tAttr(d, 'placeholder', 'stageDuration');
    tAttr(r, 'placeholder', 'stageRate');
    const row = h('div', { class: 'kv-row' }, d, r);
    row.append(tAttr(h('button', { type: 'button', class: 'icon', onclick: () => (row.remove(), this.schedulePreview()) }, '×'), 'aria-label', 'remove'));
    d.addEventListener('input', () => this.schedulePreview());
    r.addEventListener('input', () => this.schedulePreview());
    this.q('#stages-rows').append(row);
    if (focus) d.focus();
    this.schedulePreview();
  }

  private profileOptions(): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {};
    for (const input of this.q('#profile-options').querySelectorAll<HTMLInputElement>('input[data-option]')) {
      const v = input.value.trim();
      if (!v) continue;
      const name = input.dataset.option ?? '';
      const type = input.dataset.type ?? '';
      out[name] = (type === 'number' || type === 'integer') && Number.isFinite(Number(v)) ? Number(v) : v;
    }
    if (!this.q('#stages-editor').hidden) {
      out.stages = [...this.q('#stages-rows').querySelectorAll('.kv-row')].map((row) => {
        const d = (row.querySelector('.s-duration') as HTMLInputElement).value.trim();
        return { duration: /^\d+(\.\d+)?$/.test(d) ? Number(d) : d, rate: Number((row.querySelector('.s-rate') as HTMLInputElement).value) };
      });
    }
    return Object.keys(out).length ? out : undefined;
  }

  private durationValue(): number | string {
    const d = this.input('duration').value.trim();
    return /^\d+(\.\d+)?$/.test(d) ? Number(d) : d;
  }

  private schedulePreview(delay = 300): void {
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => void this.updatePreview(), delay);
  }

  private async updatePreview(): Promise<void> {
    const p = this.currentProfile();
    if (!p || !this.validateLoad()) return;
    const seq = ++this.previewSeq;
    const seed = this.input('seed').value.trim();
    try {
      const res = await api.preview({
        profile: p.id,
        rate: Number(this.input('rate').value),
        duration: this.durationValue(),
        ...(this.profileOptions() ? { profile_options: this.profileOptions() } : {}),
        ...(seed ? { seed: Number(seed) } : {}),
      });
      if (seq !== this.previewSeq) return;
      const pts = res.points;
      let total = 0;
      for (let i = 1; i < pts.length; i++) {
        const a = pts[i - 1]!;
        const b = pts[i]!;
        total += ((a.rate + b.rate) / 2) * (b.t - a.t);
      }
      this.preview.set(pts, 'r(t)');
      this.previewTotal = total;
      this.renderPreviewTotal();
      this.setError('profile', undefined);
    } catch (err) {
      if (seq !== this.previewSeq) return;
      if (err instanceof ApiError) this.showApiError(err);
    }
  }

  private renderPreviewTotal(): void {
    const el = this.el.querySelector('#preview-total');
    if (el) el.textContent = this.previewTotal === null ? '' : `≈ ${fmt(this.previewTotal)} ${t('previewPlanned')}`;
  }

  // ---- token ---------------------------------------------------------------------------------

  private async getToken(): Promise<void> {
    const status = this.q('#token-status');
    status.textContent = '';
    this.setError('auth', undefined);
    const loginUrl = this.input('login-url').value.trim();
    try {
      new URL(loginUrl);
    } catch {
      this.setError('auth', t('err_url'));
      return;
    }
    const btn = this.q<HTMLButtonElement>('#get-token');
    btn.disabled = true;
    try {
      const { token } = await api.token({ login_url: loginUrl, email: this.input('email').value, password: this.input('password').value });
      this.setHeader('Authorization', `Bearer ${token}`);
      status.textContent = t('tokenSet');
    } catch (err) {
      const e = err as ApiError;
      this.setError('auth', e.status === 0 ? t('err_network', { msg: e.message }) : t('err_generic', { msg: e.message }));
    } finally {
      btn.disabled = false;
    }
  }

  // ---- submit --------------------------------------------------------------------------------

  showApiError(err: ApiError): void {
    let msg: string;
    if (err.status === 0) msg = t('err_network', { msg: err.message });
    else if (err.status === 403) msg = t('err_forbidden', { msg: err.message });
    else if (err.status === 429) msg = t('err_tooMany', { msg: err.message });
    else msg = err.message;
    const key = err.status === 429 || err.status === 0 ? 'form' : fieldFromApi(err.field, err.status);
    if (key === 'auth' || key === 'timeout' || key === 'max_in_flight' || key === 'seed') {
      const details = this.el.querySelector<HTMLDetailsElement>(key === 'auth' ? '#auth-details' : '#advanced');
      if (details) details.open = true;
    }
    this.setError(key, msg);
  }

  buildRequest(): RunRequest | null {
    const ok = [this.validateUrl(), this.validateHeaders(), this.validateBody(), this.validateLoad(), this.validateAdvanced()].every(Boolean);
    if (!ok) return null;
    const method = this.q<HTMLSelectElement>('#method').value;
    const headers = this.headersValue();
    const body = this.q<HTMLTextAreaElement>('#body').value;
    const req: RunRequest = {
      target: { method, url: this.input('url').value.trim(), ...(headers ? { headers } : {}), ...(body.trim() ? { body } : {}) },
      rate: Number(this.input('rate').value),
      duration: this.durationValue(),
      profile: this.currentProfile()?.id ?? 'constant',
    };
    const opts = this.profileOptions();
    if (opts) req.profile_options = opts;
    const timeout = this.input('timeout').value.trim();
    if (timeout) req.timeout = /^\d+(\.\d+)?$/.test(timeout) ? Number(timeout) : timeout;
    const mif = this.input('max_in_flight').value.trim();
    if (mif) req.max_in_flight = Number(mif);
    const seed = this.input('seed').value.trim();
    if (seed) req.seed = Number(seed);
    if (this.input('auto-login').checked) {
      req.auth = { login_url: this.input('login-url').value.trim(), email: this.input('email').value, password: this.input('password').value };
    }
    return req;
  }

  private async submit(): Promise<void> {
    this.setError('form', undefined);
    const req = this.buildRequest();
    if (!req) {
      this.setError('form', t('err_fixFields'));
      this.el.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    const btn = this.q<HTMLButtonElement>('#start');
    btn.disabled = true;
    try {
      const { id } = await api.startRun(req);
      this.onStarted(id);
    } catch (err) {
      this.showApiError(err as ApiError);
    } finally {
      btn.disabled = false;
    }
  }
}

function byIdIn(root: HTMLElement, id: string): HTMLElement {
  const el = root.querySelector<HTMLElement>(`#${id}`);
  return el ?? byId(id);
}

/** Parses the original's `Name: value` lines. */
export function parseHeaderLines(text: string): { pairs: Array<[string, string]>; error?: string } {
  const pairs: Array<[string, string]> = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const idx = line.indexOf(':');
    if (idx <= 0) return { pairs, error: t('err_header', { n: i + 1 }) };
    pairs.push([line.slice(0, idx).trim(), line.slice(idx + 1).trim()]);
  }
  return { pairs };
}
