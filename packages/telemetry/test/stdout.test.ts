import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const telemetry = join(dirname(fileURLToPath(import.meta.url)), '../src/index.ts');

/**
 * Runs `body` in a fresh Node process with `log`, a logger on the real stdout (stdoutDestination),
 * counting the write() calls that reach fd 1. Returns the lines it printed and that count.
 */
function run(body: string): { lines: Record<string, unknown>[]; writes: number } {
  const script = `
    import fs from 'node:fs';
    let writes = 0;
    const writeSync = fs.writeSync;
    fs.writeSync = (fd, ...rest) => { if (fd === 1) writes++; return writeSync(fd, ...rest); };
    const { createLogger } = await import(${JSON.stringify(telemetry)});
    const log = createLogger({ name: 'stdout-test' });
    // Registered after the logger's own exit handler, so it counts that last write too.
    process.on('exit', () => process.stderr.write('writes=' + writes));
    ${body}
  `;
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  expect(out.status, out.stderr).toBe(0);
  const writes = Number(/writes=(\d+)/.exec(out.stderr)?.[1]);
  return { lines: out.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>), writes };
}

describe('stdoutDestination', () => {
  it('writes the lines of one event-loop turn together, and each later turn on its own', () => {
    const { lines, writes } = run(`
      for (let i = 0; i < 50; i++) log.info({ i }, 'first turn');
      // Each later turn arms the next: two timers due 20 ms apart could fire in one turn on a busy machine.
      setTimeout(() => {
        log.info('second turn');
        setTimeout(() => log.info('third turn'), 20);
      }, 20);
    `);
    expect(lines.map((l) => l.msg)).toEqual([...Array(50).fill('first turn'), 'second turn', 'third turn']);
    expect(lines.map((l) => l.i).slice(0, 50)).toEqual([...Array(50).keys()]);
    expect(writes).toBe(3);
    expect(lines[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('loses no line when the process exits in the turn that logged it', () => {
    const { lines } = run(`
      log.info('before');
      setTimeout(() => { log.info('last words'); process.exit(3 - 3); }, 10);
    `);
    expect(lines.map((l) => l.msg)).toEqual(['before', 'last words']);
  });

  it('writes as soon as 8 KiB are waiting, not only at the end of the turn', () => {
    const { lines, writes } = run(`for (let i = 0; i < 200; i++) log.info({ pad: 'x'.repeat(200) }, 'big');`);
    expect(lines).toHaveLength(200);
    // 200 lines of ~300 bytes: ~60 KiB, written in 8 KiB pieces.
    expect(writes).toBeGreaterThanOrEqual(6);
    expect(writes).toBeLessThanOrEqual(10);
  });
});
