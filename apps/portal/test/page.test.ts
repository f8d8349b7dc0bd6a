import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES } from '@o11y/platform';
import { launchBrowser, screenshotPath, type Browser } from '../../../test/helpers/browser.js';
import { freePort } from '../../../test/helpers/ports.js';
import { REPO_ROOT, startApp, type Spawned } from '../../../test/helpers/process.js';
import { fakeServer, json, tempDir, webhookPayload, type Fake } from './helpers.js';

// The real portal process (dist/main.js + the built page) in real Chromium.
// Build first: `npx tsc -b apps/portal && npm run build:ui -w apps/portal` (`npm test` does).
const DIST = join(REPO_ROOT, 'apps', 'portal', 'dist');
const tmp = tempDir('portal-page-');
const dataDir = join(tmp.dir, 'data');
let browser: Browser;
let portalProc: Spawned | undefined;
let port = 0;
let base = '';
let todo: Fake | undefined;
let todoPort = 0;
let loadgen: Fake;
let alertmanager: Fake;
const started: Spawned[] = [];

const healthy = (_req: IncomingMessage, res: ServerResponse) => json(res, 200, { status: 'ready' });

/** A load generator answering what a scenario asks of it: a run started, and a summary that advances on every poll. */
function fakeLoadgen(): Promise<Fake> {
  let polls = 0;
  return fakeServer((req, res) => {
    if (req.url === '/health/ready') return json(res, 200, { status: 'ready' });
    if (req.method === 'POST' && req.url === '/api/runs') return json(res, 201, { id: 'run-42' });
    if (req.url === '/api/runs/run-42') {
      polls += 1;
      const elapsed = Math.min(120, polls * 6);
      return json(res, 200, {
        id: 'run-42',
        state: 'running',
        started_at: new Date(Date.now() - elapsed * 1000).toISOString(),
        elapsed,
        duration: 120,
        sent: elapsed * 100,
        ok: elapsed * 100,
        failed: 0,
        dropped: 0,
        achieved_rps: 99.8,
        latency: { p50: 210, p99: 740 },
      });
    }
    return json(res, 404, { error: 'not found' });
  });
}

async function startPortal(extra: Record<string, string> = {}, atPort?: number): Promise<{ proc: Spawned; port: number }> {
  const p = atPort ?? (await freePort());
  const proc = await startApp(
    'portal',
    {
      PORT: String(p),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      MODE: 'embedded',
      HEALTH_INTERVAL_MS: '1000',
      HEALTH_TIMEOUT_MS: '1000',
      TODO_API_INTERNAL_URL: `http://127.0.0.1:${todoPort}`,
      LOADGEN_INTERNAL_URL: loadgen.url,
      ALERTMANAGER_INTERNAL_URL: alertmanager.url,
      PROMETHEUS_INTERNAL_URL: 'none',
      // The scenarios switch the todo API's fault themselves (the fake todo API accepts it).
      TODO_API_ADMIN_TOKEN: 'page-test-admin-token',
      ...extra,
    },
    `http://127.0.0.1:${p}/health/ready`,
  );
  started.push(proc);
  return { proc, port: p };
}

async function open(url: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  await page.goto(url);
  await page.locator('[data-service="todo-api"]').first().waitFor();
  return page;
}

// Browser-side expressions are strings: the tests' tsconfig has no DOM types.
const dotColor = (page: Page, id: string) =>
  page.evaluate(`getComputedStyle(document.querySelector('#section-main [data-service="${id}"] .dot')).backgroundColor`);

const href = (page: Page, link: string) => page.locator(`a[data-link="${link}"]`).first().getAttribute('href');

