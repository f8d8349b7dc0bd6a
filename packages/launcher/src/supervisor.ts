import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One process the supervisor keeps running. */
export interface ChildSpec {
  id: string;
  command: string;
  args: readonly string[];
  env: Record<string, string | undefined>;
  cwd?: string;
  /**
   * Give the child an IPC channel (Node children only). With the `parent-watch` preload the child
   * stops itself when the channel closes, i.e. when the launcher dies without cleaning up.
   */
  ipc?: boolean;
}

export type SupervisorEventKind = 'started' | 'crashed' | 'restarting' | 'stopped' | 'spawn-failed';

export interface SupervisorHooks {
  line(id: string, line: string, stream: 'stdout' | 'stderr'): void;
  event(id: string, kind: SupervisorEventKind, text: string): void;
}

export interface BackoffPolicy {
  /** First restart delay. */
  baseMs: number;
  /** Longest delay between restarts. */
  maxMs: number;
  /** A child that ran at least this long before crashing starts again from `baseMs`. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 30_000, stableMs: 30_000 };

/** Delay before restart number `attempt` (1-based): base, 2·base, 4·base, … capped at max. */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exp = Math.min(Math.max(attempt, 1) - 1, 30);
  return Math.min(policy.baseMs * 2 ** exp, policy.maxMs);
}

interface Managed {
  spec: ChildSpec;
  child?: ChildProcess;
  startedAt: number;
  restarts: number;
  /** Consecutive quick crashes, drives the backoff. */
  attempt: number;
  timer?: NodeJS.Timeout;
  exited?: Promise<void>;
}

/** Describes how a process ended, for people: "exit code 1", "signal SIGSEGV". */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code ?? '?'}`;
}

/**
 * Starts children, streams their output line by line, restarts a child that exits on its own
 * (with exponential backoff), and stops them all on request: SIGTERM to each child's process
 * group, then SIGKILL after `stopTimeoutMs`.
 */
export class Supervisor {
  private readonly children = new Map<string, Managed>();
  private stopping = false;
  private readonly backoff: BackoffPolicy;
  private readonly stopTimeoutMs: number;

  constructor(
    private readonly hooks: SupervisorHooks,
    options: { backoff?: BackoffPolicy; stopTimeoutMs?: number } = {},
  ) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 8000;
  }

  start(spec: ChildSpec): void {
    if (this.stopping) return;
    if (this.children.has(spec.id)) throw new Error(`${spec.id} is already supervised`);
    const m: Managed = { spec, startedAt: 0, restarts: 0, attempt: 0 };
    this.children.set(spec.id, m);
    this.launch(m);
  }

  /** Pids of the children running now. */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, m] of this.children) if (m.child?.pid && m.child.exitCode === null && m.child.signalCode === null) out[id] = m.child.pid;
    return out;
  }

  /** How many times each child was restarted after a crash. */
  restartCounts(): Record<string, number> {
    return Object.fromEntries([...this.children].map(([id, m]) => [id, m.restarts]));
  }

  isRunning(id: string): boolean {
    const c = this.children.get(id)?.child;
    return Boolean(c && c.exitCode === null && c.signalCode === null);
  }

  private launch(m: Managed): void {
    const { spec } = m;
    let child: ChildProcess;
    try {
      child = spawn(spec.command, [...spec.args], {
        cwd: spec.cwd,
        env: spec.env as NodeJS.ProcessEnv,
        // Own process group: Ctrl-C reaches only the launcher, which then stops the children in order.
        detached: true,
        stdio: spec.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      this.hooks.event(spec.id, 'spawn-failed', `could not start ${spec.command}: ${(err as Error).message}`);
      this.scheduleRestart(m);
      return;
    }
    m.child = child;
    m.startedAt = Date.now();
    if (spec.ipc) child.channel?.unref();
    for (const [stream, name] of [
      [child.stdout, 'stdout'],
      [child.stderr, 'stderr'],
    ] as const) {
      if (!stream) continue;
      const rl = createInterface({ input: stream, crlfDelay: Infinity });
      rl.on('line', (line) => this.hooks.line(spec.id, line, name));
    }
    let spawnError: Error | undefined;
    child.once('error', (err) => {
      spawnError = err;
    });
    m.exited = new Promise<void>((resolve) => {
      child.once('close', (code, signal) => {
        resolve();
        if (m.child !== child) return;
        if (this.stopping) {
          this.hooks.event(spec.id, 'stopped', `stopped (${describeExit(code, signal)})`);
          return;
        }
        const reason = spawnError ? `could not start: ${spawnError.message}` : `exited unexpectedly (${describeExit(code, signal)})`;
        this.hooks.event(spec.id, spawnError ? 'spawn-failed' : 'crashed', reason);
        this.scheduleRestart(m);
      });
    });
    if (child.pid) this.hooks.event(spec.id, 'started', `started (pid ${child.pid})`);
  }

  private scheduleRestart(m: Managed): void {
    if (this.stopping) return;
    const ranMs = m.startedAt ? Date.now() - m.startedAt : 0;
    m.attempt = ranMs >= this.backoff.stableMs ? 1 : m.attempt + 1;
    const delay = backoffDelay(m.attempt, this.backoff);
    m.restarts++;
    this.hooks.event(m.spec.id, 'restarting', `restarting in ${(delay / 1000).toFixed(1)} s (restart #${m.restarts})`);
    m.timer = setTimeout(() => {
      m.timer = undefined;
      if (!this.stopping) this.launch(m);
    }, delay);
  }

  /** Stops every child: SIGTERM to its group, SIGKILL to stragglers. Resolves when all have exited. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const waits: Promise<void>[] = [];
    for (const m of this.children.values()) {
      if (m.timer) clearTimeout(m.timer);
      const child = m.child;
      if (!child?.pid || child.exitCode !== null || child.signalCode !== null) continue;
      const pid = child.pid;
      signalGroup(pid, 'SIGTERM');
      const killer = setTimeout(() => {
        this.hooks.event(m.spec.id, 'stopped', `did not stop within ${this.stopTimeoutMs / 1000} s; killing it`);
        signalGroup(pid, 'SIGKILL');
      }, this.stopTimeoutMs);
      waits.push(
        (m.exited ?? Promise.resolve()).then(() => {
          clearTimeout(killer);
          // Anything the child left in its group goes too.
          signalGroup(pid, 'SIGKILL');
        }),
      );
    }
    await Promise.all(waits);
  }
}

/** Sends a signal to a child's process group (it leads one: spawned detached), falling back to the pid. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
