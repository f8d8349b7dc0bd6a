import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '@o11y/platform';

describe('parseDuration', () => {
  it('reads seconds and unit strings', () => {
    expect(parseDuration(30)).toBe(30);
    expect(parseDuration('45')).toBe(45);
    expect(parseDuration('2m')).toBe(120);
    expect(parseDuration('500ms')).toBe(0.5);
    expect(parseDuration('1h30m')).toBe(5400);
  });
  it('rejects what is not a duration', () => {
    for (const bad of ['', 'abc', '5x', '-1', '2m!', 'm']) expect(parseDuration(bad)).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration(Number.NaN)).toBeUndefined();
  });
  it('formats for humans', () => {
    expect(formatDuration(90)).toBe('1m30s');
    expect(formatDuration(0.25)).toBe('250ms');
  });
});
