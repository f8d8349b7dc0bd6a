import { Type, type Static } from '@sinclair/typebox';
import { LAYERS, SYMPTOMS } from './answer-values.js';

/**
 * The incident drills' contract: what the learner answers, what the truth is, and how the
 * catalogue describes a drill. The sessions API (phase B) validates and documents with these.
 */

export const Text = Type.Object({ ru: Type.String(), en: Type.String() }, { description: 'The same text in Russian and English' });
export type Text = Static<typeof Text>;

export { LAYERS, SYMPTOMS } from './answer-values.js';

export const Symptom = Type.Union(
  SYMPTOMS.map((s) => Type.Literal(s)),
  { description: 'What users (or the resource) suffer: slower, failing, a resource running full, down, or more requests' },
);
export type Symptom = Static<typeof Symptom>;

export const Layer = Type.Union(
  LAYERS.map((l) => Type.Literal(l)),
  { description: 'Where the cause is' },
);
export type Layer = Static<typeof Layer>;

/** `METHOD /template` as the todo API's OpenAPI writes it (`GET /api/tasks/{id}`), `all`, or `database`. */
export const Where = Type.String({
  pattern: '^(all|database|[A-Za-z]+ /\\S*)$',
  description: 'A route as `METHOD /template` from the todo API\'s OpenAPI, `all`, or `database`',
  examples: ['GET /api/tasks'],
});

export const Truth = Type.Object({ symptom: Symptom, where: Where, layer: Layer });
export type Truth = Static<typeof Truth>;

export const Answer = Type.Object(
  {
    symptom: Symptom,
    where: Where,
    layer: Layer,
    started_at: Type.Optional(Type.String({ format: 'date-time', description: 'When the incident started (correct within 30 s)' })),
  },
  { additionalProperties: false },
);
export type Answer = Static<typeof Answer>;

export const Difficulty = Type.Union([Type.Literal('easy'), Type.Literal('medium'), Type.Literal('hard')]);
export type Difficulty = Static<typeof Difficulty>;

/** What GET /api/drills lists: nothing about the fault a run of it will inject. */
export const DrillInfo = Type.Object({ id: Type.String(), title: Text, description: Text, difficulty: Difficulty });
export type DrillInfo = Static<typeof DrillInfo>;

export const UNITS = ['seconds', 'ratio', 'per_second', 'count', 'boolean', 'cores', 'bytes', 'bytes_per_second'] as const;
/** What an evidence query's values measure, so they are shown as ms, %, req/s, MiB… */
export const Unit = Type.Union(UNITS.map((u) => Type.Literal(u)));
export type Unit = Static<typeof Unit>;

/** One PromQL expression that reveals the fault, with what to read in it. */
export const Evidence = Type.Object({
  id: Type.String({ description: 'The query\'s id in the evidence library (drills/evidence.ts)' }),
  expr: Type.String({ description: 'PromQL, evaluated over the fault window' }),
  /** How to read it over the window: the highest or the lowest value of each series. */
  over_window: Type.Union([Type.Literal('max'), Type.Literal('min')]),
  unit: Unit,
  explain: Text,
});
export type Evidence = Static<typeof Evidence>;
