import { Type, type Static } from '@sinclair/typebox';
import { FAULT_AFTER_S } from './generator.js';
import type { LinkPath } from './links.js';
import { Answer, DrillInfo, Evidence, Text, Truth } from './schema.js';

/**
 * The drill sessions' HTTP contract (routes/drills.ts validates with it; the page imports its
 * types). Nothing about the fault, the truth or a "random" drill's id is in a session's view
 * before the answer.
 */

export const StartBody = Type.Object(
  {
    drill: Type.String({ description: 'A catalogue id (GET /api/drills) or "random"', examples: ['slow-endpoint', 'random'] }),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Replays the same drill (default: random)' })),
    fault_after_s: Type.Optional(
      Type.Number({ minimum: 0, maximum: FAULT_AFTER_S.max, description: `Seconds from the start to the fault (default: drawn from the seed, ${FAULT_AFTER_S.min}–${FAULT_AFTER_S.max})` }),
    ),
  },
  { additionalProperties: false },
);
export type StartBody = Static<typeof StartBody>;

export const SessionParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }) });

export const SESSION_STATES = ['warming', 'active', 'answered', 'aborted'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** Why a session ended without an answer. */
export type AbortReason = 'user' | 'expired' | 'restart';

/** One series of an evidence query: its labels and its value before and during the fault. */
export const EvidenceSeries = Type.Object({
  labels: Type.Record(Type.String(), Type.String()),
  /** The series' highest (or, for over_window "min", lowest) value over the baseline before the fault; null without data. */
  before: Type.Union([Type.Number(), Type.Null()]),
  /** The same over the fault window. */
  during: Type.Union([Type.Number(), Type.Null()]),
  /** [unix seconds, value] over both windows, thinned to at most 120 points. */
  values: Type.Array(Type.Tuple([Type.Number(), Type.Number()])),
});
export type EvidenceSeries = Static<typeof EvidenceSeries>;

export const EvidenceReading = Type.Composite([
  Evidence,
  Type.Object({
    /** Null when Prometheus could not be read (see `prometheus`). */
    series: Type.Union([Type.Array(EvidenceSeries), Type.Null()]),
    error: Type.Optional(Type.String()),
  }),
]);
export type EvidenceReading = Static<typeof EvidenceReading>;

export const TraceExample = Type.Object({
  trace_id: Type.String(),
  /** The exemplar's observed value, seconds. */
  value_s: Type.Number(),
  at: Type.String({ format: 'date-time' }),
  /** The series it belongs to: method/route/status_code, or operation/table. */
  labels: Type.Record(Type.String(), Type.String()),
});
export type TraceExample = Static<typeof TraceExample>;

export const AlertSeen = Type.Object({ alertname: Type.String(), severity: Type.String(), first_seen: Type.Optional(Type.String({ format: 'date-time' })) });
export type AlertSeen = Static<typeof AlertSeen>;

/** A link of the debrief, resolved against the host the page was opened on. */
export const DebriefLink = Type.Object({ service: Type.String(), kind: Type.String(), url: Type.String() });
export type DebriefLink = Static<typeof DebriefLink>;

/** What the truth holds after the answer: the three fields, when it started and what was injected. */
export const RevealedTruth = Type.Composite([
  Truth,
  Type.Object({
    started_at: Type.String({ format: 'date-time' }),
    /** When the fault ended: by itself (the outage) or when the session ended and removed it. */
    ended_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    drill: Type.String(),
    title: Text,
    seed: Type.Integer(),
    fault_after_s: Type.Number(),
    /** The exact body put to the todo API's /api/faults at the session's start; null for the surge. */
    fault: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    /** The surge: which request of the mix, its route, how many times its rate. */
    traffic: Type.Union([Type.Object({ request: Type.Union([Type.String(), Type.Null()]), route: Type.String(), multiplier: Type.Number() }), Type.Null()]),
    /** When the fault was put (the session's start): the onset is fault_after_s later. */
    injected_at: Type.String({ format: 'date-time' }),
  }),
]);
export type RevealedTruth = Static<typeof RevealedTruth>;

/** The answer's result and the debrief: POST …/answer, and GET …/sessions/:id once answered. */
export const DrillResult = Type.Object({
  score: Type.Integer({ minimum: 0, maximum: 100 }),
  correct: Type.Object({ symptom: Type.Boolean(), where: Type.Boolean(), layer: Type.Boolean(), started_at: Type.Boolean() }),
  truth: RevealedTruth,
  answer: Answer,
  answered_at: Type.String({ format: 'date-time' }),
  hints_used: Type.Integer(),
  /** The query window: the baseline before the fault [baseline_from, started_at) and the fault window [started_at, to]. */
  window: Type.Object({ baseline_from: Type.String(), from: Type.String(), to: Type.String(), range: Type.String(), step_s: Type.Number() }),
  evidence: Type.Array(EvidenceReading),
  prometheus: Type.Object({ available: Type.Boolean(), reason: Type.Optional(Type.String()) }),
  traces: Type.Array(TraceExample),
  alerts: Type.Union([Type.Object({ fired: Type.Array(AlertSeen), not_fired: Type.Array(AlertSeen) }), Type.Null()]),
  links: Type.Array(DebriefLink),
  /** What could not be undone (the fault or the traffic): the fault still expires by its ttl_s. */
  cleanup_errors: Type.Array(Type.String()),
});
export type DrillResult = Static<typeof DrillResult>;

/** A result as the history keeps it: its links as paths, resolved against the page's host when shown. */
export type StoredResult = Omit<DrillResult, 'links'> & { links: LinkPath[] };

/** GET /api/drills/sessions/:id. */
export interface SessionView {
  id: string;
  state: SessionState;
  /** The drill's id; null for a "random" drill until it ends. */
  drill: string | null;
  title: Text | null;
  difficulty: DrillInfo['difficulty'] | null;
  created_at: string;
  /** Seconds since the start (until the end once it ended). */
  elapsed_s: number;
  /** The session ends by itself (aborted, "expired") at this time. */
  ends_at: string;
  hints_used: number;
  /** The hints given so far, in order. */
  hints: Text[];
  hints_total: number;
  hint_cost: number;
  /** What `where` may name: the todo API's routes from its OpenAPI, `all`, `database`. */
  where_options: string[];
  /** The load generator's runs of the session (background traffic first). */
  runs: string[];
  ended_at?: string;
  abort_reason?: AbortReason;
  /** Once it ended: the seed replays it. */
  seed?: number;
  /** Once aborted: what it was. */
  truth?: RevealedTruth;
  /** Once answered. */
  result?: DrillResult;
}

/** POST /api/drills/sessions/:id/hints. */
export interface HintView {
  hint: Text;
  /** 1-based. */
  number: number;
  hints_used: number;
  hints_total: number;
  /** Points each hint takes off the score. */
  cost: number;
}

/** GET /api/drills/history: one finished session, newest first. */
export interface HistoryEntry {
  id: string;
  drill: string;
  title: Text;
  difficulty: DrillInfo['difficulty'];
  seed: number;
  state: 'answered' | 'aborted';
  created_at: string;
  ended_at: string;
  elapsed_s: number;
  hints_used: number;
  /** Null when aborted. */
  score: number | null;
  correct: DrillResult['correct'] | null;
  abort_reason?: AbortReason;
}
