// The values an answer's fields take, in a leaf module without TypeBox: schema.ts builds the
// contract from them and the page (src/ui) lists them in its form.
export const SYMPTOMS = ['latency', 'errors', 'saturation', 'outage', 'traffic'] as const;
export const LAYERS = ['app', 'database', 'cpu', 'memory', 'connection_pool', 'load'] as const;
/** `where` besides a route. */
export const WHERE_ANYWHERE = ['all', 'database'] as const;
