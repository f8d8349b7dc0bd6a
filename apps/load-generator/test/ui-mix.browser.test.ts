// The mix editor and the per-request breakdown in Debian's Chromium, against the real engine; and the
// page and the server agreeing on the same inputs (they run the same checks).
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath } from '../../../test/helpers/browser.js';
import { usePage } from './ui-helpers.js';

const ui = usePage();

/** A page whose presets arrived too. */
async function openPage(width?: number, height?: number): Promise<Page> {
  const page = await ui.openPage(width, height);
  await page.locator('#preset option[value="todo-journey"]').waitFor({ state: 'attached' });
  return page;
}

const text = (page: Page, sel: string) => page.locator(sel).innerText();

describe('mix editor', () => {
  it('adds requests with weights as percentages, previews each one, runs the mix and shows the breakdown', async () => {
    const page = await openPage();
    // One request: the single-target form, no name or weight.
    expect(await page.locator('#req-name').count()).toBe(0);
    await page.fill('#url', `${ui.target.url}/ui-mix/a`);
    await page.click('#add-request');
    await page.locator('#req-name-2').waitFor();
    // The first request got a name to edit, the new one is focused.
    expect(await page.inputValue('#req-name')).toBe('request_1');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('req-name-2');
    await page.fill('#req-name', 'alpha');
    await page.fill('#req-weight', '75');
    await page.fill('#req-name-2', 'beta');
    await page.fill('#req-weight-2', '25');
    await page.fill('#url-2', `${ui.target.url}/ui-mix/b?n={{seq}}`);
    await expect.poll(() => text(page, '#req-share')).toMatch(/^75\s*%$/);
    expect(await text(page, '#req-share-2')).toMatch(/^25\s*%$/);
    await page.fill('#rate', '40');
    await page.fill('#duration', '3');
    // The planned rate per request: 30 and 10 rps of 40.
    await expect.poll(() => page.locator('#mix-preview tr[data-request="alpha"] .planned-rps').innerText(), { timeout: 5000 }).toBe('30');
    expect(await page.locator('#mix-preview tr[data-request="beta"] .planned-rps').innerText()).toBe('10');
    await page.screenshot({ path: screenshotPath('loadgen-mix-editor'), fullPage: true });

    await page.click('#start');
    await expect.poll(() => text(page, '#run-state'), { timeout: 15_000 }).toBe('finished');
    await page.locator('#run-requests').waitFor();
    const a = ui.target.count('/ui-mix/a');
    const b = ui.target.requests.filter((r) => r.url.startsWith('/ui-mix/b?n=')).length;
    expect(a + b).toBe(120);
    expect(a).toBeGreaterThan(b);
    // The table says what the target saw, request by request; a fifth chart plots each one's p99.
    expect(Number(await page.locator('#requests-table tr[data-request="alpha"] .sent').innerText())).toBe(a);
    expect(Number(await page.locator('#requests-table tr[data-request="beta"] .sent').innerText())).toBe(b);
    expect(await page.locator('#requests-table tr[data-request="beta"] .codes').innerText()).toBe(`200: ${b}`);
    expect(await page.locator('#requests-table tr[data-request="alpha"] .p99').innerText()).toMatch(/^\d/);
    await expect.poll(() => page.locator('#run-panel .uplot').count()).toBe(5);
    expect(await text(page, '#run-target')).toMatch(/^Mix of 2: alpha, beta/);
    await page.screenshot({ path: screenshotPath('loadgen-mix-run'), fullPage: true });

    // Removing a request leaves the single-target form again.
    await page.click('#remove-request-2');
    expect(await page.locator('#req-name').count()).toBe(0);
    expect(await page.inputValue('#url')).toBe(`${ui.target.url}/ui-mix/a`);
    await page.close();
  }, 60_000);

  it('loads the Todo user journey preset: four requests, captures, load and login', async () => {
    const page = await openPage();
    await page.selectOption('#preset', 'todo-journey');
    await page.locator('#req-name-4').waitFor();
    const names = await page.locator('[id^="req-name"]').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(names).toEqual(['list', 'create', 'finish', 'delete']);
    expect(await page.inputValue('#req-weight')).toBe('60');
    expect(await page.inputValue('#method-2')).toBe('POST');
    expect(await page.inputValue('#url-3')).toBe(`${ui.target.url}/api/tasks/{{task_id}}`);
    expect(await page.inputValue('#url-4')).toBe(`${ui.target.url}/api/tasks/{{take task_id}}`);
    expect(await page.locator('#captures-2 .c-name').inputValue()).toBe('task_id');
    expect(await page.locator('#captures-2 .c-path').inputValue()).toBe('id');
    expect(JSON.parse(await page.inputValue('#body-2'))).toEqual({ title: 'task {{seq}}', status: 'pending' });
    expect(await page.inputValue('#rate')).toBe('100');
    expect(await page.inputValue('#duration')).toBe('2m');
    expect(await page.inputValue('#profile')).toBe('wave');
    expect(await page.isChecked('#auto-login')).toBe(true);
    expect(await page.inputValue('#login-url')).toBe(`${ui.target.url}/api/login`);
    await expect.poll(() => page.locator('#mix-preview tbody tr').count()).toBe(4);
    // A capture renamed: the requests that use the old name are refused where they use it.
    await page.locator('#captures-2 .c-name').fill('tid');
    await expect.poll(() => text(page, '#err-url-3')).toMatch(/unknown name "task_id"/);
    expect(await page.getAttribute('#url-3', 'aria-invalid')).toBe('true');
    await page.click('#start');
    await expect.poll(() => text(page, '#err-form')).toMatch(/Fix the highlighted fields/);
    await page.locator('#captures-2 .c-name').fill('task_id');
    await expect.poll(() => page.locator('#err-url-3').isHidden()).toBe(true);
    await page.screenshot({ path: screenshotPath('loadgen-mix-preset'), fullPage: true });
    await page.close();
  });

  it('fits a 375 px phone with the four requests of the journey', async () => {
    const page = await openPage(375, 800);
    await page.selectOption('#preset', 'todo-journey');
    await page.locator('#req-name-4').waitFor();
    await page.locator('#mix-preview tbody tr').first().waitFor();
    const [scrollWidth, clientWidth] = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    await page.screenshot({ path: screenshotPath('loadgen-mix-phone'), fullPage: true });
    await page.close();
  });

  it('shows the server\'s refusal under the request it names', async () => {
    const page = await openPage();
    await page.fill('#url', `${ui.target.url}/ok`);
    await page.click('#add-request');
    await page.fill('#url-2', 'http://example.invalid/x');
    await page.fill('#duration', '2');
    await page.click('#start');
    // 403 for requests[1].url: under the second request's URL.
    await expect.poll(() => text(page, '#err-url-2')).toMatch(/TARGET_ALLOWLIST/);
    expect(await page.locator('#err-url').isHidden()).toBe(true);
    await page.close();
  });
});

