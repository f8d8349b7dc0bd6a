import { parseDuration } from '@o11y/platform/duration';
import { InputError } from './errors.js';

export { parseDuration };

/** A positive duration (seconds, or "500ms", "30s", "2m", "1h30m") in seconds; InputError naming the field otherwise. */
export function positiveDuration(raw: unknown, field: string): number {
  const d = typeof raw === 'number' || typeof raw === 'string' ? parseDuration(raw) : undefined;
  if (d === undefined || d <= 0) throw new InputError(field, `${field} must be a positive duration: seconds or "30s", "2m", "1h" (got ${JSON.stringify(raw)})`, 400, { code: 'duration' });
  return d;
}
