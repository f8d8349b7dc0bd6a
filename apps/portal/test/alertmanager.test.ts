import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, valueOf } from '../../../test/helpers/metrics.js';
import { freePort } from '../../../test/helpers/ports.js';
import { waitFor } from '../../../test/helpers/process.js';
import type { FiringAlert, Notification } from '../src/shared/api.js';
import { eventually, fakeServer, portal, tempDir } from './helpers.js';

// A real Alertmanager (Debian's 0.25): the portal reads its API v2 and receives its webhooks.
const ALERTMANAGER = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';
const tmp = tempDir('portal-am-');
let am: ChildProcess | undefined;
let amUrl = '';
let app: FastifyInstance;

beforeAll(async () => {
  if (!existsSync(ALERTMANAGER)) throw new Error(`${ALERTMANAGER} is missing: apt-get install prometheus-alertmanager`);
  const portalPort = await freePort();
  const amPort = await freePort();
  amUrl = `http://127.0.0.1:${amPort}`;
  writeFileSync(
    join(tmp.dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: portal',
      "  group_by: ['alertname']",
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: portal',
      '    webhook_configs:',
      `      - url: http://127.0.0.1:${portalPort}/api/alerts/webhook`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  );
  am = spawn(
    ALERTMANAGER,
    [
      `--config.file=${join(tmp.dir, 'alertmanager.yml')}`,
      `--storage.path=${join(tmp.dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  );
  await waitFor(`${amUrl}/-/ready`, 20_000);
  app = await portal({ DATA_DIR: join(tmp.dir, 'portal'), ALERTMANAGER_INTERNAL_URL: amUrl });
  await app.listen({ port: portalPort, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  if (am && am.exitCode === null) {
    const exited = new Promise((r) => am?.once('exit', r));
    am.kill('SIGTERM');
    await exited;
  }
  tmp.remove();
});

async function postAlert(endsAt?: string): Promise<void> {
  const res = await fetch(`${amUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      {
        labels: { alertname: 'HighLatency', severity: 'critical', route: '/api/tasks' },
        annotations: { summary: 'p99 of GET /api/tasks is above 500 ms', description: 'p99 is 1.2 s' },
        startsAt: new Date(Date.now() - 30_000).toISOString(),
        ...(endsAt ? { endsAt } : {}),
        generatorURL: 'http://127.0.0.1:9090/graph',
      },
    ]),
  });
  expect(res.status).toBe(200);
}

describe('with a real Alertmanager', () => {
  it('lists firing alerts from its API v2, and its webhook notifications land in the inbox', async () => {
    expect((await app.inject('/api/alerts/firing')).json()).toEqual([]);
    await postAlert();
    const firing = await eventually('HighLatency in /api/alerts/firing', async () => {
      const list = (await app.inject('/api/alerts/firing')).json<FiringAlert[]>();
      return list.length > 0 ? list : undefined;
    });
    expect(firing).toEqual([{ alertname: 'HighLatency', severity: 'critical', since: expect.any(String), summary: 'p99 of GET /api/tasks is above 500 ms' }]);

    const received = await eventually('a firing notification', async () => {
      const inbox = (await app.inject('/api/alerts/inbox')).json<Notification[]>();
      return inbox.find((n) => n.alertname === 'HighLatency' && n.status === 'firing');
    }, 15_000);
    expect(received).toMatchObject({ severity: 'critical', summary: 'p99 of GET /api/tasks is above 500 ms', description: 'p99 is 1.2 s' });
    expect(received.ends_at).toBeUndefined();

    await postAlert(new Date(Date.now() - 1000).toISOString());
    const resolved = await eventually('a resolved notification', async () => {
      const inbox = (await app.inject('/api/alerts/inbox')).json<Notification[]>();
      return inbox.find((n) => n.alertname === 'HighLatency' && n.status === 'resolved');
    }, 15_000);
    expect(resolved.ends_at).toEqual(expect.any(String));
    expect((await app.inject('/api/alerts/firing')).json()).toEqual([]);
    // How many deliveries Alertmanager made is its business; the counters must agree with what arrived.
    const metrics = parseExposition((await app.inject('/metrics')).body);
    const deliveries = valueOf(metrics, 'http_server_request_duration_seconds_count', { method: 'POST', route: '/api/alerts/webhook', status_code: '200' });
    expect(deliveries).toBeGreaterThanOrEqual(2);
    expect(valueOf(metrics, 'portal_webhook_requests_total', { result: 'accepted' })).toBe(deliveries);
    expect(valueOf(metrics, 'portal_webhook_requests_total', { result: 'rejected' })).toBe(0);
    const inbox = (await app.inject('/api/alerts/inbox')).json<Notification[]>();
    for (const status of ['firing', 'resolved'] as const) {
      expect(valueOf(metrics, 'portal_alert_notifications_total', { status }), status).toBe(inbox.filter((n) => n.status === status).length);
    }
  });

  it('says so clearly when Alertmanager is not configured, unreachable, or answers an error', async () => {
    const none = await portal({ DATA_DIR: join(tmp.dir, 'p2'), ALERTMANAGER_INTERNAL_URL: 'none' });
    expect((await none.inject('/api/alerts/firing')).json()).toEqual({ configured: false });
    await none.close();

    const gone = await fakeServer(() => undefined);
    const goneUrl = gone.url;
    await gone.close();
    const unreachable = await portal({ DATA_DIR: join(tmp.dir, 'p3'), ALERTMANAGER_INTERNAL_URL: goneUrl });
    const res = await unreachable.inject('/api/alerts/firing');
    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual({ configured: true, error: expect.stringContaining('unreachable') });
    await unreachable.close();

    const broken = await fakeServer((_req, r) => {
      r.writeHead(500);
      r.end('boom');
    });
    const failing = await portal({ DATA_DIR: join(tmp.dir, 'p4'), ALERTMANAGER_INTERNAL_URL: broken.url });
    const res2 = await failing.inject('/api/alerts/firing');
    expect(res2.statusCode).toBe(502);
    expect(res2.json().error).toContain('HTTP 500');
    await failing.close();
    await broken.close();
  });
});
