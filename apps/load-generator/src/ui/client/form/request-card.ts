// One request of the mix: name, weight, method, URL, headers, body and captures. The first request's
// controls keep the ids the single-target form always had (#method, #url, #body, …); the others
// carry a suffix (#url-2, …). Checks use the contract's code, so they agree with the server.
import { InputError } from '../../../contract/errors.js';
import type { MixRequestInput, TargetInput } from '../../../contract/schemas.js';
import { METHODS } from '../../../contract/constants.js';
import { parseTemplate, sampleText } from '../../../contract/templates.js';
import { parseRequestUrl } from '../../../contract/urls.js';
import { h, tAttr, tx } from '../dom.js';
import { t } from '../i18n.js';
import { appendRow, errorBox, field, inputErrorText, type FieldErrors } from './fields.js';
import { HeadersEditor, type HeadersDraft } from './headers-editor.js';

export interface RequestDraft {
  name: string;
  weight: string;
  method: string;
  url: string;
  headers: HeadersDraft;
  body: string;
  captures: Array<[string, string]>;
}

export function emptyDraft(name: string, url: string): RequestDraft {
  return { name, weight: '1', method: 'GET', url, headers: { mode: 'rows', rows: [], text: '' }, body: '', captures: [] };
}

/** '' for the first request, '-2', '-3', … for the next ones. */
export const suffix = (i: number) => (i === 0 ? '' : `-${i + 1}`);

export interface CardContext {
  errors: FieldErrors;
  /** Whether the form holds a mix (name, weight and captures show only then). */
  mix: boolean;
  onChange(): void;
  onRemove(): void;
}

export class RequestCard {
  readonly el: HTMLElement;
  readonly sfx: string;
  readonly headers: HeadersEditor;
  private readonly captures: HTMLElement;

  constructor(
    readonly index: number,
    draft: RequestDraft,
    private readonly ctx: CardContext,
  ) {
    const s = (this.sfx = suffix(index));
    const changed = () => ctx.onChange();
    const methodSel = h('select', { id: `method${s}`, name: `method${s}` }, ...METHODS.map((m) => h('option', { value: m }, m)));
    methodSel.value = draft.method;
    const url = h('input', { id: `url${s}`, name: `url${s}`, type: 'url', inputmode: 'url', list: 'url-suggestions', autocomplete: 'off', spellcheck: 'false', required: true, value: draft.url });
    const body = h('textarea', { id: `body${s}`, name: `body${s}`, rows: 4, spellcheck: 'false', placeholder: '{"title": "task {{seq}}", "status": "pending"}' });
    body.value = draft.body;
    this.headers = new HeadersEditor(s, ctx.errors, draft.headers, changed);
    this.captures = h('div', { id: `captures${s}`, class: 'kv-rows' });
    const name = h('input', { id: `req-name${s}`, type: 'text', value: draft.name, autocomplete: 'off', spellcheck: 'false', required: true });
    const weight = h('input', { id: `req-weight${s}`, type: 'number', min: '0', step: 'any', value: draft.weight, inputmode: 'decimal' });
    const head = ctx.mix
      ? h(
          'div',
          { class: 'row card-head' },
          field(`name${s}`, 'requestName', name),
          field(`weight${s}`, 'weight', weight),
          h('div', { class: 'share' }, h('span', { class: 'label' }, tx('share')), h('output', { id: `req-share${s}`, for: `req-weight${s}` }, '—')),
          tAttr(h('button', { type: 'button', class: 'icon remove-request', id: `remove-request${s}`, onclick: () => ctx.onRemove() }, '×'), 'aria-label', 'removeRequest'),
        )
      : null;
    this.el = h(
      'div',
      { class: ctx.mix ? 'request-card mix' : 'request-card', 'data-request': index },
      head,
      h('div', { class: 'row method-url' }, field(`method${s}`, 'method', methodSel), field(`url${s}`, 'url', url, index === 0 ? 'urlHint' : undefined)),
      this.headers.el,
      field(`body${s}`, 'body', body, 'bodyHint'),
      ctx.mix
        ? h(
            'div',
            { class: 'field captures', 'data-field': `capture${s}` },
            h('span', { class: 'label' }, tx('capture')),
            h('p', { class: 'hint' }, tx('captureHint')),
            this.captures,
            h('button', { type: 'button', class: 'link', id: `add-capture${s}`, onclick: () => this.addCapture('', '', true) }, '+ ', tx('addCapture')),
            errorBox(`capture${s}`),
          )
        : null,
    );
    for (const [n, p] of draft.captures) this.addCapture(n, p, false);
    for (const el of [url, body, name, weight]) el.addEventListener('input', changed);
    methodSel.addEventListener('change', changed);
  }

