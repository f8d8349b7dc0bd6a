/**
 * The launcher as a person runs it: a real process starting the built apps (and Prometheus and
 * Alertmanager when installed) on free ports with a temporary data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isAlive } from '@o11y/launcher';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/helpers/ports.ts';
import { REPO_ROOT } from '../../../test/helpers/process.ts';

const MAIN = resolve(REPO_ROOT, 'packages/launcher/dist/main.js');
const built = [MAIN, ...['todo-api', 'load-generator', 'portal'].map((a) => resolve(REPO_ROOT, 'apps', a, 'dist', 'main.js'))].every((f) => existsSync(f));

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

const runs: Run[] = [];
const LAB_TOKEN = 'launcher-e2e-lab-token-0123456789';
const tmp = mkdtempSync(join(tmpdir(), 'launcher-e2e-'));

function launch(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [MAIN, '--no-color', ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const run = { child, output: () => out, exited };
  runs.push(run);
  return run;
}

async function waitForOutput(run: Run, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = run.output().match(pattern);
    if (m) return m;
    if (run.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${pattern} in the launcher output:\n${run.output()}`);
}

/** Pids of the children, from the launcher's "started (pid N)" lines. */
function childPids(output: string): Map<string, number[]> {
  const pids = new Map<string, number[]>();
  for (const m of output.matchAll(/^(\S+)\s+│ ── started \(pid (\d+)\)/gm)) {
    pids.set(m[1] as string, [...(pids.get(m[1] as string) ?? []), Number(m[2])]);
  }
  return pids;
}

async function allGone(pids: number[], timeoutMs = 5000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && pids.some(isAlive)) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(isAlive);
}

async function portEnv(): Promise<Record<string, string>> {
  const names = ['TODO_API_PORT', 'LOADGEN_PORT', 'PORTAL_PORT', 'PROMETHEUS_PORT', 'ALERTMANAGER_PORT'];
  const env: Record<string, string> = {};
  for (const n of names) env[n] = String(await freePort());
  return env;
}

afterAll(async () => {
  for (const r of runs) {
    if (r.child.exitCode === null && r.child.signalCode === null) {
      r.child.kill('SIGTERM');
      await Promise.race([r.exited, new Promise((res) => setTimeout(res, 10_000))]);
      r.child.kill('SIGKILL');
    }
    const leftovers = [...childPids(r.output()).values()].flat().filter(isAlive);
    for (const pid of leftovers) process.kill(pid, 'SIGKILL');
  }
  rmSync(tmp, { recursive: true, force: true });
});

