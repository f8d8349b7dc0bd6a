// Values of the contract that code reads at run time, apart from the schemas, so the page's bundle
// carries these few lines and not TypeBox (the page only needs the schemas' types).

/** Transport error classes, counted apart from HTTP status codes. */
export const ERROR_CLASSES = ['timeout', 'refused', 'reset', 'dns', 'other'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
export type Method = (typeof METHODS)[number];

/** Requests in one run's mix. */
export const MAX_REQUESTS = 20;
/** The name a run posted with `target` gives its one request. */
export const DEFAULT_REQUEST_NAME = 'default';

/**
 * The warning of a run whose generator could not keep its schedule (summary.bottleneck "generator"):
 * its reported latency is then partly its own queueing. The criteria are in the README ("When the
 * generator is the bottleneck") and engine/bottleneck.ts.
 */
export const BOTTLENECK_GENERATOR = 'the generator, not the target, is the bottleneck';
