import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The launcher records its own pid and its children's in `<data>/launcher/children.json`.
 * - If it was killed outright (kill -9), its Node children exit by themselves (parent-watch), but
 *   Prometheus and Alertmanager keep running and hold their ports: the next start stops them first.
 *   A pid is only signalled when its command line still names this data directory, so a reused
 *   pid is left alone.
 * - While a launcher runs, a second one (or --reset) on the same data directory is refused.
 */
interface Record_ {
  launcher: number;
  children: Record<string, number>;
}

export function childrenFile(dataRoot: string): string {
  return resolve(dataRoot, 'launcher', 'children.json');
}

export function recordChildren(dataRoot: string, pids: Record<string, number>): void {
  const file = childrenFile(dataRoot);
  mkdirSync(dirname(file), { recursive: true });
  const record: Record_ = { launcher: process.pid, children: pids };
  writeFileSync(file, JSON.stringify(record) + '\n');
}

export function forgetChildren(dataRoot: string): void {
  rmSync(childrenFile(dataRoot), { force: true });
}

function readRecord(dataRoot: string): Record_ | undefined {
  try {
    const parsed = JSON.parse(readFileSync(childrenFile(dataRoot), 'utf8')) as Partial<Record_>;
    if (typeof parsed.launcher !== 'number' || !parsed.children || typeof parsed.children !== 'object') return undefined;
    return { launcher: parsed.launcher, children: parsed.children };
  } catch {
    return undefined;
  }
}

/** The command line of a running process (Linux /proc), or undefined. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (signal 0 probes without touching it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pid of another launcher that is running with this data directory, if any. */
export function runningLauncher(dataRoot: string): number | undefined {
  const rec = readRecord(dataRoot);
  if (!rec || rec.launcher === process.pid || !isAlive(rec.launcher)) return undefined;
  const cmd = commandLine(rec.launcher);
  return cmd && /launcher/.test(cmd) ? rec.launcher : undefined;
}

/** Stops children a previous, dead launcher left running with this data directory; returns what it stopped. */
export async function stopLeftovers(dataRoot: string, timeoutMs = 5000): Promise<string[]> {
  const rec = readRecord(dataRoot);
  if (!rec || runningLauncher(dataRoot) !== undefined) return [];
  const marker = dataRoot.replace(/\/+$/, '') + '/';
  const stopped: string[] = [];
  for (const [id, pid] of Object.entries(rec.children)) {
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    const cmd = commandLine(pid);
    if (!cmd || !cmd.includes(marker)) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue;
    }
    const deadline = Date.now() + timeoutMs;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    stopped.push(`${id} (pid ${pid})`);
  }
  forgetChildren(dataRoot);
  return stopped;
}
