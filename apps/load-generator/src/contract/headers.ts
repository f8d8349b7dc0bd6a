import { InputError } from './errors.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers the HTTP client owns; setting them by hand breaks keep-alive or framing. */
export const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer', 'proxy-connection']);

/**
 * Parses `Name: value` lines (the original load generator's format); blank lines and `#` comments
 * are skipped. Returns the pairs in order (a repeated name keeps its last value when normalised).
 */
export function parseHeaderLines(text: string, field = 'target.headers', where = field): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new InputError(field, `${where}: line ${i + 1} is not "Name: value": ${JSON.stringify(line.slice(0, 80))}`, 400, { code: 'header_line', line: i + 1 });
    out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  });
  return out;
}

/** Checks one header: an RFC 9110 token name, no CR, LF or NUL anywhere (no header injection), not one the client owns. */
export function checkHeader(name: string, value: unknown, field = 'target.headers', where = field): string {
  if (name === '' || /[\r\n\0]/.test(name) || !TOKEN.test(name)) {
    throw new InputError(field, `${where}: invalid header name ${JSON.stringify(name)} (letters, digits and !#$%&'*+-.^_\`|~ only; no spaces, CR/LF or separators)`, 400, { code: 'header_name' });
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new InputError(field, `${where}: the value of "${name}" must be a string`, 400, { code: 'header_value' });
  }
  const text = String(value);
  if (/[\r\n\0]/.test(text)) throw new InputError(field, `${where}: the value of "${name}" contains CR, LF or NUL`, 400, { code: 'header_value' });
  if (FORBIDDEN_HEADERS.has(name.toLowerCase())) throw new InputError(field, `${where}: "${name}" is managed by the load generator and cannot be set`, 400, { code: 'header_forbidden', name });
  return text;
}
