import { randomSeed } from '@o11y/platform';
import { InputError } from '../contract/errors.js';
import { MAX_SEGMENTS, type RunRequest, type Segment } from '../contract/schemas.js';

/** How far ahead of "now" a split run's t = 0 is by default: time for every generator to get its share. */
export const DEFAULT_START_DELAY_MS = 2000;

/** One generator's share of a split run: the run request it is sent. */
export interface Share {
  url: string;
  segment: Segment;
  request: RunRequest;
}

/** Load generator base URLs (http or https, no query), without trailing slashes, each once; InputError naming `field`. */
export function generatorUrls(list: readonly string[], field = 'generators'): string[] {
  const urls: string[] = [];
  for (const raw of list) {
    const text = raw.trim();
    if (text === '') continue;
    let u: URL;
    try {
      u = new URL(text);
    } catch {
      throw new InputError(field, `${field}: ${JSON.stringify(text)} is not a URL (e.g. http://10.0.0.5:8081)`);
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash || u.username || u.password) {
      throw new InputError(field, `${field}: ${JSON.stringify(text)} must be an http(s) base URL of a load generator, without query or credentials`);
    }
    const base = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
    if (urls.includes(base)) throw new InputError(field, `${field}: ${base} is listed twice (each generator sends one share)`);
    urls.push(base);
  }
  if (urls.length === 0) throw new InputError(field, `${field}: no load generator given`);
  if (urls.length > MAX_SEGMENTS) throw new InputError(field, `${field}: at most ${MAX_SEGMENTS} load generators`);
  return urls;
}

/**
 * The shares of a run split across `urls`: the same request for every generator (one seed, chosen
 * here when the request has none, so every share draws the same arrival sequence), with its
 * segment and the common start time. The in-flight cap, when given, is the whole run's: each share
 * gets its part. `segment` and `start_at` are the coordinator's to set.
 */
export function planShares(request: RunRequest, urls: readonly string[], startAt: number): Share[] {
  if (request.segment !== undefined) throw new InputError('segment', 'segment is set by the coordinator, one per generator: leave it out');
  if (request.start_at !== undefined) throw new InputError('start_at', 'start_at is set by the coordinator (the common start of every share): leave it out');
  const count = urls.length;
  const seed = request.seed ?? randomSeed();
  // A cap that is not a positive integer goes as it is: the generators refuse it, naming the field.
  const cap = Number(request.max_in_flight);
  const maxInFlight = request.max_in_flight !== undefined && request.max_in_flight !== null && Number.isInteger(cap) && cap >= 1 ? Math.ceil(cap / count) : undefined;
  return urls.map((url, index) => ({
    url,
    segment: { index, count },
    request: { ...request, seed, ...(maxInFlight !== undefined ? { max_in_flight: maxInFlight } : {}), segment: { index, count }, start_at: startAt },
  }));
}
