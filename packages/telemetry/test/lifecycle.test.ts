// Every request ends in telemetry exactly once: finished, failed, or abandoned by its client.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger, createRegistry, fastifyLogging, telemetryPlugin } from '@o11y/telemetry';
import { logSink } from '../../../test/helpers/logs.ts';
import { histogramSeries, scrape, valueOf } from '../../../test/helpers/metrics.ts';

const exporter = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('lifecycle-test');
const logs = logSink();

/** A promise the test resolves by hand: the slow handlers wait on it, so nothing depends on timing. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}
let release = gate();
/** Resolved by a route's onSend once the handler tried to answer (after its client had left). */
let answered = gate();

let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  app = Fastify(fastifyLogging(createLogger({ name: 'lifecycle-test', destination: logs.stream })));
  await app.register(telemetryPlugin, { registry: createRegistry({ defaultMetrics: false }), tracer });
  const onSend = async () => answered.open();
  app.get('/slow', { onSend }, async () => {
    await release.opened;
    return { late: true };
  });
  app.post('/slow', { onSend }, async (request) => {
    await release.opened;
    return { echo: request.body };
  });
  app.get('/ok', async () => ({ ok: true }));
  // Headers and a first chunk go out, then the stream breaks: the server cuts the response.
  app.get('/broken-stream', async (_request, reply) => {
    let sent = false;
    const body = new Readable({
      read() {
        if (!sent) {
          sent = true;
          this.push('{"partial":');
        } else setImmediate(() => this.destroy(new Error('disk gone')));
      },
    });
    return reply.type('application/json').send(body);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  release.open();
  await app.close();
});

/** Sends a request and closes the connection once the server has it (the client gives up). */
function abandon(method: 'GET' | 'POST', path: string, body?: object): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, agent: false, headers: body ? { 'content-type': 'application/json' } : {} });
    req.on('error', () => undefined);
    req.on('response', () => reject(new Error('the server answered before the client left')));
    req.end(body ? JSON.stringify(body) : undefined);
    // Leave once the server counts the request as active (its handler is waiting on the gate).
    vi.waitFor(async () => expect(valueOf(await scrape(base), 'http_server_active_requests')).toBe(1), { timeout: 10_000, interval: 20 }).then(
      () => {
        req.destroy();
        resolve();
      },
      reject,
    );
  });
}

const durations = async () => histogramSeries(await scrape(base), 'http_server_request_duration_seconds');
const key = (method: string, route: string, status: string) => `method=${method},route=${route},status_code=${status}`;

describe('a request the client abandons', () => {
  it.each([
    ['GET', undefined],
    ['POST', { title: 'read before the client left' }],
  ] as const)('%s: counted once as 499, timed until the client left, span error "aborted", log line aborted: true', async (method, body) => {
    release = gate();
    answered = gate();
    exporter.reset();
    const before = (await durations()).get(key(method, '/slow', '499'))?.count ?? 0;
    const started = process.hrtime.bigint();
    await abandon(method, '/slow', body);

    // Active falls back to 0 without waiting for the handler, and the histogram has the request.
    await vi.waitFor(async () => expect(valueOf(await scrape(base), 'http_server_active_requests')).toBe(0), { timeout: 10_000, interval: 20 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const series = (await durations()).get(key(method, '/slow', '499'));
    expect(series?.count).toBe(before + 1);
    // Timed until the client left: the handler is still waiting, so the time is below what has passed.
    expect(series?.sum).toBeGreaterThan(0);
    expect(series?.sum).toBeLessThan(seconds);

    const [span, ...others] = exporter.getFinishedSpans().filter((s) => s.name === `${method} /slow`);
    expect(others).toHaveLength(0);
    expect(span?.ended).toBe(true);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe('aborted');
    expect(span?.attributes['http.response.status_code']).toBe(499);
    const line = logs.lines().filter((l) => l.msg === 'request' && l.method === method && l.route === '/slow').at(-1);
    expect(line).toMatchObject({ status_code: 499, aborted: true, trace_id: span?.spanContext().traceId });

    // The handler answers later, into a closed connection: nothing is counted a second time.
    release.open();
    await answered.opened;
    await new Promise((r) => setTimeout(r, 50));
    const after = await durations();
    expect(after.get(key(method, '/slow', '499'))?.count).toBe(before + 1);
    expect(after.get(key(method, '/slow', '200'))).toBeUndefined();
    expect(exporter.getFinishedSpans().filter((s) => s.name === `${method} /slow`)).toHaveLength(1);
    expect(valueOf(await scrape(base), 'http_server_active_requests')).toBe(0);
  });
});

describe('a response that fails', () => {
  it('a stream that breaks after the headers: counted once as 500, span error "response_failed", active back to 0', async () => {
    exporter.reset();
    const res = await fetch(`${base}/broken-stream`);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    await vi.waitFor(async () => expect((await durations()).get(key('GET', '/broken-stream', '500'))?.count).toBe(1), { timeout: 10_000, interval: 20 });
    expect((await durations()).get(key('GET', '/broken-stream', '200'))).toBeUndefined();
    expect(valueOf(await scrape(base), 'http_server_active_requests')).toBe(0);
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'GET /broken-stream');
    expect(spans).toHaveLength(1);
    expect(spans[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans[0]?.attributes['error.type']).toBe('response_failed');
    expect(logs.lines().find((l) => l.msg === 'request' && l.route === '/broken-stream')).toMatchObject({ level: 'error', status_code: 500, error_type: 'response_failed' });
  });
});

describe('finished responses', () => {
  it('are counted exactly once over HTTP and through inject, and scrapes are not counted at all', async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/ok`)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await app.inject('/ok')).statusCode).toBe(200);
    const samples = await scrape(base);
    expect(valueOf(samples, 'http_server_request_duration_seconds_count', { method: 'GET', route: '/ok', status_code: '200' })).toBe(5);
    expect(valueOf(samples, 'http_server_request_duration_seconds_bucket', { le: '+Inf', method: 'GET', route: '/ok', status_code: '200' })).toBe(5);
    // The scrape in progress is not an active request, and scrapes are not in the histogram.
    expect(valueOf(samples, 'http_server_active_requests')).toBe(0);
    expect(samples.some((s) => s.labels.route === '/metrics')).toBe(false);
    expect(logs.lines().filter((l) => l.msg === 'request' && l.route === '/ok')).toHaveLength(5);
  });
});
