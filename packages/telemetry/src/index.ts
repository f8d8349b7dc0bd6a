export { renderMetrics, wantsOpenMetrics, type Exposition } from './exposition.js';
export {
  CLIENT_CLOSED_STATUS,
  createHttpMetrics,
  HTTP_DURATION_BUCKETS,
  observeTraced,
  routeOf,
  telemetryPlugin,
  UNMATCHED_ROUTE,
  type HttpMetrics,
  type TelemetryPluginOptions,
} from './http.js';
export { createLogger, fastifyLogging, REDACT_PATHS, type Logger, type LoggerConfig } from './logger.js';
export { createRegistry, type RegistryOptions } from './registry.js';
export { otlpConfigured, startTracing, type Tracing, type TracingConfig } from './tracing.js';
