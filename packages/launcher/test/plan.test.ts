import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SERVICES } from '@o11y/platform';
import {
  appEntry,
  appEnv,
  appSpec,
  EMBEDDED_APPS,
  healthUrl,
  labTokenProblem,
  labTokens,
  LAUNCHED_SERVICES,
  launchedServiceInfo,
  loadOrCreateSecrets,
  localUrl,
  type PlanContext,
} from '@o11y/launcher';

const tmp = mkdtempSync(join(tmpdir(), 'launcher-plan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function ctx(over: Partial<PlanContext> = {}): PlanContext {
  return {
    dataRoot: '/data',
    host: '127.0.0.1',
    ports: new Map([
      ['todo-api', 14000],
      ['load-generator', 18081],
      ['portal', 18000],
      ['prometheus', 19090],
      ['alertmanager', 19093],
    ]),
    runningStack: new Set(['prometheus', 'alertmanager']),
    secrets: { jwtSecret: 's'.repeat(43), adminToken: 'a'.repeat(43), alertWebhookToken: 'w'.repeat(43) },
    env: { PATH: '/usr/bin', PORT: '1', DATA_DIR: '/elsewhere' },
    ...over,
  };
}

describe('the launcher service list', () => {
  it('is the embedded services of SERVICES', () => {
    expect([...LAUNCHED_SERVICES].sort()).toEqual(SERVICES.filter((s) => s.modes.includes('embedded')).map((s) => s.id).sort());
    expect(launchedServiceInfo(false).map((s) => s.id)).toEqual([...EMBEDDED_APPS]);
  });

  it('runs apps/<id>/dist/main.js with node', () => {
    const spec = appSpec('portal', { ...ctx(), parentWatch: 'file:///w.js' });
    expect(spec.command).toBe(process.execPath);
    expect(spec.args).toEqual(['--import', 'file:///w.js', resolve(REPO_ROOT, 'apps/portal/dist/main.js')]);
    expect(spec.ipc).toBe(true);
    expect(appEntry('todo-api')).toBe(resolve(REPO_ROOT, 'apps/todo-api/dist/main.js'));
  });
});

describe('appEnv', () => {
  it('gives each app its port, host and data directory under the data root', () => {
    for (const id of EMBEDDED_APPS) {
      const env = appEnv(id, ctx());
      expect(env.PORT).toBe(String(ctx().ports.get(id)));
      expect(env.HOST).toBe('127.0.0.1');
      expect(env.DATA_DIR).toBe(`/data/${id}`);
      expect(env.PATH).toBe('/usr/bin');
      // Every port variable, so the apps' links agree with the launcher.
      expect(env).toMatchObject({ TODO_API_PORT: '14000', LOADGEN_PORT: '18081', PORTAL_PORT: '18000', PROMETHEUS_PORT: '19090', ALERTMANAGER_PORT: '19093' });
    }
  });

  it('gives the admin token to the todo API and to what switches faults (the portal only); the webhook token to the portal', () => {
    // Generated: ADMIN_TOKEN for the todo API, TODO_API_ADMIN_TOKEN for the portal; the load generator knows no faults.
    expect(appEnv('todo-api', ctx()).ADMIN_TOKEN).toBe('a'.repeat(43));
    expect(appEnv('load-generator', ctx())).not.toHaveProperty('TODO_API_ADMIN_TOKEN');
    expect(appEnv('portal', ctx()).TODO_API_ADMIN_TOKEN).toBe('a'.repeat(43));
    expect(appEnv('portal', ctx()).ALERT_WEBHOOK_TOKEN).toBe('w'.repeat(43));
    // The environment wins over what was generated.
    const own = ctx({ env: { ADMIN_TOKEN: 'mine-admin', ALERT_WEBHOOK_TOKEN: 'mine-webhook', LAB_TOKEN: 'mine-lab-token-0123' } });
    expect(appEnv('todo-api', own).ADMIN_TOKEN).toBe('mine-admin');
    expect(appEnv('load-generator', own)).not.toHaveProperty('TODO_API_ADMIN_TOKEN');
    expect(appEnv('portal', own)).toMatchObject({ TODO_API_ADMIN_TOKEN: 'mine-admin', ALERT_WEBHOOK_TOKEN: 'mine-webhook', LAB_TOKEN: 'mine-lab-token-0123' });
    expect(appEnv('load-generator', own).LAB_TOKEN).toBe('mine-lab-token-0123');
    expect(labTokens(own)).toEqual({ adminToken: 'mine-admin', alertWebhookToken: 'mine-webhook', labToken: 'mine-lab-token-0123' });
    expect(labTokens(ctx()).labToken).toBeUndefined();
  });

  it('refuses a listen address beyond loopback without LAB_TOKEN, and a short LAB_TOKEN', () => {
    expect(labTokenProblem('127.0.0.1', undefined)).toBeUndefined();
    expect(labTokenProblem('::1', undefined)).toBeUndefined();
    expect(labTokenProblem('0.0.0.0', undefined)).toMatch(/HOST=0\.0\.0\.0 .*LAB_TOKEN=\$\(openssl rand -base64 24\)/);
    expect(labTokenProblem('192.168.1.5', 'long-enough-lab-token')).toBeUndefined();
    expect(labTokenProblem('127.0.0.1', 'short')).toMatch(/at least 16 characters/);
  });

  it('points the load generator at the todo API and keeps the JWT secret stable', () => {
    expect(appEnv('load-generator', ctx()).TODO_API_URL).toBe('http://127.0.0.1:14000');
    expect(appEnv('portal', ctx({ env: { TODO_API_ADMIN_TOKEN: 't' } })).TODO_API_ADMIN_TOKEN).toBe('t');
    expect(appEnv('todo-api', ctx()).JWT_SECRET).toBe('s'.repeat(43));
    expect(appEnv('todo-api', ctx({ env: { JWT_SECRET: 'mine' } })).JWT_SECRET).toBe('mine');
  });

  it('tells the portal where everything is, and "none" for what does not run', () => {
    expect(appEnv('portal', ctx())).toMatchObject({
      MODE: 'embedded',
      TODO_API_INTERNAL_URL: 'http://127.0.0.1:14000',
      LOADGEN_INTERNAL_URL: 'http://127.0.0.1:18081',
      PROMETHEUS_INTERNAL_URL: 'http://127.0.0.1:19090',
      ALERTMANAGER_INTERNAL_URL: 'http://127.0.0.1:19093',
    });
    const without = appEnv('portal', ctx({ runningStack: new Set() }));
    expect(without.PROMETHEUS_INTERNAL_URL).toBe('none');
    expect(without.ALERTMANAGER_INTERNAL_URL).toBe('none');
  });

  it('urls: health paths from SERVICES, a display host for wildcard addresses', () => {
    expect(healthUrl(ctx(), 'prometheus')).toBe('http://127.0.0.1:19090/-/ready');
    expect(healthUrl(ctx(), 'todo-api')).toBe('http://127.0.0.1:14000/health/ready');
    expect(localUrl(ctx({ host: '0.0.0.0' }), 'portal')).toBe('http://localhost:18000');
    expect(localUrl(ctx({ host: '::1' }), 'portal')).toBe('http://[::1]:18000');
  });
});

describe('loadOrCreateSecrets', () => {
  it('creates private secrets once and reuses them', () => {
    const a = loadOrCreateSecrets(tmp);
    expect(a.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(a.adminToken.length).toBeGreaterThanOrEqual(32);
    expect(a.alertWebhookToken.length).toBeGreaterThanOrEqual(32);
    expect(new Set([a.jwtSecret, a.adminToken, a.alertWebhookToken]).size).toBe(3);
    const file = join(tmp, 'launcher', 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecrets(tmp)).toEqual(a);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(a);
  });

  it("completes an older launcher's file (jwtSecret only), keeping its secret, and makes it private", () => {
    const root = join(tmp, 'old');
    mkdirSync(join(root, 'launcher'), { recursive: true });
    const file = join(root, 'launcher', 'secrets.json');
    writeFileSync(file, JSON.stringify({ jwtSecret: 'j'.repeat(43) }));
    chmodSync(file, 0o644);
    const s = loadOrCreateSecrets(root);
    expect(s.jwtSecret).toBe('j'.repeat(43));
    expect(s.adminToken.length).toBeGreaterThanOrEqual(32);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(s);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
