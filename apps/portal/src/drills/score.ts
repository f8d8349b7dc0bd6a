import { canonicalWhere } from './routes.js';
import { LAYERS, SYMPTOMS, type Answer, type Truth } from './schema.js';

/**
 * Scoring, as a pure function of the answer, the truth and the session's clock:
 *
 *   fields   = 100 × (correct among symptom, where, layer) / 3     → 0, 33, 67 or 100
 *   started  = +10 when started_at is given and within 30 s of the fault's start,
 *              −10 when it is given and further off, 0 when it is not given
 *   hints    = −10 per hint used
 *   time     = −2 per started minute past the first 5 minutes after the fault started, at most −20
 *   score    = clamp(round(fields + started − hints − time), 0, 100), and 0 when no field is right
 *
 * So three right fields, answered within 5 minutes without hints, score 100 with or without a
 * start time (a right start time buys back one hint); one right field scores at most 43 and a
 * wrong answer 0.
 */
export const SCORING = {
  startedAtToleranceS: 30,
  startedAtPoints: 10,
  hintCost: 10,
  freeTimeS: 300,
  costPerMinute: 2,
  maxTimeCost: 20,
} as const;

export interface ScoreInput {
  answer: Answer;
  /** The truth plus when the fault started (ISO 8601). */
  truth: Truth & { started_at: string };
  /** When the answer was given (ISO 8601). */
  answered_at: string;
  hints_used: number;
}

export interface ScoreResult {
  score: number;
  correct: { symptom: boolean; where: boolean; layer: boolean; started_at: boolean };
}

export function scoreAnswer(input: ScoreInput): ScoreResult {
  const { answer, truth } = input;
  const started = Date.parse(truth.started_at);
  const answeredAt = Date.parse(input.answered_at);
  if (Number.isNaN(started) || Number.isNaN(answeredAt)) throw new Error('truth.started_at and answered_at must be ISO 8601 times');
  const givenStart = answer.started_at === undefined ? undefined : Date.parse(answer.started_at);
  const correct = {
    symptom: answer.symptom === truth.symptom,
    where: canonicalWhere(answer.where) === canonicalWhere(truth.where),
    layer: answer.layer === truth.layer,
    started_at: givenStart !== undefined && Math.abs(givenStart - started) <= SCORING.startedAtToleranceS * 1000,
  };
  const right = Number(correct.symptom) + Number(correct.where) + Number(correct.layer);
  if (right === 0) return { score: 0, correct };
  const fields = (100 * right) / 3;
  const startedPoints = givenStart === undefined ? 0 : correct.started_at ? SCORING.startedAtPoints : -SCORING.startedAtPoints;
  const hints = SCORING.hintCost * Math.max(0, input.hints_used);
  const lateS = (answeredAt - started) / 1000 - SCORING.freeTimeS;
  const time = lateS > 0 ? Math.min(SCORING.maxTimeCost, SCORING.costPerMinute * Math.ceil(lateS / 60)) : 0;
  const score = Math.min(100, Math.max(0, Math.round(fields + startedPoints - hints - time)));
  return { score, correct };
}

/** An answer with every field wrong (for tests: it must score below 50). */
export function wrongAnswer(truth: Truth): Answer {
  return {
    symptom: SYMPTOMS.find((s) => s !== truth.symptom) as Answer['symptom'],
    where: canonicalWhere(truth.where) === 'all' ? 'database' : 'all',
    layer: LAYERS.find((l) => l !== truth.layer) as Answer['layer'],
  };
}
