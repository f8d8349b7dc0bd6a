import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createLogger } from '@o11y/telemetry';
import { logSink } from '../../../test/helpers/logs.js';
import { activeResources, baseline, expectReleased } from '../../../test/helpers/resources.js';
import { buildApp } from '../src/app.js';
import { testConfig } from '../src/config.js';
import { startTarget, type TargetServer } from './target-server.js';

describe('app.close()', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'loadgen-close-'));
  let target: TargetServer | undefined;
  afterAll(async () => {
    await target?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('releases everything: runs and their worker threads, SSE viewers, /ws sessions, server, sockets', async () => {
    target = await startTarget();
    const before = await baseline();

    // Every run on two worker threads, so the threads are among what must go.
    // The target is a local test server on a random port: every port of 127.0.0.1 is allowed here.
    const logs = logSink();
    const app = await buildApp(testConfig({ dataDir, allowlist: ['127.0.0.1'] }), { logger: createLogger({ name: 'load-generator', level: 'warn', destination: logs.stream }), threads: 2 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const run = await app.inject({ method: 'POST', url: '/api/runs', payload: { target: { url: `${target.url}/long` }, rate: 20, duration: 600 } });
    expect(run.statusCode).toBe(201);
    const { id } = run.json() as { id: string };

    // A viewer on the run's event stream (its own socket, no pooled agent).
    const sseEnded = new Promise<void>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port, path: `/api/runs/${id}/events`, agent: false }, (res) => {
        res.resume();
        res.on('close', () => resolve());
      })
        .on('error', reject)
        .end();
    });
    // A /ws session running the original protocol (it polls its run once a second).
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const firstStats = new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('error', reject);
    });
    const wsClosed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ url: `${target.url}/ws`, method: 'GET', rps: 5, duration: 600, load_profile: 'Постоянная' }));
    await firstStats;

    // What the comparison must catch is there while the app runs: the two runs' four worker
    // threads (each a MessagePort here), the server, the sockets to the target and the clients,
    // the /ws session's timer.
    const during = activeResources();
    expect(during.MessagePort ?? 0).toBe((before.MessagePort ?? 0) + 4);
    expect(during.TCPServerWrap ?? 0).toBe((before.TCPServerWrap ?? 0) + 1);
    expect(during.Timeout ?? 0).toBeGreaterThan(before.Timeout ?? 0); // the /ws session's poll
    expect(during.TCPSocketWrap ?? 0).toBeGreaterThan(before.TCPSocketWrap ?? 0);

    await app.close();
    await Promise.all([sseEnded, wsClosed]);
    await expectReleased(before);
    // Closing is not a failure: nothing warned (the /ws session's poll once did, when it fired
    // after Fastify refused new requests and before the hook that stops it had run).
    expect(logs.lines().filter((l) => l.level !== 'info' && l.level !== 'debug').map((l) => l.msg)).toEqual([]);
  });
});
