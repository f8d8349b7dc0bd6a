/**
 * Host names with optional ports, as the platform's allowlists write them: the names a control
 * plane answers to (`ALLOWED_HOSTS`) and the load generator's targets (`TARGET_ALLOWLIST`).
 *
 * An entry is `*` (any host), `name` (that host on any port), `name:port`, `[v6]:port` or a bare
 * IPv6 address (`::1`, any port). Names compare in lower case, without IPv6 brackets and without a
 * trailing dot, so `LOCALHOST.`, `localhost` and `[::1]`/`::1` are the same host.
 */

export interface HostEntry {
  host: string;
  /** undefined = any port. */
  port: number | undefined;
}

/** The loopback names: every app answers to them on any port. */
export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'] as const;

/** A host name as the allowlists compare it: lower case, IPv6 without brackets, no trailing dot. */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

const NAME = /^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$/;
const IPV6 = /^[0-9a-f:.]+$/;

function validHost(host: string): boolean {
  return host.length > 0 && host.length <= 253 && (NAME.test(host) || (host.includes(':') && IPV6.test(host)));
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** Parses one allowlist entry; undefined when it is neither a host nor host:port. */
export function parseHostEntry(raw: string): HostEntry | '*' | undefined {
  const text = raw.trim().toLowerCase();
  if (text === '*') return '*';
  let host = text;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1] as string;
    if (bracketed[2] !== undefined) {
      port = parsePort(bracketed[2]);
      if (port === undefined) return undefined;
    }
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const i = text.indexOf(':');
    host = text.slice(0, i);
    port = parsePort(text.slice(i + 1));
    if (port === undefined) return undefined;
  }
  host = normalizeHost(host);
  return validHost(host) ? { host, port } : undefined;
}

/**
 * The `Host` header split into name and port; undefined when it is not a valid authority (a CRLF,
 * a space, a user-info part or a bad port make it invalid). Without a port the scheme's default applies.
 */
export function parseAuthority(value: string | undefined, defaultPort: number): { host: string; port: number } | undefined {
  if (!value) return undefined;
  const entry = parseHostEntry(value);
  if (entry === undefined || entry === '*') return undefined;
  return { host: entry.host, port: entry.port ?? defaultPort };
}

/** A set of allowed hosts (and ports). */
export class HostList {
  readonly any: boolean;
  private readonly anyPort = new Set<string>();
  private readonly withPort = new Set<string>();

  constructor(readonly entries: ReadonlyArray<HostEntry | '*'>) {
    this.any = entries.includes('*');
    for (const e of entries) {
      if (e === '*') continue;
      if (e.port === undefined) this.anyPort.add(e.host);
      else this.withPort.add(`${e.host} ${e.port}`);
    }
  }

  /** Parses a comma-separated list; `invalid` receives the entries that are not hosts. */
  static parse(text: string, invalid: (entry: string) => void = () => {}): HostList {
    const entries: Array<HostEntry | '*'> = [];
    for (const raw of text.split(',')) {
      if (raw.trim() === '') continue;
      const e = parseHostEntry(raw);
      if (e === undefined) invalid(raw.trim());
      else entries.push(e);
    }
    return new HostList(entries);
  }

  allows(host: string, port: number): boolean {
    const h = normalizeHost(host);
    return this.any || this.anyPort.has(h) || this.withPort.has(`${h} ${port}`);
  }

  /** `a, b:4000, [::1]:4000` for messages. */
  describe(): string {
    return this.entries.map((e) => (e === '*' ? '*' : formatHostEntry(e))).join(', ');
  }
}

export function formatHostEntry(e: HostEntry): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return e.port === undefined ? host : `${host}:${e.port}`;
}

/** The port a URL really uses (its explicit port, or 80/443). */
export function effectivePort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}
