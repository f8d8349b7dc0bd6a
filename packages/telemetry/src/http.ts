import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { renderMetrics } from './exposition.js';
import { observeTraced } from './traced-histogram.js';

/** OpenTelemetry's advisory buckets for http.server.request.duration, in seconds; 0.5 is a bound. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The route label for requests no route matched: one value, so 404 scans cannot explode cardinality. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The status_code recorded for a request whose client went away before the response was complete
 * (nginx's "client closed request"): nothing was answered, but its time still counts.
 */
export const CLIENT_CLOSED_STATUS = 499;

export interface HttpMetrics {
  duration: Histogram<'method' | 'route' | 'status_code'>;
  active: Gauge;
}

export function createHttpMetrics(registry: Registry): HttpMetrics {
  return {
    duration: new Histogram({
      name: 'http_server_request_duration_seconds',
      help:
        'Duration of HTTP server requests, by method, route template and status code; status_code="499" is a request ' +
        'the client abandoned (closed the connection) before the response was complete, timed until it left.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_DURATION_BUCKETS,
      enableExemplars: true,
      registers: [registry],
    }),
    active: new Gauge({
      name: 'http_server_active_requests',
      help: 'Number of HTTP server requests in flight (a request leaves it when answered, failed or abandoned by its client).',
      registers: [registry],
    }),
  };
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
    /** Where this request is in its telemetry: NOT_STARTED, IN_FLIGHT or ENDED (recorded exactly once). */
    telemetryState: number;
    /** A quiet path (health, the scrape): spanned, but neither counted, measured nor logged. */
    telemetryQuiet: boolean;
  }
  interface FastifyInstance {
    metricsRegistry: Registry;
  }
}

const NOT_STARTED = 0;
const IN_FLIGHT = 1;
const ENDED = 2;

/** The reply a raw response belongs to, so one shared 'close' listener serves every request. */
const kReply = Symbol('o11y.telemetry.reply');
type TrackedResponse = ServerResponse & { [kReply]?: FastifyReply };

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

/**
 * Whether the client closed the connection: its FIN (a closed tab, an aborted fetch, a load
 * generator's timeout) or its RST (a killed process) arrived. A response the server destroyed
 * itself (a stream that failed after the headers went out) shows neither.
 */
function clientGone(socket: Socket | null): boolean {
  if (!socket) return true;
  const code = (socket.errored as NodeJS.ErrnoException | null)?.code;
  return socket.readableEnded || code === 'ECONNRESET' || code === 'EPIPE';
}

/**
 * Every request ends in telemetry exactly once, whichever comes first:
 * - the response finished (Fastify's onResponse, on the response's 'finish'): its status code;
 * - the client left before that (the raw response's 'close' without 'finish'): status_code 499,
 *   timed until the client left, span error `error.type=aborted`, log line `aborted: true`;
 * - the response failed (closed by the server before it was complete, e.g. a stream that broke):
 *   5xx, span error `error.type=response_failed`;
 * - a WebSocket session (the upgrade's 101 goes out on the socket, not through the response)
 *   ends when its socket closes: 101, timed over the session.
 * OpenTelemetry's own HTTP instrumentation likewise ends a span on 'close' as well as on 'finish'.
 * The plugin must be registered before any hook that may answer in onRequest.
 */
const plugin: FastifyPluginAsync<TelemetryPluginOptions> = async (app: FastifyInstance, opts) => {
  const metrics = createHttpMetrics(opts.registry);
  const metricsPath = opts.metricsPath === undefined ? '/metrics' : opts.metricsPath;
  const quiet = new Set([...(opts.quietPaths ?? ['/health/live', '/health/ready']), ...(metricsPath ? [metricsPath] : [])]);
  app.decorate('metricsRegistry', opts.registry);
  app.decorateRequest('span', null as unknown as Span);
  app.decorateRequest('traceContext', undefined);
  app.decorateRequest('startTime', 0n);
  app.decorateRequest('telemetryState', NOT_STARTED);
  app.decorateRequest('telemetryQuiet', false);

  const end = (request: FastifyRequest, status: number, errorType: string | undefined): void => {
    request.telemetryState = ENDED;
    const seconds = Number(process.hrtime.bigint() - request.startTime) / 1e9;
    const span = request.span;
    span.setAttribute('http.response.status_code', status);
    if (errorType !== undefined || status >= 500) {
      // OpenTelemetry's convention: error.type is the failure's class, or the 5xx status code.
      span.setAttribute('error.type', errorType ?? String(status));
      span.setStatus({ code: SpanStatusCode.ERROR, ...(errorType === 'aborted' ? { message: 'the client closed the connection before the response was complete' } : {}) });
    }
    span.end();
    if (request.telemetryQuiet) return;
    metrics.active.dec();
    const route = routeOf(request);
    observeTraced(metrics.duration, { method: request.method, route, status_code: String(status) }, seconds, span.spanContext());
    const line = { method: request.method, route, path: pathOf(request.url), status_code: status, duration_ms: Math.round(seconds * 1e6) / 1e3 };
    if (errorType === undefined) request.log.info(line, 'request');
    else if (errorType === 'aborted') request.log.info({ ...line, aborted: true, error_type: errorType }, 'request');
    else request.log.error({ ...line, error_type: errorType }, 'request');
  };

  // One listener function for every response ('this' is the raw response): no closure per request.
  function onRawClose(this: TrackedResponse): void {
    const reply = this[kReply];
    this[kReply] = undefined;
    const request = reply?.request;
    // A finished response is onResponse's (it may still be on its way through earlier async hooks).
    if (!reply || !request || request.telemetryState !== IN_FLIGHT || this.writableFinished) return;
    // (Node's parser sets `upgrade` on upgrade requests; @types/node does not declare it.)
    if ((request.raw as { upgrade?: boolean }).upgrade === true) end(request, 101, undefined);
    else if (clientGone(request.raw.socket)) end(request, CLIENT_CLOSED_STATUS, 'aborted');
    else end(request, reply.statusCode >= 500 ? reply.statusCode : 500, 'response_failed');
  }

  app.addHook('onRequest', (request, reply, done) => {
    request.startTime = process.hrtime.bigint();
    const path = pathOf(request.url);
    request.telemetryQuiet = quiet.has(path);
    if (!request.telemetryQuiet) metrics.active.inc();
    request.telemetryState = IN_FLIGHT;
    const res = reply.raw as TrackedResponse;
    res[kReply] = reply;
    res.on('close', onRawClose);
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = routeOf(request);
    const span = opts.tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': path,
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
    if (request.telemetryState === IN_FLIGHT) end(request, reply.statusCode, undefined);
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
