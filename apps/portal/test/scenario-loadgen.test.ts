import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotPath, type Browser } from '../../../test/helpers/browser.js';
import { freePort } from '../../../test/helpers/ports.js';
import { REPO_ROOT, startApp, type Spawned } from '../../../test/helpers/process.js';
import { fakeServer, json, nothingPolled, tempDir, type Fake } from './helpers.js';

// A scenario card driving the real load generator (apps/load-generator/dist, `npx tsc -b apps/load-generator`)
// through the real portal process, which switches the fault itself (TODO_API_ADMIN_TOKEN) and
// starts a plain run. The todo API is a small local server answering what the scenario calls:
// login, the fault switch and GET /api/tasks.
const tmp = tempDir('portal-scenario-');
const processes: Spawned[] = [];
const calls: string[] = [];
let todo: Fake;
let browser: Browser;
let portalUrl = '';
let loadgenPort = 0;

beforeAll(async () => {
  for (const app of ['portal', 'load-generator']) {
    if (!existsSync(join(REPO_ROOT, 'apps', app, 'dist', 'main.js'))) throw new Error(`apps/${app}/dist/main.js is missing: run \`npx tsc -b apps/${app}\``);
  }
  todo = await fakeServer((req, res) => {
    calls.push(`${req.method} ${req.url?.split('?')[0]}${req.url === '/api/faults' ? ` ${req.headers.authorization}` : ''}`);
    if (req.url === '/api/login') return json(res, 200, { token: 'test-token' });
    if (req.url === '/api/faults') return json(res, 200, {});
    if (req.url?.startsWith('/api/tasks')) return json(res, 200, []);
    return json(res, 200, { status: 'ok' });
  });
  loadgenPort = await freePort();
  processes.push(
    await startApp(
      'load-generator',
      { PORT: String(loadgenPort), HOST: '127.0.0.1', DATA_DIR: join(tmp.dir, 'load-generator'), TODO_API_URL: todo.url },
      `http://127.0.0.1:${loadgenPort}/health/ready`,
    ),
  );
  const portalPort = await freePort();
  processes.push(
    await startApp(
      'portal',
      {
        ...nothingPolled(),
        // vitest puts MODE=test into process.env, which startApp passes on.
        MODE: 'embedded',
        PORT: String(portalPort),
        HOST: '127.0.0.1',
        DATA_DIR: join(tmp.dir, 'portal'),
        LOADGEN_PORT: String(loadgenPort),
        LOADGEN_INTERNAL_URL: `http://127.0.0.1:${loadgenPort}`,
        TODO_API_INTERNAL_URL: todo.url,
        TODO_API_ADMIN_TOKEN: 'scenario-test-admin-token',
      },
      `http://127.0.0.1:${portalPort}/health/ready`,
    ),
  );
  portalUrl = `http://127.0.0.1:${portalPort}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  for (const p of processes.reverse()) await p.stop();
  await todo?.close();
  tmp.remove();
});

describe('scenario cards with the real load generator', () => {
  it('lists its scenarios, starts HighLatency with one click, shows live progress and links to the run', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${portalUrl}/`);
    const card = page.locator('[data-scenario="high-latency"]');
    const button = card.locator('button[data-action="run"]');
    await button.waitFor({ timeout: 10_000 });
    expect(await button.textContent()).toBe('Trigger HighLatency');
    expect(await page.locator('[data-scenario="high-db-load"] button[data-action="run"]').textContent()).toBe('Trigger HighDBLoad');
    expect(await card.textContent()).toContain('Raises HighLatency about 60 s after the start');

    await button.click();
    const run = card.locator('.run');
    await run.waitFor({ timeout: 10_000 });
    const runId = await run.getAttribute('data-run');
    expect(runId).toMatch(/\S/);
    await page.waitForFunction(
      `Number(document.querySelector('[data-scenario="high-latency"] [role="progressbar"]')?.getAttribute('aria-valuenow')) > 0`,
      undefined,
      { timeout: 15_000 },
    );
    expect(await run.getAttribute('data-state')).toBe('running');
    // The summary's counters follow the run's windows: wait for the first requests to show.
    await page.waitForFunction(`/sent [1-9]/.test(document.querySelector('[data-scenario="high-latency"] .run')?.textContent ?? '')`, undefined, { timeout: 15_000 });
    expect(await card.locator('[data-role="expectation"]').textContent()).toContain('HighLatency expected at about');
    expect(await button.isDisabled()).toBe(true);
    expect(await card.locator('a[data-link="load-generator:run"]').getAttribute('href')).toBe(`http://127.0.0.1:${loadgenPort}/#/runs/${runId}`);
    // The portal put the fault, with the admin token; the load generator only sent traffic.
    expect(calls).toContain('PUT /api/faults Bearer scenario-test-admin-token');
    expect(calls).toContain('POST /api/login');
    expect(calls).toContain('GET /api/tasks');
    await card.screenshot({ path: screenshotPath('portal-scenario-loadgen') });

    // The run resumes on the card after a reload.
    await page.reload();
    await page.locator(`[data-scenario="high-latency"] .run[data-run="${runId}"]`).waitFor({ timeout: 10_000 });
    await page.close();
  });
});
