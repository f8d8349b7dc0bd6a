import { randomUUID } from 'node:crypto';
import { formatDuration, randomSeed } from '@o11y/platform';
import { UnavailableError, UpstreamError } from '../clients/http.js';
import type { LoadGeneratorClient } from '../clients/load-generator.js';
import type { PrometheusClient } from '../clients/prometheus.js';
import type { FaultsState, TodoApiClient } from '../clients/todo-api.js';
import { RequestError } from '../errors.js';
import type { ExerciseLock } from '../exercises.js';
import { catalogue, generateDrill } from './catalogue.js';
import type { HintView, HistoryEntry, StartBody } from './contract.js';
import { buildDebrief, evidenceWindow } from './debrief.js';
import { DEFAULT_RANGE } from './evidence.js';
import { FAULT_TTL_S } from './generator.js';
import type { DrillHistory } from './history.js';
import { canonicalWhere } from './routes.js';
import type { Answer } from './schema.js';
import { scoreAnswer } from './score.js';
import { DrillSession, type SessionRecord } from './session.js';
import { backgroundRun, JOURNEY_PRESET, mixContext, surgeRun } from './traffic.js';

/** Time as the sessions see it: injected, so the state machine is tested without waiting. */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; returns the cancel. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export interface DrillOrchestratorOptions {
  /** Null when the service does not run in this mode. */
  todo: TodoApiClient | null;
  loadgen: LoadGeneratorClient | null;
  prometheus: PrometheusClient | null;
  history: DrillHistory;
  lock: ExerciseLock;
  /** Background requests per second (DRILL_RATE). */
  rate: number;
  log: { warn(obj: object, msg: string): void };
  clock?: Clock;
}

