// The headers of one request: rows (name, value) or the original's "Name: value" lines, checked with
// the same code as the server (src/contract/headers.ts).
import { InputError } from '../../../contract/errors.js';
import { checkHeader, parseHeaderLines } from '../../../contract/headers.js';
import { h, tAttr, tx } from '../dom.js';
import { appendRow, errorBox, inputErrorText, type FieldErrors } from './fields.js';

export interface HeadersDraft {
  mode: 'rows' | 'text';
  rows: Array<[string, string]>;
  text: string;
}

export class HeadersEditor {
  readonly el: HTMLElement;
  private mode: 'rows' | 'text';
  private readonly rows: HTMLElement;
  private readonly text: HTMLTextAreaElement;
  private readonly key: string;

  /** `sfx` tells the ids of this request's controls apart ('' for the first request, '-2', … after). */
  constructor(
    private readonly sfx: string,
    private readonly errors: FieldErrors,
    draft: HeadersDraft,
    private readonly onChange: () => void,
  ) {
    this.key = `headers${sfx}`;
    this.mode = draft.mode;
    this.rows = h('div', { id: `headers-rows${sfx}`, class: 'kv-rows', hidden: draft.mode !== 'rows' });
    this.text = h('textarea', { id: `headers-text${sfx}`, rows: 3, spellcheck: 'false', placeholder: 'Content-Type: application/json\nAuthorization: Bearer …', hidden: draft.mode !== 'text' });
    this.text.value = draft.text;
    this.text.addEventListener('input', () => this.changed());
    this.el = h(
      'div',
      { class: 'field', 'data-field': this.key },
      h(
        'div',
        { class: 'field-head' },
        h('span', { class: 'label', id: `headers-label${sfx}` }, tx('headers')),
        h(
          'span',
          { class: 'seg', role: 'group', 'aria-labelledby': `headers-label${sfx}` },
          h('button', { type: 'button', id: `headers-mode-rows${sfx}`, 'aria-pressed': String(draft.mode === 'rows'), onclick: () => this.setMode('rows') }, tx('headersRows')),
          h('button', { type: 'button', id: `headers-mode-text${sfx}`, 'aria-pressed': String(draft.mode === 'text'), onclick: () => this.setMode('text') }, tx('headersText')),
        ),
      ),
      this.rows,
      h('button', { type: 'button', class: 'link', id: `add-header${sfx}`, hidden: draft.mode !== 'rows', onclick: () => this.addRow('', '', true) }, '+ ', tx('addHeader')),
      this.text,
      errorBox(this.key),
    );
    for (const [n, v] of draft.rows) this.addRow(n, v, false);
    if (draft.rows.length === 0) this.addRow('', '', false);
  }

  private changed(): void {
    this.validate();
    this.onChange();
  }

  private addRow(name: string, value: string, focus: boolean): void {
    const nameIn = tAttr(h('input', { type: 'text', class: 'h-name', value: name, autocomplete: 'off', spellcheck: 'false' }), 'aria-label', 'headerName');
    const valueIn = tAttr(h('input', { type: 'text', class: 'h-value', value, autocomplete: 'off', spellcheck: 'false' }), 'aria-label', 'headerValue');
    tAttr(nameIn, 'placeholder', 'headerName');
    tAttr(valueIn, 'placeholder', 'headerValue');
    appendRow(this.rows, [nameIn, valueIn], () => this.changed(), focus);
  }

  private rowPairs(): Array<[string, string]> {
    return [...this.rows.querySelectorAll('.kv-row')].map((r) => [(r.querySelector('.h-name') as HTMLInputElement).value.trim(), (r.querySelector('.h-value') as HTMLInputElement).value.trim()]);
  }

  private setMode(mode: 'rows' | 'text'): void {
    if (mode === this.mode) return;
    if (mode === 'text') {
      this.text.value = this.rowPairs()
        .filter(([n, v]) => n || v)
        .map(([n, v]) => `${n}: ${v}`)
        .join('\n');
    } else {
      let pairs: Array<[string, string]>;
      try {
        pairs = parseHeaderLines(this.text.value, this.key);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        this.errors.set(this.key, inputErrorText(err));
        return;
      }
      this.rows.replaceChildren();
      for (const [n, v] of pairs) this.addRow(n, v, false);
      if (pairs.length === 0) this.addRow('', '', false);
    }
    this.mode = mode;
    const q = (id: string) => this.el.querySelector<HTMLElement>(`#${id}${this.sfx}`) as HTMLElement;
    this.text.hidden = mode !== 'text';
    this.rows.hidden = mode !== 'rows';
    q('add-header').hidden = mode !== 'rows';
    q('headers-mode-rows').setAttribute('aria-pressed', String(mode === 'rows'));
    q('headers-mode-text').setAttribute('aria-pressed', String(mode === 'text'));
    this.changed();
  }

  /** Sets (or replaces) one header in whichever editor is showing. */
  set(name: string, value: string): void {
    if (this.mode === 'rows') {
      const rows = [...this.rows.querySelectorAll('.kv-row')];
      const input = (r: Element, cls: string) => r.querySelector(cls) as HTMLInputElement;
      const row = rows.find((r) => input(r, '.h-name').value.trim().toLowerCase() === name.toLowerCase()) ?? rows.find((r) => !input(r, '.h-name').value.trim() && !input(r, '.h-value').value.trim());
      if (row) {
        input(row, '.h-name').value = name;
        input(row, '.h-value').value = value;
      } else this.addRow(name, value, false);
    } else {
      const lines = this.text.value.split(/\r?\n/).filter((l) => !l.toLowerCase().startsWith(`${name.toLowerCase()}:`) && l.trim());
      lines.push(`${name}: ${value}`);
      this.text.value = lines.join('\n');
    }
    this.changed();
  }

  /** What the run request carries: lines as typed, or an object of the rows. */
  value(): Record<string, string> | string | undefined {
    if (this.mode === 'text') return this.text.value.trim() || undefined;
    const out: Record<string, string> = {};
    for (const [n, v] of this.rowPairs()) if (n) out[n] = v;
    return Object.keys(out).length ? out : undefined;
  }

  draft(): HeadersDraft {
    return { mode: this.mode, rows: this.rowPairs(), text: this.text.value };
  }

  contentType(): string {
    try {
      const pairs = this.mode === 'text' ? parseHeaderLines(this.text.value) : this.rowPairs();
      return pairs.find(([n]) => n.toLowerCase() === 'content-type')?.[1]?.toLowerCase() ?? '';
    } catch {
      return '';
    }
  }

  /** The server's checks: "Name: value" lines, token names, no CR/LF, no headers the client owns. */
  validate(): boolean {
    let msg: string | undefined;
    try {
      const pairs = this.mode === 'text' ? parseHeaderLines(this.text.value, this.key) : this.rowPairs();
      for (const [n, v] of pairs) {
        if (!n && !v) continue;
        checkHeader(n, v, this.key);
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      msg = inputErrorText(err);
    }
    this.errors.set(this.key, msg);
    return !msg;
  }
}
