/**
 * The portal as the coordinator of distributed runs, against two real load generator processes
 * (the built server, `npm run build` first) that need LAB_TOKEN: it finds them through
 * LOADGEN_DISCOVERY (resolved when a run starts), splits a run across them, merges their results,
 * stops them together, keeps finished runs across a restart, fails clearly when a generator cannot
 * be reached, and stops its active runs when it closes.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DistributedRun, RunSummary, SeriesPoint } from '@o11y/load-generator/coordinator';
import { launchBrowser, screenshotPath } from '../../../test/helpers/browser.js';
import { freePort } from '../../../test/helpers/ports.js';
import { REPO_ROOT } from '../../../test/helpers/process.js';
import { startGenerators, type Generators } from '../../load-generator/test/generators.js';
import { startTarget, type TargetServer } from '../../load-generator/test/target-server.js';
import { portal, tempDir } from './helpers.js';

const LAB_TOKEN = 'portal-distributed-lab-token-0123456789';
const auth = { authorization: `Bearer ${LAB_TOKEN}` };
const built = existsSync(resolve(REPO_ROOT, 'apps/load-generator/dist/main.js'));

describe.skipIf(!built)('distributed runs coordinated by the portal', () => {
  let gens: Generators;
  let target: TargetServer;
  const data = tempDir('portal-distributed-');
  const scratch: Array<{ remove(): void }> = [];
  const freshDir = () => {
    const d = tempDir('portal-distributed-');
    scratch.push(d);
    return d.dir;
  };
  let app: FastifyInstance;
  let discovery = '';

  beforeAll(async () => {
    // Also a todo API as far as the journey preset needs one: login and created tasks answer JSON.
    target = await startTarget((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/login') return void res.end(JSON.stringify({ token: 'journey-token' }));
      if (req.method === 'POST' && req.url === '/api/tasks') return void res.end(JSON.stringify({ id: `t${target.hits}` }));
      res.end('{}');
    });
    gens = await startGenerators(2, { LAB_TOKEN, TARGET_ALLOWLIST: `127.0.0.1:${target.port}`, TODO_API_URL: target.url });
    // One by name (the system resolver), one by address.
    discovery = `localhost:${gens.ports[0]},127.0.0.1:${gens.ports[1]}`;
    app = await portal({ DATA_DIR: data.dir, LAB_TOKEN, LOADGEN_DISCOVERY: discovery });
  }, 90_000);
  afterAll(async () => {
    await app?.close();
    await gens?.close();
    await target?.close();
    data.remove();
    for (const d of scratch) d.remove();
  });

  const view = async (id: string, a = app) => (await a.inject({ url: `/api/distributed-runs/${id}`, headers: auth })).json() as DistributedRun;
  const start = (body: object, a = app) => a.inject({ method: 'POST', url: '/api/distributed-runs', headers: auth, payload: body });
  const running = async () => Promise.all(gens.urls.map(async (u) => ((await (await fetch(`${u}/api/runs`, { headers: auth })).json()) as RunSummary[]).filter((s) => s.state === 'running')));

  it('finds the generators, splits the run across them, merges their results', async () => {
    expect((await app.inject({ url: '/api/load-generators', headers: auth })).json()).toEqual({ generators: [...gens.urls].sort() });
    const res = await start({ target: { url: `${target.url}/split` }, rate: 40, duration: 2, seed: 3 });
    expect(res.statusCode, res.body).toBe(201);
    const started = res.json() as DistributedRun;
    expect(started.state).toBe('running');
    expect(started.generators.map((g) => g.segment)).toEqual([
      { index: 0, count: 2 },
      { index: 1, count: 2 },
    ]);
    await expect.poll(async () => (await view(started.id)).state, { timeout: 30_000 }).toBe('finished');
    const done = await view(started.id);
    expect(done.summary).toMatchObject({ sent: 80, seed: 3, target_rate: 40, duration: 2, state: 'finished' });
    expect(done.generators.map((g) => [g.state, g.sent])).toEqual([
      ['finished', 40],
      ['finished', 40],
    ]);
    const { points } = (await app.inject({ url: `/api/distributed-runs/${started.id}/series`, headers: auth })).json() as { points: SeriesPoint[] };
    expect(points.filter((p) => p.t < 2).map((p) => [p.target_rps, p.sent + p.dropped])).toEqual([
      [40, 40],
      [40, 40],
    ]);
    // Kept across a restart of the portal.
    const again = await portal({ DATA_DIR: data.dir, LAB_TOKEN, LOADGEN_DISCOVERY: discovery });
    try {
      expect((await view(started.id, again)).summary.sent).toBe(80);
      expect(((await again.inject({ url: '/api/distributed-runs', headers: auth })).json() as DistributedRun[]).map((r) => r.id)).toContain(started.id);
    } finally {
      await again.close();
    }
  });

  it('stop stops every share', async () => {
    const res = await start({ target: { url: `${target.url}/long` }, rate: 20, duration: 120 });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json() as DistributedRun;
    await expect.poll(async () => (await view(id)).summary.sent, { timeout: 30_000 }).toBeGreaterThan(10);
    const stopped = (await app.inject({ method: 'POST', url: `/api/distributed-runs/${id}/stop`, headers: auth })).json() as DistributedRun;
    expect(stopped.state).toBe('stopped');
    expect(stopped.generators.map((g) => g.state)).toEqual(['stopped', 'stopped']);
    expect(await running()).toEqual([[], []]);
  });

  it('a share stopped on its own generator stops the run, and the other shares with it', async () => {
    const res = await start({ target: { url: `${target.url}/long` }, rate: 20, duration: 120 });
    expect(res.statusCode, res.body).toBe(201);
    const run = res.json() as DistributedRun;
    await expect.poll(async () => (await view(run.id)).summary.sent, { timeout: 30_000 }).toBeGreaterThan(10);
    const share = run.generators[1] as DistributedRun['generators'][number];
    expect((await fetch(`${share.url}/api/runs/${share.run_id}/stop`, { method: 'POST', headers: auth })).status).toBe(200);
    await expect.poll(async () => (await view(run.id)).state, { timeout: 30_000 }).toBe('stopped');
    await expect.poll(async () => (await view(run.id)).generators.map((g) => g.state), { timeout: 30_000 }).toEqual(['stopped', 'stopped']);
    expect((await view(run.id)).error).toContain(`load generator ${share.url}'s share (2 of 2) was stopped there`);
    expect(await running()).toEqual([[], []]);
  });

  it('bad input is a 400 naming the field, from the portal or from the generators', async () => {
    const own = await start({ target: { url: `${target.url}/x` }, rate: 10, duration: 1, segment: { index: 0, count: 2 } });
    expect(own.statusCode).toBe(400);
    expect(own.json()).toMatchObject({ field: 'segment' });
    const theirs = await start({ target: { url: `${target.url}/x` }, rate: 10, duration: 'soon' });
    expect(theirs.statusCode).toBe(400);
    expect(theirs.json()).toMatchObject({ field: 'duration' });
    expect((theirs.json() as { error: string }).error).toMatch(/^share \d of 2 could not start: load generator http:\/\/127\.0\.0\.1:\d+ answered 400/);
    expect(await running()).toEqual([[], []]);
  });

  it('a generator that cannot be reached: 502 naming it, and no share left running', async () => {
    const dead = await freePort();
    const a = await portal({ DATA_DIR: freshDir(), LAB_TOKEN, LOADGEN_DISCOVERY: `${discovery},127.0.0.1:${dead}` });
    try {
      const res = await start({ target: { url: `${target.url}/x` }, rate: 10, duration: 30 }, a);
      expect(res.statusCode).toBe(502);
      expect((res.json() as { error: string }).error).toContain(`load generator http://127.0.0.1:${dead}: connection refused`);
      expect(await running()).toEqual([[], []]);
    } finally {
      await a.close();
    }
    const unresolvable = await portal({ DATA_DIR: freshDir(), LAB_TOKEN, LOADGEN_DISCOVERY: 'no-such-generator.invalid:8081' });
    try {
      const res = await unresolvable.inject({ url: '/api/load-generators', headers: auth });
      expect(res.statusCode).toBe(503);
      expect((res.json() as { error: string }).error).toMatch(/LOADGEN_DISCOVERY: no-such-generator\.invalid does not resolve/);
    } finally {
      await unresolvable.close();
    }
  });

  it.skipIf(!existsSync(resolve(REPO_ROOT, 'apps/portal/dist/public/index.html')))('the page starts a distributed run of the todo journey and stops it', async () => {
    const page = await portal({ DATA_DIR: freshDir(), LAB_TOKEN, LOADGEN_DISCOVERY: discovery });
    const browser = await launchBrowser();
    try {
      await page.listen({ host: '127.0.0.1', port: 0 });
      const address = page.server.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const tab = await browser.context.newPage();
      tab.setDefaultTimeout(20_000);
      await tab.goto(`${base}/login?token=${LAB_TOKEN}`);
      const section = tab.locator('#distributed');
      await expect.poll(() => section.locator('[data-role="generators"]').innerText(), { timeout: 20_000 }).toBe('Load generators: 2');
      await section.locator('input[name="rate"]').fill('10');
      await section.locator('input[name="duration"]').fill('60s');
      await section.locator('form[data-role="start"] button[type="submit"]').click();
      const run = section.locator('.distributed-run[data-state="running"]');
      await run.waitFor();
      await expect.poll(async () => (await running()).flat().map((s) => s.target_rate), { timeout: 10_000 }).toEqual([10, 10]);
      // The merged results show on the page as the seconds come in.
      await expect.poll(() => run.locator('[data-role="results"]').innerText(), { timeout: 20_000 }).toMatch(/^sent [1-9]\d* · /);
      await run.locator('[data-role="stop"]').click();
      await section.locator('.distributed-run[data-state="stopped"]').waitFor();
      expect(await running()).toEqual([[], []]);
      await tab.screenshot({ path: screenshotPath('portal-distributed-runs') });
    } finally {
      await browser.close();
      await page.close();
    }
  });

  it('closing the portal stops its active runs on every generator', async () => {
    const a = await portal({ DATA_DIR: freshDir(), LAB_TOKEN, LOADGEN_DISCOVERY: discovery });
    const res = await start({ target: { url: `${target.url}/closing` }, rate: 10, duration: 120 }, a);
    expect(res.statusCode, res.body).toBe(201);
    await expect.poll(async () => (await running()).flat().length, { timeout: 10_000 }).toBe(2);
    await a.close();
    expect(await running()).toEqual([[], []]);
  });
});
