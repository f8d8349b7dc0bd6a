// The requests of a run: one (the single target of old) or a weighted mix of up to 20, with a preset
// picker. The whole mix is checked with the server's own code (contract/requests.ts), and its errors
// land under the request and field they name.
import { InputError } from '../../../contract/errors.js';
import { prepareRequests } from '../../../contract/requests.js';
import { MAX_REQUESTS } from '../../../contract/constants.js';
import type { MixRequestInput, PresetInfo, TargetInput } from '../../../contract/schemas.js';
import { fmt, h, tx } from '../dom.js';
import { pick, t } from '../i18n.js';
import { errorBox, inputErrorText, type FieldErrors } from './fields.js';
import { emptyDraft, RequestCard, suffix, type RequestDraft } from './request-card.js';

const KEYS = ['name', 'weight', 'method', 'url', 'headers', 'body', 'capture'];

/** A request of a preset as the editor shows it. */
export function draftOf(r: MixRequestInput): RequestDraft {
  const headers = r.headers === undefined ? {} : r.headers;
  const body = r.body === undefined || r.body === null ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body, null, 2);
  return {
    name: r.name,
    weight: String(r.weight ?? 1),
    method: (r.method ?? 'GET').toUpperCase(),
    url: r.url,
    headers: typeof headers === 'string' ? { mode: 'text', rows: [], text: headers } : { mode: 'rows', rows: Object.entries(headers), text: '' },
    body,
    captures: Object.entries(r.capture ?? {}),
  };
}

export class MixEditor {
  readonly el: HTMLElement;
  private cards: RequestCard[] = [];
  private readonly list: HTMLElement;
  private presets: PresetInfo[] = [];
  private defaultUrl = '';

  constructor(
    private readonly errors: FieldErrors,
    private readonly onChange: () => void,
    private readonly onPreset: (p: PresetInfo) => void,
  ) {
    this.list = h('div', { id: 'requests', class: 'requests' });
    const presetSel = h('select', { id: 'preset', name: 'preset' });
    presetSel.addEventListener('change', () => {
      const p = this.presets.find((x) => x.id === presetSel.value);
      if (p) this.loadPreset(p);
    });
    this.el = h(
      'fieldset',
      { id: 'mix' },
      h('legend', {}, tx('target')),
      h('div', { class: 'field preset-field' }, h('label', { for: 'preset' }, tx('preset')), presetSel),
      this.list,
      h('div', { class: 'row actions' }, h('button', { type: 'button', class: 'link', id: 'add-request', onclick: () => this.add() }, '+ ', tx('addRequest')), h('span', { class: 'hint' }, tx('templatesHint'))),
      errorBox('mix'),
    );
  }

  /** Starts with one request on `url`. */
  init(url: string, presets: PresetInfo[]): void {
    this.defaultUrl = url;
    this.presets = presets;
    this.renderPresets();
    this.render([emptyDraft('default', url)]);
  }

  renderPresets(): void {
    const sel = this.el.querySelector<HTMLSelectElement>('#preset');
    if (!sel) return;
    const current = sel.value;
    sel.replaceChildren(h('option', { value: '' }, t('presetNone')), ...this.presets.map((p) => h('option', { value: p.id }, pick(p.title))));
    sel.value = this.presets.some((p) => p.id === current) ? current : '';
  }

  get count(): number {
    return this.cards.length;
  }

  get first(): RequestCard | undefined {
    return this.cards[0];
  }

  private render(drafts: RequestDraft[]): void {
    const mix = drafts.length > 1;
    this.errors.clearPrefix((k) => KEYS.some((base) => k === base || k.startsWith(`${base}-`)));
    this.cards = drafts.map((d, i) => new RequestCard(i, d, { errors: this.errors, mix, onChange: () => this.changed(), onRemove: () => this.remove(i) }));
    this.list.replaceChildren(...this.cards.map((c) => c.el));
    this.el.querySelector<HTMLElement>('#add-request')?.toggleAttribute('disabled', drafts.length >= MAX_REQUESTS);
    this.el.classList.toggle('is-mix', mix);
    this.updateShares();
  }

