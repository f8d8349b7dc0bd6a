import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { activeResources, baseline, expectReleased } from '../../../test/helpers/resources.ts';
import { newUser, postgresql, startTestApp } from './helpers.ts';

describe('app.close()', () => {
  let dispose: (() => Promise<void>) | undefined;
  afterAll(async () => dispose?.());

  it('releases everything the app started: DB pool and monitor, server, sockets', async () => {
    const db = await postgresql.create();
    dispose = db.dispose;
    const before = await baseline();

    // The DB monitor runs every 50 ms here, so it is surely running while we look.
    const app = await startTestApp(db.env, { dbCheckIntervalMs: 50 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { auth } = await newUser(app);
    const port = (app.server.address() as AddressInfo).port;
    // A real request over a real socket (no pooled agent: the client side closes with it).
    const status = await new Promise<number | undefined>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port, path: '/api/tasks', agent: false, headers: { authorization: auth } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
    // What the comparison must catch is there while the app runs: its timer, its server, its pool.
    const during = activeResources();
    expect(during.Timeout ?? 0).toBeGreaterThan(before.Timeout ?? 0);
    expect(during.TCPServerWrap ?? 0).toBeGreaterThan(before.TCPServerWrap ?? 0);
    expect(during.TCPSocketWrap ?? 0).toBeGreaterThan(before.TCPSocketWrap ?? 0);

    await app.close();
    await expectReleased(before);
  });
});
