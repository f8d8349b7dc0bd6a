import { randomSeed } from '@o11y/platform';
import { positiveDuration } from '../contract/durations.js';
import { prepareRequests, type PreparedRequest } from '../contract/requests.js';
import { parseSegment, parseStartAt, type AuthInput, type RunRequest } from '../contract/schemas.js';
import { InputError } from '../errors.js';
import { buildProfile } from '../profiles/registry.js';
import { USER_AGENT } from '../version.js';
import type { RunSpec } from './run.js';
import { checkAllowed, parseUrl } from './target.js';

export interface Limits {
  allowlist: readonly string[];
  maxRate: number;
  /** Seconds. */
  maxDuration: number;
  traceSampleRatio: number;
}

export const DEFAULT_TIMEOUT_S = 30;
export const DEFAULT_MAX_IN_FLIGHT = 10_000;
export const MAX_IN_FLIGHT_LIMIT = 100_000;

function positiveNumber(raw: unknown, field: string): number {
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) throw new InputError(field, `${field} must be a positive number (got ${JSON.stringify(raw)})`);
  return n;
}

/** The requests of the run (the contract's checks) on hosts the allowlist admits (403 otherwise). */
function allowedRequests(req: RunRequest, allowlist: readonly string[]): PreparedRequest[] {
  const requests = prepareRequests(req);
  requests.forEach((r, i) => checkAllowed(new URL(r.origin), allowlist, req.requests ? `requests[${i}].url` : 'target.url'));
  return requests;
}

/**
 * Checks a run request against the limits and turns it into a run spec; throws InputError (400/403).
 * A share of a split run (`segment`) sends 1/count of the run: MAX_RATE bounds that share.
 */
export function validateRunRequest(req: RunRequest, limits: Limits, id: string, now = Date.now()): RunSpec {
  if (!req || typeof req !== 'object') throw new InputError(undefined, 'body must be a JSON object');
  const segment = parseSegment(req.segment);
  const startAt = parseStartAt(req.start_at, now);
  const requests = allowedRequests(req, limits.allowlist);
  const count = segment?.count ?? 1;
  const maxRate = limits.maxRate * count;
  const bound = count > 1 ? `MAX_RATE (${limits.maxRate}) × segment.count (${count})` : `MAX_RATE (${limits.maxRate})`;
  if (req.rate === undefined || req.rate === null) throw new InputError('rate', 'rate is required (requests per second)');
  const rate = positiveNumber(req.rate, 'rate');
  if (rate > maxRate) throw new InputError('rate', `rate ${rate} exceeds ${bound}`);
  if (req.duration === undefined || req.duration === null) throw new InputError('duration', 'duration is required (seconds or "2m")');
  const dur = positiveDuration(req.duration, 'duration');
  if (dur > limits.maxDuration) throw new InputError('duration', `duration ${dur} s exceeds MAX_DURATION (${limits.maxDuration} s)`);
  const timeout = req.timeout === undefined || req.timeout === null || req.timeout === '' ? DEFAULT_TIMEOUT_S : positiveDuration(req.timeout, 'timeout');
  if (timeout > 600) throw new InputError('timeout', 'timeout must be at most 10m');
  let maxInFlight = DEFAULT_MAX_IN_FLIGHT;
  if (req.max_in_flight !== undefined && req.max_in_flight !== null) {
    const m = Number(req.max_in_flight);
    if (!Number.isInteger(m) || m < 1 || m > MAX_IN_FLIGHT_LIMIT) throw new InputError('max_in_flight', `max_in_flight must be an integer from 1 to ${MAX_IN_FLIGHT_LIMIT}`);
    maxInFlight = m;
  }
  let seed: number;
  if (req.seed === undefined || req.seed === null) seed = randomSeed();
  else {
    const s = Number(req.seed);
    if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) throw new InputError('seed', 'seed must be an integer from 0 to 4294967295');
    seed = s;
  }
  if (req.profile !== undefined && typeof req.profile !== 'string') throw new InputError('profile', 'profile must be a string');
  if (req.profile_options !== undefined && req.profile_options !== null && (typeof req.profile_options !== 'object' || Array.isArray(req.profile_options))) {
    throw new InputError('profile_options', 'profile_options must be an object');
  }
  const built = buildProfile({ profile: req.profile ?? 'constant', rate, duration: dur, options: req.profile_options ?? undefined, seed, maxRate });
  let auth: AuthInput | undefined;
  if (req.auth !== undefined && req.auth !== null) {
    const a = req.auth;
    const loginUrl = parseUrl(a.login_url, 'auth.login_url');
    if (typeof a.email !== 'string' || a.email === '') throw new InputError('auth.email', 'auth.email is required');
    if (typeof a.password !== 'string') throw new InputError('auth.password', 'auth.password is required');
    checkAllowed(loginUrl, limits.allowlist, 'auth.login_url');
    auth = { login_url: loginUrl.toString(), email: a.email, password: a.password };
  }
  return {
    id,
    requests,
    profile: { id: built.definition.id, rate, duration: dur, options: built.options, seed },
    curve: built.curve,
    timeoutMs: Math.round(timeout * 1000),
    maxInFlight,
    auth,
    traceRatio: limits.traceSampleRatio,
    userAgent: USER_AGENT,
    ...(segment ? { segment } : {}),
    ...(startAt !== undefined ? { startAt } : {}),
  };
}
