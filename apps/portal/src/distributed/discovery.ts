import { lookup } from 'node:dns/promises';
import { parseHostEntry } from '@o11y/platform';

/** One LOADGEN_DISCOVERY entry: a name whose every address is a load generator on `port`. */
export interface DiscoveryEntry {
  host: string;
  port: number;
}

/** All addresses of a name (A and AAAA records, /etc/hosts; an IP is itself). */
export type Lookup = (host: string) => Promise<string[]>;

/**
 * The system resolver (getaddrinfo), not node:dns's resolve*(): it applies resolv.conf's search
 * domains, so a pod resolves the short name of a Service in its namespace
 * (`load-generator-headless`) to one address per ready replica.
 */
export const systemLookup: Lookup = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/** LOADGEN_DISCOVERY: comma-separated `host:port`; problems go to the config's list. */
export function parseDiscovery(raw: string, problems: string[]): DiscoveryEntry[] {
  const entries: DiscoveryEntry[] = [];
  for (const part of raw.split(',')) {
    const text = part.trim();
    if (text === '') continue;
    const e = parseHostEntry(text);
    if (e === undefined || e === '*' || e.port === undefined) {
      problems.push(`LOADGEN_DISCOVERY: ${JSON.stringify(text)} is not host:port (e.g. load-generator-headless:8081)`);
      continue;
    }
    entries.push({ host: e.host, port: e.port });
  }
  return entries;
}

/** Says why discovery found no generator. */
export class DiscoveryError extends Error {}

/**
 * The load generators' base URLs right now: every address of every entry, each once, sorted so
 * the same set of pods gets the same shares. Throws DiscoveryError when a name does not resolve.
 */
export async function discoverGenerators(entries: readonly DiscoveryEntry[], resolve: Lookup = systemLookup): Promise<string[]> {
  const urls = new Set<string>();
  for (const { host, port } of entries) {
    let addresses: string[];
    try {
      addresses = await resolve(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new DiscoveryError(`LOADGEN_DISCOVERY: ${host} does not resolve (${code}): no ready load generator behind it?`);
    }
    for (const a of addresses) urls.add(`http://${a.includes(':') ? `[${a}]` : a}:${port}`);
  }
  return [...urls].sort();
}

/**
 * Where distributed runs find their generators: LOADGEN_DISCOVERY's names, resolved at each call,
 * else the one load generator the portal reaches (`fallback`); DiscoveryError when there is none.
 */
export function generatorSource(entries: readonly DiscoveryEntry[], fallback: string | null, resolve: Lookup = systemLookup): () => Promise<string[]> {
  return async () => {
    const urls = entries.length > 0 ? await discoverGenerators(entries, resolve) : fallback ? [fallback] : [];
    if (urls.length === 0) throw new DiscoveryError('No load generator to split a run across: none runs in this mode, and LOADGEN_DISCOVERY is not set');
    return urls;
  };
}
