// The load: rate, duration, profile with its options and stages, the planned rate r(t) and, for a
// mix, the planned requests per second of each request. Durations are checked with the server's code.
import { positiveDuration } from '../../../contract/durations.js';
import { InputError } from '../../../contract/errors.js';
import type { PreviewBody, ProfileInfo } from '../../../contract/schemas.js';
import { api, ApiError } from '../api.js';
import { PreviewChart } from '../charts.js';
import { fmt, h, tAttr, tx } from '../dom.js';
import { lang, pick, t } from '../i18n.js';
import { appendRow, field, inputErrorText, type FieldErrors } from './fields.js';

/** A number when the text is one (seconds), the text otherwise ("2m"): what the API accepts. */
export function durationValue(text: string): number | string {
  const d = text.trim();
  return /^\d+(\.\d+)?$/.test(d) ? Number(d) : d;
}

/** The contract's duration check for a field; a message in the page's language, or undefined. */
export function durationError(text: string, key: string, optional = false): string | undefined {
  if (optional && !text.trim()) return undefined;
  try {
    positiveDuration(durationValue(text), key);
    return undefined;
  } catch (err) {
    if (err instanceof InputError) return inputErrorText(err);
    throw err;
  }
}

export class LoadSection {
  readonly el: HTMLElement;
  profiles: ProfileInfo[] = [];
  private readonly preview: PreviewChart;
  private previewTimer: ReturnType<typeof setTimeout> | undefined;
  private previewSeq = 0;
  private previewTotal: number | null = null;

  constructor(
    private readonly errors: FieldErrors,
    /** The mix's shares, for the per-request preview (one request: no table). */
    private readonly shares: () => Array<{ name: string; share: number }>,
    private readonly seed: () => string,
    private readonly onApiError: (err: ApiError) => void,
  ) {
    this.el = h(
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
      h('div', { id: 'mix-preview', class: 'table-wrap', hidden: true }),
    );
    this.preview = new PreviewChart(this.q('#preview-chart'));
    for (const id of ['rate', 'duration']) {
      this.q(`#${id}`).addEventListener('input', () => {
        this.validate();
        this.schedulePreview();
      });
    }
    this.q('#profile').addEventListener('change', () => {
      this.renderProfileDetails();
      this.errors.set('profile', undefined);
      this.schedulePreview();
    });
  }

  private q<E extends HTMLElement = HTMLElement>(sel: string): E {
    return this.el.querySelector(sel) as E;
  }

  input(id: string): HTMLInputElement {
    return this.q<HTMLInputElement>(`#${id}`);
  }

  async loadProfiles(): Promise<void> {
    this.profiles = await api.profiles();
  }

  /** Rate, duration (and the seed, from the advanced settings) as the API takes them; checks them first. */
  validate(): boolean {
    const rate = Number(this.input('rate').value);
    this.errors.set('rate', this.input('rate').value.trim() && rate > 0 && Number.isFinite(rate) ? undefined : t('err_number'));
    this.errors.set('duration', durationError(this.input('duration').value, 'duration'));
    return !this.errors.any(['rate', 'duration']);
  }

  set(values: { rate?: number | string | undefined; duration?: number | string | undefined; profile?: string | undefined }): void {
    if (values.rate !== undefined) this.input('rate').value = String(values.rate);
    if (values.duration !== undefined) this.input('duration').value = String(values.duration);
    if (values.profile !== undefined && this.profiles.some((p) => p.id === values.profile)) {
      this.q<HTMLSelectElement>('#profile').value = values.profile;
      this.renderProfileDetails();
    }
    this.validate();
    this.schedulePreview();
  }

  value(): { rate: number; duration: number | string; profile: string; profile_options?: Record<string, unknown> } {
    const opts = this.profileOptions();
    return { rate: Number(this.input('rate').value), duration: durationValue(this.input('duration').value), profile: this.currentProfile()?.id ?? 'constant', ...(opts ? { profile_options: opts } : {}) };
  }

  renderProfileSelect(): void {
    const sel = this.q<HTMLSelectElement>('#profile');
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
    const id = this.q<HTMLSelectElement>('#profile').value;
    return this.profiles.find((p) => p.id === id);
  }

  private renderProfileDescription(): void {
    const p = this.currentProfile();
    this.q('#profile-description').textContent = p ? pick(p.description) : '';
    // Option labels follow the language too.
    for (const el of this.el.querySelectorAll<HTMLElement>('[data-option-desc]')) {
      const opt = p?.options.find((o) => o.name === el.dataset.optionDesc);
      el.textContent = opt ? pick(opt.description) : '';
    }
  }

