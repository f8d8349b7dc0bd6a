import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '@o11y/platform';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/helpers/process.ts';
import { resolveJwtSecret, SECRET_FILE } from '../src/auth/secret.ts';
import { createTokenService } from '../src/auth/tokens.ts';
import { readConfig } from '../src/config.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'todo-api-config-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = readConfig({});
    expect(c).toMatchObject({ PORT: 4000, HOST: '0.0.0.0', POOL_SIZE: 10, JWT_TTL: '24h', jwtTtlSeconds: 86_400, TELEMETRY_ENABLED: true, LOG_LEVEL: 'info' });
    expect(c.DATA_DIR).toBe(resolve(REPO_ROOT, '.data', 'todo-api'));
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.ADMIN_TOKEN).toBeUndefined();
  });

  it('reads the environment and reports every problem at once', () => {
    expect(readConfig({ PORT: '4100', POOL_SIZE: '3', JWT_TTL: '30m', TELEMETRY_ENABLED: 'false' })).toMatchObject({
      PORT: 4100,
      POOL_SIZE: 3,
      jwtTtlSeconds: 1800,
      TELEMETRY_ENABLED: false,
    });
    try {
      readConfig({ PORT: 'http', DATABASE_URL: 'mysql://x', POOL_SIZE: '0' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as Error).message;
      for (const name of ['PORT', 'DATABASE_URL', 'POOL_SIZE']) expect(text).toContain(name);
    }
    expect(() => readConfig({ JWT_TTL: 'forever' })).toThrow(/JWT_TTL/);
  });

  it('in production, refuses a missing or short JWT_SECRET', () => {
    expect(() => readConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET: must be set/);
    expect(() => readConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(/at least 32/);
    expect(readConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).NODE_ENV).toBe('production');
  });

  it('the real process exits 1 with a clear message instead of a stack trace', () => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'apps/todo-api/dist/main.js')], {
      env: { ...process.env, NODE_ENV: 'production', JWT_SECRET: '', DATA_DIR: tempDir() },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Invalid configuration');
    expect(r.stderr).toContain('JWT_SECRET');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('JWT secret', () => {
  it('without JWT_SECRET, generates one once and keeps it in the data directory (tokens survive a restart)', async () => {
    const dir = tempDir();
    const first = resolveJwtSecret({ DATA_DIR: dir, NODE_ENV: 'development' });
    expect(statSync(join(dir, SECRET_FILE)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, SECRET_FILE), 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    const token = await createTokenService(first, 60).issue('11111111-1111-4111-8111-111111111111');
    const again = resolveJwtSecret({ DATA_DIR: dir, NODE_ENV: 'development' });
    expect(await createTokenService(again, 60).verify(token)).toBe('11111111-1111-4111-8111-111111111111');
    const elsewhere = resolveJwtSecret({ DATA_DIR: tempDir(), NODE_ENV: 'development' });
    expect(await createTokenService(elsewhere, 60).verify(token)).toBeUndefined();
  });

  it('remembers a verified token only until it expires', async () => {
    // exp counts whole seconds from the current one: a 2 s token lives at least 1 s, so the first
    // check does not race the clock on a busy machine (a 1 s token could expire before it).
    const tokens = createTokenService(new TextEncoder().encode('x'.repeat(40)), 2);
    const token = await tokens.issue('22222222-2222-4222-8222-222222222222');
    expect(await tokens.verify(token)).toBe('22222222-2222-4222-8222-222222222222');
    await new Promise((r) => setTimeout(r, 3100));
    expect(await tokens.verify(token)).toBeUndefined();
    expect(await tokens.verify(`${token.slice(0, -2)}xx`)).toBeUndefined();
  });

  it('JWT_SECRET wins over the file', async () => {
    const dir = tempDir();
    resolveJwtSecret({ DATA_DIR: dir, NODE_ENV: 'development' });
    const key = resolveJwtSecret({ DATA_DIR: dir, NODE_ENV: 'development', JWT_SECRET: 'from-the-environment-0123456789abcdef' });
    expect(new TextDecoder().decode(key)).toBe('from-the-environment-0123456789abcdef');
  });
});
