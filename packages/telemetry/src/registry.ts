import { Registry, collectDefaultMetrics } from 'prom-client';

/** prom-client default metrics that break the Prometheus naming rules. */
export const PROMTOOL_REJECTED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

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
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // These three are gauges named like counters, which `promtool check metrics` rejects; the
    // same numbers stay available by type as nodejs_active_{handles,requests,resources}.
    for (const name of PROMTOOL_REJECTED_DEFAULTS) registry.removeSingleMetric(name);
  }
  return registry;
}
