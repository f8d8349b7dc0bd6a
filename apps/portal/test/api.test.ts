import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@o11y/platform';
import { histogramSeries, parseExposition, samplesOf, scrape, valueOf } from '../../../test/helpers/metrics.js';
import { readConfig } from '../src/config.js';
import type { LinksConfig, Notification, ServiceStatus } from '../src/shared/api.js';
import { eventually, fakeServer, json, portal, tempDir, webhookPayload, type Fake } from './helpers.js';

const dirs: Array<{ remove(): void }> = [];
const apps: FastifyInstance[] = [];
const fakes: Fake[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});
afterAll(() => dirs.forEach((d) => d.remove()));

function dataDir(): string {
  const d = tempDir();
  dirs.push(d);
  return d.dir;
}

async function app(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const a = await portal({ DATA_DIR: dataDir(), ...env });
  apps.push(a);
  return a;
}


describe('POST /api/alerts/webhook and GET /api/alerts/inbox', () => {
  it('stores every alert of a version 4 payload, newest first, with the inbox fields', async () => {
    const a = await app();
    const res = await a.inject({
      method: 'POST',
      url: '/api/alerts/webhook',
      payload: webhookPayload([{ alertname: 'HighLatency' }, { alertname: 'HighDBLoad', status: 'resolved', severity: 'warning', summary: 'DB busy' }]),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ stored: 2 });
    const inbox = (await a.inject('/api/alerts/inbox')).json<Notification[]>();
    expect(inbox.map((n) => n.alertname)).toEqual(['HighDBLoad', 'HighLatency']);
    const [db, latency] = inbox as [Notification, Notification];
    expect(db).toMatchObject({ status: 'resolved', severity: 'warning', summary: 'DB busy', description: 'HighDBLoad description' });
    expect(db.ends_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(latency).toMatchObject({ status: 'firing', severity: 'critical', labels: { alertname: 'HighLatency', job: 'todo-api' } });
    expect(latency.ends_at).toBeUndefined();
    expect(Object.keys(latency).sort()).toEqual(
      ['alertname', 'annotations', 'description', 'id', 'labels', 'received_at', 'severity', 'starts_at', 'status', 'summary'].sort(),
    );
    const metrics = (await a.inject('/metrics')).body;
    expect(valueOf(parseExposition(metrics), 'portal_alert_notifications_total', { status: 'firing' })).toBe(1);
    expect(valueOf(parseExposition(metrics), 'portal_alert_notifications_total', { status: 'resolved' })).toBe(1);
    expect(valueOf(parseExposition(metrics), 'portal_webhook_requests_total', { result: 'accepted' })).toBe(1);
  });

  it('rejects malformed payloads with 400 and stores nothing', async () => {
    const a = await app();
    const bad: Array<{ payload: string | object; why: string }> = [
      { payload: '{"version": "4", "alerts": [', why: 'broken JSON' },
      { payload: { ...webhookPayload([{ alertname: 'X' }]), version: '3' }, why: 'another version' },
      { payload: { version: '4', status: 'firing' }, why: 'no alerts' },
      { payload: { ...webhookPayload([{ alertname: 'X' }]), alerts: [{ status: 'firing', labels: { severity: 'x' }, startsAt: 'now' }] }, why: 'no alertname' },
      { payload: { ...webhookPayload([{ alertname: 'X' }]), alerts: [{ status: 'burning', labels: { alertname: 'X' }, startsAt: 'now' }] }, why: 'bad status' },
      { payload: [1, 2, 3], why: 'an array' },
    ];
    for (const { payload, why } of bad) {
      const res = await a.inject({ method: 'POST', url: '/api/alerts/webhook', headers: { 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
      expect(res.statusCode, why).toBe(400);
      expect(res.json().error, why).toEqual(expect.any(String));
    }
    expect((await a.inject('/api/alerts/inbox')).json()).toEqual([]);
    const metrics = (await a.inject('/metrics')).body;
    expect(valueOf(parseExposition(metrics), 'portal_webhook_requests_total', { result: 'rejected' })).toBe(bad.length);
    expect(valueOf(parseExposition(metrics), 'portal_webhook_requests_total', { result: 'accepted' })).toBe(0);
  });

  it('with ALERT_WEBHOOK_TOKEN: 401 without it (counted as unauthorized), stored with it', async () => {
    const token = 'webhook-token-for-the-portal-test';
    const a = await app({ ALERT_WEBHOOK_TOKEN: token, LAB_TOKEN: 'lab-token-for-the-portal-test' });
    const post = (headers: Record<string, string>) => a.inject({ method: 'POST', url: '/api/alerts/webhook', headers, payload: webhookPayload([{ alertname: 'Flood' }]) });
    const none = await post({});
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toContain('ALERT_WEBHOOK_TOKEN');
    expect((await post({ authorization: 'Bearer guessed' })).statusCode).toBe(401);
    // LAB_TOKEN opens the API, not the webhook: only Alertmanager holds this token.
    expect((await post({ authorization: 'Bearer lab-token-for-the-portal-test' })).statusCode).toBe(401);
    expect((await post({ authorization: `Bearer ${token}` })).json()).toEqual({ stored: 1 });
    const inbox = (await a.inject({ url: '/api/alerts/inbox', headers: { authorization: 'Bearer lab-token-for-the-portal-test' } })).json<Notification[]>();
    expect(inbox.map((n) => n.alertname)).toEqual(['Flood']);
    const metrics = (await a.inject('/metrics')).body;
    expect(valueOf(parseExposition(metrics), 'portal_webhook_requests_total', { result: 'unauthorized' })).toBe(3);
    expect(valueOf(parseExposition(metrics), 'portal_webhook_requests_total', { result: 'accepted' })).toBe(1);
  });

  it('rejects a payload over 256 KiB with 413 and stores nothing', async () => {
    const a = await app();
    const payload = webhookPayload([{ alertname: 'Big', summary: 'x'.repeat(300 * 1024) }]);
    const res = await a.inject({ method: 'POST', url: '/api/alerts/webhook', payload });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: expect.any(String) });
    expect((await a.inject('/api/alerts/inbox')).json()).toEqual([]);
    expect(valueOf(parseExposition((await a.inject('/metrics')).body), 'portal_webhook_requests_total', { result: 'rejected' })).toBe(1);
  });

  it('keeps the last 200 on disk, written atomically, and reads them back after a restart', async () => {
    const dir = dataDir();
    const first = await portal({ DATA_DIR: dir });
    for (let batch = 0; batch < 3; batch++) {
      const alerts = Array.from({ length: 70 }, (_, i) => ({ alertname: `A${batch * 70 + i}` }));
      expect((await first.inject({ method: 'POST', url: '/api/alerts/webhook', payload: webhookPayload(alerts) })).statusCode).toBe(200);
    }
    const before = (await first.inject('/api/alerts/inbox')).json<Notification[]>();
    await first.close();
    expect(before).toHaveLength(200);
    expect(before[0]?.alertname).toBe('A209');
    expect(before[199]?.alertname).toBe('A10');
    expect(readdirSync(dir)).toEqual(['inbox.json']);

    const second = await app({ DATA_DIR: dir });
    expect((await second.inject('/api/alerts/inbox')).json()).toEqual(before);
  });

  it('sets an unreadable inbox file aside and starts empty instead of failing', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'inbox.json'), '{"half": ');
    const a = await app({ DATA_DIR: dir });
    expect((await a.inject('/api/alerts/inbox')).json()).toEqual([]);
    const aside = readdirSync(dir).find((f) => f.startsWith('inbox.json.unreadable-'));
    expect(aside).toBeDefined();
    expect(readFileSync(join(dir, aside as string), 'utf8')).toBe('{"half": ');
  });
});

