import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Agent, fetch as undiciFetch } from 'undici';
import type { DistributedRun, GeneratorShare, RunRequest, RunState, RunSummary, SeriesPoint } from '../contract/schemas.js';
import { RunTotals, summarize } from '../engine/run-totals.js';
import { constantCurve } from '../profiles/types.js';
import { GeneratorClient, GeneratorError, type Fetch } from './client.js';
import { SplitRunMerge } from './merge.js';
import { DEFAULT_START_DELAY_MS, generatorUrls, planShares, type Share } from './plan.js';

export interface CoordinatorOptions {
  /** The load generators' base URLs (generatorUrls() checks them). */
  generators: readonly string[];
  /** The run, as POST /api/runs takes it, without `segment` and `start_at`. */
  request: RunRequest;
  /** LAB_TOKEN, sent to every generator. */
  token?: string | undefined;
  /** Default: a connection pool of its own, closed when the run is over. */
  fetch?: Fetch;
  /** t = 0 as epoch ms; default now + startDelayMs. */
  startAt?: number;
  startDelayMs?: number;
  /** How often each generator is asked for its new windows. */
  pollMs?: number;
  /** Per request to a generator. */
  timeoutMs?: number;
  /** Consecutive failed requests after which a generator counts as dead and the run fails. */
  maxFailures?: number;
  id?: string;
}

interface ShareState extends Share {
  client: GeneratorClient;
  runId?: string;
  summary?: RunSummary;
  /** Next window index to ask for. */
  next: number;
  done: boolean;
  failures: number;
  error?: string;
  unreachable: boolean;
}

const DEFAULTS = { pollMs: 1000, timeoutMs: 5000, maxFailures: 3 };

/**
 * One run split across several load generators, coordinated: every generator gets its share
 * (segment i of N, one seed, one start time), the coordinator collects their raw windows as they
 * come and merges them exactly (SplitRunMerge), stops them together, and fails the run, stopping
 * the others, when one generator fails or stops answering. Emits `progress` ({run, point}) per
 * merged second and `done` (the final view). Used by the portal (POST /api/distributed-runs) and
 * the CLI (`o11y-load attack --generators`).
 */
export class CoordinatedRun extends EventEmitter {
  readonly id: string;
  readonly startAt: number;
  state: RunState = 'running';
  error: string | undefined;
  finishedAt: Date | undefined;
  readonly finished: Promise<DistributedRun>;
  private resolveFinished!: (v: DistributedRun) => void;
  private readonly shares: ShareState[];
  private merge: SplitRunMerge | undefined;
  private readonly opts: Required<Pick<CoordinatorOptions, 'pollMs' | 'timeoutMs' | 'maxFailures'>>;
  private readonly agent: Agent | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopping = false;
  private over = false;

  private constructor(options: CoordinatorOptions) {
    super();
    this.setMaxListeners(0);
    this.id = options.id ?? randomUUID();
    this.opts = { pollMs: options.pollMs ?? DEFAULTS.pollMs, timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs, maxFailures: options.maxFailures ?? DEFAULTS.maxFailures };
    this.startAt = options.startAt ?? Date.now() + (options.startDelayMs ?? DEFAULT_START_DELAY_MS);
    const shares = planShares(options.request, generatorUrls(options.generators), this.startAt);
    this.agent = options.fetch ? undefined : new Agent({ keepAliveTimeout: 10_000 });
    const agent = this.agent;
    const fetch: Fetch = options.fetch ?? ((url, init) => undiciFetch(url, { ...init, dispatcher: agent }) as unknown as Promise<Response>);
    this.shares = shares.map((s) => ({
      ...s,
      client: new GeneratorClient(s.url, { fetch, token: options.token, timeoutMs: this.opts.timeoutMs }),
      next: 0,
      done: false,
      failures: 0,
      unreachable: false,
    }));
    this.finished = new Promise((r) => (this.resolveFinished = r));
  }

  /**
   * Starts every share; resolves once all have started. When one cannot start (unreachable, or it
   * refuses the request), the ones that did are stopped and the GeneratorError is thrown.
   */
  static async start(options: CoordinatorOptions): Promise<CoordinatedRun> {
    const run = new CoordinatedRun(options);
    await run.startShares();
    run.schedulePoll(0);
    return run;
  }

  private async startShares(): Promise<void> {
    const started = await Promise.allSettled(this.shares.map(async (s) => (s.runId = await s.client.start(s.request))));
    const failed = started.findIndex((r) => r.status === 'rejected');
    let error = failed >= 0 ? ((started[failed] as PromiseRejectedResult).reason as Error) : undefined;
    if (!error) {
      // Every share's definition (seed, profile, mix) as its generator resolved it: they must agree.
      try {
        const summaries = await Promise.all(this.shares.map((s) => s.client.summary(s.runId as string)));
        this.merge = new SplitRunMerge(summaries[0] as RunSummary, this.shares.length);
        summaries.forEach((summary, i) => {
          const share = this.shares[i] as ShareState;
          share.summary = summary;
          try {
            this.merge?.check(summary);
          } catch (err) {
            throw new GeneratorError(share.url, `load generator ${share.url}: ${(err as Error).message}`);
          }
        });
      } catch (err) {
        error = err as Error;
      }
    }
    if (!error) return;
    const which = error instanceof GeneratorError ? this.shares.find((s) => s.url === error.url) : undefined;
    if (which) {
      which.error = error.message;
      which.unreachable = error instanceof GeneratorError && error.status === undefined;
    }
    await Promise.allSettled(this.shares.filter((s) => s.runId).map((s) => s.client.stop(s.runId as string)));
    this.state = 'failed';
    this.error = which ? `share ${which.segment.index + 1} of ${which.segment.count} could not start: ${error.message}` : error.message;
    this.settle();
    throw error instanceof GeneratorError ? new GeneratorError(error.url, this.error, error.status, error.field) : error;
  }

