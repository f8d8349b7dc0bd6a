// The load generator's page in Debian's Chromium, against the real engine and a local target.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { launchBrowser, screenshotPath } from '../../../test/helpers/browser.js';
import type { RunSummary } from '../src/contract/schemas.js';
import { until, usePage } from './ui-helpers.js';

const ui = usePage();
const openPage = ui.openPage;

const num = async (page: Page, sel: string) => Number((await page.locator(sel).innerText()).replace(/[^\d.]/g, ''));
const runIdOf = (page: Page) => /#\/runs\/([^/]+)/.exec(page.url())?.[1];

async function fill(page: Page, { path, rate, duration }: { path: string; rate: string; duration: string }): Promise<void> {
  await page.fill('#url', `${ui.target.url}${path}`);
  await page.fill('#rate', rate);
  await page.fill('#duration', duration);
}

describe('load generator page', () => {
  it('starts a 5-second run from the form, updates charts and counters live, shows the summary', async () => {
    const page = await openPage();
    await page.screenshot({ path: screenshotPath('loadgen-form') });
    await page.selectOption('#method', 'POST');
    await page.locator('#headers-rows .h-name').first().fill('Content-Type');
    await page.locator('#headers-rows .h-value').first().fill('application/json');
    await page.fill('#body', '{"title":"Load","status":"pending"}');
    await fill(page, { path: '/ui-run', rate: '20', duration: '5' });
    await page.selectOption('#profile', 'constant');
    await page.click('#start');

    await until(() => runIdOf(page), 5000, 'the run page');
    await expect.poll(() => page.locator('#run-state').innerText()).toBe('running');
    // Counters move while it runs: the total grows between two readings.
    await until(async () => (await num(page, '#c-total')) > 0, 5000, 'a first count');
    const early = await num(page, '#c-total');
    await until(async () => (await num(page, '#c-total')) > early, 5000, 'the count to grow');
    // Four live charts, and the RPS chart already has points.
    await expect.poll(() => page.locator('#run-panel .uplot').count()).toBe(4);
    await expect.poll(() => page.locator('#c-rps').innerText()).not.toBe('—');
    await page.screenshot({ path: screenshotPath('loadgen-running'), fullPage: true });

    await until(async () => (await page.locator('#run-state').innerText()) === 'finished', 15_000, 'the run to finish');
    await page.locator('#run-summary').waitFor();
    const total = await num(page, '#c-total');
    expect(total).toBeGreaterThanOrEqual(95);
    expect(total).toBeLessThanOrEqual(102);
    expect(total).toBe(ui.target.count('/ui-run'));
    expect(await num(page, '#c-success')).toBe(total);
    expect(await page.locator('#c-fail').innerText()).toBe('0');
    expect(await page.locator('#c-success-rate').innerText()).toMatch(/^100\s*%$/);
    expect(await page.locator('#s-status').innerText()).toContain('200');
    expect(await page.locator('#report-csv').getAttribute('href')).toContain('format=csv');
    const seen = ui.target.requests.find((r) => r.url === '/ui-run');
    expect(seen?.method).toBe('POST');
    expect(seen?.headers['content-type']).toBe('application/json');
    // The history lists it and reopening shows its charts and summary.
    const id = runIdOf(page)!;
    await page.locator(`#history-list a[data-run-id="${id}"]`).waitFor();
    await page.screenshot({ path: screenshotPath('loadgen-finished'), fullPage: true });
    const again = await ui.browser.context.newPage();
    await again.goto(`${ui.lg.url}/#/runs/${id}`);
    await again.locator('#run-summary').waitFor();
    expect(await again.locator('#run-state').innerText()).toBe('finished');
    expect(await again.locator('#run-panel .uplot').count()).toBe(4);
    await again.close();
    await page.close();
  }, 60_000);

  it('stops a run midway', async () => {
    const page = await openPage();
    await fill(page, { path: '/ui-stop', rate: '20', duration: '60' });
    await page.click('#start');
    await until(async () => (await page.locator('#c-total').innerText()) !== '—' && (await num(page, '#c-total')) > 0, 8000, 'requests');
    await page.click('#stop');
    await until(async () => (await page.locator('#run-state').innerText()) === 'stopped', 5000, 'the stopped state');
    await page.locator('#run-summary').waitFor();
    const after = ui.target.count('/ui-stop');
    await new Promise((r) => setTimeout(r, 1200));
    expect(ui.target.count('/ui-stop')).toBe(after);
    expect(after).toBeLessThan(20 * 10);
    expect(await page.locator('#stop').isHidden()).toBe(true);
    await page.screenshot({ path: screenshotPath('loadgen-stopped') });
    await page.close();
  }, 30_000);

  it('shows an invalid URL, invalid JSON body and API refusals inline, next to the field', async () => {
    const page = await openPage();
    const before = page.url();
    await page.fill('#url', 'not a url');
    await expect.poll(() => page.locator('#err-url').innerText()).toMatch(/absolute http/);
    await page.selectOption('#method', 'POST');
    await page.fill('#body', '{"title": ');
    await expect.poll(() => page.locator('#err-body').innerText()).toMatch(/Invalid JSON/);
    expect(await page.locator('#body').getAttribute('aria-invalid')).toBe('true');
    await page.click('#start');
    await expect.poll(() => page.locator('#err-form').innerText()).toMatch(/Fix the highlighted fields/);
    expect(page.url()).toBe(before);
    await page.screenshot({ path: screenshotPath('loadgen-errors') });

    // Fixing them clears the messages.
    await page.fill('#body', '{"title": "ok"}');
    await expect.poll(() => page.locator('#err-body').isHidden()).toBe(true);
    // A host outside TARGET_ALLOWLIST: the server's 403 appears under the URL.
    await page.fill('#url', 'http://example.invalid/api/ping');
    await page.fill('#duration', '5');
    await page.click('#start');
    await expect.poll(() => page.locator('#err-url').innerText()).toMatch(/TARGET_ALLOWLIST/);
    // A rate above MAX_RATE: the server's 400 names the field.
    await page.fill('#url', `${ui.target.url}/never`);
    await page.fill('#rate', '9999999');
    await page.click('#start');
    await expect.poll(() => page.locator('#err-rate').innerText()).not.toBe('');
    expect(page.url()).toBe(before);
    expect(ui.target.count('/never')).toBe(0);
    await page.close();
  });

  it('sends headers typed as the original\'s "Name: value" lines', async () => {
    const page = await openPage();
    await page.click('#headers-mode-text');
    await page.fill('#headers-text', 'X-Mode: text\nBroken line');
    await expect.poll(() => page.locator('#err-headers').innerText()).toMatch(/Line 2/);
    await page.fill('#headers-text', 'X-Mode: text\nX-Other: two words');
    await expect.poll(() => page.locator('#err-headers').isHidden()).toBe(true);
    await fill(page, { path: '/ui-text-headers', rate: '5', duration: '1' });
    await page.click('#start');
    await until(async () => (await page.locator('#run-state').innerText()) === 'finished', 10_000, 'the run to finish');
    const hit = ui.target.requests.find((r) => r.url === '/ui-text-headers');
    expect(hit?.headers['x-mode']).toBe('text');
    expect(hit?.headers['x-other']).toBe('two words');
    // Back to rows: the lines become rows.
    await page.click('#headers-mode-rows');
    expect(await page.locator('#headers-rows .h-name').nth(1).inputValue()).toBe('X-Other');
    await page.close();
  }, 30_000);

  it('says so next to Start when too many runs are active (429)', async () => {
    const started: string[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${ui.lg.url}/api/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ target: { method: 'GET', url: `${ui.target.url}/ui-busy` }, rate: 1, duration: 60 }),
        });
        if (res.status === 429) break;
        expect(res.status).toBe(201);
        started.push(((await res.json()) as { id: string }).id);
      }
      const page = await openPage();
      await fill(page, { path: '/ui-too-many', rate: '5', duration: '5' });
      await page.click('#start');
      await expect.poll(() => page.locator('#err-form').innerText()).toMatch(/Too many runs/);
      expect(runIdOf(page)).toBeUndefined();
      await page.close();
    } finally {
      for (const id of started) await fetch(`${ui.lg.url}/api/runs/${id}/stop`, { method: 'POST' });
    }
  }, 30_000);

  it('switches language, remembers it, and follows the browser language by default', async () => {
    // Its own browser profile, so the remembered choice does not leak into the other tests.
    const own = await launchBrowser({ locale: 'en-US' });
    const page = await own.context.newPage();
    page.on('pageerror', (err) => ui.pageErrors.push(err.message));
    await page.goto(`${ui.lg.url}/`);
    await page.locator('#profile option').first().waitFor({ state: 'attached' });
    expect(await page.locator('h1').innerText()).toBe('Load generator');
    expect(await page.locator('#start').innerText()).toBe('Start');
    await page.click('button[data-lang="ru"]');
    expect(await page.locator('h1').innerText()).toBe('Генератор нагрузки');
    expect(await page.locator('#start').innerText()).toBe('Старт');
    expect(await page.locator('label[for="rate"]').innerText()).toMatch(/Запросов в секунду/);
    expect(await page.locator('#profile option[value="spiky"]').innerText()).toMatch(/^Спайковая/);
    expect(await page.getAttribute('html', 'lang')).toBe('ru');
    await page.screenshot({ path: screenshotPath('loadgen-ru') });
    await page.reload();
    await page.locator('#profile option').first().waitFor({ state: 'attached' });
    expect(await page.locator('h1').innerText()).toBe('Генератор нагрузки');
    await page.click('button[data-lang="en"]');
    expect(await page.locator('h1').innerText()).toBe('Load generator');
    await own.close();

    const ru = await launchBrowser({ locale: 'ru-RU' });
    try {
      const p = await ru.context.newPage();
      await p.goto(`${ui.lg.url}/`);
      expect(await p.locator('h1').innerText()).toBe('Генератор нагрузки');
    } finally {
      await ru.close();
    }
  });

  it('shows the latency breakdown next to the total, says when the generator, not the target, is the bottleneck (in English and Russian), and lists the summary\'s other warnings', async () => {
    const startRun = async (body: Record<string, unknown>) => {
      const res = await fetch(`${ui.lg.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: { url: `${ui.target.url}/ui-phases` }, ...body }) });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const finished = async (id: string) => {
      await expect.poll(async () => ((await (await fetch(`${ui.lg.url}/api/runs/${id}`)).json()) as RunSummary).state, { timeout: 15_000 }).toBe('finished');
      return (await (await fetch(`${ui.lg.url}/api/runs/${id}`)).json()) as RunSummary;
    };
    const shown = async (page: Page, sel: string) => Number((await page.locator(sel).innerText()).replace(/[^\d.]/g, ''));
    // As the page rounds (fmtMs: Intl's half-away-from-zero on the shortest decimal, so 0.285 → 0.29
    // where toFixed, working on the binary value 0.28499…, gives 0.28).
    const intl = (x: number, digits: number) => Number(x.toLocaleString('en-US', { maximumFractionDigits: digits, useGrouping: false }));
    const rounded = (x: number) => intl(x, x < 10 ? 2 : x < 100 ? 1 : 0);

    const healthyId = await startRun({ rate: 40, duration: 2 });
    const healthy = await finished(healthyId);
    const page = await openPage();
    await page.goto(`${ui.lg.url}/#/runs/${healthyId}`);
    await page.locator('#run-summary').waitFor();
    // The three phases' p99 beside the total p99, as the summary has them.
    expect(await shown(page, '#c-to-sent')).toBe(rounded(healthy.latency_breakdown.intended_to_sent.p99));
    expect(await shown(page, '#c-to-first-byte')).toBe(rounded(healthy.latency_breakdown.sent_to_first_byte.p99));
    expect(await shown(page, '#c-to-done')).toBe(rounded(healthy.latency_breakdown.first_byte_to_done.p99));
    expect(await page.locator('#s-sent-to-first-byte td').first().innerText()).toBe(String(rounded(healthy.latency_breakdown.sent_to_first_byte.p50)));
    expect(await page.locator('#s-intended-to-sent th').innerText()).toBe('intended → sent');
    expect(await page.locator('#run-bottleneck').isHidden()).toBe(true);

    // An in-flight cap of 1 at 2 000 rps: the generator drops what the target would take at once.
    const cappedId = await startRun({ rate: 2000, duration: 2, max_in_flight: 1 });
    const capped = await finished(cappedId);
    expect(capped.bottleneck).toBe('generator');
    await page.goto(`${ui.lg.url}/#/runs/${cappedId}`);
    await page.locator('#run-summary').waitFor();
    const warning = page.locator('#run-bottleneck');
    await expect.poll(() => warning.isVisible()).toBe(true);
    expect(await warning.innerText()).toContain('the generator, not the target, is the bottleneck');
    const dropped = /([\d.]+) % of the schedule dropped/.exec(await warning.innerText());
    expect(Number(dropped?.[1])).toBe(intl((100 * capped.dropped) / (capped.sent + capped.dropped), 1));
    await page.screenshot({ path: screenshotPath('loadgen-bottleneck'), fullPage: true });
    await page.click('button[data-lang="ru"]');
    await expect.poll(() => warning.innerText()).toContain('узкое место — генератор нагрузки, а не цель');
    expect(await page.locator('#s-intended-to-sent th').innerText()).toBe('план → отправка');
    await page.click('button[data-lang="en"]');
    expect(await page.locator('#run-warnings').isHidden()).toBe(true);

    // A target that holds every request SLOW_MS, at 50 rps under a cap of 2: the drops are the
    // target's, so no bottleneck verdict, but the summary's warning says so, and so does the page.
    const slowRes = await fetch(`${ui.lg.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: { url: `${ui.target.url}/ui-slow` }, rate: 50, duration: 2, max_in_flight: 2 }) });
    expect(slowRes.status).toBe(201);
    const slowId = ((await slowRes.json()) as { id: string }).id;
    const slow = await finished(slowId);
    expect(slow.bottleneck).toBeNull();
    expect(slow.dropped).toBeGreaterThan(50);
    const dropWarning = slow.warnings.find((w) => w.includes('the target is slow enough'));
    expect(dropWarning).toMatch(/^[\d.]+ % of the schedule was dropped at the in-flight cap \(2\)/);
    await page.goto(`${ui.lg.url}/#/runs/${slowId}`);
    await page.locator('#run-summary').waitFor();
    expect(await page.locator('#run-bottleneck').isHidden()).toBe(true);
    expect(await page.locator('#run-warnings').isVisible()).toBe(true);
    expect(await page.locator('#run-warnings li').allInnerTexts()).toEqual(slow.warnings);
    await page.close();
  }, 60_000);

  it('has no horizontal scroll on a 375 px phone, with a run open', async () => {
    const page = await openPage(375, 800);
    await fill(page, { path: '/ui-phone', rate: '5', duration: '2' });
    await page.click('#start');
    await until(async () => (await page.locator('#run-state').innerText()) === 'finished', 10_000, 'the run to finish');
    await page.locator('#run-summary').waitFor();
    const [scrollWidth, clientWidth] = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
    expect(clientWidth).toBe(375);
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    await page.screenshot({ path: screenshotPath('loadgen-phone'), fullPage: true });
    await page.close();
  }, 30_000);

  it('can be driven with the keyboard alone', async () => {
    const page = await openPage();
    const focusedId = () => page.evaluate('document.activeElement && document.activeElement.id') as Promise<string>;
    const tabTo = async (id: string) => {
      for (let i = 0; i < 60 && (await focusedId()) !== id; i++) await page.keyboard.press('Tab');
      expect(await focusedId()).toBe(id);
    };
    await tabTo('url');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(`${ui.target.url}/ui-keyboard`);
    await tabTo('duration');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('30');
    await tabTo('start');
    await page.keyboard.press('Enter');
    await until(() => runIdOf(page), 5000, 'the run page');
    await until(() => ui.target.count('/ui-keyboard') > 0, 5000, 'requests');
    // Focus moved to the run; the Stop button is reachable and works with Space.
    await tabTo('stop');
    await page.keyboard.press('Space');
    await until(async () => (await page.locator('#run-state').innerText()) === 'stopped', 5000, 'the stopped state');
    await page.close();
  }, 30_000);

  it('gets a token from the todo API and sends it as Authorization: Bearer', async () => {
    const page = await openPage();
    await page.click('#auth-details > summary');
    await page.fill('#login-url', `${ui.target.url}/api/login`);
    expect(await page.inputValue('#email')).toBe('user@example.com');
    await page.click('#get-token');
    await expect.poll(() => page.locator('#token-status').innerText()).toMatch(/Token received/);
    expect(await page.locator('#headers-rows .h-value').first().inputValue()).toBe('Bearer tok-demo-123');
    await fill(page, { path: '/ui-auth', rate: '5', duration: '1' });
    await page.click('#start');
    await until(async () => (await page.locator('#run-state').innerText()) === 'finished', 10_000, 'the run to finish');
    const hit = ui.target.requests.find((r) => r.url === '/ui-auth');
    expect(hit?.headers.authorization).toBe('Bearer tok-demo-123');
    await page.close();
  }, 30_000);

  it('offers every profile with its description, option fields and a stages editor, and previews r(t)', async () => {
    const page = await openPage();
    const ids = await page.locator('#profile option').evaluateAll((opts) => opts.map((o) => (o as unknown as { value: string }).value));
    expect(ids).toEqual(expect.arrayContaining(['constant', 'moderate', 'chaotic', 'spiky', 'wave', 'warmup', 'night', 'stages']));
    await page.selectOption('#profile', 'spiky');
    await expect.poll(() => page.locator('#profile-description').innerText()).not.toBe('');
    await expect.poll(() => page.locator('#profile-options input').count()).toBeGreaterThan(0);
    await page.selectOption('#profile', 'stages');
    await page.locator('#stages-editor').waitFor();
    await page.fill('#duration', '60');
    const rows = page.locator('#stages-rows .kv-row');
    expect(await rows.count()).toBeGreaterThan(0);
    // One stage ramping from 0 to 20 rps over 60 s (k6's ramping semantics): about 600 requests planned.
    for (let i = (await rows.count()) - 1; i > 0; i--) await rows.nth(i).locator('button').click();
    await rows.first().locator('.s-duration').fill('60s');
    await rows.first().locator('.s-rate').fill('20');
    await expect.poll(() => page.locator('#preview-total').innerText(), { timeout: 5000 }).toMatch(/≈\s*(59\d|60\d)\b/);
    await page.screenshot({ path: screenshotPath('loadgen-stages') });
    await page.close();
  });

  it('lists the traffic presets (no alert scenarios: those are the portal\'s) and starts one with a click', async () => {
    const page = await openPage();
    const card = page.locator('#preset-list [data-preset="todo-journey"]');
    await card.waitFor();
    expect(await page.locator('#presets h2').textContent()).toBe('Traffic presets');
    expect(await card.locator('h3').textContent()).toBe('Todo user journey');
    expect(await page.locator('body').innerText()).not.toMatch(/HighLatency|HighDBLoad|Scenario/);
    await card.locator('button').click();
    await page.locator('#run-panel .run[data-run-id]').waitFor({ timeout: 10_000 });
    // The panel appears first; its target line is filled once the run's summary arrives.
    await expect.poll(async () => page.locator('#run-target').textContent(), { timeout: 10_000 }).toMatch(/list.*create.*finish.*delete/s);
    await page.locator('#stop').click();
    await page.close();
  });
});
