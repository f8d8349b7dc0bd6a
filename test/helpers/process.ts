import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface Spawned {
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts a built app (`apps/<name>/dist/main.js`, so `npm test` builds first) as a real process
 * and waits until `readyUrl` answers 2xx. stop() ends it and waits for the exit.
 */
export async function startApp(
  app: string,
  env: Record<string, string>,
  readyUrl: string,
  timeoutMs = 30_000,
): Promise<Spawned> {
  // vitest sets MODE=test in its own environment; the apps read MODE, so it is not inherited.
  const { MODE: _vitestMode, ...inherited } = process.env;
  const child = spawn(process.execPath, [resolve(REPO_ROOT, 'apps', app, 'dist', 'main.js')], {
    env: { ...inherited, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const spawned: Spawned = { child, output: () => out, stop: (signal) => stopChild(child, signal) };
  await waitFor(readyUrl, timeoutMs, () => {
    if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}:\n${out}`);
  });
  return spawned;
}

/**
 * Ends a child process and waits for its exit code: `signal` first, SIGKILL after 5 s. A process
 * that already ended (by itself or by a signal) resolves at once.
 */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res(child.exitCode);
    child.once('exit', (code) => res(code));
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** Polls a URL until it answers 2xx, with a bounded number of tries. */
export async function waitFor(url: string, timeoutMs = 30_000, check?: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    check?.();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
}
