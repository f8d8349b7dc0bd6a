// Shared by the web-UI and /ws tests: a local target server, the load generator built in-process,
// and the built page.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createLogger } from '@o11y/telemetry';
import { launchBrowser, type Browser } from '../../../test/helpers/browser.js';
import { buildApp } from '../src/app.js';
import { testConfig } from '../src/config.js';

export const APP_DIR = resolve(import.meta.dirname, '..');

/** Builds the page into dist/public (what `npm run build:ui` does). */
export function buildUi(): void {
  execFileSync(process.execPath, [join(APP_DIR, 'scripts', 'build-ui.mjs')], { cwd: APP_DIR, stdio: 'pipe' });
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Target {
  url: string;
  server: Server;
  requests: SeenRequest[];
  count(path?: string): number;
  close(): Promise<void>;
}

/** How long the target takes to answer a path that starts with `/ui-slow`. */
export const SLOW_MS = 200;

/**
 * A local HTTP target: 200 JSON for everything (after SLOW_MS under `/ui-slow`), `POST /api/login`
 * answers a token like the todo API.
 */
export async function startTarget(): Promise<Target> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/api/login' && req.method === 'POST') {
        let creds: { email?: string; password?: string } = {};
        try {
          creds = JSON.parse(body) as typeof creds;
        } catch {
          /* empty */
        }
        const ok = creds.email === 'user@example.com' && creds.password === 'verysecret';
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        res.end(JSON.stringify(ok ? { token: 'tok-demo-123' } : { error: 'invalid credentials' }));
        return;
      }
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      };
      if (req.url?.startsWith('/ui-slow')) setTimeout(answer, SLOW_MS);
      else answer();
    });
  });
  server.keepAliveTimeout = 2000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    requests,
    count: (path) => (path ? requests.filter((r) => r.url === path).length : requests.length),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface Loadgen {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** The load generator with its real engine and API, listening on a free port. */
export async function startLoadgen(todoApiUrl: string): Promise<Loadgen> {
  const dataDir = mkdtempSync(join(tmpdir(), 'o11y-loadgen-ui-'));
  const app = await buildApp(testConfig({ dataDir, todoApiUrl, host: '127.0.0.1', port: 0 }), { logger: createLogger({ name: 'load-generator', level: 'warn' }) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits (bounded) until `check` returns a truthy value. */
export async function until<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface PageHarness {
  readonly target: Target;
  readonly lg: Loadgen;
  readonly browser: Browser;
  /** Script errors of the pages; each test must leave none. */
  readonly pageErrors: string[];
  /** A new page of the load generator, once its profiles arrived and the preview was drawn. */
  openPage(width?: number, height?: number): Promise<Page>;
}

/**
 * The browser tests' setup, for the file that calls it: the page built, a local target, the load
 * generator and Chromium started before its tests and stopped after them (with any run a failed
 * test left running); no script error in any page.
 */
export function usePage(): PageHarness {
  const state = { target: undefined as Target | undefined, lg: undefined as Loadgen | undefined, browser: undefined as Browser | undefined };
  const pageErrors: string[] = [];
  beforeAll(async () => {
    buildUi();
    state.target = await startTarget();
    state.lg = await startLoadgen(state.target.url);
    state.browser = await launchBrowser({ locale: 'en-US' });
  });
  afterAll(async () => {
    await state.browser?.close();
    if (state.lg) {
      const runs = (await (await fetch(`${state.lg.url}/api/runs`)).json()) as Array<{ id: string; state: string }>;
      for (const r of runs.filter((x) => x.state === 'running')) await fetch(`${state.lg.url}/api/runs/${r.id}/stop`, { method: 'POST' });
      await state.lg.close();
    }
    await state.target?.close();
  });
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });
  const harness: PageHarness = {
    get target() {
      return state.target as Target;
    },
    get lg() {
      return state.lg as Loadgen;
    },
    get browser() {
      return state.browser as Browser;
    },
    pageErrors,
    async openPage(width = 1360, height = 900) {
      const page = await harness.browser.context.newPage();
      await page.setViewportSize({ width, height });
      page.on('pageerror', (err) => pageErrors.push(err.message));
      await page.goto(`${harness.lg.url}/`);
      await page.locator('#profile option').first().waitFor({ state: 'attached' });
      await page.locator('#preview-chart canvas').waitFor();
      return page;
    },
  };
  return harness;
}
