// A drill driven in Chromium from the portal's page to the debrief: a real lab (the todo API on
// PostgreSQL and the load generator as processes, Prometheus scraping them every second, the portal
// in-process and listening: test/helpers/drill-lab.ts), a short delay chosen in the page's options.
// With UPDATE_DOCS_IMAGES=1 it saves the debrief to docs/img/debrief.png (the README's "Practise"
// section shows it); otherwise a test run leaves the working tree as it found it.
// Build first: `npx tsc -b && npm run build:ui -w apps/portal` (the page and the apps' dist/).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotPath, type Browser } from '../../../test/helpers/browser.js';
import { generateDrill } from '../src/drills/catalogue.js';
import { startDrillLab, type DrillLab } from '../../../test/helpers/drill-lab.js';
import { REPO_ROOT } from '../../../test/helpers/process.js';
import { promQuery } from '../../../packages/stack/test/servers.js';

/** The seed replays the same hog: its share of a core is known. */
const SEED = 42;
const SHARE = (generateDrill('cpu-hog', SEED, { routes: ['GET /api/tasks'] }).fault?.cpu_hog as { share: number }).share;
const dir = mkdtempSync(join(tmpdir(), 'o11y-drill-page-'));
let lab: DrillLab;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  lab = await startDrillLab({ name: 'page', dir, rate: 20, listen: true });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The todo API's CPU over the last 12 s (the drill's own evidence query). */
async function cpu(): Promise<number> {
  const r = await promQuery(lab.prometheus.url, 'sum(rate(process_cpu_seconds_total{job="todo-api"}[12s]))');
  return Number(r.data?.result[0]?.value?.[1] ?? 0);
}

describe('a drill in the page', () => {
  it('runs from Start to the debrief: timer and tools only, a hint, the structured answer, the score and the evidence', async () => {
    await page.goto(`${lab.portalUrl}/`);
    const drills = page.locator('#drills');
    await drills.locator('[data-drill="cpu-hog"] button[data-action="start"]').waitFor();
    // A short delay from the options, then Start.
    await drills.locator('.drill-options summary').click();
    // 20 s: enough healthy traffic before the fault for a baseline (the rates' range is 12 s here).
    await drills.locator('input[name="fault_after_s"]').fill('20');
    await drills.locator('input[name="seed"]').fill(String(SEED));
    await drills.locator('[data-drill="cpu-hog"] button[data-action="start"]').click();

    const run = drills.locator('[data-role="running"]');
    await run.waitFor({ timeout: 30_000 });
    expect(await run.locator('.run-head h3').textContent()).toBe('CPU hog');
    expect(await run.locator('[data-role="timer"]').textContent()).toMatch(/^0:\d\d$/);
    expect(await run.locator('[data-role="message"]').textContent()).toMatch(/Get to know the healthy lab|Something is wrong/);
    // The tools of this mode: Prometheus, the todo API, the load generator; Grafana and Jaeger do not run here.
    // (Debian's Prometheus has only the classic UI: the portal links to the page that exists.)
    expect(await run.locator('.tools a[data-link="prometheus:ui"]').getAttribute('href')).toMatch(new RegExp(`^${lab.prometheus.url}(/classic)?/alerts$`));
    expect(await run.locator('.tools a[data-link="grafana:ui"]').count()).toBe(0);
    // Nothing says what is wrong, and answering waits for it.
    expect(await drills.textContent()).not.toMatch(/cpu_hog|share/);

    await drills.locator('[data-role="running"][data-state="active"]').waitFor({ timeout: 40_000 });
    expect(await run.locator('[data-role="message"]').textContent()).toBe('Something is wrong: find it.');
    await page.screenshot({ path: screenshotPath('portal-drill-running') });
    await run.locator('button[data-action="hint"]').click();
    await run.locator('.hint-list li').first().waitFor();
    expect(await run.locator('.hint-list li').count()).toBe(1);
    expect(await run.locator('[data-role="hints"]').textContent()).toContain('Hints: 1 of 3');

    // The learner investigates: here, until Prometheus shows most of the hog (bounded; a busy machine gives it less).
    await expect.poll(cpu, { timeout: 60_000, interval: 1000 }).toBeGreaterThan(0.6 * SHARE);
    const form = run.locator('form[data-role="answer-form"]');
    await form.locator('select[name="symptom"]').selectOption('saturation');
    expect(await form.locator('select[name="where"] option').allTextContents()).toEqual(expect.arrayContaining(['all: the whole service', 'GET /api/tasks', 'DELETE /api/tasks/{id}']));
    await form.locator('select[name="where"]').selectOption('all');
    await form.locator('select[name="layer"]').selectOption('cpu');
    await form.locator('button[data-action="answer"]').click();

    const debrief = drills.locator('[data-role="debrief"]');
    await debrief.waitFor({ timeout: 60_000 });
    // Three right fields, one hint: 100 − 10.
    expect(await debrief.getAttribute('data-score')).toBe('90');
    expect(await debrief.locator('.score-table .verdict.ok').count()).toBe(3);
    expect(await debrief.locator('.score-table .verdict.bad').count()).toBe(0);
    expect(await debrief.locator('[data-role="injected"]').textContent()).toContain(`Seed ${SEED}`);
    expect(await debrief.locator('[data-role="injected"] .fault-body').textContent()).toContain('"cpu_hog"');
    const cpuRow = debrief.locator('[data-evidence="cpu"] table.values tbody tr').first();
    const [before, during] = (await cpuRow.locator('td.num').allTextContents()).map(Number);
    expect(during).toBeGreaterThan((before as number) + 0.1);
    expect(await debrief.locator('[data-evidence="cpu"] a[data-link="prometheus:graph:cpu"]').getAttribute('href')).toMatch(new RegExp(`^${lab.prometheus.url}(/classic)?/graph\\?g0\\.expr=`));
    expect(await debrief.locator('[data-role="not-fired"] [data-alertname="FaultInjectionActive"]').count()).toBe(1);
    await drills.screenshot({ path: screenshotPath('portal-drill-debrief') });
    if (process.env.UPDATE_DOCS_IMAGES === '1') await drills.locator('.drill-ended').screenshot({ path: join(REPO_ROOT, 'docs', 'img', 'debrief.png') });

    // The history and scoreboard have it; the debrief reopens from there.
    const row = drills.locator('table.history tbody tr').first();
    expect(await row.getAttribute('data-state')).toBe('answered');
    expect(await row.locator('td.num').first().textContent()).toBe('90');
    expect(await drills.locator('[data-role="scoreboard"] [data-drill="cpu-hog"]').textContent()).toContain('best 90');
    await drills.locator('button[data-action="back"]').click();
    await drills.locator('[data-drill="random"]').waitFor();
    await row.locator('button[data-action="open-session"]').click();
    await debrief.waitFor();

    // It reads on a phone, and in Russian.
    await page.setViewportSize({ width: 375, height: 812 });
    const { scroll, client } = (await page.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })')) as { scroll: number; client: number };
    expect(scroll).toBeLessThanOrEqual(client);
    await page.click('button[data-lang="ru"]');
    expect(await drills.locator('h2').first().textContent()).toBe('Учебные инциденты');
    expect(await debrief.locator('[data-role="alerts"] h4').textContent()).toBe('Поймали бы это ваши правила?');
    await page.screenshot({ path: screenshotPath('portal-drill-debrief-mobile'), fullPage: true });
  }, 240_000);
});
