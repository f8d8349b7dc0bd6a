/**
 * The requests of a run, checked and compiled: `target` (a list of one, named "default") or
 * `requests` (a mix of 1–20). Runs in the server (engine/validate.ts adds the allowlist) and in
 * the page, so both refuse the same input with the same message. The result is plain data: it is
 * posted to worker threads, where engine/render.ts turns its templates into renderers.
 */
import { InputError } from './errors.js';
import { checkHeader, parseHeaderLines } from './headers.js';
import { DEFAULT_REQUEST_NAME, MAX_REQUESTS, METHODS, type Method } from './constants.js';
import { CAPTURE_NAME_RE, escapeValue, mergeLiterals, parseTemplate, sampleText, TEMPLATE_KEYWORDS, templateNeeds, type Template, type TemplatePart } from './templates.js';
import { parseRequestUrl } from './urls.js';

/** A value captured from a 2xx JSON response: `path` is the dot path split at the dots. */
export interface CaptureSpec {
  name: string;
  path: string[];
}

export interface PreparedRequest {
  name: string;
  weight: number;
  method: Method;
  /** As posted (templates unexpanded), for reports. */
  url: string;
  origin: string;
  /** Path and query: fixed, or a template (values percent-encoded). */
  path: string | Template;
  /** Lower-case names, in order; a value is fixed or a template. */
  headers: Array<[string, string | Template]>;
  body: string | Template | undefined;
  capture: CaptureSpec[];
  /** Captured names this request uses and how many values of each one request consumes. */
  needs: Array<{ name: string; count: number }>;
}

/** A request name: a letter or _, then letters, digits, _ . - (32 at most); never starts with a digit, so JSON keeps the order. */
export const REQUEST_NAME_RE = /^[\p{L}_][\p{L}\p{N}_.-]{0,31}$/u;
export const MAX_WEIGHT = 1_000_000;
const MAX_CAPTURES = 16;

interface Entry {
  raw: Record<string, unknown>;
  /** `target` or `requests[i]`. */
  prefix: string;
  /** ` (request "finish")` in a mix, empty for a single target. */
  label: string;
  name: string;
}

const where = (e: Entry, key: string) => `${e.prefix}.${key}${e.label}`;

function entries(input: { target?: unknown; requests?: unknown }): Entry[] {
  const { target, requests } = input;
  if (requests !== undefined && requests !== null) {
    if (target !== undefined && target !== null) throw new InputError('requests', 'give either target (one request) or requests (a mix), not both');
    if (!Array.isArray(requests) || requests.length < 1 || requests.length > MAX_REQUESTS) {
      throw new InputError('requests', `requests must be a list of 1 to ${MAX_REQUESTS} requests {name, weight, method, url, headers, body, capture}`);
    }
    const seen = new Map<string, number>();
    return requests.map((raw: unknown, i) => {
      const prefix = `requests[${i}]`;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(prefix, `${prefix} must be an object {name, weight, method, url, …}`);
      const name = (raw as { name?: unknown }).name;
      // __proto__ would not survive as a key of summary.requests.
      if (typeof name !== 'string' || !REQUEST_NAME_RE.test(name) || name === '__proto__') {
        throw new InputError(`${prefix}.name`, `${prefix}.name must be a letter or _ followed by letters, digits, _ . - (at most 32; got ${JSON.stringify(name ?? null)})`);
      }
      const other = seen.get(name);
      if (other !== undefined) throw new InputError(`${prefix}.name`, `${prefix}.name "${name}" is already the name of requests[${other}]: names must be unique`);
      seen.set(name, i);
      return { raw: raw as Record<string, unknown>, prefix, label: ` (request "${name}")`, name };
    });
  }
  if (!target || typeof target !== 'object' || Array.isArray(target)) {
    throw new InputError('target', `target is required: {method, url, headers, body} (or requests: a mix of 1 to ${MAX_REQUESTS})`);
  }
  return [{ raw: target as Record<string, unknown>, prefix: 'target', label: '', name: DEFAULT_REQUEST_NAME }];
}

function weightOf(e: Entry): number {
  const raw = e.raw.weight;
  if (raw === undefined || raw === null) return 1;
  const w = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0 || w > MAX_WEIGHT) {
    throw new InputError(`${e.prefix}.weight`, `${where(e, 'weight')} must be a number above 0 and at most ${MAX_WEIGHT} (got ${JSON.stringify(raw)})`);
  }
  return w;
}

function methodOf(e: Entry): Method {
  const method = String(e.raw.method ?? 'GET').trim().toUpperCase();
  if (!(METHODS as readonly string[]).includes(method)) {
    throw new InputError(`${e.prefix}.method`, `${where(e, 'method')} must be one of ${METHODS.join(', ')} (got ${JSON.stringify(e.raw.method)})`);
  }
  return method as Method;
}

function capturesOf(e: Entry, method: Method): CaptureSpec[] {
  const raw = e.raw.capture;
  if (raw === undefined || raw === null) return [];
  const field = `${e.prefix}.capture`;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(field, `${where(e, 'capture')} must be an object {name: "dot.path"}, e.g. {"task_id": "id"}`);
  const list = Object.entries(raw as Record<string, unknown>);
  if (list.length > MAX_CAPTURES) throw new InputError(field, `${where(e, 'capture')} holds at most ${MAX_CAPTURES} names`);
  if (list.length && method === 'HEAD') throw new InputError(field, `${where(e, 'capture')} needs a response body, and HEAD has none`);
  return list.map(([name, path]) => {
    const f = `${field}.${name}`;
    if (!CAPTURE_NAME_RE.test(name) || TEMPLATE_KEYWORDS.has(name)) {
      throw new InputError(f, `${where(e, 'capture')}: "${name}" is not a usable name (a letter or _, then letters, digits or _; not ${[...TEMPLATE_KEYWORDS].join(', ')})`);
    }
    const segments = typeof path === 'string' ? path.trim().split('.') : [];
    if (typeof path !== 'string' || path.length > 200 || segments.some((s) => s === '')) {
      throw new InputError(f, `${where(e, 'capture')}.${name} must be a dot path into the JSON response such as "id" or "data.items.0.id" (got ${JSON.stringify(path)})`);
    }
    return { name, path: segments };
  });
}

