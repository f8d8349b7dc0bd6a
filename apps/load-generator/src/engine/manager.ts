import { randomUUID } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import { InputError } from '../errors.js';
import { LoadgenMetrics } from './metrics.js';
import type { RunRequest, RunSummary, SeriesPoint } from '../contract/schemas.js';
import { Run, type RunDeps } from './run.js';
import type { WireWindow } from './stats.js';
import { KEEP_RUNS, RunStore, type StoredRun } from './store.js';
import { validateRunRequest, type Limits } from './validate.js';
import { engineThreads } from './threads.js';

export interface ManagerOptions {
  limits: Limits;
  maxActiveRuns: number;
  dataDir: string;
  registry: Registry;
  tracer?: Tracer | undefined;
  tracingExported?: boolean;
  log?: { warn(obj: object, msg: string): void };
  /** Worker threads of every run unless a run says otherwise ("auto" by default; tests pin it). */
  threads?: number | 'auto';
}

export interface CreateOptions {
  scenario?: string;
  beforeStart?: RunDeps['beforeStart'];
  afterEnd?: RunDeps['afterEnd'];
  /** Worker threads: tests and the benchmark may pin it; "auto" otherwise. */
  threads?: number | 'auto';
}

/**
 * Finished runs whose windows (raw per-second data, a few KiB a second) stay in memory for a
 * coordinator to collect; they are not saved: a coordinator reads them while the run goes.
 */
export const KEEP_WINDOWS_RUNS = 10;

/** A run's windows from an index on, and whether more will come. */
export interface WindowsSlice {
  summary: RunSummary;
  windows: WireWindow[];
  done: boolean;
}

/**
 * Owns the runs: validates and starts them (at most MAX_ACTIVE_RUNS at once), answers for active
 * and finished ones, and keeps the newest 50 finished runs on disk (and the windows of the newest
 * KEEP_WINDOWS_RUNS in memory).
 */
export class RunManager {
  private readonly active = new Map<string, Run>();
  private finished: StoredRun[] = [];
  /** Windows of finished runs, oldest first. */
  private readonly finishedWindows = new Map<string, WireWindow[]>();
  private readonly store: RunStore;
  readonly metrics: LoadgenMetrics;
  private readonly saving = new Set<Promise<void>>();

  constructor(private readonly opts: ManagerOptions) {
    this.store = new RunStore(opts.dataDir);
    this.metrics = new LoadgenMetrics(opts.registry, () => this.activeRuns());
  }

  async init(): Promise<void> {
    this.finished = await this.store.load();
  }

  private activeRuns(): Run[] {
    return [...this.active.values()];
  }

  /** Validates and starts a run; throws InputError (400/403/429). */
  create(req: RunRequest, extra: CreateOptions = {}): Run {
    const spec = validateRunRequest(req, this.opts.limits, randomUUID());
    if (this.active.size >= this.opts.maxActiveRuns) {
      throw new InputError(undefined, `${this.active.size} runs are active, the most MAX_ACTIVE_RUNS allows (${this.opts.maxActiveRuns}); stop one or wait`, 429);
    }
    if (extra.scenario) spec.scenario = extra.scenario;
    const threads = extra.threads ?? this.opts.threads;
    if (threads !== undefined) spec.threads = threads;
    const run = new Run(spec, {
      observer: this.metrics,
      tracer: this.opts.tracer,
      tracingExported: this.opts.tracingExported ?? false,
      ...(extra.beforeStart ? { beforeStart: extra.beforeStart } : {}),
      ...(extra.afterEnd ? { afterEnd: extra.afterEnd } : {}),
    });
    this.active.set(run.id, run);
    run.once('done', (summary: RunSummary) => {
      this.active.delete(run.id);
      this.finishedWindows.set(run.id, run.windows);
      for (const old of [...this.finishedWindows.keys()].slice(0, -KEEP_WINDOWS_RUNS)) this.finishedWindows.delete(old);
      const stored: StoredRun = { summary, points: run.points };
      this.finished.unshift(stored);
      const dropped = this.finished.splice(KEEP_RUNS);
      const p = (async () => {
        try {
          await this.store.save(stored);
          for (const old of dropped) await this.store.remove(old.summary.id);
        } catch (err) {
          this.opts.log?.warn({ err }, 'could not save the run summary');
        }
      })();
      this.saving.add(p);
      void p.finally(() => this.saving.delete(p));
    });
    void run.start();
    return run;
  }

  list(): RunSummary[] {
    const all = [...[...this.active.values()].map((r) => r.summary()), ...this.finished.map((s) => s.summary)];
    return all.sort((a, b) => b.started_at.localeCompare(a.started_at));
  }

  run(id: string): Run | undefined {
    return this.active.get(id);
  }

  summary(id: string): RunSummary | undefined {
    return this.active.get(id)?.summary() ?? this.finished.find((s) => s.summary.id === id)?.summary;
  }

  series(id: string): SeriesPoint[] | undefined {
    return this.active.get(id)?.points ?? this.finished.find((s) => s.summary.id === id)?.points;
  }

  /**
   * The windows of a run with index ≥ `from`: 'unknown' for no such run, 'gone' when the run is
   * older than the newest KEEP_WINDOWS_RUNS finished ones (or from before a restart).
   */
  windows(id: string, from = 0): WindowsSlice | 'unknown' | 'gone' {
    const run = this.active.get(id);
    const summary = run?.summary() ?? this.summary(id);
    if (!summary) return 'unknown';
    const all = run?.windows ?? this.finishedWindows.get(id);
    if (!all) return 'gone';
    // Windows are in index order: skip to the first one wanted.
    let i = all.length;
    while (i > 0 && (all[i - 1] as WireWindow).index >= from) i--;
    return { summary, windows: all.slice(i), done: run ? run.settled : true };
  }

  async stop(id: string): Promise<RunSummary | undefined> {
    const run = this.active.get(id);
    if (run) return run.stop();
    return this.summary(id);
  }

  /** Stops every active run, waits for their summaries to be saved, and ends the idle engine threads. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.active.values()].map((r) => r.stop()));
    await Promise.all([...this.saving]);
    await engineThreads.closeIdle();
  }
}
