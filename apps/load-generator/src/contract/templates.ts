/**
 * Request templates: `{{seq}}`, `{{uuid}}`, `{{rand_int A B}}`, `{{pick a|b|c}}`, `{{NAME}}` (a
 * random value captured earlier) and `{{take NAME}}` (the same, removed from the pool). A template
 * is compiled once, when the run is validated, into plain data (it crosses to worker threads); the
 * engine turns it into a renderer once per thread (src/engine/render.ts). `{{` always opens a
 * template: a name nobody captures, an unknown keyword or an unclosed `{{` is a 400.
 */
import { InputError } from './errors.js';

export type TemplateOp =
  | { op: 'seq' }
  | { op: 'uuid' }
  | { op: 'rand_int'; min: number; max: number }
  | { op: 'pick'; options: string[] }
  | { op: 'var'; name: string }
  | { op: 'take'; name: string };

/** Literal text (already escaped for where it goes) or a value made per request. */
export type TemplatePart = string | TemplateOp;

/**
 * How an expanded value is written: `url` percent-encodes it (encodeURIComponent), `json` escapes it
 * inside a JSON string, `header` drops CR, LF and NUL (no header injection from a captured value).
 */
export type Escape = 'none' | 'url' | 'json' | 'header';

export interface Template {
  parts: TemplatePart[];
  escape: Escape;
}

/** Keywords; a captured value cannot take one of these names. */
export const TEMPLATE_KEYWORDS: ReadonlySet<string> = new Set(['seq', 'uuid', 'rand_int', 'pick', 'take']);
/** A name a capture stores values under. */
export const CAPTURE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const BUILT_INS = 'seq, uuid, rand_int A B, pick a|b|c, take NAME';

export function isTemplate(value: string | Template | undefined): value is Template {
  return typeof value === 'object' && value !== null;
}

function knownList(known: ReadonlySet<string>): string {
  return known.size ? [...known].join(', ') : 'none';
}

function parseOp(inner: string, known: ReadonlySet<string>, fail: (detail: string) => never): TemplateOp {
  const words = inner.split(/\s+/).filter(Boolean);
  const [word, ...args] = words;
  if (word === undefined) return fail('an empty {{}}');
  const unknownName = (name: string) =>
    fail(`unknown name "${name}" in {{${inner}}}: no request of the run captures it (captured names: ${knownList(known)}; built in: ${BUILT_INS})`);
  switch (word) {
    case 'seq':
    case 'uuid':
      if (args.length) return fail(`{{${word}}} takes no arguments (got {{${inner}}})`);
      return { op: word };
    case 'rand_int': {
      const nums = args.map(Number);
      const [min, max] = nums;
      if (args.length !== 2 || min === undefined || max === undefined || !nums.every(Number.isSafeInteger)) {
        return fail(`{{rand_int A B}} needs two whole numbers (got {{${inner}}})`);
      }
      if (min > max) return fail(`{{rand_int A B}} needs A ≤ B (got {{${inner}}})`);
      return { op: 'rand_int', min, max };
    }
    case 'pick': {
      const rest = inner.slice(inner.indexOf('pick') + 4).trim();
      if (!rest) return fail(`{{pick a|b|c}} needs at least one value (got {{${inner}}})`);
      return { op: 'pick', options: rest.split('|').map((s) => s.trim()) };
    }
    case 'take': {
      const [name] = args;
      if (args.length !== 1 || name === undefined) return fail(`{{take NAME}} needs one name (got {{${inner}}})`);
      if (!known.has(name)) return unknownName(name);
      return { op: 'take', name };
    }
    default:
      if (args.length === 0 && CAPTURE_NAME_RE.test(word)) {
        if (!known.has(word)) return unknownName(word);
        return { op: 'var', name: word };
      }
      return fail(`unknown template {{${inner}}} (built in: ${BUILT_INS}; or a captured name: ${knownList(known)})`);
  }
}

/**
 * Parses the templates of one text. `known` holds the names some request of the run captures;
 * `field` and `where` name the place in errors (`requests[2].url`, `requests[2].url (request "finish")`).
 * Literal parts come back as they are: the caller escapes them for where they go.
 */
export function parseTemplate(text: string, known: ReadonlySet<string>, field: string, where = field): TemplatePart[] {
  const fail = (detail: string): never => {
    throw new InputError(field, `${where}: ${detail}`);
  };
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) {
      parts.push(text.slice(i));
      break;
    }
    if (open > i) parts.push(text.slice(i, open));
    const close = text.indexOf('}}', open + 2);
    if (close < 0) fail(`"{{" at character ${open + 1} is not closed by "}}"`);
    parts.push(parseOp(text.slice(open + 2, close).trim(), known, fail));
    i = close + 2;
  }
  return parts;
}

/** Joins neighbouring literal parts (fewer pieces to concatenate per request). */
export function mergeLiterals(parts: TemplatePart[]): TemplatePart[] {
  const out: TemplatePart[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (typeof p === 'string' && typeof last === 'string') out[out.length - 1] = last + p;
    else if (p !== '') out.push(p);
  }
  return out;
}

/** How many values of each captured name one expansion consumes: every `take`, plus one when it is also read. */
export function templateNeeds(templates: Array<string | Template | undefined>): Map<string, number> {
  const takes = new Map<string, number>();
  const reads = new Set<string>();
  for (const t of templates) {
    if (!isTemplate(t)) continue;
    for (const p of t.parts) {
      if (typeof p === 'string') continue;
      if (p.op === 'take') takes.set(p.name, (takes.get(p.name) ?? 0) + 1);
      else if (p.op === 'var') reads.add(p.name);
    }
  }
  const needs = new Map<string, number>();
  for (const name of new Set([...takes.keys(), ...reads])) needs.set(name, (takes.get(name) ?? 0) + (reads.has(name) ? 1 : 0));
  return needs;
}

const SAMPLE_UUID = '00000000-0000-4000-8000-000000000000';

/** A representative value of one op (numbers where they can be, so a JSON check sees valid JSON). */
export function sampleValue(op: TemplateOp): string {
  switch (op.op) {
    case 'seq':
      return '1';
    case 'uuid':
      return SAMPLE_UUID;
    case 'rand_int':
      return String(op.min);
    case 'pick':
      return op.options[0] ?? '';
    default:
      return '0';
  }
}

/** The text with sample values: what checks (JSON bodies, URLs) look at before any request exists. */
export function sampleText(value: string | Template): string {
  if (!isTemplate(value)) return value;
  return value.parts.map((p) => (typeof p === 'string' ? p : escapeValue(sampleValue(p), value.escape))).join('');
}

/** Writes an expanded value for where it goes (see Escape). */
export function escapeValue(value: string, escape: Escape): string {
  switch (escape) {
    case 'url':
      return encodeURIComponent(value);
    case 'json':
      return JSON.stringify(value).slice(1, -1);
    case 'header':
      return value.replace(/[\r\n\0]/g, '');
    default:
      return value;
  }
}
