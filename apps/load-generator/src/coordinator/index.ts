/**
 * One run split across several load generators: the coordinator the portal
 * (`POST /api/distributed-runs`) and the CLI (`o11y-load attack --generators`) share, exported as
 * `@o11y/load-generator/coordinator`. It talks to the generators over their REST API only.
 */
export { GeneratorClient, GeneratorError, type Fetch } from './client.js';
export { CoordinatedRun, type CoordinatorOptions } from './coordinated-run.js';
export { SplitRunMerge } from './merge.js';
export { DEFAULT_START_DELAY_MS, generatorUrls, planShares, type Share } from './plan.js';
export { InputError } from '../contract/errors.js';
export { DistributedRunSchema, RunBodySchema, SeriesSchema, type DistributedRun, type GeneratorShare, type RunRequest, type RunSummary, type SeriesPoint } from '../contract/schemas.js';