function headersOf(e: Entry, known: ReadonlySet<string>): Array<[string, string | Template]> {
  const raw = e.raw.headers;
  if (raw === undefined || raw === null) return [];
  const field = `${e.prefix}.headers`;
  const w = where(e, 'headers');
  const pairs = typeof raw === 'string' ? parseHeaderLines(raw, field, w) : typeof raw === 'object' && !Array.isArray(raw) ? Object.entries(raw) : undefined;
  if (!pairs) throw new InputError(field, `${w} must be an object or "Name: value" lines`);
  const out = new Map<string, string | Template>();
  for (const [name, value] of pairs) {
    const text = checkHeader(name, value, field, w);
    out.set(name.toLowerCase(), text.includes('{{') ? { parts: parseTemplate(text, known, field, `${w} "${name}"`), escape: 'header' } : text);
  }
  return [...out];
}

/** A JSON value whose string values may hold templates, as one template of its JSON text. */
function jsonBody(value: unknown, known: ReadonlySet<string>, field: string, w: string): string | Template {
  const plain = JSON.stringify(value);
  if (!plain.includes('{{')) return plain;
  let tag = 'o11ytpl';
  while (plain.includes(tag)) tag += 'x';
  const strings: TemplatePart[][] = [];
  const marked = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'string' || !v.includes('{{')) return v;
    strings.push(parseTemplate(v, known, field, w));
    return `${tag}${strings.length - 1}${tag}`;
  });
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const hit of marked.matchAll(new RegExp(`${tag}(\\d+)${tag}`, 'g'))) {
    parts.push(marked.slice(last, hit.index));
    // Literal text inside the JSON string is escaped now; values are escaped as they are made.
    for (const p of strings[Number(hit[1])] ?? []) parts.push(typeof p === 'string' ? escapeValue(p, 'json') : p);
    last = hit.index + hit[0].length;
  }
  parts.push(marked.slice(last));
  return { parts: mergeLiterals(parts), escape: 'json' };
}

function bodyOf(e: Entry, method: Method, headers: Array<[string, string | Template]>, known: ReadonlySet<string>): string | Template | undefined {
  const raw = e.raw.body;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const field = `${e.prefix}.body`;
  const w = where(e, 'body');
  if (method === 'GET' || method === 'HEAD') throw new InputError(field, `${w} is not allowed with ${method}`);
  const hasType = headers.some(([n]) => n === 'content-type');
  if (typeof raw !== 'string') {
    if (!hasType) headers.push(['content-type', 'application/json']);
    return jsonBody(raw, known, field, w);
  }
  const body: string | Template = raw.includes('{{') ? { parts: parseTemplate(raw, known, field, w), escape: 'none' } : raw;
  if (!hasType) {
    // Decided once, on the body with sample values in place of its templates.
    let json = true;
    try {
      JSON.parse(sampleText(body));
    } catch {
      json = false;
    }
    headers.push(['content-type', json ? 'application/json' : 'text/plain; charset=utf-8']);
  }
  return body;
}

/** Requests that can never run: they need a value that only requests needing one themselves capture. */
function checkRunnable(list: PreparedRequest[], all: Entry[]): void {
  const can = new Set<number>();
  const produced = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    list.forEach((r, i) => {
      if (can.has(i) || !r.needs.every((n) => produced.has(n.name))) return;
      can.add(i);
      grew = true;
      for (const c of r.capture) produced.add(c.name);
    });
  }
  if (can.size === 0) throw new InputError('requests', 'every request needs a captured value, so none could run first: at least one request must use no {{NAME}} or {{take NAME}}');
  const stuck = list.findIndex((_r, i) => !can.has(i));
  const e = all[stuck];
  if (e) {
    const names = list[stuck]?.needs.map((n) => n.name).join(', ');
    throw new InputError(`${e.prefix}.url`, `${e.prefix}${e.label} can never run: it needs ${names}, which only requests that cannot run themselves capture`);
  }
}

/** Checks `target` or `requests` and compiles them; InputError naming the field (and the request) otherwise. */
export function prepareRequests(input: { target?: unknown; requests?: unknown }): PreparedRequest[] {
  const list = entries(input);
  const base = list.map((e) => {
    const method = methodOf(e);
    return { e, method, weight: weightOf(e), capture: capturesOf(e, method) };
  });
  const known = new Set(base.flatMap((b) => b.capture.map((c) => c.name)));
  const prepared = base.map(({ e, method, weight, capture }): PreparedRequest => {
    const { url, origin, path } = parseRequestUrl(e.raw.url, known, `${e.prefix}.url`, where(e, 'url'));
    const headers = headersOf(e, known);
    const body = bodyOf(e, method, headers, known);
    const needs = [...templateNeeds([path, body, ...headers.map(([, v]) => v)])].map(([name, count]) => ({ name, count }));
    return { name: e.name, weight, method, url, origin, path, headers, body, capture, needs };
  });
  checkRunnable(prepared, list);
  return prepared;
}
