import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The launcher records its children's pids in `<data>/launcher/children.json`. If it was killed
 * outright (kill -9), its Node children exit by themselves (parent-watch), but Prometheus and
 * Alertmanager keep running and hold their ports; the next start stops them first. A pid is only
 * signalled when its command line still names this data directory, so a reused pid is left alone.
 */
export function childrenFile(dataRoot: string): string {
  return resolve(dataRoot, 'launcher', 'children.json');
}

export function recordChildren(dataRoot: string, pids: Record<string, number>): void {
  const file = childrenFile(dataRoot);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(pids) + '\n');
}

export function forgetChildren(dataRoot: string): void {
  rmSync(childrenFile(dataRoot), { force: true });
}

/** The command line of a running process (Linux /proc), or undefined. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops children a previous launcher left running with this data directory; returns what it stopped. */
export async function stopLeftovers(dataRoot: string, timeoutMs = 5000): Promise<string[]> {
  let recorded: Record<string, number>;
  try {
    recorded = JSON.parse(readFileSync(childrenFile(dataRoot), 'utf8')) as Record<string, number>;
  } catch {
    return [];
  }
  const stopped: string[] = [];
  for (const [id, pid] of Object.entries(recorded)) {
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    const cmd = commandLine(pid);
    if (!cmd || !cmd.includes(dataRoot)) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue;
    }
    const deadline = Date.now() + timeoutMs;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) {
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
