import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotPath, type Browser } from '../../../test/helpers/browser.ts';
import { freePort } from '../../../test/helpers/ports.ts';
import { startApp, type Spawned } from '../../../test/helpers/process.ts';

// What a learner does first: open Swagger, "Try it out" on the login with its prefilled demo
// credentials, get a token, "Authorize" with it, and list tasks — in a real browser, offline.
describe('Swagger UI in Chromium', () => {
  let api: Spawned;
  let browser: Browser;
  let base: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'todo-swagger-'));

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = await startApp('todo-api', { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir }, `${base}/health/ready`, 60_000);
    browser = await launchBrowser();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs in with the prefilled example in one click, authorizes with the token and lists tasks', async () => {
    const page = await browser.context.newPage();
    page.setDefaultTimeout(8000);
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('data:')) external.push(r.url());
    });
    await page.goto(`${base}/swagger`);
    // "Try it out" is on from the start, so the prefilled demo login is one click on Execute.
    const login = page.locator('#operations-auth-post_api_login');
    await login.locator('.opblock-summary').first().click();
    await expect.poll(() => login.locator('textarea').first().inputValue()).toContain('user@example.com');
    await login.getByRole('button', { name: 'Execute' }).click();
    const body = login.locator('.live-responses-table .response-col_description pre').first();
    await expect.poll(() => body.textContent(), { timeout: 10_000 }).toContain('"token"');
    const token = JSON.parse((await body.textContent()) ?? '{}').token as string;
    expect(token.split('.')).toHaveLength(3);

    await page.getByRole('button', { name: /Authorize/ }).first().click();
    await page.locator('.auth-container input').first().fill(token);
    await page.locator('.auth-btn-wrapper button.authorize').click();
    await page.locator('.auth-btn-wrapper button.btn-done').click();

    const list = page.locator('#operations-tasks-get_api_tasks');
    await list.locator('.opblock-summary').first().click();
    await list.getByRole('button', { name: 'Execute' }).click();
    const status = list.locator('.live-responses-table .response .response-col_status').first();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toContain('200');
    await page.screenshot({ path: screenshotPath('todo-api-swagger'), fullPage: true });
    expect(external).toEqual([]);
  }, 60_000);
});