describe('GET /api/services', () => {
  it('shows a polled service up with its latency, down when it stops, and up again when it is back', async () => {
    const handler = (_req: unknown, res: import('node:http').ServerResponse) => json(res, 200, { status: 'ready' });
    let todo = await fakeServer(handler);
    const port = todo.port;
    fakes.push(todo);
    const a = await app({ TODO_API_INTERNAL_URL: todo.url });
    const todoStatus = async () => (await a.inject('/api/services')).json<ServiceStatus[]>().find((s) => s.id === 'todo-api') as ServiceStatus;

    const up = await todoStatus();
    expect(up).toMatchObject({ status: 'up', section: 'main', url: 'http://localhost:4000/swagger' });
    expect(up.latency_ms).toEqual(expect.any(Number));
    expect(Date.parse(up.checked_at as string)).toBeGreaterThan(Date.now() - 10_000);
    expect(valueOf(parseExposition((await a.inject('/metrics')).body), 'portal_service_up', { service: 'todo-api' })).toBe(1);

    await todo.close();
    fakes.splice(fakes.indexOf(todo), 1);
    await eventually('todo-api down', async () => ((await todoStatus()).status === 'down' ? true : undefined), 10_000);
    expect(valueOf(parseExposition((await a.inject('/metrics')).body), 'portal_service_up', { service: 'todo-api' })).toBe(0);

    todo = await fakeServer(handler, port);
    fakes.push(todo);
    await eventually('todo-api up again', async () => ((await todoStatus()).status === 'up' ? true : undefined), 10_000);
  });

  it('reports a non-2xx or slow answer as down, and services outside the mode as not_in_mode', async () => {
    const failing = await fakeServer((_req, res) => json(res, 503, { status: 'not ready' }));
    const slow = await fakeServer((_req, res) => setTimeout(() => json(res, 200, {}), 3000).unref());
    fakes.push(failing, slow);
    const a = await app({ TODO_API_INTERNAL_URL: failing.url, LOADGEN_INTERNAL_URL: slow.url });
    const list = (await a.inject('/api/services')).json<ServiceStatus[]>();
    const byId = new Map(list.map((s) => [s.id, s]));
    expect(byId.get('todo-api')).toMatchObject({ status: 'down', error: 'HTTP 503' });
    expect(byId.get('load-generator')).toMatchObject({ status: 'down', error: 'no answer within 1000 ms' });
    expect(byId.get('portal')).toMatchObject({ status: 'up' });
    expect(byId.get('grafana')).toMatchObject({ status: 'not_in_mode', latency_ms: null, checked_at: null });
    expect(list.map((s) => s.id)).toEqual(['todo-api', 'load-generator', 'portal', 'prometheus', 'alertmanager', 'grafana', 'jaeger', 'cockroachdb', 'portainer']);
    expect(Object.fromEntries(samplesOf(parseExposition((await a.inject('/metrics')).body), 'portal_service_up').map((x) => [x.labels.service, x.value]))).toEqual({ 'todo-api': 0, 'load-generator': 0, portal: 1 });
  });

  it("links to the Prometheus page that exists: Debian's has only the classic UI", async () => {
    const debianProm = await fakeServer((req, res) => {
      if (req.url === '/-/ready' || req.url === '/classic/alerts') return json(res, 200, {});
      json(res, 404, {});
    });
    fakes.push(debianProm);
    const a = await app({ PROMETHEUS_INTERNAL_URL: debianProm.url, ALLOWED_HOSTS: 'lab.example' });
    const url = await eventually('the classic alerts link', async () => {
      const list = (await a.inject({ url: '/api/services', headers: { host: 'lab.example:8000' } })).json<ServiceStatus[]>();
      const prom = list.find((s) => s.id === 'prometheus')?.url;
      return prom?.endsWith('/classic/alerts') ? prom : undefined;
    });
    expect(url).toBe('http://lab.example:9090/classic/alerts');
    expect((await a.inject('/api/config')).json<LinksConfig>().services.find((s) => s.id === 'prometheus')?.ui_path).toBe('/classic/alerts');
  });

  it('builds links from the host the request was made to, PUBLIC_BASE_URL, or the service URL variable', async () => {
    // Hosts other than loopback must be the lab's own names (ALLOWED_HOSTS) to be answered at all.
    const a = await app({ PORT: '8000', ALLOWED_HOSTS: 'lab.example' });
    const links = async (host: string) =>
      new Map((await a.inject({ url: '/api/services', headers: { host } })).json<ServiceStatus[]>().map((s) => [s.id, s.url]));
    const lab = await links('lab.example:8000');
    expect(lab.get('todo-api')).toBe('http://lab.example:4000/swagger');
    expect(lab.get('prometheus')).toBe('http://lab.example:9090/alerts');
    expect(lab.get('portal')).toBe('http://lab.example:8000/');
    expect((await links('[::1]:8000')).get('todo-api')).toBe('http://[::1]:4000/swagger');

    const b = await app({ PUBLIC_BASE_URL: 'https://o11y.example.org', GRAFANA_URL: 'https://grafana.example.org/', MODE: 'compose', ALLOWED_HOSTS: '10.0.0.5' });
    const m = new Map((await b.inject({ url: '/api/services', headers: { host: '10.0.0.5' } })).json<ServiceStatus[]>().map((s) => [s.id, s.url]));
    expect(m.get('todo-api')).toBe('https://o11y.example.org:4000/swagger');
    expect(m.get('portal')).toBe('https://o11y.example.org:80/');
    expect(m.get('grafana')).toBe('https://grafana.example.org/');
  });
});

