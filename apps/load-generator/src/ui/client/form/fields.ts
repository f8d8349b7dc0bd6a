// Building blocks of the form: a labelled field with its hint and error box, and the error state of
// the whole form (messages follow the language switch; the server's 400/403 land under their field).
import type { InputError } from '../../../contract/errors.js';
import { h, tAttr, tx } from '../dom.js';
import { t, type Key } from '../i18n.js';

export function errorBox(key: string): HTMLElement {
  return h('p', { class: 'field-error', id: `err-${key}`, role: 'alert', 'aria-live': 'polite', hidden: true });
}

export function field(key: string, label: Key, control: HTMLElement, hint?: Key): HTMLElement {
  control.setAttribute('aria-describedby', hint ? `hint-${key} err-${key}` : `err-${key}`);
  return h(
    'div',
    { class: 'field', 'data-field': key },
    h('label', { for: control.id }, tx(label)),
    control,
    hint ? h('p', { class: 'hint', id: `hint-${key}` }, tx(hint)) : null,
    errorBox(key),
  );
}

/**
 * A row of inputs with a remove button (headers, stages, captures), appended to `list`; `changed`
 * runs on every edit and on removal. The first input takes the focus when asked.
 */
export function appendRow(list: HTMLElement, inputs: HTMLInputElement[], changed: () => void, focus: boolean): void {
  const row = h('div', { class: 'kv-row' }, ...inputs);
  row.append(tAttr(h('button', { type: 'button', class: 'icon', onclick: () => (row.remove(), changed()) }, '×'), 'aria-label', 'remove'));
  for (const input of inputs) input.addEventListener('input', changed);
  list.append(row);
  if (focus) inputs[0]?.focus();
}

/** A message for one of the contract's input errors, in the page's language where it has words for it. */
export function inputErrorText(err: InputError): string {
  const r = err.reason;
  switch (r?.code) {
    case 'header_line':
      return t('err_header', { n: r.line });
    case 'header_name':
      return t('err_headerName');
    case 'duration':
      return t('err_duration');
    case 'url':
      return t('err_url');
    case 'required':
      return t('err_required');
    default:
      return err.message;
  }
}

/** The error messages of the form, by field key (`url`, `url-2`, `rate`, …), shown in `#err-<key>`. */
export class FieldErrors {
  private readonly errors = new Map<string, string>();

  constructor(private readonly root: HTMLElement) {}

  has(key: string): boolean {
    return this.errors.has(key);
  }

  any(keys: readonly string[]): boolean {
    return keys.some((k) => this.errors.has(k));
  }

  keys(): string[] {
    return [...this.errors.keys()];
  }

  set(key: string, message: string | undefined): void {
    if (message) this.errors.set(key, message);
    else this.errors.delete(key);
    const box = this.root.querySelector<HTMLElement>(`#err-${key}`);
    if (box) {
      box.textContent = message ?? '';
      box.hidden = !message;
    }
    const wrap = this.root.querySelector(`[data-field="${key}"]`);
    wrap?.classList.toggle('invalid', Boolean(message));
    wrap?.querySelectorAll('input, select, textarea').forEach((c) => {
      if (message) c.setAttribute('aria-invalid', 'true');
      else c.removeAttribute('aria-invalid');
    });
  }

  /** Forgets the messages of keys that start with `prefix` (a request card re-renders). */
  clearPrefix(match: (key: string) => boolean): void {
    for (const k of [...this.errors.keys()]) if (match(k)) this.errors.delete(k);
  }
}