  renderProfileDetails(): void {
    const p = this.currentProfile();
    const box = this.q('#profile-options');
    box.replaceChildren();
    let hasStages = p?.id === 'stages';
    for (const o of p?.options ?? []) {
      if (o.type === 'stages') {
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
    this.q('#stages-editor').hidden = !hasStages;
    if (hasStages && this.q('#stages-rows').children.length === 0) {
      const spec = p?.options.find((o) => o.type === 'stages')?.default;
      const stages = Array.isArray(spec) && spec.length ? spec : [{ duration: 10, rate: 10 }, { duration: 20, rate: 50 }, { duration: 10, rate: 0 }];
      for (const st of stages) this.addStageRow(String(st.duration), String(st.rate), false);
    }
    this.renderProfileDescription();
  }

  private addStageRow(duration: string, rate: string, focus: boolean): void {
    const d = tAttr(h('input', { type: 'text', class: 's-duration', value: duration, autocomplete: 'off' }), 'aria-label', 'stageDuration');
    const r = tAttr(h('input', { type: 'number', class: 's-rate', value: rate, min: '0', step: 'any' }), 'aria-label', 'stageRate');
    tAttr(d, 'placeholder', 'stageDuration');
    tAttr(r, 'placeholder', 'stageRate');
    appendRow(this.q('#stages-rows'), [d, r], () => this.schedulePreview(), focus);
    this.schedulePreview();
  }

  private profileOptions(): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {};
    for (const input of this.q('#profile-options').querySelectorAll<HTMLInputElement>('input[data-option]')) {
      const v = input.value.trim();
      if (!v) continue;
      const name = input.dataset.option ?? '';
      out[name] = input.dataset.type === 'number' && Number.isFinite(Number(v)) ? Number(v) : v;
    }
    if (!this.q('#stages-editor').hidden) {
      out.stages = [...this.q('#stages-rows').querySelectorAll('.kv-row')].map((row) => ({
        duration: durationValue((row.querySelector('.s-duration') as HTMLInputElement).value),
        rate: Number((row.querySelector('.s-rate') as HTMLInputElement).value),
      }));
    }
    return Object.keys(out).length ? out : undefined;
  }

  schedulePreview(delay = 300): void {
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => void this.updatePreview(), delay);
  }

  private async updatePreview(): Promise<void> {
    const p = this.currentProfile();
    if (!p || !this.validate()) return;
    const seq = ++this.previewSeq;
    const seed = this.seed();
    const { rate, duration, profile_options } = this.value();
    const body: PreviewBody = { profile: p.id, rate, duration, ...(profile_options ? { profile_options } : {}), ...(seed && Number.isInteger(Number(seed)) ? { seed: Number(seed) } : {}) };
    try {
      const res = await api.preview(body);
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
      this.errors.set('profile', undefined);
    } catch (err) {
      if (seq !== this.previewSeq) return;
      if (err instanceof ApiError) this.onApiError(err);
    }
  }

  /** The total planned, and for a mix each request's planned rate (at R) and count (share × total). */
  renderPreviewTotal(): void {
    this.q('#preview-total').textContent = this.previewTotal === null ? '' : `≈ ${fmt(this.previewTotal)} ${t('previewPlanned')}`;
    const shares = this.shares();
    const box = this.q('#mix-preview');
    box.hidden = shares.length < 2;
    if (box.hidden) return;
    const rate = Number(this.input('rate').value) || 0;
    const total = this.previewTotal ?? 0;
    box.replaceChildren(
      h(
        'table',
        { class: 'mix-preview' },
        h('caption', {}, t('mixPreview')),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'unit' }, t('request')), h('th', { scope: 'col' }, t('share')), h('th', { scope: 'col' }, t('plannedRps')), h('th', { scope: 'col' }, t('plannedRequests')))),
        h(
          'tbody',
          {},
          ...shares.map((s) => h('tr', { 'data-request': s.name }, h('th', { scope: 'row' }, s.name), h('td', {}, `${fmt(s.share * 100, 1)} %`), h('td', { class: 'planned-rps' }, fmt(s.share * rate, 2)), h('td', {}, `≈ ${fmt(s.share * total)}`))),
        ),
      ),
    );
  }
}
