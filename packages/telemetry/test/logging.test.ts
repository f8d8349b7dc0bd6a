import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createRegistry, fastifyLogging, startTracing, telemetryPlugin } from '@o11y/telemetry';
import { logSink } from '../../../test/helpers/logs.ts';

const logs = logSink();
const app = Fastify(fastifyLogging(createLogger({ name: 'logging-test', destination: logs.stream })));

beforeAll(async () => {
  const { tracer } = startTracing({ serviceName: 'logging-test' });
  await app.register(telemetryPlugin, { registry: createRegistry({ defaultMetrics: false }), tracer });
  app.post('/login', async (request) => {
    request.log.info({ body: request.body }, 'inside the handler');
    return { ok: true };
  });
  await app.ready();
});
afterAll(() => app.close());

describe('request logging', () => {
  it('writes one line per request, and every line of the request carries its trace and span ids', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await app.inject({
      method: 'POST',
      url: '/login?x=1',
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01`, authorization: 'Bearer secret-token' },
      payload: { email: 'a@b.c', password: 'hunter2hunter2' },
    });
    const inside = logs.lines().filter((l) => l.msg === 'inside the handler');
    const request = logs.lines().filter((l) => l.msg === 'request');
    expect(inside).toHaveLength(1);
    expect(request).toHaveLength(1);
    expect(request[0]).toMatchObject({ trace_id: traceId, method: 'POST', route: '/login', path: '/login', status_code: 200 });
    expect(inside[0]?.trace_id).toBe(traceId);
    expect(inside[0]?.span_id).toBe(request[0]?.span_id);
    const text = JSON.stringify(logs.lines());
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('secret-token');
  });
});