describe('the page and the server agree', () => {
  type Kind = 'duration' | 'headers' | 'url';
  const inputs: Array<[Kind, string]> = [
    ['duration', '1m30s'],
    ['duration', '5 s'],
    ['duration', '500ms'],
    ['duration', '0'],
    ['duration', 'soon'],
    ['headers', '# a comment\nX-A: 1'],
    ['headers', 'Bad Name: x'],
    ['headers', 'Connection: close'],
    ['headers', 'X-A: 1\nX-B: two words'],
    ['headers', 'X-A'],
    ['url', '/t/{{seq}}?u={{uuid}}'],
    ['url', '/t/{{nope}}'],
    ['url', '/t?n={{rand_int 5 1}}'],
    ['url', '/t/{{pick a|b}}'],
    ['url', '/t/{{seq'],
    ['url', 'http://{{host}}/t'],
  ];

  /** The server's verdict: max_in_flight 0 is refused after every field here is checked, so no run starts. */
  async function serverAccepts(kind: Kind, value: string): Promise<boolean> {
    const url = kind === 'url' ? (value.startsWith('http') ? value : `${ui.target.url}${value}`) : `${ui.target.url}/agree`;
    const body = { target: { url, ...(kind === 'headers' ? { headers: value } : {}) }, rate: 1, duration: kind === 'duration' ? value : 1, max_in_flight: 0 };
    const res = await fetch(`${ui.lg.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as { field?: string };
    expect(res.status, `${kind} ${value}`).toBe(400);
    return json.field !== { duration: 'duration', headers: 'target.headers', url: 'target.url' }[kind];
  }

  async function pageAccepts(page: Page, kind: Kind, value: string): Promise<boolean> {
    if (kind === 'duration') await page.fill('#duration', value);
    else if (kind === 'headers') await page.fill('#headers-text', value);
    else await page.fill('#url', value.startsWith('http') ? value : `${ui.target.url}${value}`);
    return page.locator(`#err-${kind}`).isHidden();
  }

  it('on durations, header lines and templates', async () => {
    const page = await openPage();
    await page.click('#headers-mode-text');
    const verdicts: Array<[string, boolean, boolean]> = [];
    for (const [kind, value] of inputs) verdicts.push([`${kind} ${JSON.stringify(value)}`, await serverAccepts(kind, value), await pageAccepts(page, kind, value)]);
    for (const [what, server, browserSays] of verdicts) expect(browserSays, what).toBe(server);
    // The cases that used to disagree, settled as the server has them.
    const accepted = Object.fromEntries(verdicts.map(([what, server]) => [what, server]));
    expect(accepted['duration "1m30s"']).toBe(true);
    expect(accepted['duration "5 s"']).toBe(false);
    expect(accepted['headers "# a comment\\nX-A: 1"']).toBe(true);
    expect(accepted['headers "Bad Name: x"']).toBe(false);
    expect(accepted['headers "Connection: close"']).toBe(false);
    expect(accepted['url "/t/{{seq}}?u={{uuid}}"']).toBe(true);
    expect(accepted['url "/t/{{nope}}"']).toBe(false);
    await page.close();
  });
});