  private changed(): void {
    this.updateShares();
    this.validate();
    this.onChange();
  }

  add(): void {
    if (this.cards.length >= MAX_REQUESTS) return;
    const drafts = this.cards.map((c) => c.draft());
    // The single request becomes the first of a mix: give it a name the user can change.
    if (drafts.length === 1 && drafts[0] && drafts[0].name === 'default') drafts[0].name = 'request_1';
    const url = drafts[drafts.length - 1]?.url || this.defaultUrl;
    drafts.push(emptyDraft(`request_${drafts.length + 1}`, url));
    this.render(drafts);
    this.cards[this.cards.length - 1]?.focus();
    this.changed();
  }

  remove(i: number): void {
    if (this.cards.length <= 1) return;
    const drafts = this.cards.map((c) => c.draft()).filter((_, j) => j !== i);
    if (drafts.length === 1 && drafts[0]) drafts[0].name = 'default';
    this.render(drafts);
    this.cards[Math.min(i, this.cards.length - 1)]?.focus();
    this.changed();
  }

  loadPreset(p: PresetInfo): void {
    const requests: MixRequestInput[] = p.run.requests ?? (p.run.target ? [{ name: 'default', ...p.run.target }] : []);
    this.render(requests.map(draftOf));
    this.onPreset(p);
    this.changed();
  }

  /** Sets a header in every request (a token from "Get token"). */
  setHeaderEverywhere(name: string, value: string): void {
    for (const c of this.cards) c.headers.set(name, value);
  }

  /** What the run request carries: `target` for one request, `requests` for a mix. */
  value(): { target: TargetInput } | { requests: MixRequestInput[] } {
    if (this.cards.length === 1 && this.cards[0]) return { target: this.cards[0].target() };
    return { requests: this.cards.map((c) => c.value()) };
  }

  /** Each request's share of the arrivals by weight (0 … 1). */
  shares(): Array<{ name: string; share: number }> {
    const weights = this.cards.map((c) => (Number.isFinite(c.weightValue()) && c.weightValue() > 0 ? c.weightValue() : 0));
    const total = weights.reduce((a, b) => a + b, 0);
    return this.cards.map((c, i) => ({ name: c.name, share: total > 0 ? (weights[i] ?? 0) / total : 0 }));
  }

  private updateShares(): void {
    const shares = this.shares();
    this.cards.forEach((c, i) => c.setShare(`${fmt((shares[i]?.share ?? 0) * 100, 1)} %`));
  }

  /** Field checks per request, then the contract's check of the whole mix (names, weights, captures, templates). */
  validate(): boolean {
    const known = new Set(this.cards.flatMap((c) => c.captureNames()));
    const local = this.cards.map((c) => c.validate(known)).every(Boolean);
    for (const c of this.cards) for (const k of ['name', 'weight', 'capture', 'method']) this.errors.set(`${k}${c.sfx}`, undefined);
    this.errors.set('mix', undefined);
    if (!local) return false;
    try {
      prepareRequests(this.value());
      return true;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      this.showError(err.field, inputErrorText(err));
      return false;
    }
  }

  /**
   * Shows an error of the contract or the server (`requests[2].url`, `target.headers`, `requests`)
   * under its request's field; false when the field is not the mix's.
   */
  showError(field: string | undefined, message: string): boolean {
    const f = (field ?? '').replace(/^\/?body[./]?/, '').replace(/^\//, '').replace(/\//g, '.');
    const m = /^(?:requests(?:\[(\d+)\]|\.(\d+))|target)(?:\.(\w+))?/.exec(f);
    if (!m && f !== 'requests' && f !== 'preset') return false;
    const index = Number(m?.[1] ?? m?.[2] ?? 0);
    const key = m?.[3];
    const card = this.cards[index];
    if (!m || !card || (f.startsWith('requests') && m[1] === undefined && m[2] === undefined)) {
      this.errors.set('mix', message);
      return true;
    }
    const base = key && KEYS.includes(key) ? key : 'url';
    this.errors.set(`${base}${suffix(index)}`, message);
    return true;
  }
}
