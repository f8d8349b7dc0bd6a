import Fastify from 'fastify';
import { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, startTracing, telemetryPlugin } from '@o11y/telemetry';
import { parseExposition, samplesOf, valueOf } from '../../../test/helpers/metrics.ts';

const registry = createRegistry({ defaultMetrics: false });
const counter = new Counter({ name: 'demo_things_total', help: 'things', registers: [registry] });
const app = Fastify();

beforeAll(async () => {
  const { tracer } = startTracing({ serviceName: 'telemetry-test' });
  await app.register(telemetryPlugin, { registry, tracer });
  app.get('/items/:id', async () => {
    counter.inc();
    return { ok: true };
  });
  await app.ready();
});
afterAll(() => app.close());

describe('telemetryPlugin', () => {
  it('labels requests by route template, and unmatched paths by one fixed value', async () => {
    await app.inject('/items/1');
    await app.inject('/items/2');
    await app.inject('/nope/1');
    await app.inject('/nope/2');
    const text = (await app.inject('/metrics')).body;
    const m = parseExposition(text);
    expect(valueOf(m, 'http_server_request_duration_seconds_count', { method: 'GET', route: '/items/:id', status_code: '200' })).toBe(2);
    expect(valueOf(m, 'http_server_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(2);
    expect(valueOf(m, 'http_server_request_duration_seconds_bucket', { le: '0.5', method: 'GET', route: '/items/:id', status_code: '200' })).toBe(2);
    expect(samplesOf(m, 'http_server_request_duration_seconds_count')).toHaveLength(2);
    expect(text).not.toContain('/items/1');
  });

  it('serves OpenMetrics with trace exemplars when asked, and keeps counter names for the text format', async () => {
    const res = await app.inject({ url: '/metrics', headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(res.headers['content-type']).toContain('application/openmetrics-text');
    expect(res.body).toMatch(/http_server_request_duration_seconds_bucket\{[^}]*\} \d+ # \{trace_id="[0-9a-f]{32}"\}/);
    expect(res.body.trimEnd().endsWith('# EOF')).toBe(true);
    const text = (await app.inject('/metrics')).body;
    expect(valueOf(parseExposition(text), 'demo_things_total')).toBe(2);
    expect(valueOf(parseExposition(res.body), 'demo_things_total')).toBe(2);
    expect(text).not.toContain('# EOF');
  });

  it('continues an incoming W3C trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await app.inject({ url: '/items/3', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(res.statusCode).toBe(200);
    const om = await app.inject({ url: '/metrics', headers: { accept: 'application/openmetrics-text' } });
    expect(om.body).toContain(`trace_id="${traceId}"`);
  });
});