describe('configuration', () => {
  it('derives public ports and internal URLs per mode, honouring the variables', () => {
    const embedded = readConfig({ PORT: '18000', LOADGEN_PORT: '18081', ALERTMANAGER_INTERNAL_URL: 'http://10.1.1.1:9093/' });
    const e = new Map(embedded.services.map((s) => [s.info.id, s]));
    expect(e.get('todo-api')).toMatchObject({ publicPort: 4000, internalUrl: 'http://127.0.0.1:4000', inMode: true });
    expect(e.get('load-generator')).toMatchObject({ publicPort: 18081, internalUrl: 'http://127.0.0.1:18081' });
    expect(e.get('portal')).toMatchObject({ publicPort: 18000, internalUrl: 'http://127.0.0.1:18000' });
    expect(e.get('alertmanager')).toMatchObject({ internalUrl: 'http://10.1.1.1:9093' });
    expect(e.get('grafana')).toMatchObject({ inMode: false, internalUrl: null });

    const compose = readConfig({ MODE: 'compose', PROMETHEUS_INTERNAL_URL: 'none' });
    const c = new Map(compose.services.map((s) => [s.info.id, s]));
    expect(c.get('todo-api')).toMatchObject({ publicPort: 4000, internalUrl: 'http://todo-api:4000' });
    expect(c.get('portal')).toMatchObject({ publicPort: 80, internalUrl: 'http://portal:8000' });
    expect(c.get('grafana')).toMatchObject({ inMode: true, internalUrl: 'http://grafana:3000' });
    expect(c.get('prometheus')).toMatchObject({ inMode: false, internalUrl: null });
  });

  it('lists every bad variable at once', () => {
    expect(() => readConfig({ MODE: 'cloud' })).toThrow(ConfigError);
    let problems: string[] = [];
    try {
      readConfig({ TODO_API_INTERNAL_URL: 'ftp://x', GRAFANA_URL: 'not a url', LOADGEN_PORT: '99999' });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toHaveLength(3);
    for (const name of ['LOADGEN_PORT', 'TODO_API_INTERNAL_URL', 'GRAFANA_URL']) expect(problems.join('\n')).toContain(name);
  });

  it('serves the link inputs at /api/config', async () => {
    const a = await app({ MODE: 'compose', PUBLIC_BASE_URL: 'http://lab.example' });
    const cfg = (await a.inject('/api/config')).json<LinksConfig>();
    expect(cfg.mode).toBe('compose');
    expect(cfg.public_base_url).toBe('http://lab.example');
    expect(cfg.services.find((s) => s.id === 'cockroachdb')).toMatchObject({ section: 'admin', port: 8080, metrics_path: '/_status/vars', in_mode: false });
  });
});

describe('GET /metrics', () => {
  it('counts a known sequence exactly, by value, on the real endpoint, and passes promtool check metrics', async () => {
    const up = await fakeServer((_req, res) => json(res, 200, { status: 'ready' }));
    const failing = await fakeServer((_req, res) => json(res, 503, { status: 'not ready' }));
    fakes.push(up, failing);
    const a = await portal({ DATA_DIR: dataDir(), TODO_API_INTERNAL_URL: up.url, LOADGEN_INTERNAL_URL: failing.url });
    apps.push(a);
    await a.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(a.server.address() as AddressInfo).port}`;
    // The first health round has run once both services have a result.
    await eventually('both probed', async () => {
      const m = await scrape(base);
      return valueOf(m, 'portal_service_up', { service: 'todo-api' }) === 1 && valueOf(m, 'portal_service_up', { service: 'load-generator' }) === 0 ? true : undefined;
    });

    const post = (body: string) => fetch(`${base}/api/alerts/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await post(JSON.stringify(webhookPayload([{ alertname: 'HighLatency' }, { alertname: 'HighDBLoad', status: 'resolved' }, { alertname: 'TargetDown' }])))).status).toBe(200);
    expect((await post('{"version": "4", "alerts": [')).status).toBe(400);
    for (let i = 0; i < 2; i++) expect((await fetch(`${base}/api/alerts/inbox`)).status).toBe(200);
    expect((await fetch(`${base}/api/services`)).status).toBe(200);
    expect((await fetch(`${base}/no/such/page`)).status).toBe(404);

    const m = await scrape(base);
    expect(valueOf(m, 'portal_alert_notifications_total', { status: 'firing' })).toBe(2);
    expect(valueOf(m, 'portal_alert_notifications_total', { status: 'resolved' })).toBe(1);
    expect(valueOf(m, 'portal_webhook_requests_total', { result: 'accepted' })).toBe(1);
    expect(valueOf(m, 'portal_webhook_requests_total', { result: 'rejected' })).toBe(1);
    // Only the services of this mode that are polled, and the portal itself.
    expect(Object.fromEntries(samplesOf(m, 'portal_service_up').map((x) => [x.labels.service, x.value]))).toEqual({ 'todo-api': 1, 'load-generator': 0, portal: 1 });
    const http = histogramSeries(m, 'http_server_request_duration_seconds');
    expect(Object.fromEntries([...http.values()].map((x) => [`${x.labels.method} ${x.labels.route} ${x.labels.status_code}`, x.count]))).toEqual({
      'POST /api/alerts/webhook 200': 1,
      'POST /api/alerts/webhook 400': 1,
      'GET /api/alerts/inbox 200': 2,
      'GET /api/services 200': 1,
      'GET unmatched 404': 1,
    });
    for (const [key, x] of http) {
      expect(x.sum, key).toBeGreaterThan(0);
      expect(x.buckets.get('+Inf'), key).toBe(x.count);
    }
    expect(valueOf(m, 'http_server_active_requests')).toBe(0);

    const text = await (await fetch(`${base}/metrics`)).text();
    const promtool = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';
    if (!existsSync(promtool)) throw new Error(`${promtool} is missing: apt-get install prometheus`);
    const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 10_000 });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('has every portal series from the start, at 0', async () => {
    const m = parseExposition((await (await app()).inject('/metrics')).body);
    expect(valueOf(m, 'portal_alert_notifications_total', { status: 'firing' })).toBe(0);
    expect(valueOf(m, 'portal_alert_notifications_total', { status: 'resolved' })).toBe(0);
    expect(valueOf(m, 'portal_webhook_requests_total', { result: 'accepted' })).toBe(0);
    expect(valueOf(m, 'portal_webhook_requests_total', { result: 'rejected' })).toBe(0);
    expect(valueOf(m, 'portal_webhook_requests_total', { result: 'unauthorized' })).toBe(0);
  });
});

describe('the page', () => {
  it('is served at / when built, else a clear 503', async () => {
    const a = await app();
    const res = await a.inject('/');
    if (existsSync(new URL('../dist/public/index.html', import.meta.url))) {
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<script type="module" src="app.js">');
    } else {
      expect(res.statusCode).toBe(503);
    }
  });
});
