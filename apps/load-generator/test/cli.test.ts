import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/attack.js';
import { startTarget, type TargetServer } from './target-server.js';

let target: TargetServer;
let slow: TargetServer;
const dir = mkdtempSync(join(tmpdir(), 'loadgen-cli-'));
beforeAll(async () => {
  target = await startTarget();
  slow = await startTarget((_q, res) => setTimeout(() => res.end('ok'), 150));
});
afterAll(async () => {
  await target.close();
  await slow.close();
  rmSync(dir, { recursive: true, force: true });
});

// Targets are local test servers on random ports: every port of 127.0.0.1 is allowed here.
async function cli(args: string[], env: Record<string, string> = { TARGET_ALLOWLIST: '127.0.0.1' }) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

describe('o11y-load attack', () => {
  it('prints one progress line per second and a final text report', async () => {
    const r = await cli(['attack', '--url', `${target.url}/cli`, '--rate', '30', '--duration', '2s', '-H', 'X-Test: 1', '--profile', 'Постоянная']);
    expect(r.code).toBe(0);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/1s\s+target\s+30\.0 rps\s+achieved\s+30\.0 rps\s+p99\s+[\d.]+ ms\s+errors\s+0\s+dropped\s+0/);
    expect(r.out).toContain('Run finished');
    expect(r.out).toContain('sent 60  ok 60  failed 0  dropped 0');
    expect(target.seen.some((s) => s.headers['x-test'] === '1')).toBe(true);
  });

  it('writes --output and prints --json', async () => {
    const file = join(dir, 'report.json');
    const r = await cli(['attack', '--url', `${target.url}/json`, '-X', 'POST', '--body', '{"a":1}', '--rate', '20', '--duration', '1', '--json', '--output', file, '--profile', 'chaotic', '--seed', '7']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary).toMatchObject({ state: 'finished', profile: 'chaotic', seed: 7, target: { method: 'POST' } });
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(report.summary.id).toBe(summary.id);
    expect(report.points.length).toBeGreaterThanOrEqual(1);
  });

  it('exits 1 when a threshold is breached', async () => {
    const p99 = await cli(['attack', '--url', `${slow.url}/`, '--rate', '10', '--duration', '1', '--max-p99', '50ms']);
    expect(p99.code).toBe(1);
    expect(p99.out).toMatch(/Thresholds breached: p99 latency [\d.]+ ms > 50 ms/);
    const errors = await cli(['attack', '--url', 'http://127.0.0.1:1/', '--rate', '10', '--duration', '1', '--max-error-rate', '1%']);
    expect(errors.code).toBe(1);
    expect(errors.out).toContain('error rate 100.00% > 1.00%');
    const fine = await cli(['attack', '--url', `${target.url}/`, '--rate', '10', '--duration', '1', '--max-p99', '5s', '--max-error-rate', '1%']);
    expect(fine.code).toBe(0);
    expect(fine.out).toContain('Thresholds met.');
  });

  it('takes the login password from O11Y_PASSWORD or stdin, never needing argv', async () => {
    const logins: string[] = [];
    const api = await startTarget((req, res, body) => {
      if (req.url === '/api/login') {
        logins.push((JSON.parse(body) as { password: string }).password);
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ token: 'tok' }));
      }
      res.statusCode = req.headers.authorization === 'Bearer tok' ? 200 : 401;
      res.end();
    });
    try {
      const args = ['attack', '--url', `${api.url}/api/tasks`, '--rate', '5', '--duration', '1', '--login-url', `${api.url}/api/login`, '--email', 'user@example.com'];
      const report = join(dir, 'login-report.json');
      const fromEnv = await cli([...args, '--output', report], { TARGET_ALLOWLIST: '127.0.0.1', O11Y_PASSWORD: 'from-the-environment' });
      expect(fromEnv.code, fromEnv.err).toBe(0);
      expect(fromEnv.out).toContain('ok 5');
      // The report holds the run, never the credentials.
      expect(readFileSync(report, 'utf8')).not.toContain('from-the-environment');
      let out = '';
      let err = '';
      const stdin = await runCli([...args, '--password-stdin'], {
        out: (t) => (out += t),
        err: (t) => (err += t),
        env: { TARGET_ALLOWLIST: '127.0.0.1' },
        readStdin: async () => 'from-stdin\n',
      });
      expect(stdin, err).toBe(0);
      expect(out).toContain('ok 5');
      const argv = await cli([...args, '--password', 'from-argv'], { TARGET_ALLOWLIST: '127.0.0.1' });
      expect(argv.code).toBe(0);
      expect(argv.err).toContain('--password is visible to other users');
      expect(logins).toEqual(['from-the-environment', 'from-stdin', 'from-argv']);
      const none = await cli(args, { TARGET_ALLOWLIST: '127.0.0.1' });
      expect(none.code).toBe(2);
      expect(none.err).toContain('set O11Y_PASSWORD, or pipe it with --password-stdin');
    } finally {
      await api.close();
    }
  });

  it('exits 2 with a clear message on usage errors', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /Usage/],
      [['attack', '--rate', '1', '--duration', '1'], /--url is required/],
      [['attack', '--url', `${target.url}/`, '--duration', '1'], /--rate is required/],
      [['attack', '--url', `${target.url}/`, '--rate', '1', '--duration', '1', '--bogus'], /Unknown option '--bogus'/],
      [['attack', '--url', `${target.url}/`, '--rate', '1', '--duration', '1', '--profile', 'sawtooth'], /unknown profile "sawtooth"/],
      [['attack', '--url', `${target.url}/`, '--rate', '1', '--duration', 'later'], /duration must be a positive duration/],
      [['attack', '--url', 'http://example.com/', '--rate', '1', '--duration', '1'], /TARGET_ALLOWLIST/],
      [['attack', '--url', `${target.url}/`, '--rate', '1', '--duration', '1', '-H', 'Bad Header'], /target.headers/],
      [['attack', '--url', `${target.url}/`, '--rate', '1', '--duration', '1', '--max-error-rate', 'lots'], /--max-error-rate/],
      [['fire'], /unknown command "fire"/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err + r.out, args.join(' ')).toMatch(message);
    }
  });

  it('runs as the built o11y-load binary with no server', async () => {
    // The command people run (`npx o11y-load`): npm's link to dist/cli/main.js, which `npm test` builds.
    const bin = resolve(import.meta.dirname, '../../../node_modules/.bin/o11y-load');
    expect(existsSync(bin), 'run `npm run build` first').toBe(true);
    const r = await promisify(execFile)(bin, ['attack', '--url', `${target.url}/bin`, '--rate', '10', '--duration', '1'], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, TARGET_ALLOWLIST: '127.0.0.1' },
    });
    expect(r.stdout).toContain('sent 10  ok 10');
    const usage = await promisify(execFile)(bin, ['attack'], { encoding: 'utf8' }).catch((e: { code: number; stderr: string }) => e);
    expect((usage as { code: number }).code).toBe(2);
  });
});
