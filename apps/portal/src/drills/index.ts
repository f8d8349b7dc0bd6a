// The incident drills' pure core: catalogue, seeded generation, evidence queries and scoring.
// No HTTP and no timers here; session.ts, orchestrator.ts and the HTTP routes drive it.
export { catalogue, drillForSeed, DRILLS, generateDrill } from './catalogue.js';
export { DEFAULT_RANGE, evidence, evidenceQueries, QUERIES, type QueryId } from './evidence.js';
export { FAULT_AFTER_S, FAULT_TTL_S, type DrillContext, type FaultBody, type GeneratedDrill, type TrafficChange } from './generator.js';
export { canonicalWhere, drillableRoutes, parseRoute, type ApiRoute } from './routes.js';
export { Answer, DrillInfo, Evidence, LAYERS, Layer, SYMPTOMS, Symptom, Text, Truth, Unit, UNITS, Where } from './schema.js';
export { scoreAnswer, SCORING, wrongAnswer, type ScoreInput, type ScoreResult } from './score.js';
