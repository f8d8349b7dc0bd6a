import { parseDuration } from '@o11y/platform';
import { UnavailableError, UpstreamError } from '../clients/http.js';
import type { LoadGeneratorClient } from '../clients/load-generator.js';
import type { TodoApiClient } from '../clients/todo-api.js';
import { RequestError } from '../errors.js';
import type { ExerciseLock } from '../exercises.js';
import { scenarios, type ScenarioDefinition } from './catalogue.js';

/** What a scenario run may change: switch its fault off, a shorter or lighter run. */
export interface ScenarioRunBody {
  fault?: boolean;
  rate?: number;
  duration?: number | string;
}

/** GET /api/scenarios: a scenario without its login. */
export type ScenarioInfo = Omit<ScenarioDefinition, 'run'> & { run: Omit<ScenarioDefinition['run'], 'auth'> };

/** POST /api/scenarios/:id/run: the load generator's run, and the alert it should raise. */
export interface ScenarioStarted {
  id: string;
  scenario: string;
  alert: ScenarioDefinition['alert'];
}

export interface ScenarioRunnerOptions {
  todo: TodoApiClient | null;
  loadgen: LoadGeneratorClient | null;
  lock: ExerciseLock;
  log: { warn(obj: object, msg: string): void };
  /** How often running scenario runs are polled to see them end, ms. */
  pollMs?: number;
}

/** The fault outlives its run by this much at most (its ttl_s), should the portal die meanwhile. */
export const FAULT_TTL_MARGIN_S = 30;

interface Watched {
  fault: boolean;
  release: () => void;
}

/**
 * One-click scenarios: the portal switches the todo API's fault (admin token) and starts a plain
 * run in the load generator, which knows nothing of faults; when the run ends the fault is
 * cleared (when no other scenario run with a fault is left), with ttl_s as the safety net.
 */
export class ScenarioRunner {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;

  constructor(private readonly opts: ScenarioRunnerOptions) {}

  /** The scenarios on the todo API as the portal (and, in every mode the lab has, the load generator) reaches it. */
  private definitions(): ScenarioDefinition[] {
    return scenarios(this.opts.todo?.url ?? 'http://127.0.0.1:4000');
  }

  list(): ScenarioInfo[] {
    return this.definitions().map(({ run: { auth: _auth, ...run }, ...rest }) => ({ ...rest, run }));
  }

  async run(id: string, body: ScenarioRunBody): Promise<ScenarioStarted> {
    const scenario = this.definitions().find((s) => s.id === id);
    if (!scenario) throw new RequestError(404, `No scenario ${id} (known: ${this.definitions().map((s) => s.id).join(', ')})`);
    const { loadgen, todo } = this.opts;
    if (!loadgen) throw new UnavailableError('The load generator does not run in this mode');
    const duration = body.duration === undefined ? scenario.run.duration : parseDuration(body.duration);
    if (duration === undefined || !(duration > 0)) throw new RequestError(400, `duration must be a positive number of seconds or a duration such as "2m" (got ${JSON.stringify(body.duration)})`, 'duration');
    const withFault = Boolean(scenario.fault) && body.fault !== false;
    if (withFault && !todo) throw new UnavailableError('The todo API does not run in this mode');
    const release = this.opts.lock.claimScenario();
    let faultOn = false;
    try {
      if (withFault && todo && scenario.fault) {
        const ttl = { ttl_s: Math.ceil(duration + FAULT_TTL_MARGIN_S) };
        await todo.putFaults(Object.fromEntries(Object.entries(scenario.fault).map(([kind, spec]) => [kind, { ...spec, ...ttl }])));
        faultOn = true;
      }
      const runId = await loadgen.startRun({ ...scenario.run, duration, ...(body.rate === undefined ? {} : { rate: body.rate }) });
      this.watched.set(runId, { fault: faultOn, release });
      this.schedule();
      return { id: runId, scenario: scenario.id, alert: scenario.alert };
    } catch (err) {
      release();
      if (faultOn) await this.clearIfLast();
      throw err;
    }
  }

  /** Stops watching (the faults expire by their ttl_s). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.closed || this.timer || this.watched.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll().finally(() => this.schedule());
    }, this.opts.pollMs ?? 2000);
  }

  /** Forgets the runs that ended (or that the load generator no longer knows); clears the fault after the last one. */
  private async poll(): Promise<void> {
    if (this.polling || !this.opts.loadgen) return;
    this.polling = true;
    try {
      for (const [runId, w] of [...this.watched]) {
        let ended: boolean;
        try {
          ended = (await this.opts.loadgen.run(runId)).state !== 'running';
        } catch (err) {
          ended = err instanceof UpstreamError && err.status === 404;
        }
        if (!ended) continue;
        this.watched.delete(runId);
        w.release();
        if (w.fault) await this.clearIfLast();
      }
    } finally {
      this.polling = false;
    }
  }

  private async clearIfLast(): Promise<void> {
    if ([...this.watched.values()].some((w) => w.fault) || !this.opts.todo) return;
    try {
      await this.opts.todo.clearFaults();
    } catch (err) {
      this.opts.log.warn({ err }, 'scenario ended but its fault could not be cleared (it expires by its ttl_s)');
    }
  }
}
