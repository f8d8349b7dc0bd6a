import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { PooledIdGenerator } from './ids.js';

export interface TracingConfig {
  serviceName: string;
  serviceVersion?: string;
  env?: Record<string, string | undefined>;
}

export interface Tracing {
  tracer: Tracer;
  /** True when spans leave the process (an OTLP endpoint is configured). */
  exporting: boolean;
  /** Exports the spans still batched, and keeps tracing (a thread that lives on after its work). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/** Whether the standard OTEL_* variables ask for spans to be exported. */
export function otlpConfigured(env: Record<string, string | undefined>): boolean {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts the OpenTelemetry SDK once per process. Spans are always created (so logs, exemplars
 * and outgoing `traceparent` carry real ids), with their parent context passed explicitly; they are exported over OTLP/HTTP only when the
 * standard OTEL_EXPORTER_OTLP_* variables name an endpoint. Sampling follows OTEL_TRACES_SAMPLER.
 */
export function startTracing(config: TracingConfig): Tracing {
  if (active) return active;
  const env = config.env ?? process.env;
  const exporting = otlpConfigured(env);
  const spanProcessors: SpanProcessor[] = exporting ? [new BatchSpanProcessor(new OTLPTraceExporter())] : [];
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? config.serviceName,
      [ATTR_SERVICE_VERSION]: config.serviceVersion ?? '0.0.0',
    }),
    spanProcessors,
    idGenerator: new PooledIdGenerator(),
  });
  // No context manager: the active span is passed explicitly (request.traceContext, a parent
  // argument), never looked up. Node 20's AsyncLocalStorage installs promise hooks once any
  // context.with() runs, and they cost every promise of the process: ~10 µs per request, a third
  // of the telemetry budget (measured by bench/todo-api.bench.ts). The exporter's own
  // context.with() calls then stay free as well.
  provider.register({ contextManager: null });
  active = {
    // The SDK's tracer itself, not the API's proxy to it (one indirection less per span).
    tracer: provider.getTracer(config.serviceName, config.serviceVersion),
    exporting,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
  return active;
}
