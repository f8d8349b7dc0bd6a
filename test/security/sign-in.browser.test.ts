/**
 * The sign-in prompt of both pages in real Chromium: with LAB_TOKEN set, the portal and the load
 * generator show a form instead of failing; the token entered once on one of them signs the
 * browser in on the other too (cookies ignore ports). Needs the UIs built (`npm run build`).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotPath, type Browser } from '../helpers/browser.ts';
import { REPO_ROOT } from '../helpers/process.ts';
import { LAB_TOKEN, startLab, type Lab } from './lab.ts';

const built = ['apps/portal/dist/public/index.html', 'apps/load-generator/dist/public/index.html'].every((f) => existsSync(resolve(REPO_ROOT, f)));

describe.skipIf(!built)('sign-in prompts (LAB_TOKEN set)', () => {
  let lab: Lab;
  let browser: Browser;
  beforeAll(async () => {
    lab = await startLab();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await lab?.close();
  });

  it('the portal shows the sign-in form; the token signs in there and on the load generator', async () => {
    const page = await browser.context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${lab.portal.url}/`);
    const form = page.locator('#signin form[data-role="sign-in"]');
    await form.waitFor();
    expect(await page.locator('#signin h2').innerText()).toBe('Sign in to the lab');
    // The other sections say why they are empty, not that something failed.
    await expect.poll(() => page.locator('#inbox [data-state="sign-in"]').count()).toBe(1);
    expect(await page.locator('#inbox .error').count()).toBe(0);
    await page.screenshot({ path: screenshotPath('portal-sign-in') });

    await form.locator('input[name="token"]').fill(LAB_TOKEN);
    await Promise.all([page.waitForURL(`${lab.portal.url}/`), form.locator('button[type="submit"]').click()]);
    // Signed in: the services load and the prompt stays hidden.
    await page.locator('[data-service="todo-api"]').first().waitFor();
    await expect.poll(() => page.locator('#signin').isHidden()).toBe(true);
    const cookies = await browser.context.cookies(lab.portal.url);
    const session = cookies.find((c) => c.name === 'o11y_lab_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(session?.value).not.toContain(LAB_TOKEN);

    // The same cookie covers the load generator on its own port: no prompt there.
    await page.goto(`${lab.loadgen.url}/`);
    await expect.poll(() => page.locator('#profile option').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.locator('#sign-in').count()).toBe(0);
    await page.close();
  });

  it('the load generator shows its sign-in form; a wrong token gets a clear page, the right one signs in', async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${lab.loadgen.url}/`);
    const form = page.locator('#sign-in form[data-role="sign-in"]');
    await form.waitFor();
    await page.screenshot({ path: screenshotPath('load-generator-sign-in') });

    await form.locator('input[name="token"]').fill('not-the-token-0123456789');
    await Promise.all([page.waitForURL(`${lab.loadgen.url}/login`), form.locator('button[type="submit"]').click()]);
    expect(await page.locator('[data-role="sign-in-error"]').innerText()).toContain('not this lab’s access token');

    // The 401 page has the form again.
    await page.locator('input[name="token"]').fill(LAB_TOKEN);
    await Promise.all([page.waitForURL(`${lab.loadgen.url}/`), page.locator('button[type="submit"]').click()]);
    await expect.poll(() => page.locator('#profile option').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.locator('#sign-in').count()).toBe(0);
    await page.close();
  });
});
