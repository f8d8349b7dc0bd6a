export { renderMetrics, wantsOpenMetrics, type Exposition } from './exposition.js';
export {
  CLIENT_CLOSED_STATUS,
  createHttpMetrics,
  HTTP_DURATION_BUCKETS,
  routeOf,
  telemetryPlugin,
  UNMATCHED_ROUTE,
  type HttpMetrics,
  type TelemetryPluginOptions,
} from './http.js';
export { createLogger, fastifyLogging, isoTimeCached, REDACT_PATHS, stdoutDestination, type Logger, type LoggerConfig } from './logger.js';
export { PooledIdGenerator } from './ids.js';
export { observeTraced } from './traced-histogram.js';
export { createRegistry, type RegistryOptions } from './registry.js';
export { otlpConfigured, startTracing, type Tracing, type TracingConfig } from './tracing.js';
