import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay, describeExit, isAlive, Supervisor, type ChildSpec } from '@o11y/launcher';

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function nodeChild(id: string, code: string): ChildSpec {
  return { id, command: process.execPath, args: ['-e', code], env: { ...process.env } };
}

interface Recorded {
  lines: string[];
  events: string[];
}

function recorder(): Recorded & { hooks: ConstructorParameters<typeof Supervisor>[0] } {
  const rec: Recorded = { lines: [], events: [] };
  return {
    ...rec,
    hooks: {
      line: (id, line, stream) => rec.lines.push(`${id}/${stream}: ${line}`),
      event: (id, kind, text) => rec.events.push(`${id} ${kind}: ${text}`),
    },
  };
}

let sup: Supervisor | undefined;
afterEach(async () => {
  await sup?.stopAll();
  sup = undefined;
});

describe('backoffDelay', () => {
  it('doubles from the base up to the cap', () => {
    const policy = { baseMs: 1000, maxMs: 30_000, stableMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((a) => backoffDelay(a, policy))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffDelay(0, policy)).toBe(1000);
  });

  it('describes exits for people', () => {
    expect(describeExit(1, null)).toBe('exit code 1');
    expect(describeExit(null, 'SIGSEGV')).toBe('signal SIGSEGV');
  });
});

describe('Supervisor', () => {
  it('streams stdout and stderr line by line, including a last line without a newline', async () => {
    const r = recorder();
    sup = new Supervisor(r.hooks);
    // "tail" goes into the pipe before "err" (writes to a pipe are synchronous here), so once "err"
    // is seen the stop cannot come before it was written.
    sup.start(nodeChild('a', 'console.log("one\\ntwo"); process.stdout.write("tail"); console.error("err"); setInterval(() => {}, 1000)'));
    await until(() => r.lines.includes('a/stderr: err') && r.lines.length >= 3);
    expect(r.lines).toEqual(expect.arrayContaining(['a/stdout: one', 'a/stdout: two', 'a/stderr: err']));
    await sup.stopAll();
    expect(r.lines).toContain('a/stdout: tail');
    expect(r.events.some((e) => e.startsWith('a stopped'))).toBe(true);
  });

  it('restarts a crashed child with growing delays and reports each crash', async () => {
    const r = recorder();
    sup = new Supervisor(r.hooks, { backoff: { baseMs: 50, maxMs: 200, stableMs: 60_000 } });
    sup.start(nodeChild('crashy', 'console.log("up"); process.exit(3)'));
    await until(() => sup!.restartCounts().crashy! >= 3);
    const crashes = r.events.filter((e) => e.startsWith('crashy crashed'));
    expect(crashes[0]).toBe('crashy crashed: exited unexpectedly (exit code 3)');
    const delays = r.events.filter((e) => e.startsWith('crashy restarting')).map((e) => e.match(/in ([\d.]+) s/)?.[1]);
    expect(delays.slice(0, 3)).toEqual(['0.1', '0.1', '0.2']);
  });

  it('reports a command that cannot be started and keeps retrying', async () => {
    const r = recorder();
    sup = new Supervisor(r.hooks, { backoff: { baseMs: 50, maxMs: 50, stableMs: 60_000 } });
    sup.start({ id: 'ghost', command: '/nonexistent/binary', args: [], env: {} });
    await until(() => r.events.filter((e) => e.startsWith('ghost spawn-failed')).length >= 2);
    expect(r.events.find((e) => e.startsWith('ghost spawn-failed'))).toContain('ENOENT');
  });

  it('stops every child, its own children, and kills one that ignores SIGTERM', async () => {
    const r = recorder();
    sup = new Supervisor(r.hooks, { stopTimeoutMs: 500 });
    // A child that starts a grandchild, and a child that ignores SIGTERM.
    sup.start(
      nodeChild(
        'parent',
        'const c = require("node:child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }); console.log("grandchild " + c.pid); setInterval(() => {}, 1000)',
      ),
    );
    sup.start(nodeChild('stubborn', 'process.on("SIGTERM", () => console.log("ignoring")); console.log("ready"); setInterval(() => {}, 1000)'));
    await until(() => r.lines.some((l) => l.startsWith('parent/stdout: grandchild')) && r.lines.includes('stubborn/stdout: ready'));
    const grandchild = Number(r.lines.find((l) => l.startsWith('parent/stdout: grandchild'))?.split(' ').pop());
    const pids = Object.values(sup.pids());
    expect(pids).toHaveLength(2);
    const t0 = Date.now();
    await sup.stopAll();
    expect(Date.now() - t0).toBeLessThan(5000);
    await until(() => ![...pids, grandchild].some(isAlive), 3000);
    expect(r.events.some((e) => e.startsWith('stubborn stopped: did not stop'))).toBe(true);
    expect(r.lines).toContain('stubborn/stdout: ignoring');
  });

  it('does not restart after stopAll, and starts nothing new', async () => {
    const r = recorder();
    sup = new Supervisor(r.hooks, { backoff: { baseMs: 20, maxMs: 20, stableMs: 60_000 } });
    sup.start(nodeChild('quick', 'process.exit(1)'));
    await until(() => r.events.some((e) => e.startsWith('quick restarting')));
    await sup.stopAll();
    const count = r.events.length;
    sup.start(nodeChild('late', 'setInterval(() => {}, 1000)'));
    await new Promise((res) => setTimeout(res, 100));
    expect(r.events.length).toBe(count);
    expect(sup.pids()).toEqual({});
  });
});
