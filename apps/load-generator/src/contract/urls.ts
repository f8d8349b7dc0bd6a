import { InputError } from './errors.js';
import { parseTemplate, type Template, type TemplatePart } from './templates.js';

/** An absolute http(s) URL without credentials; InputError naming the field otherwise. */
export function parseHttpUrl(text: unknown, field: string, where = field): URL {
  if (typeof text !== 'string' || text.trim() === '') throw new InputError(field, `${where} is required`, 400, { code: 'required' });
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new InputError(field, `${where} is not a valid URL: ${JSON.stringify(text.slice(0, 200))}`, 400, { code: 'url' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError(field, `${where} must be an http:// or https:// URL`, 400, { code: 'url' });
  if (url.username || url.password) throw new InputError(field, `${where} must not carry credentials; use headers or auth`);
  return url;
}

export interface RequestUrl {
  /** As given (trimmed; templates unexpanded) when it has templates, normalised otherwise. */
  url: string;
  /** Scheme, host and port: fixed, so the allowlist is checked once and connections are pooled per origin. */
  origin: string;
  /** Path and query: fixed text, or a template whose values are percent-encoded. */
  path: string | Template;
}

const ORIGIN_RE = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)([\s\S]*)$/;

/**
 * A request URL with templates in its path and query only. A template in the scheme, host or port
 * is refused: the host is checked against TARGET_ALLOWLIST once, at submit time, and could not be
 * after expansion without a check per request. The literal parts are normalised by the URL parser
 * (so spaces and the like are encoded as they would be without templates).
 */
export function parseRequestUrl(raw: unknown, known: ReadonlySet<string>, field: string, where = field): RequestUrl {
  if (typeof raw !== 'string' || !raw.includes('{{')) {
    const url = parseHttpUrl(raw, field, where);
    return { url: url.toString(), origin: url.origin, path: `${url.pathname}${url.search}` };
  }
  const text = raw.trim();
  const m = ORIGIN_RE.exec(text);
  if (!m || (m[1] as string).includes('{{')) {
    throw new InputError(field, `${where}: templates are not allowed in the scheme, host or port (the host is checked against TARGET_ALLOWLIST once, when the run starts); use them in the path or query`);
  }
  const parts = parseTemplate(m[2] as string, known, field, where);
  // Each op becomes a marker the URL parser leaves alone; the parsed path is split at the markers.
  let tag = 'o11ytpl';
  while (text.includes(tag)) tag += 'x';
  const marked = parts.map((p, i) => (typeof p === 'string' ? p : `${tag}${i}${tag}`)).join('');
  const url = parseHttpUrl(`${m[1]}${marked}`, field, where);
  const pathAndQuery = `${url.pathname}${url.search}`;
  const out: TemplatePart[] = [];
  const re = new RegExp(`${tag}(\\d+)${tag}`, 'g');
  let last = 0;
  let expected = parts.findIndex((p) => typeof p !== 'string');
  for (const hit of pathAndQuery.matchAll(re)) {
    const index = Number(hit[1]);
    const op = parts[index];
    if (index !== expected || op === undefined || typeof op === 'string') break;
    if (hit.index > last) out.push(pathAndQuery.slice(last, hit.index));
    out.push(op);
    last = hit.index + hit[0].length;
    expected = parts.findIndex((p, i) => i > index && typeof p !== 'string');
  }
  if (expected !== -1) throw new InputError(field, `${where}: templates are allowed in the path and query only (not in the #fragment)`);
  if (last < pathAndQuery.length) out.push(pathAndQuery.slice(last));
  return { url: text, origin: url.origin, path: { parts: out, escape: 'url' } };
}
