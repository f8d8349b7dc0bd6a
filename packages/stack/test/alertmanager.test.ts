/**
 * The rendered alertmanager.yml in a real Alertmanager: routing by severity, inhibition, the
 * Telegram template as delivered to the fake Bot API, the inbox webhook, resolved notifications.
 * Alerts are posted straight to Alertmanager's API (what Prometheus does), so this takes
 * group_wait + group_interval (≈ 40 s), not a load run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStackConfig } from '@o11y/stack';
import { startFakeTelegram, type FakeTelegram } from '../../../test/helpers/fake-telegram.ts';
import { freePort } from '../../../test/helpers/ports.ts';
import { waitFor } from '../../../test/helpers/process.ts';
import { startAlertmanager, type Server } from './servers.ts';

interface WebhookPayload {
  version: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

let dir: string;
let telegram: FakeTelegram;
let alertmanager: Server | undefined;
let inbox: HttpServer;
const payloads: WebhookPayload[] = [];
/** The inbox answers 401 without it, like the portal; every post carried it (or is counted here). */
const WEBHOOK_TOKEN = 'alertmanager-webhook-token-0123456789';
let unauthorized = 0;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nwebhook: ${JSON.stringify(payloads)}\ntelegram: ${JSON.stringify(telegram.messages.map((m) => m.text))}\n${alertmanager?.output().slice(-2000)}`);
}

function alert(alertname: string, severity: string, extra: { endsAt?: string; instance?: string; startsAt?: string } = {}) {
  return {
    labels: { alertname, severity, job: 'todo-api', ...(extra.instance ? { instance: extra.instance } : {}) },
    annotations: {
      summary: `${alertname} summary with <angle> & ampersand`,
      description: `${alertname} description`,
      value: '1.5s',
      runbook: 'Do the thing.',
      dashboard: '/d/o11y-todo-api',
    },
    startsAt: extra.startsAt ?? new Date(Date.now() - 60_000).toISOString(),
    ...(extra.endsAt ? { endsAt: extra.endsAt } : {}),
    generatorURL: 'http://prometheus.lab.example:9090/graph?g0.expr=up&g0.tab=1',
  };
}

async function post(alerts: unknown[]): Promise<void> {
  const res = await fetch(`${alertmanager!.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts),
    signal: AbortSignal.timeout(5000),
  });
  expect(res.status, await res.text()).toBe(200);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'o11y-am-'));
  telegram = await startFakeTelegram();
  inbox = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${WEBHOOK_TOKEN}`) {
        unauthorized++;
        return res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"no token"}');
      }
      if (req.method === 'POST' && req.url === '/api/alerts/webhook') payloads.push(JSON.parse(body) as WebhookPayload);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => inbox.listen(0, '127.0.0.1', () => r()));
  const inboxAddr = inbox.address();
  const inboxPort = typeof inboxAddr === 'object' && inboxAddr ? inboxAddr.port : 0;
  const port = await freePort();
  const written = await writeStackConfig(
    join(dir, 'config'),
    { TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_CHAT_ID: telegram.chatId, TELEGRAM_API_URL: telegram.url, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN },
    {
      mode: 'embedded',
      portalWebhookUrl: `http://127.0.0.1:${inboxPort}/api/alerts/webhook`,
      grafanaPublicUrl: 'https://grafana.lab.example',
      prometheusPublicUrl: 'http://prometheus.lab.example:9090',
      alertmanagerPublicUrl: `http://127.0.0.1:${port}`,
    },
  );
  alertmanager = await startAlertmanager({ configFile: written.alertmanagerConfig, dataDir: join(dir, 'am-data'), port });
  await waitFor(`${alertmanager.url}/api/v2/status`, 10_000);
}, 60_000);

afterAll(async () => {
  await alertmanager?.stop();
  await telegram?.close();
  await new Promise<void>((r) => (inbox ? inbox.close(() => r()) : r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('rendered Alertmanager configuration in a real Alertmanager', () => {
  it('routes by severity, inhibits the warning by the critical, and resolves', async () => {
    // The TestInhibit pair starts now: Alertmanager flushes a new group at once when its alert is
    // older than group_wait, and then the warning's group can be sent before the inhibitor has seen
    // the critical arriving in the same request (a race in Alertmanager, seen under CI load).
    const now = new Date().toISOString();
    await post([
      alert('TestPage', 'critical'),
      alert('TestInfo', 'info'),
      alert('TestInhibit', 'critical', { startsAt: now }),
      alert('TestInhibit', 'warning', { instance: 'other:1', startsAt: now }),
    ]);

    // critical → Telegram (HTML template, escaped, with links) and the inbox.
    const page = await until('TestPage on Telegram', () => telegram.messages.find((m) => m.text.includes('FIRING: TestPage')), 20_000);
    expect(page.text).toContain('🔴 <b>TestPage</b> · severity <b>critical</b>');
    expect(page.text).toContain('TestPage summary with &lt;angle&gt; &amp; ampersand');
    expect(page.text).toContain('Current value: <code>1.5s</code>');
    expect(page.text).toContain('Runbook: Do the thing.');
    expect(page.text).toContain('<a href="https://grafana.lab.example/d/o11y-todo-api">Grafana dashboard</a>');
    expect(page.text).toContain('<a href="http://prometheus.lab.example:9090/graph?g0.expr=up&amp;g0.tab=1">Prometheus query</a>');
    expect(page.text).toContain('<a href="http://prometheus.lab.example:9090/alerts">Prometheus alerts</a>');
    expect(page.parse_mode).toBe('HTML');
    await until('TestPage in the inbox', () => payloads.find((p) => p.groupLabels.alertname === 'TestPage' && p.status === 'firing'), 10_000);
    // Alertmanager sent ALERT_WEBHOOK_TOKEN (its webhook's http_config) with every post.
    expect(unauthorized).toBe(0);

    // info → the inbox only.
    const info = await until('TestInfo in the inbox', () => payloads.find((p) => p.groupLabels.alertname === 'TestInfo'), 10_000);
    expect(info.version).toBe('4');
    expect(info.receiver).toBe('inbox');

    // The warning of TestInhibit is inhibited by its critical: one alert, critical, in both places.
    const inhibited = await until('TestInhibit in the inbox', () => payloads.find((p) => p.groupLabels.alertname === 'TestInhibit'), 15_000);
    expect(inhibited.alerts.map((a) => a.labels.severity)).toEqual(['critical']);
    const inhibitedMsg = await until('TestInhibit on Telegram', () => telegram.messages.find((m) => m.text.includes('FIRING: TestInhibit')), 15_000);
    expect(inhibitedMsg.text).not.toContain('severity <b>warning</b>');
    expect(telegram.messages.some((m) => m.text.includes('TestInfo'))).toBe(false);

    // Resolving TestPage sends a resolved notification to both (after group_interval, 30 s).
    await post([alert('TestPage', 'critical', { endsAt: new Date().toISOString() })]);
    const resolved = await until('TestPage resolved on Telegram', () => telegram.messages.find((m) => m.text.includes('RESOLVED: TestPage')), 45_000);
    expect(resolved.text).toContain('✅ <b>TestPage</b>: TestPage summary with &lt;angle&gt; &amp; ampersand (ended');
    await until('TestPage resolved in the inbox', () => payloads.find((p) => p.groupLabels.alertname === 'TestPage' && p.status === 'resolved'), 10_000);
    expect(telegram.rejected).toEqual([]);
  }, 90_000);
});
