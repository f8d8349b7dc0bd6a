import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoordinatedRun, type DistributedRun, type Fetch, type RunRequest, type SeriesPoint } from '@o11y/load-generator/coordinator';

/** Finished distributed runs kept (on disk, under DATA_DIR/distributed-runs). */
export const KEEP_DISTRIBUTED_RUNS = 20;

interface Stored {
  run: DistributedRun;
  points: SeriesPoint[];
}

export interface DistributedRunsOptions {
  dataDir: string;
  /** The load generators to split a run across, found when it starts. */
  generators: () => Promise<string[]>;
  /** LAB_TOKEN, sent to every generator. */
  token: string | undefined;
  fetch: Fetch;
  warn: (msg: string) => void;
}

/**
 * The portal's distributed runs: starts them with the load generator's coordinator (each
 * generator sends its share from one start time, their windows merged exactly), answers for the
 * active and the finished ones, keeps the newest KEEP_DISTRIBUTED_RUNS on disk, and stops the
 * active ones when the portal closes (nothing is left sending).
 */
export class DistributedRuns {
  private readonly active = new Map<string, CoordinatedRun>();
  private finished: Stored[] = [];
  private readonly dir: string;
  private readonly saving = new Set<Promise<void>>();

  private constructor(private readonly opts: DistributedRunsOptions) {
    this.dir = join(opts.dataDir, 'distributed-runs');
  }

  static async open(opts: DistributedRunsOptions): Promise<DistributedRuns> {
    const runs = new DistributedRuns(opts);
    let files: string[] = [];
    try {
      files = await readdir(runs.dir);
    } catch (err) {
      // Made by the first run that is kept.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const f of files) {
      if (!f.endsWith('.json')) continue;
      try {
        runs.finished.push(JSON.parse(await readFile(join(runs.dir, f), 'utf8')) as Stored);
      } catch {
        opts.warn(`distributed run file ${f} could not be read; skipped`);
      }
    }
    runs.finished.sort((a, b) => b.run.start_at.localeCompare(a.run.start_at));
    return runs;
  }

  /** Splits `request` across the generators found now; rejects (GeneratorError, InputError) when it cannot start. */
  async start(request: RunRequest): Promise<CoordinatedRun> {
    const generators = await this.opts.generators();
    const run = await CoordinatedRun.start({ generators, request, token: this.opts.token, fetch: this.opts.fetch });
    this.active.set(run.id, run);
    void run.finished.then((view) => this.keep({ run: view, points: run.points }));
    return run;
  }

  private keep(stored: Stored): void {
    this.active.delete(stored.run.id);
    this.finished.unshift(stored);
    const dropped = this.finished.splice(KEEP_DISTRIBUTED_RUNS);
    const p = (async () => {
      const file = join(this.dir, `${stored.run.id}.json`);
      await mkdir(this.dir, { recursive: true });
      await writeFile(`${file}.tmp`, JSON.stringify(stored));
      await rename(`${file}.tmp`, file);
      for (const old of dropped) await rm(join(this.dir, `${old.run.id}.json`), { force: true });
    })().catch((err: Error) => this.opts.warn(`could not save distributed run ${stored.run.id}: ${err.message}`));
    this.saving.add(p);
    void p.finally(() => this.saving.delete(p));
  }

  /** Newest first. */
  list(): DistributedRun[] {
    return [...[...this.active.values()].map((r) => r.view()), ...this.finished.map((s) => s.run)].sort((a, b) => b.start_at.localeCompare(a.start_at));
  }

  get(id: string): DistributedRun | undefined {
    return this.active.get(id)?.view() ?? this.finished.find((s) => s.run.id === id)?.run;
  }

  series(id: string): SeriesPoint[] | undefined {
    return this.active.get(id)?.points ?? this.finished.find((s) => s.run.id === id)?.points;
  }

  /** Stops every share of a run; its final view (or the stored one of a run already over). */
  async stop(id: string): Promise<DistributedRun | undefined> {
    const run = this.active.get(id);
    return run ? run.stop() : this.get(id);
  }

  /** Stops the active runs and waits until they are saved. */
  async close(): Promise<void> {
    await Promise.all([...this.active.values()].map((r) => r.stop()));
    await Promise.all([...this.saving]);
  }
}
