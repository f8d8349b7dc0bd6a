import { RequestError } from '../errors.js';
import { DRILLS } from './catalogue.js';
import type { AbortReason, DebriefLink, HintView, HistoryEntry, RevealedTruth, SessionState, SessionView, StoredResult } from './contract.js';
import type { LinkPath } from './links.js';
import type { GeneratedDrill } from './generator.js';
import { SCORING } from './score.js';

/** What a session keeps (in memory and in DATA_DIR/drills.json): everything, the truth included. */
export interface SessionRecord {
  id: string;
  /** What was asked for: a catalogue id or "random". */
  requested: string;
  generated: GeneratedDrill;
  /** Traffic on (ISO). */
  created_at: string;
  /** When the fault (or the surge) starts: the truth's started_at. */
  fault_at: string;
  /** When the fault ends by itself (the outage); null when it lasts until the answer. */
  fault_ends_at: string | null;
  /** The session's maximum: it is aborted ("expired") then; the fault's ttl_s and the traffic end then too. */
  ends_at: string;
  lifecycle: 'running' | 'answered' | 'aborted';
  hints_used: number;
  where_options: string[];
  runs: string[];
  /** The PromQL range the evidence uses and Prometheus' scrape interval (seconds; null when unknown). */
  evidence_range: string;
  scrape_interval_s: number | null;
  ended_at?: string;
  abort_reason?: AbortReason;
  result?: StoredResult;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One drill session as a state machine over an injected clock: warming until the fault starts,
 * then active, until answered or aborted. Pure: no I/O, no timers (the orchestrator owns them).
 */
export class DrillSession {
  constructor(
    readonly record: SessionRecord,
    private readonly now: () => number,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get running(): boolean {
    return this.record.lifecycle === 'running';
  }

  state(): SessionState {
    const r = this.record;
    if (r.lifecycle !== 'running') return r.lifecycle;
    return this.now() < Date.parse(r.fault_at) ? 'warming' : 'active';
  }

  /** Whether the session outlived its maximum length. */
  expired(): boolean {
    return this.running && this.now() >= Date.parse(this.record.ends_at);
  }

  elapsedS(): number {
    const end = this.record.ended_at ? Date.parse(this.record.ended_at) : this.now();
    return Math.max(0, Math.round((end - Date.parse(this.record.created_at)) / 1000));
  }

  /** The next hint; 409 once the session ended or every hint is out. */
  takeHint(): HintView {
    this.mustRun('take a hint');
    const hints = this.record.generated.hints;
    if (this.record.hints_used >= hints.length) throw new RequestError(409, `No more hints: all ${hints.length} are given`);
    const hint = hints[this.record.hints_used] as HintView['hint'];
    this.record.hints_used += 1;
    return { hint, number: this.record.hints_used, hints_used: this.record.hints_used, hints_total: hints.length, cost: SCORING.hintCost };
  }

  /** Ends the session with an answer (the result is attached by the orchestrator). 409 unless active. */
  markAnswered(): string {
    this.mustRun('answer');
    if (this.state() === 'warming') throw new RequestError(409, 'Nothing has happened yet: answer once the session is active');
    return this.end('answered');
  }

  markAborted(reason: AbortReason): string {
    this.mustRun('abort');
    this.record.abort_reason = reason;
    return this.end('aborted');
  }

  /** What was injected, said once the session ended. */
  truth(): RevealedTruth {
    const r = this.record;
    const g = r.generated;
    const info = DRILLS.find((d) => d.id === g.drill);
    return {
      ...g.truth,
      started_at: r.fault_at,
      ended_at: !r.ended_at ? null : r.fault_ends_at && r.fault_ends_at < r.ended_at ? r.fault_ends_at : r.ended_at,
      drill: g.drill,
      title: info?.title ?? { en: g.drill, ru: g.drill },
      seed: g.seed,
      fault_after_s: g.fault_after_s,
      fault: g.fault,
      traffic: g.traffic,
      injected_at: r.created_at,
    };
  }

  /** GET /api/drills/sessions/:id: nothing of the fault or the truth while it runs. Links resolve against the page's host. */
  view(resolveLinks: (paths: readonly LinkPath[]) => DebriefLink[]): SessionView {
    const r = this.record;
    const g = r.generated;
    const revealed = !this.running || r.requested !== 'random';
    const info = revealed ? DRILLS.find((d) => d.id === g.drill) : undefined;
    return {
      id: r.id,
      state: this.state(),
      drill: revealed ? g.drill : null,
      title: info?.title ?? null,
      difficulty: info?.difficulty ?? null,
      created_at: r.created_at,
      elapsed_s: this.elapsedS(),
      ends_at: r.ends_at,
      hints_used: r.hints_used,
      hints: g.hints.slice(0, r.hints_used),
      hints_total: g.hints.length,
      hint_cost: SCORING.hintCost,
      where_options: r.where_options,
      runs: r.runs,
      ...(r.ended_at ? { ended_at: r.ended_at, seed: g.seed } : {}),
      ...(r.abort_reason ? { abort_reason: r.abort_reason } : {}),
      ...(r.lifecycle === 'aborted' ? { truth: this.truth() } : {}),
      ...(r.result ? { result: { ...r.result, links: resolveLinks(r.result.links) } } : {}),
    };
  }

  /** GET /api/drills/history: the finished session in one line. */
  historyEntry(): HistoryEntry | undefined {
    const r = this.record;
    if (r.lifecycle === 'running' || !r.ended_at) return undefined;
    const info = DRILLS.find((d) => d.id === r.generated.drill);
    return {
      id: r.id,
      drill: r.generated.drill,
      title: info?.title ?? { en: r.generated.drill, ru: r.generated.drill },
      difficulty: info?.difficulty ?? 'medium',
      seed: r.generated.seed,
      state: r.lifecycle,
      created_at: r.created_at,
      ended_at: r.ended_at,
      elapsed_s: this.elapsedS(),
      hints_used: r.hints_used,
      score: r.result?.score ?? null,
      correct: r.result?.correct ?? null,
      ...(r.abort_reason ? { abort_reason: r.abort_reason } : {}),
    };
  }

  private mustRun(action: string): void {
    if (!this.running) throw new RequestError(409, `Session ${this.record.id} is ${this.record.lifecycle}: nothing to ${action}`);
  }

  private end(lifecycle: 'answered' | 'aborted'): string {
    const at = iso(this.now());
    this.record.lifecycle = lifecycle;
    this.record.ended_at = at;
    return at;
  }
}
