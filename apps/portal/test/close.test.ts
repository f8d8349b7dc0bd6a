import { afterAll, describe, expect, it } from 'vitest';
import { parseExposition, valueOf } from '../../../test/helpers/metrics.js';
import { activeResources, baseline, expectReleased } from '../../../test/helpers/resources.js';
import { eventually, fakeServer, json, portal, tempDir, type Fake } from './helpers.js';

describe('app.close()', () => {
  const dir = tempDir();
  const fakes: Fake[] = [];
  afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    dir.remove();
  });

  it('releases everything: the health poller, its connections, the server', async () => {
    // A service that answers health and the page path, so the poller and the page discovery both run.
    const services = await fakeServer((_req, res) => json(res, 200, { status: 'ready' }));
    fakes.push(services);
    // Idle connections stay open on this side for a minute: only the portal closing its pool ends them.
    services.server.keepAliveTimeout = 60_000;
    const before = await baseline();

    const app = await portal({ DATA_DIR: dir.dir, TODO_API_INTERNAL_URL: services.url, PROMETHEUS_INTERNAL_URL: services.url, HEALTH_INTERVAL_MS: '200' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    await eventually('todo-api probed up', async () =>
      valueOf(parseExposition((await app.inject('/metrics')).body), 'portal_service_up', { service: 'todo-api' }) === 1 ? true : undefined,
    );
    // What the comparison must catch is there while the app runs: the poller's timer, the server,
    // the kept-alive connections of the probes.
    const during = activeResources();
    expect(during.Timeout ?? 0).toBeGreaterThan(before.Timeout ?? 0);
    expect(during.TCPServerWrap ?? 0).toBe((before.TCPServerWrap ?? 0) + 1);
    expect(during.TCPSocketWrap ?? 0).toBeGreaterThan(before.TCPSocketWrap ?? 0);

    await app.close();
    await expectReleased(before);
  });

  it('releases a running drill session\'s expiry timer and a scenario run\'s watch', async () => {
    // Stand-ins answering what a session start and a scenario run ask of the todo API and the load generator.
    const preset = { id: 'todo-journey', title: { en: 'j', ru: 'j' }, run: { requests: [{ name: 'list', weight: 1, method: 'GET', url: 'http://x/api/tasks' }], rate: 1, duration: 1 } };
    const services = await fakeServer((req, res) => {
      if (req.url === '/openapi.json') return json(res, 200, { paths: { '/api/tasks': { get: {} } } });
      if (req.url === '/metrics') return json(res, 200, {});
      if (req.url === '/api/presets') return json(res, 200, [preset]);
      if (req.url === '/api/runs' && req.method === 'POST') return json(res, 201, { id: 'r1' });
      if (req.url?.startsWith('/api/runs/')) return json(res, 200, { id: 'r1', state: 'running' });
      return json(res, 200, {});
    });
    fakes.push(services);
    const env = { DATA_DIR: dir.dir, TODO_API_INTERNAL_URL: services.url, LOADGEN_INTERNAL_URL: services.url, TODO_API_ADMIN_TOKEN: 'close-test-admin' };
    const before = await baseline();
    const drills = await portal(env);
    expect((await drills.inject({ method: 'POST', url: '/api/drills/sessions', payload: { drill: 'cpu-hog', fault_after_s: 60 } })).statusCode).toBe(201);
    expect((activeResources().Timeout ?? 0)).toBeGreaterThan(before.Timeout ?? 0);
    await drills.close();
    await expectReleased(before);

    const scenarios = await portal({ ...env, DATA_DIR: `${dir.dir}/second` }, { scenarioPollMs: 60_000 });
    expect((await scenarios.inject({ method: 'POST', url: '/api/scenarios/high-latency/run', payload: {} })).statusCode).toBe(201);
    expect((activeResources().Timeout ?? 0)).toBeGreaterThan(before.Timeout ?? 0);
    await scenarios.close();
    await expectReleased(before);
  });
});
