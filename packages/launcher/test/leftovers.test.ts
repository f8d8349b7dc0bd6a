import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { childrenFile, isAlive, recordChildren, runningLauncher, stopLeftovers } from '@o11y/launcher';

const tmp = mkdtempSync(join(tmpdir(), 'launcher-leftovers-'));
const started: number[] = [];

/** A long-running process whose command line mentions `marker`. */
function sleeper(marker: string): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], { detached: true, stdio: 'ignore' });
  child.unref();
  started.push(child.pid as number);
  return child.pid as number;
}

afterAll(() => {
  for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

describe('stopLeftovers', () => {
  it('stops recorded processes that still name this data directory, and only those', async () => {
    const data = join(tmp, 'data');
    const ours = sleeper(join(data, 'stack', 'prometheus', 'prometheus.yml'));
    const sibling = sleeper(join(`${data}2`, 'stack', 'x.yml'));
    const stranger = sleeper('unrelated');
    await new Promise((r) => setTimeout(r, 200));
    // As a launcher that died: the record names a launcher pid that no longer runs.
    recordChildren(data, { prometheus: ours, other: sibling, reused: stranger, self: process.pid });
    const rec = JSON.parse(readFileSync(childrenFile(data), 'utf8')) as { launcher: number };
    expect(rec.launcher).toBe(process.pid);
    writeFileSync(childrenFile(data), JSON.stringify({ ...rec, launcher: 2 ** 22 + 1 }));
    expect(runningLauncher(data)).toBeUndefined();
    expect(existsSync(childrenFile(data))).toBe(true);
    const stopped = await stopLeftovers(data, 3000);
    expect(stopped).toEqual([`prometheus (pid ${ours})`]);
    expect(isAlive(ours)).toBe(false);
    expect(isAlive(sibling)).toBe(true);
    expect(isAlive(stranger)).toBe(true);
    expect(existsSync(childrenFile(data))).toBe(false);
  });

  it('leaves everything alone while the launcher that recorded them still runs', async () => {
    const data = join(tmp, 'live');
    const ours = sleeper(join(data, 'stack', 'prometheus.yml'));
    const launcher = sleeper(join(data, 'packages', 'launcher', 'dist', 'main.js'));
    await new Promise((r) => setTimeout(r, 200));
    recordChildren(data, { prometheus: ours });
    const rec = JSON.parse(readFileSync(childrenFile(data), 'utf8')) as { launcher: number };
    writeFileSync(childrenFile(data), JSON.stringify({ ...rec, launcher }));
    expect(runningLauncher(data)).toBe(launcher);
    expect(await stopLeftovers(data)).toEqual([]);
    expect(isAlive(ours)).toBe(true);
  });

  it('does nothing without a record', async () => {
    expect(await stopLeftovers(join(tmp, 'none'))).toEqual([]);
  });
});
