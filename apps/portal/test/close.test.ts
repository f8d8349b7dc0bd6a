import { afterAll, describe, expect, it } from 'vitest';
import { parseExposition, valueOf } from '../../../test/helpers/metrics.js';
import { activeResources, baseline, expectReleased } from '../../../test/helpers/resources.js';
import { eventually, fakeServer, json, portal, tempDir, type Fake } from './helpers.js';

describe('app.close()', () => {
  const dir = tempDir();
  let services: Fake | undefined;
  afterAll(async () => {
    await services?.close();
    dir.remove();
  });

  it('releases everything: the health poller, its connections, the server', async () => {
    // A service that answers health and the page path, so the poller and the page discovery both run.
    services = await fakeServer((_req, res) => json(res, 200, { status: 'ready' }));
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
});