  private q<E extends HTMLElement>(id: string): E {
    return this.el.querySelector(`#${id}${this.sfx}`) as E;
  }

  private addCapture(name: string, path: string, focus: boolean): void {
    const nameIn = tAttr(h('input', { type: 'text', class: 'c-name', value: name, autocomplete: 'off', spellcheck: 'false', placeholder: 'task_id' }), 'aria-label', 'captureName');
    const pathIn = tAttr(h('input', { type: 'text', class: 'c-path', value: path, autocomplete: 'off', spellcheck: 'false', placeholder: 'id' }), 'aria-label', 'capturePath');
    appendRow(this.captures, [nameIn, pathIn], () => this.ctx.onChange(), focus);
  }

  private capturePairs(): Array<[string, string]> {
    return [...this.captures.querySelectorAll('.kv-row')]
      .map((r): [string, string] => [(r.querySelector('.c-name') as HTMLInputElement).value.trim(), (r.querySelector('.c-path') as HTMLInputElement).value.trim()])
      .filter(([n, p]) => n || p);
  }

  get name(): string {
    return this.ctx.mix ? this.q<HTMLInputElement>('req-name').value.trim() : 'default';
  }

  weightValue(): number {
    return this.ctx.mix ? Number(this.q<HTMLInputElement>('req-weight').value) : 1;
  }

  setShare(text: string): void {
    const out = this.el.querySelector(`#req-share${this.sfx}`);
    if (out) out.textContent = text;
  }

  draft(): RequestDraft {
    return {
      name: this.ctx.mix ? this.q<HTMLInputElement>('req-name').value : this.name,
      weight: this.ctx.mix ? this.q<HTMLInputElement>('req-weight').value : '1',
      method: this.q<HTMLSelectElement>('method').value,
      url: this.q<HTMLInputElement>('url').value,
      headers: this.headers.draft(),
      body: this.q<HTMLTextAreaElement>('body').value,
      captures: this.ctx.mix ? this.capturePairs() : [],
    };
  }

  /** Names this request captures. */
  captureNames(): string[] {
    return this.ctx.mix ? this.capturePairs().map(([n]) => n) : [];
  }

  private jsonExpected(): boolean {
    const ct = this.headers.contentType();
    return !ct || ct.includes('json');
  }

  /** The body as posted: parsed JSON when it is JSON (templates then get JSON-escaped values), the text otherwise. */
  private bodyValue(): unknown {
    const text = this.q<HTMLTextAreaElement>('body').value;
    if (!text.trim()) return undefined;
    if (this.jsonExpected()) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        /* JSON only once templates are expanded ({"n": {{rand_int 1 9}}}): sent as text */
      }
    }
    return text;
  }

  target(): TargetInput {
    const headers = this.headers.value();
    const body = this.bodyValue();
    return { method: this.q<HTMLSelectElement>('method').value, url: this.q<HTMLInputElement>('url').value.trim(), ...(headers ? { headers } : {}), ...(body !== undefined ? { body } : {}) };
  }

  value(): MixRequestInput {
    const capture = Object.fromEntries(this.capturePairs());
    return { name: this.name, weight: this.weightValue(), ...this.target(), ...(Object.keys(capture).length ? { capture } : {}) };
  }

  /** Field by field, with the contract's checks; `known` are the names the mix captures. */
  validate(known: ReadonlySet<string>): boolean {
    const { errors } = this.ctx;
    const s = this.sfx;
    const check = (key: string, fn: () => void): boolean => {
      try {
        fn();
        errors.set(key, undefined);
        return true;
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        errors.set(key, inputErrorText(err));
        return false;
      }
    };
    const url = check(`url${s}`, () => parseRequestUrl(this.q<HTMLInputElement>('url').value, known, `url${s}`));
    const headers = this.headers.validate();
    const body = check(`body${s}`, () => {
      const text = this.q<HTMLTextAreaElement>('body').value;
      if (!text.trim()) return;
      const sample = text.includes('{{') ? sampleText({ parts: parseTemplate(text, known, `body${s}`), escape: 'none' }) : text;
      if (!this.jsonExpected()) return;
      try {
        JSON.parse(sample);
      } catch (err) {
        throw new InputError(`body${s}`, t('err_json', { msg: (err as Error).message }));
      }
    });
    return url && headers && body;
  }

  focus(): void {
    (this.ctx.mix ? this.q<HTMLInputElement>('req-name') : this.q<HTMLInputElement>('url')).focus();
  }
}
