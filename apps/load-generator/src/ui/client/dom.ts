// A tiny element builder; no framework.
import { onLang, t, type Key } from './i18n.js';

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** A text node that follows the language switch. */
export function tx(key: Key, vars?: Record<string, string | number>): Text {
  const node = document.createTextNode('');
  let attached = false;
  onLang(() => {
    if (attached && !node.isConnected) return false;
    attached ||= node.isConnected;
    node.data = t(key, vars);
  });
  return node;
}

/** Keeps an attribute (placeholder, aria-label, title) translated. */
export function tAttr<E extends Element>(el: E, attr: string, key: Key): E {
  let attached = false;
  onLang(() => {
    if (attached && !el.isConnected) return false;
    attached ||= el.isConnected;
    el.setAttribute(attr, t(key));
  });
  return el;
}

export function byId<E extends HTMLElement = HTMLElement>(id: string): E {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as E;
}

export function fmt(n: number | undefined | null, digits = 0): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '—';
  return n.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function fmtMs(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '—';
  return `${fmt(n, n < 10 ? 2 : n < 100 ? 1 : 0)} ms`;
}
