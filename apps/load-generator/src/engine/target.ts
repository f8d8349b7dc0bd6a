import { effectivePort, formatHostEntry, HostList, normalizeHost } from '@o11y/platform';
import type { TargetInput } from '../api/wire.js';
import { InputError } from '../errors.js';

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
export type Method = (typeof METHODS)[number];

/** A validated target, plain data so it can be posted to a worker thread. */
export interface PreparedTarget {
  method: Method;
  url: string;
  origin: string;
  /** Path and query. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string | undefined;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers the HTTP client owns; setting them by hand breaks keep-alive or framing. */
const FORBIDDEN = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer', 'proxy-connection']);

/** Parses `Name: value` lines (blank lines and `#` comments skipped). */
export function parseHeaderLines(text: string, field = 'target.headers'): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new InputError(field, `${field}: line ${i + 1} is not "Name: value": ${JSON.stringify(line.slice(0, 80))}`);
    out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  });
  return out;
}

/** Validates header names and values: RFC 9110 token names, no CR, LF or NUL anywhere (no header injection). */
export function normalizeHeaders(input: Record<string, unknown> | string | undefined, field = 'target.headers'): Record<string, string> {
  if (input === undefined || input === null) return {};
  const raw = typeof input === 'string' ? parseHeaderLines(input, field) : input;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(field, `${field} must be an object or "Name: value" lines`);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (/[\r\n\0]/.test(name) || !TOKEN.test(name)) {
      throw new InputError(field, `${field}: invalid header name ${JSON.stringify(name)} (CR/LF and separators are not allowed)`);
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new InputError(field, `${field}: the value of "${name}" must be a string`);
    }
    const text = String(value);
    if (/[\r\n\0]/.test(text)) throw new InputError(field, `${field}: the value of "${name}" contains CR or LF`);
    const lower = name.toLowerCase();
    if (FORBIDDEN.has(lower)) throw new InputError(field, `${field}: "${name}" is managed by the load generator and cannot be set`);
    out[lower] = text;
  }
  return out;
}

export { normalizeHost };

export function hostOf(url: URL): string {
  return normalizeHost(url.hostname);
}

/** TARGET_ALLOWLIST's entries: `host` (any port of it), `host:port`, `[v6]:port` or `*`; `invalid` gets the rest. */
export function parseAllowlist(text: string, invalid: (entry: string) => void = () => {}): string[] {
  return HostList.parse(text, invalid).entries.map((e) => (e === '*' ? '*' : formatHostEntry(e)));
}

/**
 * 403 unless the URL's host and port are in TARGET_ALLOWLIST: an entry with a port allows that port
 * only, a bare host every port of it, "*" any host. The port is the URL's, or 80/443.
 */
export function checkAllowed(url: URL, allowlist: readonly string[], field: string): void {
  const allowed = HostList.parse(allowlist.join(','));
  const host = hostOf(url);
  const port = effectivePort(url);
  if (allowed.allows(host, port)) return;
  const shown = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  throw new InputError(
    field,
    `${shown} is not in TARGET_ALLOWLIST (${allowed.describe()}); add "${shown}" (or the bare host for any port) to that variable to allow load against it`,
    403,
  );
}

export function parseUrl(text: unknown, field: string): URL {
  if (typeof text !== 'string' || text.trim() === '') throw new InputError(field, `${field} is required`);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new InputError(field, `${field} is not a valid URL: ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError(field, `${field} must be an http:// or https:// URL`);
  if (url.username || url.password) throw new InputError(field, `${field} must not carry credentials; use target.headers or auth`);
  return url;
}

export function prepareTarget(input: TargetInput | undefined, allowlist: readonly string[]): PreparedTarget {
  if (!input || typeof input !== 'object') throw new InputError('target', 'target is required: {method, url, headers, body}');
  const method = (input.method ?? 'GET').toString().trim().toUpperCase();
  if (!(METHODS as readonly string[]).includes(method)) {
    throw new InputError('target.method', `target.method must be one of ${METHODS.join(', ')} (got ${JSON.stringify(input.method)})`);
  }
  const url = parseUrl(input.url, 'target.url');
  const headers = normalizeHeaders(input.headers, 'target.headers');
  let body: string | undefined;
  if (input.body !== undefined && input.body !== null && input.body !== '') {
    if (method === 'GET' || method === 'HEAD') throw new InputError('target.body', `target.body is not allowed with ${method}`);
    if (typeof input.body === 'string') {
      body = input.body;
      if (!headers['content-type']) {
        try {
          JSON.parse(body);
          headers['content-type'] = 'application/json';
        } catch {
          headers['content-type'] = 'text/plain; charset=utf-8';
        }
      }
    } else {
      body = JSON.stringify(input.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  checkAllowed(url, allowlist, 'target.url');
  return { method: method as Method, url: url.toString(), origin: url.origin, path: `${url.pathname}${url.search}`, headers, body };
}