describe('launcher command line', () => {
  it.skipIf(!existsSync(MAIN))('prints the usage and exits 2 on an unknown flag', async () => {
    const run = launch(['--bogus'], {});
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain('--bogus');
    expect(run.output()).toContain('Usage:');
  });

  it.skipIf(!built)('refuses HOST=0.0.0.0 without LAB_TOKEN, saying how to set it, and starts nothing', async () => {
    const run = launch([], { ...(await portEnv()), HOST: '0.0.0.0', LAB_TOKEN: '', O11Y_DATA_DIR: join(tmp, 'open') });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('HOST=0.0.0.0 makes the lab reachable from other machines');
    expect(run.output()).toContain('LAB_TOKEN=$(openssl rand -base64 24)');
    expect(run.output()).not.toContain('started (pid');
  });

  it.skipIf(!built)('refuses to start when a port is taken, naming the variable, and starts nothing', async () => {
    const env = await portEnv();
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(Number(env.LOADGEN_PORT), '127.0.0.1', () => r()));
    try {
      const run = launch([], { ...env, O11Y_DATA_DIR: join(tmp, 'busy') });
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain(`Port ${env.LOADGEN_PORT} for load-generator is already in use`);
      expect(run.output()).toContain('LOADGEN_PORT=');
      expect(run.output()).not.toContain('started (pid');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe.skipIf(!built)('launcher end to end', () => {
  let run: Run;
  let env: Record<string, string>;
  let readyMs = 0;

  beforeAll(async () => {
    // LAB_TOKEN from the environment; ADMIN_TOKEN and ALERT_WEBHOOK_TOKEN generated into the data directory.
    env = { ...(await portEnv()), LAB_TOKEN, ADMIN_TOKEN: '', ALERT_WEBHOOK_TOKEN: '' };
    const t0 = Date.now();
    run = launch([], { ...env, O11Y_DATA_DIR: join(tmp, 'data') });
    await waitForOutput(run, /All ready in|Not ready after/, 90_000);
    readyMs = Date.now() - t0;
  }, 120_000);

  it('prints the table with every URL and the demo credentials once all are ready', () => {
    const out = run.output();
    expect(out, out).toMatch(/All ready in [\d.]+ s/);
    expect(out).toContain(`http://127.0.0.1:${env.TODO_API_PORT}/swagger`);
    expect(out).toContain(`http://127.0.0.1:${env.LOADGEN_PORT}/`);
    expect(out).toContain(`http://127.0.0.1:${env.PORTAL_PORT}/`);
    expect(out).toContain('user@example.com / verysecret');
    expect(out).toContain(join(tmp, 'data'));
    console.log(`launcher ready in ${readyMs} ms (including process start)`);
  });

  it('guards the control plane with the tokens it was given or generated, and prints how to use them', async () => {
    const out = run.output();
    const portal = `http://127.0.0.1:${env.PORTAL_PORT}`;
    const link = `${portal}/login?token=${encodeURIComponent(LAB_TOKEN)}`;
    expect(out).toContain(`Sign in once (LAB_TOKEN): ${link}`);
    const file = join(tmp, 'data', 'launcher', 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secrets = JSON.parse(readFileSync(file, 'utf8')) as { adminToken: string; alertWebhookToken: string };
    expect(out).toContain(`Swagger → Authorize → ${secrets.adminToken} → PUT /api/faults`);

    // Faults: the generated admin token, from loopback too.
    const faults = `http://127.0.0.1:${env.TODO_API_PORT}/api/faults`;
    expect((await fetch(faults, { method: 'DELETE' })).status).toBe(401);
    expect((await fetch(faults, { method: 'DELETE', headers: { authorization: `Bearer ${secrets.adminToken}` } })).status).toBe(200);

    // LAB_TOKEN: the printed link signs in; the cookie opens the portal and the load generator.
    expect((await fetch(`${portal}/api/alerts/inbox`)).status).toBe(401);
    const signIn = await fetch(link, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect((await fetch(`${portal}/api/alerts/inbox`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${env.LOADGEN_PORT}/api/runs`, { headers: { cookie } })).status).toBe(200);
    // The portal reaches the load generator with the token it holds: the load generator's own 404
    // for an unknown run comes through (without the token it would be a 401, and the portal a 502).
    expect((await fetch(`${portal}/api/runs/no-such-run`, { headers: { cookie } })).status).toBe(404);

    // The webhook: the generated ALERT_WEBHOOK_TOKEN, the one rendered for Alertmanager.
    const webhook = (headers: Record<string, string>) =>
      fetch(`${portal}/api/alerts/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'LauncherTest' }, startsAt: new Date().toISOString() }] }),
      });
    expect((await webhook({})).status).toBe(401);
    expect((await webhook({ authorization: `Bearer ${secrets.alertWebhookToken}` })).status).toBe(200);
    const rendered = join(tmp, 'data', 'stack', 'alertmanager', 'alertmanager.yml');
    if (existsSync(rendered)) {
      expect(readFileSync(rendered, 'utf8')).toContain(`credentials: ${secrets.alertWebhookToken}`);
      expect(statSync(rendered).mode & 0o777).toBe(0o600);
    }
  });

  it('every URL in the table answers', async () => {
    const out = run.output();
    const urls = [...out.matchAll(/│ (http:\/\/127\.0\.0\.1:\d+\/\S*)\s+│ ready/g)].map((m) => m[1] as string);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const url of urls) {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      expect(res.status, url).toBeLessThan(400);
    }
    const ready = await fetch(`http://127.0.0.1:${env.TODO_API_PORT}/health/ready`);
    expect(ready.status).toBe(200);
  });

  it('shows the apps logs in one compact stream', () => {
    expect(run.output()).toMatch(/^todo-api\s+│ (INFO|WARN) /m);
  });

  it('refuses a second launcher, or a reset, on the same data directory while it runs', async () => {
    for (const args of [[], ['--reset', '--yes']]) {
      const second = launch(args, { ...env, O11Y_DATA_DIR: join(tmp, 'data') });
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/Another launcher \(pid \d+\) is running/);
    }
    expect(existsSync(join(tmp, 'data', 'todo-api'))).toBe(true);
  });

  it('restarts a child that dies and says so', async () => {
    const before = childPids(run.output()).get('todo-api') ?? [];
    const pid = before.at(-1) as number;
    process.kill(pid, 'SIGKILL');
    await waitForOutput(run, /todo-api\s+│ ── exited unexpectedly \(signal SIGKILL\)/, 10_000);
    await waitForOutput(run, /todo-api\s+│ ── restarting in/, 10_000);
    await waitForOutput(run, /todo-api is ready again/, 60_000);
    expect((childPids(run.output()).get('todo-api') ?? []).length).toBe(before.length + 1);
  }, 90_000);

  it('SIGTERM stops every child and leaves none behind', async () => {
    const pids = [...childPids(run.output()).values()].map((list) => list.at(-1) as number);
    expect(pids.length).toBeGreaterThanOrEqual(3);
    run.child.kill('SIGTERM');
    const code = await Promise.race([run.exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 20_000))]);
    expect(code).toBe(0);
    expect(run.output()).toContain('All services stopped.');
    expect(await allGone(pids)).toEqual([]);
  }, 30_000);

  it('keeps data between runs; killed outright, its Node children exit and the next start stops the rest', async () => {
    const data = join(tmp, 'data');
    const again = launch([], { ...env, O11Y_DATA_DIR: data });
    await waitForOutput(again, /All ready in|Not ready after/, 90_000);
    expect(again.output()).toMatch(/All ready in/);
    expect(existsSync(join(data, 'launcher', 'secrets.json'))).toBe(true);
    const byId = childPids(again.output());
    const nodePids = ['todo-api', 'load-generator', 'portal'].flatMap((id) => byId.get(id) ?? []);
    const stackPids = ['prometheus', 'alertmanager'].flatMap((id) => byId.get(id) ?? []);
    again.child.kill('SIGKILL');
    expect(await allGone(nodePids, 10_000)).toEqual([]);

    // Prometheus and Alertmanager cannot notice; the next start stops them before checking ports.
    const third = launch(['--no-stack'], { ...env, O11Y_DATA_DIR: data });
    await waitForOutput(third, /All ready in|Not ready after/, 90_000);
    if (stackPids.length > 0) expect(third.output()).toContain('Stopped what a previous launcher left running: prometheus');
    expect(await allGone(stackPids, 1000)).toEqual([]);
    expect(third.output()).toMatch(/All ready in/);
    const thirdPids = [...childPids(third.output()).values()].flat();
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    expect(await allGone(thirdPids)).toEqual([]);
  }, 180_000);
});
