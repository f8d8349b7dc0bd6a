import { describe, expect, it } from 'vitest';
import { DEFAULT_READY_TIMEOUT_MS, parseArgs, USAGE } from '@o11y/launcher';

describe('parseArgs', () => {
  it('defaults: start everything, compact logs, stack on', () => {
    const r = parseArgs([]);
    expect(r).toEqual({
      ok: true,
      options: {
        reset: false,
        yes: false,
        rawLogs: false,
        stack: true,
        dataDir: undefined,
        color: undefined,
        readyTimeoutMs: DEFAULT_READY_TIMEOUT_MS,
        help: false,
      },
    });
  });

  it('reads every flag', () => {
    const r = parseArgs(['--reset', '-y', '--raw-logs', '--no-stack', '--data-dir', '/tmp/x', '--ready-timeout', '2m', '--no-color']);
    expect(r.ok && r.options).toMatchObject({
      reset: true,
      yes: true,
      rawLogs: true,
      stack: false,
      dataDir: '/tmp/x',
      color: false,
      readyTimeoutMs: 120_000,
    });
    expect(parseArgs(['--help'])).toMatchObject({ ok: true, options: { help: true } });
    expect(parseArgs(['-h'])).toMatchObject({ ok: true, options: { help: true } });
  });

  it('rejects unknown flags, stray arguments and bad values with a message', () => {
    for (const argv of [['--frobnicate'], ['start'], ['--ready-timeout', 'soon'], ['--ready-timeout', '0'], ['--data-dir', ''], ['--data-dir']]) {
      const r = parseArgs(argv);
      expect(r.ok, argv.join(' ')).toBe(false);
      if (!r.ok) expect(r.error.length).toBeGreaterThan(5);
    }
    const r = parseArgs(['--frobnicate']);
    expect(!r.ok && r.error).toContain('--frobnicate');
  });

  it('the usage names every flag and the port variables', () => {
    for (const flag of ['--reset', '--yes', '--raw-logs', '--no-stack', '--data-dir', '--ready-timeout', '--no-color', '--help']) {
      expect(USAGE).toContain(flag);
    }
    for (const v of ['TODO_API_PORT', 'LOADGEN_PORT', 'PORTAL_PORT', 'PROMETHEUS_PORT', 'ALERTMANAGER_PORT']) expect(USAGE).toContain(v);
  });
});
