import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    expect(r.out).not.toContain('WARNING');
  });

  it('prints no line for the window after the end, where late answers fall: they are in the report', async () => {
    // 150 ms answers: those sent in the last 150 ms of the schedule complete after it.
    const r = await cli(['attack', '--url', `${slow.url}/late`, '--rate', '20', '--duration', '2s']);
    expect(r.code).toBe(0);
    const lines = r.err.trim().split('\n');
    expect(lines.map((l) => l.trim().split(/\s+/)[0])).toEqual(['1s', '2s']);
    expect(r.out).toContain('sent 40  ok 40  failed 0  dropped 0');
  });

  it('breaks the latency down in its report, and says when the generator, not the target, is the bottleneck', async () => {
    // An in-flight cap of 1 at 2 000 rps: the generator drops what a local target would answer at once.
    const r = await cli(['attack', '--url', `${target.url}/capped`, '--rate', '2000', '--duration', '1', '--max-in-flight', '1']);
    expect(r.code).toBe(0);
    for (const phase of ['intended → sent', 'sent → first byte', 'first byte → done']) expect(r.out).toMatch(new RegExp(`${phase}\\s+p50 [\\d.]+  p90 [\\d.]+ .* max [\\d.]+ ms`));
    expect(r.out).toMatch(/^WARNING: the generator, not the target, is the bottleneck: [\d.]+ % of the schedule was dropped at the in-flight cap \(1\)/m);
    expect(r.err.trim().split('\n')[0]).toMatch(/intended→sent p99 [\d.]+ ms$/);
    const json = await cli(['attack', '--url', `${target.url}/capped-json`, '--rate', '2000', '--duration', '1', '--max-in-flight', '1', '--json']);
    const summary = JSON.parse(json.out);
    expect(summary.bottleneck).toBe('generator');
    expect(summary.warnings[0]).toMatch(/^the generator, not the target, is the bottleneck/);
    expect(Object.keys(summary.latency_breakdown)).toEqual(['intended_to_sent', 'sent_to_first_byte', 'first_byte_to_done']);
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

  it('runs a --mix file in YAML, the flags overriding it, with a table per request', async () => {
    const posts: Array<{ url: string; body: string }> = [];
    const mixTarget = await startTarget((req, res, body) => {
      if (req.method === 'POST') posts.push({ url: req.url ?? '', body });
      res.end('ok');
    });
    const file = join(dir, 'mix.yaml');
    writeFileSync(
      file,
      [
        '# the same schema as POST /api/runs',
        'requests:',
        '  - name: home',
        '    weight: 3',
        `    url: ${mixTarget.url}/mix/home`,
        '  - name: post',
        '    weight: 1',
        '    method: POST',
        `    url: ${mixTarget.url}/mix/post?n={{seq}}`,
        '    body: { title: "t {{seq}}" }',
        'rate: 5',
        'duration: 30s',
        'profile: constant',
        'seed: 8',
        '',
      ].join('\n'),
    );
    try {
      const r = await cli(['attack', '--mix', file, '--rate', '40', '--duration', '2']);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('a mix of 2 requests (home, post)');
      expect(r.out).toContain('sent 80  ok 80');
      const rows = Object.fromEntries(
        r.out
          .split('\n')
          .filter((l) => /^\s+(home|post)\s/.test(l))
          .map((l) => {
            const [name, method, share, sent] = l.trim().split(/\s+/);
            return [name, { method, share, sent: Number(sent) }];
          }),
      );
      expect(rows.home?.method).toBe('GET');
      expect(rows.post?.method).toBe('POST');
      expect((rows.home?.sent ?? 0) + (rows.post?.sent ?? 0)).toBe(80);
      expect(rows.home?.sent).toBeGreaterThan(rows.post?.sent ?? 0);
      // The target saw every POST with its templates expanded: the same {{seq}} in URL and body.
      expect(posts.length).toBe(rows.post?.sent);
      for (const p of posts) expect(JSON.parse(p.body)).toEqual({ title: `t ${p.url.split('=')[1]}` });
    } finally {
      await mixTarget.close();
    }
  });

  it('runs a --mix file in JSON and prints --json with the requests', async () => {
    const file = join(dir, 'mix.json');
    writeFileSync(file, JSON.stringify({ requests: [{ name: 'a', url: `${target.url}/json-mix/a` }, { name: 'b', weight: 2, url: `${target.url}/json-mix/b` }], rate: 30, duration: 1 }));
    const r = await cli(['attack', '--mix', file, '--json', '--profile', 'moderate']);
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary.profile).toBe('moderate');
    expect(summary.sent).toBe(15);
    expect(Object.keys(summary.requests)).toEqual(['a', 'b']);
    expect(summary.requests.a.sent + summary.requests.b.sent).toBe(15);
  });

  it('runs --preset todo-journey against TODO_API_URL and lists the presets', async () => {
    let id = 0;
    const paths: string[] = [];
    const todo = await startTarget((req, res) => {
      paths.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/login') return res.end('{"token":"demo"}');
      if (req.method === 'POST') return res.end(JSON.stringify({ id: `task-${++id}` }));
      res.end('[]');
    });
    try {
      const env = { TODO_API_URL: todo.url };
      const list = await cli(['presets'], env);
      expect(list.code).toBe(0);
      expect(list.out).toMatch(/^todo-journey\s+Todo user journey: list 60, create 25, finish 10, delete 5/m);
      const r = await cli(['attack', '--preset', 'todo-journey', '--rate', '30', '--duration', '2', '--profile', 'constant', '--json'], env);
      expect(r.code, r.err).toBe(0);
      const summary = JSON.parse(r.out);
      expect(summary).toMatchObject({ profile: 'constant', sent: 60, failed: 0 });
      expect(Object.keys(summary.requests)).toEqual(['list', 'create', 'finish', 'delete']);
      expect(paths[0]).toBe('POST /api/login');
      expect(paths.filter((p) => p.startsWith('GET /api/tasks?limit=10')).length).toBe(summary.requests.list.sent);
    } finally {
      await todo.close();
    }
  });

  it('exits 2 on a bad --mix: unreadable, not YAML, mixed with --url, or naming an unknown template', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'requests:\n  - name: a\n    url: [unclosed\n');
    const unknown = join(dir, 'unknown.yaml');
    writeFileSync(unknown, `requests:\n  - name: a\n    url: ${target.url}/x/{{nope}}\nrate: 1\nduration: 1\n`);
    const cases: Array<[string[], RegExp]> = [
      [['attack', '--mix', join(dir, 'missing.yaml')], /--mix .*missing\.yaml: ENOENT/],
      [['attack', '--mix', bad], /not valid YAML/],
      [['attack', '--mix', unknown, '--url', `${target.url}/`], /--url, -X, -H and --body describe a single target/],
      [['attack', '--mix', unknown], /requests\[0\]\.url \(request "a"\): unknown name "nope"/],
      [['attack', '--mix', unknown, '--preset', 'todo-journey'], /choose one/],
      [['attack', '--preset', 'nope', '--rate', '1', '--duration', '1'], /unknown preset "nope"/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(message);
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
