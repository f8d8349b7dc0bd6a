import { effectivePort, formatHostEntry, HostList, normalizeHost } from '@o11y/platform';
import { InputError } from '../errors.js';

// Request URLs, methods and headers are checked in the contract (src/contract/requests.ts), which
// the page shares; the allowlist, which needs the configuration, is checked here.
export { parseHttpUrl as parseUrl } from '../contract/urls.js';

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
