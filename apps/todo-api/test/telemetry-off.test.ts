import { createRegistry } from '@o11y/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { logSink, newUser, postgresql, startTestApp } from './helpers.ts';

// The benchmark compares telemetry on and off; off must really remove the work, not just hide it.
describe('TELEMETRY_ENABLED=false', () => {
  let app: App;
  let dispose: () => Promise<void>;
  const logs = logSink();
  const registry = createRegistry({ defaultMetrics: false });

  beforeAll(async () => {
    const db = await postgresql.create();
    dispose = db.dispose;
    app = await startTestApp({ ...db.env, TELEMETRY_ENABLED: 'false', LOG_LEVEL: 'info' }, { logStream: logs.stream, registry });
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  it('serves the API without /metrics, request logs or DB histograms', async () => {
    const { auth } = await newUser(app);
    expect((await app.inject({ method: 'POST', url: '/api/tasks', headers: { authorization: auth }, payload: { title: 'quiet' } })).statusCode).toBe(201);
    expect((await app.inject({ url: '/api/tasks', headers: { authorization: auth } })).json()).toHaveLength(1);
    expect((await app.inject('/metrics')).statusCode).toBe(404);
    expect(logs.lines().filter((l) => l.msg === 'request')).toEqual([]);
    expect(await registry.getSingleMetricAsString('db_client_operation_duration_seconds')).not.toContain('_count');
  });
});
