/**
 * End to end, all on 127.0.0.1: the todo API on a real PostgreSQL, the load generator and the
 * portal as real processes, Prometheus and Alertmanager started with the repo's rendered configs,
 * and a local fake of the Telegram Bot API. Light load (10 RPS) fires nothing; the portal's
 * high-db-load and high-latency scenarios (run together to save time; the portal switches the
 * fault, the load generator only sends traffic) make HighDBLoad and HighLatency reach Telegram and
 * the portal inbox within 3 minutes; then every dashboard query is checked against the data.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { dashboardQueries, PROMETHEUS_RULES_DIR, writeStackConfig } from '@o11y/stack';
import { startFakeTelegram, type FakeTelegram, type TelegramMessage } from './helpers/fake-telegram.ts';
import { freePort } from './helpers/ports.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { startApp, type Spawned } from './helpers/process.ts';
import { promQuery, startAlertmanager, startPrometheus, type Server } from '../packages/stack/test/servers.ts';

const ALERT_DEADLINE_MS = 180_000;

interface InboxNotification {
  alertname: string;
  status: 'firing' | 'resolved';
  severity?: string;
  summary?: string;
}

let db: TestDatabase | undefined;
let dir: string;
let telegram: FakeTelegram | undefined;
const apps: Spawned[] = [];
const servers: Server[] = [];
const runIds: string[] = [];
let api: string;
let loadgen: string;
let portal: string;
let prometheus: Server;
let alertmanager: Server;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The lab secured as compose runs it: every token set.
const LAB_TOKEN = 'e2e-lab-token-0123456789abcdef';
const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
const ALERT_WEBHOOK_TOKEN = 'e2e-webhook-token-0123456789abcdef';
const lab = { authorization: `Bearer ${LAB_TOKEN}` };

async function json<T>(url: string, init?: RequestInit & { headers?: Record<string, string> }): Promise<T> {
  const res = await fetch(url, { ...init, headers: { ...lab, ...init?.headers }, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url} → HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

async function runScenario(id: string, body: Record<string, unknown>): Promise<string> {
  const run = await json<{ id: string }>(`${portal}/api/scenarios/${id}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  runIds.push(run.id);
  return run.id;
}

async function stopRuns(): Promise<void> {
  for (const id of runIds.splice(0)) {
    await fetch(`${loadgen}/api/runs/${id}/stop`, { method: 'POST', headers: lab, signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  }
}

/** The value of a one-series instant query, or undefined when it returns nothing. */
async function scalar(expr: string): Promise<number | undefined> {
  const r = await promQuery(prometheus.url, expr);
  if (r.status !== 'success') throw new Error(`${expr}: ${r.error}`);
  const v = r.data?.result[0]?.value?.[1];
  return v === undefined ? undefined : Number(v);
}

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/** Metric names an expression reads (label matchers, grouping clauses, ranges and strings removed). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  return [...bare.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1] as string).filter((n) => !PROMQL_WORDS.has(n.toLowerCase()));
}

function ruleExpressions(): string[] {
  return readdirSync(PROMETHEUS_RULES_DIR)
    .filter((f) => f.endsWith('.yml'))
    .flatMap((f) => (parse(readFileSync(join(PROMETHEUS_RULES_DIR, f), 'utf8')) as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.expr)));
}

function diagnostics(): string {
  return [
    `telegram: ${telegram?.messages.length ?? 0} messages, rejected: ${JSON.stringify(telegram?.rejected ?? [])}`,
    `prometheus log:\n${prometheus?.output().slice(-2000)}`,
    `alertmanager log:\n${alertmanager?.output().slice(-2000)}`,
    ...apps.map((a) => `app log:\n${a.output().slice(-1500)}`),
  ].join('\n');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'o11y-e2e-alerts-'));
  db = await createTestDatabase('e2e_alerts');
  telegram = await startFakeTelegram();
  const [apiPort, loadgenPort, portalPort, promPort, amPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  api = `http://127.0.0.1:${apiPort}`;
  loadgen = `http://127.0.0.1:${loadgenPort}`;
  portal = `http://127.0.0.1:${portalPort}`;
  const promUrl = `http://127.0.0.1:${promPort}`;
  const amUrl = `http://127.0.0.1:${amPort}`;

  const dataDir = (name: string) => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  apps.push(await startApp('todo-api', { PORT: String(apiPort), HOST: '127.0.0.1', DATABASE_URL: db.url, DATA_DIR: dataDir('todo-api'), ADMIN_TOKEN }, `${api}/health/ready`));
  apps.push(
    await startApp(
      'load-generator',
      { PORT: String(loadgenPort), HOST: '127.0.0.1', DATA_DIR: dataDir('load-generator'), TODO_API_URL: api, LAB_TOKEN },
      `${loadgen}/health/ready`,
    ),
  );
  apps.push(
    await startApp(
      'portal',
      {
        PORT: String(portalPort),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir('portal'),
        MODE: 'embedded',
        LOADGEN_URL: loadgen,
        LOADGEN_INTERNAL_URL: loadgen,
        ALERTMANAGER_URL: amUrl,
        ALERTMANAGER_INTERNAL_URL: amUrl,
        TODO_API_INTERNAL_URL: api,
        PROMETHEUS_INTERNAL_URL: promUrl,
        LAB_TOKEN,
        ALERT_WEBHOOK_TOKEN,
        TODO_API_ADMIN_TOKEN: ADMIN_TOKEN,
      },
      `${portal}/health/ready`,
    ),
  );

  const written = await writeStackConfig(
    join(dir, 'config'),
    { MODE: 'embedded', TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_CHAT_ID: telegram.chatId, TELEGRAM_API_URL: telegram.url, ALERT_WEBHOOK_TOKEN },
    {
      targets: {
        'todo-api': `127.0.0.1:${apiPort}`,
        'load-generator': `127.0.0.1:${loadgenPort}`,
        portal: `127.0.0.1:${portalPort}`,
        prometheus: `127.0.0.1:${promPort}`,
        alertmanager: `127.0.0.1:${amPort}`,
      },
      alertmanagerUrl: amUrl,
      portalWebhookUrl: `${portal}/api/alerts/webhook`,
      prometheusPublicUrl: promUrl,
      alertmanagerPublicUrl: amUrl,
      grafanaPublicUrl: 'http://127.0.0.1:3000',
    },
  );
  alertmanager = await startAlertmanager({ configFile: written.alertmanagerConfig, dataDir: dataDir('alertmanager'), port: amPort });
  servers.push(alertmanager);
  prometheus = await startPrometheus({ configFile: written.prometheusConfig, dataDir: dataDir('prometheus'), port: promPort, resendDelay: '1s' });
  servers.push(prometheus);

  // Every target scraped and up (bounded: 30 s).
  const deadline = Date.now() + 30_000;
  let up: number | undefined;
  while (Date.now() < deadline) {
    up = await scalar('count(up == 1)');
    if (up === 5) break;
    await sleep(1000);
  }
  expect(up, `targets up\n${diagnostics()}`).toBe(5);
}, 120_000);

afterAll(async () => {
  if (loadgen) await stopRuns();
  for (const s of servers.reverse()) await s.stop();
  for (const a of apps.reverse()) await a.stop();
  await telegram?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('alerts end to end', () => {
  it('light load (10 RPS of each scenario, no fault) fires neither HighDBLoad nor HighLatency', async () => {
    const started = Date.now();
    await runScenario('high-db-load', { rate: 10, duration: 40 });
    await runScenario('high-latency', { rate: 10, duration: 40, fault: false });
    // Let the 1m rates fill with light traffic (bounded: 45 s), then look at the whole phase.
    let statements: number | undefined;
    while (Date.now() - started < 45_000) {
      await sleep(5000);
      statements = await scalar('db:statements:rate1m');
    }
    await stopRuns();
    expect(statements, 'the app-side statement rate is measured').toBeGreaterThan(5);
    expect(statements).toBeLessThan(100);
    // GET /api/tasks answers in milliseconds here, 100x below the 0.5 s threshold, and the
    // statements/s stay well under 100: neither alert fires, nor is it even pending, at any
    // evaluation of the phase.
    const seen = await promQuery(prometheus.url, 'count_over_time(ALERTS{alertname=~"HighDBLoad|HighLatency"}[2m])');
    expect(seen.data?.result, JSON.stringify(seen.data?.result)).toEqual([]);
    expect(telegram?.messages.filter((m) => /HighDBLoad|HighLatency/.test(m.text))).toEqual([]);
  }, 90_000);

  it('high-db-load and high-latency make HighDBLoad and HighLatency reach Telegram and the portal inbox within 3 minutes', async () => {
    const started = Date.now();
    await runScenario('high-db-load', {});
    await runScenario('high-latency', { fault: true });

    const firing = (name: string) => (m: TelegramMessage) => m.text.includes(`FIRING: ${name}`);
    let dbLoad: TelegramMessage;
    let latency: TelegramMessage;
    try {
      [dbLoad, latency] = await Promise.all([telegram!.waitFor(firing('HighDBLoad'), ALERT_DEADLINE_MS), telegram!.waitFor(firing('HighLatency'), ALERT_DEADLINE_MS)]);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${diagnostics()}`);
    }

    // The message a person reads: what, how bad, how severe, where to look.
    expect(dbLoad.text).toContain('Database load is high');
    expect(dbLoad.text).toMatch(/Current value: <code>\d+\.\d statements\/s<\/code>/);
    expect(dbLoad.text).toContain('severity <b>warning</b>');
    expect(latency.text).toContain('GET /api/tasks is slow');
    expect(latency.text).toContain('severity <b>critical</b>');
    expect(latency.text).toMatch(/Current value: <code>[\d.]+m?s<\/code>/);
    expect(latency.text).toContain(`<a href="${prometheus.url}/graph?`);
    expect(latency.text).toContain('<a href="http://127.0.0.1:3000/d/o11y-todo-api">Grafana dashboard</a>');
    expect(latency.parse_mode).toBe('HTML');
    expect(telegram!.rejected).toEqual([]);

    // The same notifications in the portal's inbox (newest first), within the same 3 minutes.
    let inbox: InboxNotification[] = [];
    const has = (name: string) => inbox.some((n) => n.alertname === name && n.status === 'firing');
    while (Date.now() - started < ALERT_DEADLINE_MS) {
      inbox = await json<InboxNotification[]>(`${portal}/api/alerts/inbox`);
      if (has('HighDBLoad') && has('HighLatency') && has('FaultInjectionActive')) break;
      await sleep(1000);
    }
    expect(has('HighDBLoad'), JSON.stringify(inbox)).toBe(true);
    expect(has('HighLatency'), JSON.stringify(inbox)).toBe(true);
    expect(Date.now() - started).toBeLessThan(ALERT_DEADLINE_MS);
    // The latency fault is reported as info: to the inbox, never to Telegram.
    expect(has('FaultInjectionActive'), JSON.stringify(inbox)).toBe(true);
    expect(telegram!.messages.some((m) => m.text.includes('FIRING: FaultInjectionActive'))).toBe(false);
  }, ALERT_DEADLINE_MS + 20_000);

  it('every dashboard query is accepted by Prometheus, and all but the CockroachDB-only ones return data', async () => {
    const queries = dashboardQueries();
    const problems: string[] = [];
    for (const q of queries) {
      const r = await promQuery(prometheus.url, q.expr);
      const where = `${q.dashboard} / ${q.panel} / ${q.refId}`;
      if (r.status !== 'success') problems.push(`${where}: rejected: ${r.error}\n  ${q.expr}`);
      else if (!q.cockroachOnly && (r.data?.result.length ?? 0) === 0) problems.push(`${where}: no data\n  ${q.expr}`);
    }
    expect(problems).toEqual([]);
    expect(queries.filter((q) => !q.cockroachOnly).length).toBeGreaterThan(50);
  }, 60_000);

  it('every metric the rules and dashboards read is exposed by our services (the metric-name contract)', async () => {
    const names = new Set([...ruleExpressions(), ...dashboardQueries().filter((q) => !q.cockroachOnly).map((q) => q.expr)].flatMap(metricNames));
    // Recorded series (level:metric:operation), Prometheus' own series and CockroachDB's (compose) are not ours.
    const ours = [...names].filter((n) => !n.includes(':') && n !== 'up' && n !== 'ALERTS' && !/^(sql_|capacity)/.test(n));
    expect(ours.length).toBeGreaterThan(30);
    // A labelled counter has no series before its first event (e.g. no drop yet): then its metadata must be there.
    const metadata = await json<{ data: Record<string, unknown> }>(`${prometheus.url}/api/v1/metadata`);
    const missing: string[] = [];
    for (const name of ours) {
      const series = await scalar(`count({__name__="${name}"})`);
      const family = name.replace(/_(bucket|count|sum|total)$/, '');
      if (series === undefined && !(name in metadata.data) && !(family in metadata.data)) missing.push(name);
    }
    expect(missing).toEqual([]);
  }, 60_000);
});