/** The PromQL range of a session's evidence: twelve scrapes (1 s → 12s, 5 s → 1m), within 10 s – 5 min. */
export function evidenceRange(scrapeIntervalS: number | null): string {
  return scrapeIntervalS ? formatDuration(Math.min(300, Math.max(10, Math.round(12 * scrapeIntervalS)))) : DEFAULT_RANGE;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Runs drill sessions against the lab: background traffic in the load generator, the hidden
 * fault in the todo API (put at the start with start_after_s, so the onset is no request of
 * ours, and ttl_s covering the session, so a dead portal leaves nothing on), hints, the answer's
 * score and debrief, the history. One session at a time (ExerciseLock).
 */
export class DrillOrchestrator {
  private current: DrillSession | null = null;
  private cancelExpiry: (() => void) | null = null;
  private readonly clock: Clock;

  constructor(private readonly opts: DrillOrchestratorOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  private session(record: SessionRecord): DrillSession {
    return record === this.current?.record ? this.current : new DrillSession(record, this.clock.now);
  }

  /** A session of the history by id; 404 otherwise. */
  find(id: string): DrillSession {
    const record = this.opts.history.find(id);
    if (!record) throw new RequestError(404, `No drill session ${id}`);
    return this.session(record);
  }

  /** The running session by id: 404 when unknown, 409 when it has ended. */
  private running(id: string): DrillSession {
    const s = this.find(id);
    if (!s.running) throw new RequestError(409, `Session ${id} is ${s.record.lifecycle}`);
    return s;
  }

  /** The session running now: none or one. */
  runningSessions(): DrillSession[] {
    return this.current ? [this.current] : [];
  }

  history(): HistoryEntry[] {
    return this.opts.history.list().flatMap((r) => this.session(r).historyEntry() ?? []);
  }

  /**
   * A session a stopped portal left running cannot go on (its timers are gone): marked aborted
   * ("restart"), its fault cleared and its traffic stopped, best effort (the fault expires by
   * itself anyway). Returns when the history is saved; the clean-up goes on in the background.
   */
  async recover(): Promise<void> {
    for (const record of this.opts.history.list().filter((r) => r.lifecycle === 'running')) {
      new DrillSession(record, this.clock.now).markAborted('restart');
      await this.opts.history.save(record);
      void this.undo(record).then((errors) => {
        if (errors.length) this.opts.log.warn({ session: record.id, errors }, 'drill session left by a restart: some of it could not be undone (the fault expires by its ttl_s)');
      });
    }
  }

  async start(body: StartBody): Promise<DrillSession> {
    const known = catalogue().map((d) => d.id);
    if (body.drill !== 'random' && !known.includes(body.drill)) throw new RequestError(400, `drill must be one of ${known.join(', ')} or "random" (got ${JSON.stringify(body.drill)})`, 'drill');
    const { todo, loadgen } = this.opts;
    if (!todo) throw new UnavailableError('The todo API does not run in this mode: drills need it');
    if (!loadgen) throw new UnavailableError('The load generator does not run in this mode: drills need it for the background traffic');
    if (!todo.canSwitchFaults) throw new UnavailableError("Drills switch the todo API's faults: set TODO_API_ADMIN_TOKEN (the todo API's ADMIN_TOKEN) for the portal");
    const id = randomUUID();
    this.opts.lock.claimDrill(id);
    const runs: string[] = [];
    let faultPut = false;
    try {
      const [routes, presets, poolSize, scrapeIntervalS] = await Promise.all([
        todo.routes(),
        loadgen.presets(),
        todo.poolSize(),
        this.opts.prometheus ? this.opts.prometheus.scrapeIntervalS().catch(() => null) : Promise.resolve(null),
      ]);
      const preset = presets.find((p) => p.id === JOURNEY_PRESET);
      if (!preset) throw new UpstreamError(`The load generator at ${loadgen.url} has no ${JOURNEY_PRESET} preset (the drills' background traffic)`);
      const mix = mixContext(preset, routes);
      const range = evidenceRange(scrapeIntervalS);
      const seed = body.seed ?? randomSeed();
      const generated = generateDrill(body.drill, seed, {
        ...mix,
        rate_rps: this.opts.rate,
        pool_size: poolSize ?? 1,
        evidence_range: range,
        ...(body.fault_after_s === undefined ? {} : { fault_after_s: body.fault_after_s }),
      });
      const maxS = Math.ceil(generated.fault_after_s + FAULT_TTL_S);
      const timing = { rate: this.opts.rate, duration: maxS, seed };
      const created = this.clock.now();
      runs.push(await loadgen.startRun(backgroundRun(timing)));
      if (generated.traffic) runs.push(await loadgen.startRun(surgeRun(preset, generated.traffic, generated.fault_after_s, timing)));
      // The fault starts start_after_s after the PUT arrives. Before it, its time on the portal's clock;
      // after it, the todo API's own starts_at (it timed the PUT's arrival, a few ms later), so the
      // session never turns active before the fault is on.
      let faultAt = this.clock.now() + generated.fault_after_s * 1000;
      if (generated.fault) {
        faultPut = true;
        faultAt = faultStart(await todo.putFaults(generated.fault), Object.keys(generated.fault), faultAt);
      }
      const record: SessionRecord = {
        id,
        requested: body.drill,
        generated,
        created_at: iso(created),
        fault_at: iso(faultAt),
        fault_ends_at: generated.fault && generated.duration_s < FAULT_TTL_S ? iso(faultAt + generated.duration_s * 1000) : null,
        ends_at: iso(created + maxS * 1000),
        lifecycle: 'running',
        hints_used: 0,
        where_options: routes,
        runs,
        evidence_range: range,
        scrape_interval_s: scrapeIntervalS,
      };
      this.current = new DrillSession(record, this.clock.now);
      await this.opts.history.save(record);
      this.cancelExpiry = this.clock.after(Math.max(0, Date.parse(record.ends_at) - this.clock.now()), () => void this.expire(id));
      return this.current;
    } catch (err) {
      this.opts.lock.releaseDrill(id);
      await this.undoParts(faultPut, runs);
      throw err instanceof Error && !(err instanceof UpstreamError || err instanceof UnavailableError || err instanceof RequestError) ? new UpstreamError(`The drill could not start: ${err.message}`) : err;
    }
  }

  hint(id: string): Promise<HintView> {
    const s = this.running(id);
    const hint = s.takeHint();
    return this.opts.history.save(s.record).then(() => hint);
  }

  /** Scores the answer, removes the fault, stops the traffic and builds the debrief. */
  async answer(id: string, answer: Answer): Promise<DrillSession> {
    const s = this.running(id);
    const r = s.record;
    const where = canonicalWhere(answer.where);
    const options = new Set([...r.where_options.map(canonicalWhere), 'all', 'database']);
    if (!options.has(where)) {
      throw new RequestError(400, `where must be "METHOD /template" of a todo API route from its /openapi.json (e.g. ${r.where_options[0] ?? 'GET /api/tasks'}), "all" or "database" (got ${JSON.stringify(answer.where)})`, 'where');
    }
    const answeredAt = s.markAnswered();
    this.finish(id);
    const { score, correct } = scoreAnswer({ answer, truth: { ...r.generated.truth, started_at: r.fault_at }, answered_at: answeredAt, hints_used: r.hints_used });
    const cleanupErrors = await this.undo(r);
    const window = evidenceWindow({ created_at: r.created_at, fault_at: r.fault_at, ended_at: answeredAt }, r.evidence_range, r.scrape_interval_s);
    r.result = { score, correct, truth: s.truth(), answer, answered_at: answeredAt, hints_used: r.hints_used, cleanup_errors: cleanupErrors, ...(await buildDebrief(this.opts.prometheus, r, window)) };
    await this.opts.history.save(r);
    return s;
  }

  async abort(id: string, reason: 'user' | 'expired' = 'user'): Promise<DrillSession> {
    const s = this.running(id);
    s.markAborted(reason);
    this.finish(id);
    const errors = await this.undo(s.record);
    if (errors.length) this.opts.log.warn({ session: id, errors }, 'drill session aborted: some of it could not be undone (the fault expires by its ttl_s)');
    await this.opts.history.save(s.record);
    return s;
  }

  /** Stops the expiry timer; the running session, if any, is left for the next start's recover(). */
  close(): Promise<void> {
    this.cancelExpiry?.();
    this.cancelExpiry = null;
    return this.opts.history.flush();
  }

  private async expire(id: string): Promise<void> {
    try {
      await this.abort(id, 'expired');
    } catch (err) {
      this.opts.log.warn({ session: id, err }, 'drill session could not expire');
    }
  }

  /** The session ended: the lab is free again. */
  private finish(id: string): void {
    this.cancelExpiry?.();
    this.cancelExpiry = null;
    if (this.current?.id === id) this.current = null;
    this.opts.lock.releaseDrill(id);
  }

  private undo(r: SessionRecord): Promise<string[]> {
    return this.undoParts(r.generated.fault !== null, r.runs);
  }

  /** Clears the fault and stops the runs; returns what failed (never throws). */
  private async undoParts(fault: boolean, runs: readonly string[]): Promise<string[]> {
    const errors: string[] = [];
    const attempt = async (what: () => Promise<void>) => {
      try {
        await what();
      } catch (err) {
        // A run the load generator no longer knows has ended anyway.
        if (!(err instanceof UpstreamError && err.status === 404)) errors.push((err as Error).message);
      }
    };
    const { todo, loadgen } = this.opts;
    await Promise.all([
      ...(fault && todo ? [attempt(() => todo.clearFaults())] : []),
      ...(loadgen ? runs.map((run) => attempt(() => loadgen.stopRun(run))) : []),
    ]);
    return errors;
  }
}

/**
 * How far the todo API's starts_at may be from the portal's own estimate and still be believed: on
 * one host (compose, the embedded lab) the two clocks are one; a larger gap is clock skew between
 * hosts, and the session then keeps the portal's clock, which times everything else it shows.
 */
const MAX_CLOCK_GAP_MS = 2000;

/** When the faults just put start: the latest starts_at the todo API answered for them, or `estimate`. */
export function faultStart(state: FaultsState, kinds: readonly string[], estimate: number): number {
  let at = estimate;
  for (const kind of kinds) {
    const startsAt = Date.parse(state[kind]?.starts_at ?? '');
    if (Number.isFinite(startsAt) && Math.abs(startsAt - estimate) <= MAX_CLOCK_GAP_MS) at = Math.max(at, startsAt);
  }
  return at;
}
