import { InputError } from '../errors.js';

// Request URLs, methods and headers are checked in the contract (src/contract/requests.ts), which
// the page shares; the allowlist, which needs the configuration, is checked here.
export { parseHttpUrl as parseUrl } from '../contract/urls.js';

/** A host name as the allowlist compares it: lower case, IPv6 without brackets. */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

export function hostOf(url: URL): string {
  return normalizeHost(url.hostname);
}

/** 403 unless the URL's host is in TARGET_ALLOWLIST ("*" allows any host). */
export function checkAllowed(url: URL, allowlist: readonly string[], field: string): void {
  const host = hostOf(url);
  const allowed = allowlist.map(normalizeHost).filter(Boolean);
  if (allowed.includes('*') || allowed.includes(host)) return;
  throw new InputError(
    field,
    `host "${host}" is not in TARGET_ALLOWLIST (${allowed.join(', ')}); add it to that variable to allow load against it`,
    403,
  );
}
