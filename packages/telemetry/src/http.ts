import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { Gauge, Histogram, type LabelValues, type Registry } from 'prom-client';
import { renderMetrics } from './exposition.js';

/** OpenTelemetry's advisory buckets for http.server.request.duration, in seconds; 0.5 is a bound. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The route label for requests no route matched: one value, so 404 scans cannot explode cardinality. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface HttpMetrics {
  duration: Histogram<'method' | 'route' | 'status_code'>;
  active: Gauge;
}

export function createHttpMetrics(registry: Registry): HttpMetrics {
  return {
    duration: new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP server requests, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_DURATION_BUCKETS,
      enableExemplars: true,
      registers: [registry],
    }),
    active: new Gauge({
      name: 'http_server_active_requests',
      help: 'Number of HTTP server requests in flight.',
      registers: [registry],
    }),
  };
}

/** Observes a value, with the span's trace id as exemplar when the span is sampled. */
export function observeTraced<T extends string>(histogram: Histogram<T>, labels: LabelValues<T>, value: number, span: SpanContext | undefined): void {
  if (span && span.traceFlags & 1) histogram.observe({ labels, value, exemplarLabels: { trace_id: span.traceId } as never });
  else histogram.observe({ labels, value });
}

export interface TelemetryPluginOptions {
  registry: Registry;
  tracer: Tracer;
  /** Path that serves the registry; false to not register it. */
  metricsPath?: string | false;
  /** Paths not measured or logged (health probes, the scrape itself). */
  quietPaths?: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The server span of this request. */
    span: Span;
    /**
     * The OpenTelemetry context holding the server span: pass it as the parent of work done for
     * this request (undefined when telemetry is off). Context is passed explicitly, not through
     * AsyncLocalStorage: see startTracing.
     */
    traceContext: Context | undefined;
    startTime: bigint;
  }
  interface FastifyInstance {
    metricsRegistry: Registry;
  }
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

const plugin: FastifyPluginAsync<TelemetryPluginOptions> = async (app: FastifyInstance, opts) => {
  const metrics = createHttpMetrics(opts.registry);
  const metricsPath = opts.metricsPath === undefined ? '/metrics' : opts.metricsPath;
  const quiet = new Set([...(opts.quietPaths ?? ['/health/live', '/health/ready']), ...(metricsPath ? [metricsPath] : [])]);
  app.decorate('metricsRegistry', opts.registry);
  app.decorateRequest('span', null as unknown as Span);
  app.decorateRequest('traceContext', undefined);
  app.decorateRequest('startTime', 0n);

  app.addHook('onRequest', (request, _reply, done) => {
    request.startTime = process.hrtime.bigint();
    metrics.active.inc();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = routeOf(request);
    const span = opts.tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': pathOf(request.url),
          'url.scheme': request.protocol,
          'client.address': request.ip,
          'user_agent.original': request.headers['user-agent'] ?? '',
        },
      },
      parent,
    );
    request.span = span;
    request.traceContext = trace.setSpan(parent, span);
    // Every line logged through request.log, the final "request" line included, carries the ids.
    const sc = span.spanContext();
    // (A Fastify without a logger has a no-op one that cannot take bindings.)
    (request.log as unknown as Partial<Logger>).setBindings?.({ trace_id: sc.traceId, span_id: sc.spanId });
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    metrics.active.dec();
    const route = routeOf(request);
    const status = reply.statusCode;
    const seconds = Number(process.hrtime.bigint() - request.startTime) / 1e9;
    const span = request.span;
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    const path = pathOf(request.url);
    if (quiet.has(path)) return done();
    observeTraced(metrics.duration, { method: request.method, route, status_code: String(status) }, seconds, span.spanContext());
    request.log.info({ method: request.method, route, path, status_code: status, duration_ms: Math.round(seconds * 1e6) / 1e3 }, 'request');
    done();
  });

  if (metricsPath) {
    app.get(metricsPath, { schema: { hide: true } as Record<string, unknown> }, async (request, reply) => {
      const { contentType, body } = await renderMetrics(opts.registry, request.headers.accept);
      return reply.type(contentType).send(body);
    });
  }
};

/** RED metrics, a server span and one JSON log line per request, plus the /metrics route. */
export const telemetryPlugin = fp(plugin, { name: 'o11y-telemetry', fastify: '5.x' });