  private schedulePoll(delayMs: number): void {
    if (this.over) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
        this.schedulePoll(this.opts.pollMs);
      });
    }, delayMs);
  }

  /** Asks every generator still sending for its new windows, merges them, and ends the run when all are done. */
  private async poll(): Promise<void> {
    await Promise.all(this.shares.filter((s) => !s.done).map((s) => this.pollShare(s)));
    if (this.over) return;
    if (this.shares.every((s) => s.done)) this.complete();
  }

  private async pollShare(s: ShareState): Promise<void> {
    try {
      const page = await s.client.windows(s.runId as string, s.next);
      s.failures = 0;
      s.summary = page.summary;
      const last = page.windows.at(-1);
      if (last) s.next = last.index + 1;
      if (page.done) s.done = true;
      this.emitPoints(this.merge?.add(this.shares.indexOf(s), page) ?? []);
      if (!this.stopping && page.summary.state === 'failed') this.fail(`load generator ${s.url} (share ${s.segment.index + 1} of ${s.segment.count}) failed: ${page.summary.error ?? 'no reason given'}`);
      else if (!this.stopping && page.summary.state === 'stopped') this.stopAll(`load generator ${s.url}'s share (${s.segment.index + 1} of ${s.segment.count}) was stopped there: the other shares were stopped too`);
    } catch (err) {
      s.failures++;
      s.error = (err as Error).message;
      if (s.failures < this.opts.maxFailures) return;
      // Dead: its windows so far count, the seconds it blocked are merged without it.
      s.done = true;
      s.unreachable = err instanceof GeneratorError && err.status === undefined;
      this.emitPoints(this.merge?.end(this.shares.indexOf(s)) ?? []);
      if (!this.stopping) this.fail(`${(err as Error).message} (${s.failures} tries; share ${s.segment.index + 1} of ${s.segment.count} is lost)`);
    }
  }

  private emitPoints(points: SeriesPoint[]): void {
    for (const point of points) this.emit('progress', { run: this.view(), point });
  }

  /** Fails the run: the other shares are stopped; their windows up to then are still merged. */
  private fail(message: string): void {
    if (this.state !== 'running') return;
    this.state = 'failed';
    this.error = `${message}: the run failed, the other shares were stopped`;
    void this.stopShares();
  }

  /** A share was stopped on its generator (its page, its API): the run stops as a whole. */
  private stopAll(why: string): void {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    this.error = why;
    void this.stopShares();
  }

  private async stopShares(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled(this.shares.filter((s) => !s.done && s.runId).map((s) => s.client.stop(s.runId as string)));
    // Collect what the stopped shares have left at once, instead of a poll later.
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.polling;
    if (!this.over && this.timer === undefined && this.polling === undefined) this.schedulePoll(0);
  }

  /** Stops every share together; resolves with the final view once their windows are merged. */
  async stop(): Promise<DistributedRun> {
    if (this.state === 'running') {
      this.state = 'stopped';
      await this.stopShares();
    }
    return this.finished;
  }

  private complete(): void {
    this.emitPoints(this.merge?.finish() ?? []);
    if (this.state === 'running') {
      const stopped = this.shares.some((s) => s.summary?.state === 'stopped');
      this.state = stopped ? 'stopped' : 'finished';
    }
    this.settle();
  }

  private settle(): void {
    if (this.over) return;
    this.over = true;
    this.finishedAt = new Date();
    if (this.timer) clearTimeout(this.timer);
    const view = this.view();
    void (this.agent?.close() ?? Promise.resolve()).catch(() => undefined).then(() => {
      this.emit('done', view);
      this.resolveFinished(view);
    });
  }

  /** The merged series so far. */
  get points(): SeriesPoint[] {
    return this.merge?.points ?? [];
  }

  /** The run as the API shows it: state, each generator's share, and the merged summary. */
  view(): DistributedRun {
    const generators: GeneratorShare[] = this.shares.map((s) => ({
      url: s.url,
      segment: s.segment,
      ...(s.runId ? { run_id: s.runId } : {}),
      state: s.unreachable ? 'unreachable' : (s.summary?.state ?? 'starting'),
      ...(s.error ? { error: s.error } : s.summary?.error ? { error: s.summary.error } : {}),
      sent: s.summary?.sent ?? 0,
      dropped: s.summary?.dropped ?? 0,
    }));
    const head = { id: this.id, state: this.state, error: this.error, startedAt: new Date(this.startAt), finishedAt: this.finishedAt, over: this.over };
    return {
      id: this.id,
      state: this.state,
      ...(this.error ? { error: this.error } : {}),
      start_at: new Date(this.startAt).toISOString(),
      generators,
      summary: this.merge ? this.merge.summary(head) : emptySummary(head),
    };
  }
}

/** The summary of a run whose shares never started: nothing sent, no run definition known. */
function emptySummary(head: { id: string; state: RunState; error?: string | undefined; startedAt: Date; finishedAt?: Date | undefined }): RunSummary {
  const profile = { id: '', rate: 0, duration: 0, options: {}, seed: 0 };
  return summarize(new RunTotals({ requests: [], curve: constantCurve(0), duration: 0 }), { ...head, elapsed: 0, covered: 0, inFlight: 0, profile });
}
