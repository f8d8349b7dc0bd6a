// The page's server side: built assets at `/`, and the helper routes the page needs.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uiPlugin } from '../src/ui/plugin.js';
import { buildUi, startLoadgen, startTarget, type Loadgen, type Target } from './ui-helpers.js';

let target: Target;
let lg: Loadgen;

beforeAll(async () => {
  buildUi();
  target = await startTarget();
  lg = await startLoadgen(target.url);
});

afterAll(async () => {
  await lg?.close();
  await target?.close();
});

describe('web UI assets', () => {
  it('serves the page, its script and styles (uPlot bundled, nothing from a CDN)', async () => {
    const page = await fetch(`${lg.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('app.js');
    expect(html).not.toMatch(/https?:\/\//);
    const js = await fetch(`${lg.url}/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    const code = await js.text();
    expect(code).toContain('uplot');
    const css = await fetch(`${lg.url}/app.css`);
    expect(await css.text()).toContain('.u-legend');
  });

  it('still answers the API as JSON (the page does not shadow it)', async () => {
    const res = await fetch(`${lg.url}/api/profiles`);
    expect(res.status).toBe(200);
    expect(Array.isArray(await res.json())).toBe(true);
    const missing = await fetch(`${lg.url}/api/nope`);
    expect(missing.status).toBe(404);
  });

  it('tells the page where the todo API is', async () => {
    const app = Fastify();
    await app.register(uiPlugin, { todoApiUrl: 'http://todo-api:4000/' });
    const res = await app.inject({ method: 'GET', url: '/api/ui/config' });
    expect(res.json()).toEqual({ todo_api_url: 'http://todo-api:4000' });
    await app.close();
  });

  it('answers 503 with a hint when the page is not built', async () => {
    const app = Fastify();
    await app.register(uiPlugin, { publicDir: '/nonexistent-o11y-ui' });
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('build:ui');
    await app.close();
  });
});

describe('POST /api/token (login through the server, no CORS)', () => {
  it('returns the todo API token', async () => {
    const res = await fetch(`${lg.url}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login_url: `${target.url}/api/login`, email: 'user@example.com', password: 'verysecret' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ token: 'tok-demo-123' });
  });

  it('says why a login failed', async () => {
    const res = await fetch(`${lg.url}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login_url: `${target.url}/api/login`, email: 'user@example.com', password: 'wrong' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; field: string };
    expect(body.error).toMatch(/401/);
    expect(body.field).toBe('auth');
  });

  it('follows the allowlist it is given', async () => {
    const app = Fastify();
    await app.register(uiPlugin, { allowlist: ['todo-api'] });
    const res = await app.inject({ method: 'POST', url: '/api/token', payload: { login_url: `${target.url}/api/login`, email: 'a', password: 'b' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ field: 'login_url' });
    await app.close();
  });

  it('refuses hosts outside TARGET_ALLOWLIST', async () => {
    const res = await fetch(`${lg.url}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login_url: 'http://example.invalid/api/login', email: 'a', password: 'b' }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toMatch(/TARGET_ALLOWLIST/);
  });
});