beforeAll(async () => {
  for (const f of ['main.js', 'public/index.html', 'public/app.js']) {
    if (!existsSync(join(DIST, f))) throw new Error(`apps/portal/dist/${f} is missing: run \`npx tsc -b apps/portal && npm run build:ui -w apps/portal\``);
  }
  todo = await fakeServer(healthy);
  todoPort = todo.port;
  loadgen = await fakeLoadgen();
  alertmanager = await fakeServer((req, res) =>
    req.url?.startsWith('/api/v2/alerts')
      ? json(res, 200, [
          {
            labels: { alertname: 'HighDBLoad', severity: 'warning' },
            annotations: { summary: 'More than 100 database statements per second' },
            startsAt: new Date(Date.now() - 95_000).toISOString(),
            status: { state: 'active', silencedBy: [], inhibitedBy: [] },
          },
        ])
      : json(res, 200, {}),
  );
  ({ proc: portalProc, port } = await startPortal());
  base = `http://127.0.0.1:${port}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(started.map((p) => p.stop()));
  await Promise.all([todo?.close(), loadgen?.close(), alertmanager?.close()]);
  tmp.remove();
});

describe('the portal page', () => {
  it('renders every section: drills, scenarios, firing alerts, inbox, the four service sections and the guide', async () => {
    const page = await open(`${base}/`);
    await page.locator('#drills [data-drill="cpu-hog"] button[data-action="start"]').waitFor();
    expect(await page.locator('#drills [data-drill]').count()).toBe(9);
    expect(await page.locator('#drills [data-drill="random"] button').textContent()).toBe('Surprise me');
    expect(await page.locator('#drills [data-drill="pool-exhaustion"] .badge').textContent()).toBe('hard');
    expect(await page.locator('#drills [data-state="empty"]').textContent()).toBe('No drills finished yet.');
    for (const id of ['drills', 'scenarios', 'firing', 'inbox', 'section-main', 'section-metrics', 'section-monitoring', 'section-admin', 'guide']) {
      await expect(page.locator(`#${id} h2`).isVisible(), id).resolves.toBe(true);
    }
    for (const s of SERVICES) {
      expect(await page.locator(`#section-${s.section} [data-service="${s.id}"]`).count(), s.id).toBe(1);
    }
    for (const id of ['todo-api', 'load-generator', 'cockroachdb']) {
      expect(await page.locator(`#section-metrics a[data-link="${id}:metrics"]`).count(), id).toBe(1);
    }
    await page.locator('[data-scenario="high-latency"] button[data-action="run"]').waitFor();
    expect(await page.locator('[data-scenario]').count()).toBe(3);
    expect(await page.locator('[data-scenario="high-db-load"] button').textContent()).toBe('Trigger HighDBLoad');
    expect(await page.locator('[data-scenario="smoke"] button').textContent()).toBe('Start');
    await page.locator('#firing [data-alertname="HighDBLoad"]').waitFor();
    await page.locator('#section-main [data-service="todo-api"][data-status="up"]').waitFor({ timeout: 10_000 });
    const grafana = page.locator('#section-monitoring [data-service="grafana"]');
    expect(await grafana.getAttribute('data-status')).toBe('not_in_mode');
    expect(await grafana.locator('.status-text').textContent()).toBe('not running in this mode');
    expect(await page.locator('#guide').textContent()).toContain('GET /api/tasks at 100 requests per second for 120 s');
    await page.screenshot({ path: screenshotPath('portal-desktop'), fullPage: true });
    await page.close();
  });

  it('builds links from the host the page was opened on: 127.0.0.1 and localhost', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const page = await open(`http://${host}:${port}/`);
      expect(await href(page, 'todo-api:ui')).toBe(`http://${host}:4000/swagger`);
      expect(await href(page, 'todo-api:health')).toBe(`http://${host}:4000/health/ready`);
      expect(await href(page, 'load-generator:ui')).toBe(`http://${host}:8081/`);
      expect(await href(page, 'todo-api:metrics')).toBe(`http://${host}:4000/metrics`);
      expect(await href(page, 'load-generator:metrics')).toBe(`http://${host}:8081/metrics`);
      expect(await href(page, 'cockroachdb:metrics')).toBe(`http://${host}:8080/_status/vars`);
      expect(await href(page, 'grafana:ui')).toBe(`http://${host}:3000/`);
      expect(await href(page, 'prometheus:ui')).toBe(`http://${host}:9090/alerts`);
      expect(await href(page, 'alertmanager:ui')).toBe(`http://${host}:9093/`);
      expect(await href(page, 'jaeger:ui')).toBe(`http://${host}:16686/search`);
      expect(await href(page, 'cockroachdb:ui')).toBe(`http://${host}:8080/`);
      expect(await href(page, 'portainer:ui')).toBe(`http://${host}:9000/`);
      expect(await href(page, 'portal:ui')).toBe(`http://${host}:${port}/`);
      await page.close();
    }
  });

  it('uses PUBLIC_BASE_URL and per-service URL variables when they are set', async () => {
    const { port: other } = await startPortal({ PUBLIC_BASE_URL: 'https://o11y.example.test', GRAFANA_URL: 'https://grafana.example.test/', DATA_DIR: join(tmp.dir, 'other') });
    const page = await open(`http://127.0.0.1:${other}/`);
    expect(await href(page, 'todo-api:ui')).toBe('https://o11y.example.test:4000/swagger');
    expect(await href(page, 'cockroachdb:metrics')).toBe('https://o11y.example.test:8080/_status/vars');
    expect(await href(page, 'grafana:ui')).toBe('https://grafana.example.test/');
    await page.close();
  });

  it('turns a stopped service red within 10 s and green again when it is back', async () => {
    const page = await open(`${base}/`);
    const card = page.locator('#section-main [data-service="todo-api"]');
    await page.locator('#section-main [data-service="todo-api"][data-status="up"]').waitFor({ timeout: 10_000 });
    expect(await card.locator('.latency').textContent()).toMatch(/^\d+ ms$/);
    await todo?.close();
    todo = undefined;
    const stoppedAt = Date.now();
    await page.locator('#section-main [data-service="todo-api"][data-status="down"]').waitFor({ timeout: 10_000 });
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect(await dotColor(page, 'todo-api')).toBe('rgb(220, 38, 38)');
    await page.screenshot({ path: screenshotPath('portal-service-down') });
    todo = await fakeServer(healthy, todoPort);
    await page.locator('#section-main [data-service="todo-api"][data-status="up"]').waitFor({ timeout: 10_000 });
    expect(await dotColor(page, 'todo-api')).toBe('rgb(22, 163, 74)');
    await page.close();
  });

  it('shows a webhook notification in the inbox, and still after the portal restarts', async () => {
    const res = await fetch(`${base}/api/alerts/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(webhookPayload([{ alertname: 'HighLatency', summary: 'p99 of GET /api/tasks above 500 ms' }])),
    });
    expect(res.status).toBe(200);
    let page = await open(`${base}/`);
    const msg = '#inbox .msg[data-alertname="HighLatency"][data-status="firing"]';
    await page.locator(msg).waitFor({ timeout: 10_000 });
    expect(await page.locator(msg).textContent()).toContain('p99 of GET /api/tasks above 500 ms');
    await page.close();

    await portalProc?.stop();
    ({ proc: portalProc } = await startPortal({}, port));
    page = await open(`${base}/`);
    await page.locator(msg).waitFor({ timeout: 10_000 });
    await page.locator('#inbox').screenshot({ path: screenshotPath('portal-inbox') });
    await page.close();
  });

  it('switches between English and Russian and remembers the choice', async () => {
    const page = await open(`${base}/`);
    expect(await page.locator('#section-main h2').textContent()).toBe('Main services');
    await page.click('button[data-lang="ru"]');
    expect(await page.locator('#section-main h2').textContent()).toBe('Основные сервисы');
    expect(await page.locator('#guide h2').textContent()).toBe('Проверка алертинга');
    expect(await page.evaluate('document.documentElement.lang')).toBe('ru');
    expect(await page.evaluate(`localStorage.getItem('o11y.portal.lang')`)).toBe('ru');
    await page.reload();
    await page.locator('[data-service="todo-api"]').first().waitFor();
    expect(await page.locator('#section-main h2').textContent()).toBe('Основные сервисы');
    expect(await page.locator('button[data-lang="ru"]').getAttribute('aria-pressed')).toBe('true');
    await page.locator('[data-scenario="high-latency"] button').waitFor();
    await page.screenshot({ path: screenshotPath('portal-ru'), fullPage: true });
    await page.click('button[data-lang="en"]');
    expect(await page.locator('#section-main h2').textContent()).toBe('Main services');
    await page.close();

    const ru = await launchBrowser({ locale: 'ru-RU' });
    try {
      const p = await ru.context.newPage();
      await p.goto(`${base}/`);
      await p.locator('[data-service="todo-api"]').first().waitFor();
      expect(await p.locator('#section-admin h2').textContent()).toBe('Администрирование');
    } finally {
      await ru.close();
    }
  });

  it('fits a 375 px wide screen without horizontal scrolling', async () => {
    const page = await open(`${base}/`, { width: 375, height: 812 });
    await page.locator('[data-scenario="high-latency"]').waitFor();
    await page.locator('#inbox .msg').first().waitFor();
    const { scroll, client } = (await page.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })')) as { scroll: number; client: number };
    expect(client).toBe(375);
    expect(scroll).toBeLessThanOrEqual(client);
    await page.screenshot({ path: screenshotPath('portal-mobile'), fullPage: true });
    await page.close();
  });

  it('starts a scenario with one click, shows its progress and expected alert, and links to the live run', async () => {
    const page = await open(`${base}/`);
    const card = page.locator('[data-scenario="high-latency"]');
    await card.locator('button[data-action="run"]').click();
    await card.locator('.run[data-run="run-42"]').waitFor({ timeout: 10_000 });
    await page.waitForFunction(`Number(document.querySelector('[data-scenario="high-latency"] [role="progressbar"]')?.getAttribute('aria-valuenow')) > 0`, undefined, { timeout: 10_000 });
    expect(await card.locator('[data-role="expectation"]').textContent()).toMatch(/HighLatency expected at about/);
    expect(await card.locator('.run').textContent()).toContain('p99 740 ms');
    expect(await href(page, 'load-generator:run')).toBe('http://127.0.0.1:8081/#/runs/run-42');
    expect(await card.locator('button[data-action="run"]').isDisabled()).toBe(true);
    await card.screenshot({ path: screenshotPath('portal-scenario-run') });
    await page.close();
  });
});
