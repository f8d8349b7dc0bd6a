/**
 * A stand-in for Jaeger's OTLP/HTTP endpoint (https://opentelemetry.io/docs/specs/otlp/#otlphttp):
 * collects the spans the exporter posts as JSON to /v1/traces. Only spans that ended are exported,
 * so a span received here is a span that ended.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface OtlpAttr {
  key: string;
  value: { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number };
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttr[];
  /** code 0 unset, 1 ok, 2 error. */
  status?: { code?: number; message?: string };
}

/** OTLP span kinds. */
export const SPAN_KIND = { SERVER: 2, CLIENT: 3 } as const;
/** OTLP status code of a span that ended with an error. */
export const STATUS_ERROR = 2;

/** An attribute's value as a plain string, number or boolean (undefined when the span has none). */
export function attr(span: OtlpSpan, key: string): string | number | boolean | undefined {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : (v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.doubleValue)));
}

export interface OtlpReceiver {
  /** Base URL: OTEL_EXPORTER_OTLP_ENDPOINT, or `${url}/v1/traces` for an exporter's `url`. */
  url: string;
  spans: OtlpSpan[];
  /** The resource attributes of every batch received. */
  resources: OtlpAttr[][];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: OtlpSpan[] = [];
  const resources: OtlpAttr[][] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const doc = JSON.parse(body) as { resourceSpans: { resource: { attributes: OtlpAttr[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const rs of doc.resourceSpans) {
          resources.push(rs.resource.attributes);
          for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    resources,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * A tracer whose spans go to `receiver` over OTLP/HTTP as each one ends, for in-process tests
 * (`startTracing` is once per process and reads the OTEL_* variables; this one is not global).
 */
export function otlpTracer(receiver: OtlpReceiver, serviceName: string): { tracer: Tracer; shutdown(): Promise<void> } {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }))],
  });
  return { tracer: provider.getTracer(serviceName), shutdown: () => provider.shutdown() };
}
