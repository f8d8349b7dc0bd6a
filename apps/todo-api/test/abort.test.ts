// Requests the client abandons under a latency fault: the case a learner studies most.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { histogramSeries, scrape, valueOf, type Sample } from '../../../test/helpers/metrics.ts';
import { attr, otlpTracer, SPAN_KIND, startOtlpReceiver, STATUS_ERROR, type OtlpReceiver } from '../../../test/helpers/otlp.ts';
import type { App } from '../src/app.ts';
import { logSink, newUser, postgresql, startTestApp } from './helpers.ts';

const ADMIN_TOKEN = 'admin-token-for-the-abort-test';
const ABANDONED = 20;

describe('requests abandoned by their clients under an 800 ms latency fault', () => {
  let receiver: OtlpReceiver;
  let tracing: ReturnType<typeof otlpTracer>;
  let dispose: () => Promise<void>;
  let app: App;
  let base: string;
  const logs = logSink();

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = otlpTracer(receiver, 'todo-api-abort-test');
    const db = await postgresql.create();
    dispose = db.dispose;
    app = await startTestApp({ ...db.env, ADMIN_TOKEN, LOG_LEVEL: 'info' }, { tracer: tracing.tracer, logStream: logs.stream });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await tracing?.shutdown();
    await receiver?.close();
    await dispose?.();
  });

  const faults = (method: 'PUT' | 'DELETE', body?: object) =>
    fetch(`${base}/api/faults`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  /** GET /api/tasks, given up by the client 100 ms after it was sent. */
  const abandon = (auth: string) =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${base}/api/tasks`, { agent: false, headers: { authorization: auth } });
      req.on('error', () => undefined);
      req.on('response', () => reject(new Error('answered within 100 ms despite the 800 ms fault')));
      req.end();
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });

  const count = (samples: Sample[], status: string) => histogramSeries(samples, 'http_server_request_duration_seconds').get(`method=GET,route=/api/tasks,status_code=${status}`)?.count ?? 0;

  it('active requests fall back to 0, the histogram counts exactly 20 more (499), the ended spans reach the OTLP receiver', async () => {
    const { auth } = await newUser(app);
    expect((await faults('PUT', { latency: { ms: 800, method: 'GET', route: '/api/tasks' } })).status).toBe(200);
    try {
      const before = await scrape(base);
      const selectsBefore = valueOf(before, 'db_client_operation_duration_seconds_count', { operation: 'SELECT', table: 'tasks' }) ?? 0;

      await Promise.all(Array.from({ length: ABANDONED }, () => abandon(auth)));

      // Each request ends in telemetry when its client leaves, not when the handler gets to answer.
      await vi.waitFor(async () => expect(valueOf(await scrape(base), 'http_server_active_requests')).toBe(0), { timeout: 10_000, interval: 50 });
      // The handlers still finish their work (the fault's 800 ms, then the query) into closed
      // connections; once they all have, nothing has been counted a second time.
      await vi.waitFor(
        async () => expect(valueOf(await scrape(base), 'db_client_operation_duration_seconds_count', { operation: 'SELECT', table: 'tasks' })).toBe(selectsBefore + ABANDONED),
        { timeout: 15_000, interval: 100 },
      );
      const after = await scrape(base);
      expect(count(after, '499') - count(before, '499')).toBe(ABANDONED);
      expect(count(after, '200')).toBe(count(before, '200'));
      expect(valueOf(after, 'http_server_active_requests')).toBe(0);

      // Their server spans arrived at the receiver (only ended spans are exported): error, aborted, 499.
      const servers = await vi.waitFor(
        () => {
          const s = receiver.spans.filter((x) => x.kind === SPAN_KIND.SERVER && x.name === 'GET /api/tasks');
          expect(s).toHaveLength(ABANDONED);
          return s;
        },
        { timeout: 15_000, interval: 100 },
      );
      for (const span of servers) {
        expect(span.status?.code).toBe(STATUS_ERROR);
        expect(attr(span, 'error.type')).toBe('aborted');
        expect(attr(span, 'http.response.status_code')).toBe(499);
        // Ended when the client left: before the handler, held by the fault, ran its first statement.
        const child = receiver.spans.find((x) => x.parentSpanId === span.spanId && x.name === 'SELECT users');
        expect(child, 'the handler went on after the client left').toBeDefined();
        expect(BigInt(span.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(child?.startTimeUnixNano ?? '0'));
      }

      const lines = logs.lines().filter((l) => l.msg === 'request' && l.route === '/api/tasks' && l.method === 'GET');
      expect(lines.filter((l) => l.status_code === 499 && l.aborted === true)).toHaveLength(ABANDONED);
      expect(new Set(lines.filter((l) => l.aborted).map((l) => l.trace_id))).toEqual(new Set(servers.map((s) => s.traceId)));
    } finally {
      expect((await faults('DELETE')).status).toBe(200);
    }
  });
});
