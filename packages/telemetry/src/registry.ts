import { Registry, collectDefaultMetrics } from 'prom-client';

export interface RegistryOptions {
  /** Collect prom-client's Node runtime metrics (event loop lag, heap, GC, …). */
  defaultMetrics?: boolean;
}

/**
 * A fresh registry per app instance, so tests can build several apps in one process.
 * It is an OpenMetrics registry because prom-client only accepts exemplars there;
 * `renderMetrics` still answers the Prometheus text format to clients that want it.
 */
export function createRegistry(options: RegistryOptions = {}): Registry {
  // prom-client's typings omit the constructor's content-type argument.
  const OpenMetricsRegistry = Registry as unknown as new (contentType: string) => Registry;
  const registry = new OpenMetricsRegistry(Registry.OPENMETRICS_CONTENT_TYPE);
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
