/**
 * One run split across several load generators, like k6-operator's execution segments: instance
 * `index` of `count` sends the arrivals k ≡ index (mod count) of the run's one arrival sequence,
 * with t = 0 at a common `start_at` on every instance. The checks of those two fields, shared by
 * the server (engine/validate.ts) and the coordinator.
 */
import { InputError } from './errors.js';

/** Which share of a run an instance sends: arrivals k ≡ index (mod count). */
export interface Segment {
  index: number;
  count: number;
}

/** Instances one run may be split across. */
export const MAX_SEGMENTS = 1000;
/** How far ahead `start_at` may be: a run waiting longer holds one of MAX_ACTIVE_RUNS for nothing. */
export const START_AT_MAX_AHEAD_MS = 10 * 60_000;
/**
 * How late `start_at` may be when it arrives: a share that starts late still keeps the common
 * schedule (the arrivals already due go at once, their lag reported); later than this it would
 * open with a burst, so it is refused.
 */
export const START_AT_MAX_BEHIND_MS = 5_000;

function integer(raw: unknown, field: string, min: number, max: number): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
    throw new InputError(field, `${field} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return raw;
}

/** `segment` of a run request: undefined when absent; InputError naming `segment`, `segment.index` or `segment.count`. */
export function parseSegment(raw: unknown): Segment | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InputError('segment', 'segment must be an object {index, count}: this instance sends arrivals k ≡ index (mod count)');
  const { index: rawIndex, count: rawCount } = raw as { index?: unknown; count?: unknown };
  const count = integer(rawCount, 'segment.count', 1, MAX_SEGMENTS);
  const index = integer(rawIndex, 'segment.index', 0, MAX_SEGMENTS - 1);
  if (index >= count) throw new InputError('segment.index', `segment.index must be below segment.count (${count}): the instances are numbered 0 to ${count - 1} (got ${index})`);
  return { index, count };
}

/**
 * `start_at` of a run request as epoch milliseconds: a number (epoch ms) or an ISO 8601 time with
 * its offset, at most START_AT_MAX_AHEAD_MS ahead of `now` and START_AT_MAX_BEHIND_MS behind it.
 */
export function parseStartAt(raw: unknown, now: number): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  let at: number;
  if (typeof raw === 'number') at = raw;
  else if (typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw.trim())) at = Date.parse(raw);
  else at = NaN;
  if (!Number.isFinite(at)) {
    throw new InputError('start_at', `start_at must be epoch milliseconds or an ISO 8601 time with its offset, e.g. "2026-12-03T10:00:00Z" (got ${JSON.stringify(raw)})`);
  }
  if (at > now + START_AT_MAX_AHEAD_MS) {
    throw new InputError('start_at', `start_at is ${((at - now) / 1000).toFixed(1)} s ahead: at most ${START_AT_MAX_AHEAD_MS / 60_000} minutes ahead is accepted`);
  }
  if (at < now - START_AT_MAX_BEHIND_MS) {
    throw new InputError('start_at', `start_at is ${((now - at) / 1000).toFixed(1)} s in the past: the run would open with a burst of every arrival already due; give a time in the near future`);
  }
  return Math.round(at);
}
