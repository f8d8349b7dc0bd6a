import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../test/helpers/ports.js';
import { startApp, type Spawned } from '../../../test/helpers/process.js';

export interface Generators {
  urls: string[];
  ports: number[];
  procs: Spawned[];
  /** Ends generator i at once (SIGKILL: a crash, not a shutdown). */
  kill(i: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts `n` load generators as real processes (the built server, apps/load-generator/dist/main.js:
 * `npm run build` first), each on a free port of 127.0.0.1 with its own data directory.
 */
export async function startGenerators(n: number, env: Record<string, string>): Promise<Generators> {
  const dir = mkdtempSync(join(tmpdir(), 'loadgen-generators-'));
  const procs: Spawned[] = [];
  const ports: number[] = [];
  const started = await Promise.allSettled(
    Array.from({ length: n }, async (_, i) => {
      const port = await freePort();
      const proc = await startApp('load-generator', { HOST: '127.0.0.1', PORT: String(port), DATA_DIR: join(dir, `g${i}`), ...env }, `http://127.0.0.1:${port}/health/ready`);
      return { port, proc };
    }),
  );
  for (const s of started) {
    if (s.status !== 'fulfilled') continue;
    ports.push(s.value.port);
    procs.push(s.value.proc);
  }
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(procs.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw failed.reason;
  }
  return {
    urls: ports.map((p) => `http://127.0.0.1:${p}`),
    ports,
    procs,
    kill: async (i) => {
      await procs[i]?.stop('SIGKILL');
    },
    close: async () => {
      await Promise.all(procs.map((p) => p.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
