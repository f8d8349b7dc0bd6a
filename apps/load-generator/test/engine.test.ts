import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attr, SPAN_KIND, startOtlpReceiver } from '../../../test/helpers/otlp.js';
import { freePort } from '../../../test/helpers/ports.js';
import type { RunRequest, RunSummary, SeriesPoint } from '../src/api/wire.js';
import { Run } from '../src/engine/run.js';
import { validateRunRequest } from '../src/engine/validate.js';
import { startTarget, sleep, type TargetServer } from './target-server.js';

const limits = { allowlist: ['127.0.0.1', 'localhost', 'no-such-host.invalid'], maxRate: 50_000, maxDuration: 3600, traceSampleRatio: 0.5 };
let n = 0;

function start(req: RunRequest): Run {
  const run = new Run(validateRunRequest(req, limits, `test-${++n}`));
  void run.start();
  return run;
}

async function attack(req: RunRequest): Promise<{ summary: RunSummary; points: SeriesPoint[]; run: Run }> {
  const run = start(req);
  const summary = await run.finished;
  return { summary, points: run.points, run };
}

/** Every window within max(2, 2 %) of ∫r over it (windows are by intended send time), total within 1 %. */
function expectOnSchedule(points: SeriesPoint[], summary: RunSummary, label: string) {
  const expected = points.reduce((s, p) => s + p.target_rps, 0);
  for (const p of points) {
    const tol = Math.max(2, 0.02 * p.target_rps);
    expect(Math.abs(p.sent + p.dropped - p.target_rps), `${label} window ${p.t}: sent ${p.sent} vs ${p.target_rps}`).toBeLessThanOrEqual(tol);
  }
  expect(Math.abs(summary.sent + summary.dropped - expected) / expected, `${label} total`).toBeLessThanOrEqual(0.01);
}

let ok: TargetServer;
let slow: TargetServer;
beforeAll(async () => {
  ok = await startTarget();
  slow = await startTarget((_req, res) => {
    setTimeout(() => res.end('late'), 2000);
  });
});
afterAll(async () => {
  await ok.close();
  await slow.close();
});

describe('per-second accuracy of every deterministic profile (real HTTP)', () => {
  it('sends ∫r(t) in each 1-second window and the total within 1 %', async () => {
    const cases: Array<[string, number, Record<string, unknown>?]> = [
      ['constant', 150],
      ['moderate', 200],
      ['night', 400],
      ['spiky', 100, { period: 2, width: 0.5 }],
      ['wave', 150, { period: 3 }],
      ['warmup', 150],
      ['stages', 100, { stages: [{ duration: 2, rate: 200 }, { duration: 1, rate: 200 }, { duration: 2, rate: 50 }] }],
    ];
    const results = await Promise.all(cases.map(([profile, rate, options]) => attack({ target: { url: `${ok.url}/p/${profile}` }, rate, duration: 5, profile, profile_options: options })));
    results.forEach(({ summary, points }, i) => {
      const label = cases[i]?.[0] ?? '';
      expect(summary.state, label).toBe('finished');
      expect(summary.dropped, label).toBe(0);
      expect(points.filter((p) => p.t < 5)).toHaveLength(5);
      expectOnSchedule(points, summary, label);
      expect(summary.ok, label).toBe(summary.sent);
      expect(summary.status_codes['200'], label).toBe(summary.sent);
    });
    // Spiky doubles in the first half second of every 2 s: windows 0, 2, 4 hold 150, the others 100.
    expect(results[3]?.points.slice(0, 5).map((p) => p.target_rps)).toEqual([150, 100, 150, 100, 150]);
  });

  it('chaotic: the same seed replays the same per-second schedule; the mean is within 10 % of R', async () => {
    const req = { target: { url: `${ok.url}/chaos` }, rate: 120, duration: 4, profile: 'Хаотичная', seed: 4242 };
    const [a, b] = await Promise.all([attack(req), attack(req)]);
    expect(a.summary.profile).toBe('chaotic');
    expect(a.summary.seed).toBe(4242);
    expect(a.points.map((p) => p.sent)).toEqual(b.points.map((p) => p.sent));
    expect(Math.abs(a.summary.sent / 4 - 120) / 120).toBeLessThan(0.1);
    expectOnSchedule(a.points, a.summary, 'chaotic');
  });
});

describe('open model', () => {
  it('keeps the schedule against a target that takes 2 s per request', async () => {
    const { summary, points } = await attack({ target: { url: `${slow.url}/slow` }, rate: 50, duration: 3 });
    expectOnSchedule(points, summary, 'slow');
    expect(summary.sent).toBe(150);
    expect(summary.ok).toBe(150);
    expect(summary.latency.p50).toBeGreaterThanOrEqual(1990);
    // Each request had a connection of its own at once: none waited behind a busy one.
    expect(summary.latency.p99).toBeLessThan(2300);
    expect(Math.max(...points.map((p) => p.in_flight))).toBeGreaterThanOrEqual(90);
    expect(summary.elapsed).toBeGreaterThanOrEqual(4.9);
  });

  it('counts refused connections as errors and still holds the schedule', async () => {
    const port = await freePort();
    const { summary, points } = await attack({ target: { url: `http://127.0.0.1:${port}/` }, rate: 100, duration: 2 });
    expectOnSchedule(points, summary, 'refused');
    expect(summary.sent).toBe(200);
    expect(summary.errors.refused).toBe(200);
    expect(summary.failed).toBe(200);
    expect(summary.ok).toBe(0);
  });

  it('drops (never delays) due requests once the in-flight cap is reached', async () => {
    const { summary, points } = await attack({ target: { url: `${slow.url}/cap` }, rate: 50, duration: 2, max_in_flight: 20 });
    expect(summary.sent).toBe(20);
    expect(summary.dropped).toBe(80);
    expect(points[0]?.dropped).toBe(30);
    expect(points[1]?.dropped).toBe(50);
    expectOnSchedule(points, summary, 'cap');
  });
});

describe('stop, timeouts, error classes', () => {
  it('stops within 1 s and sends nothing afterwards', async () => {
    const run = start({ target: { url: `${ok.url}/stop` }, rate: 100, duration: 60 });
    await sleep(1500);
    const t0 = Date.now();
    const summary = await run.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(summary.state).toBe('stopped');
    expect(summary.sent).toBeGreaterThanOrEqual(100);
    expect(summary.sent).toBeLessThan(250);
    const hits = ok.hits;
    await sleep(300);
    expect(ok.hits).toBe(hits);
  });

  it('times requests out after `timeout`', async () => {
    const { summary } = await attack({ target: { url: `${slow.url}/timeout` }, rate: 20, duration: 1, timeout: '300ms' });
    expect(summary.sent).toBe(20);
    expect(summary.errors.timeout).toBe(20);
    expect(summary.latency.p50).toBeGreaterThanOrEqual(290);
    expect(summary.latency.p50).toBeLessThan(1500);
  });

  it('classifies resets and DNS failures', async () => {
    const reset = await startTarget((req) => req.socket.destroy());
    try {
      const [r, d] = await Promise.all([
        attack({ target: { url: `${reset.url}/` }, rate: 10, duration: 1 }),
        attack({ target: { url: 'http://no-such-host.invalid/' }, rate: 5, duration: 1, timeout: 5 }),
      ]);
      expect(r.summary.errors.reset).toBe(10);
      expect(d.summary.errors.dns).toBe(5);
    } finally {
      await reset.close();
    }
  });
});

describe('requests', () => {
  it('sends method, headers (lines or object), body, traceparent and User-Agent', async () => {
    const echo = await startTarget((_q, res) => res.end('{}'));
    try {
      const { summary } = await attack({
        target: { method: 'post', url: `${echo.url}/tasks?x=1`, headers: 'X-One: 1\nX-Two:  two words', body: { title: 'Load2' } },
        rate: 10,
        duration: 1,
      });
      expect(summary.ok).toBe(10);
      const first = echo.seen[0];
      expect(first?.method).toBe('POST');
      expect(first?.url).toBe('/tasks?x=1');
      expect(first?.headers['x-one']).toBe('1');
      expect(first?.headers['x-two']).toBe('two words');
      expect(first?.headers['content-type']).toBe('application/json');
      expect(JSON.parse(first?.body ?? '')).toEqual({ title: 'Load2' });
      expect(first?.headers['user-agent']).toMatch(/^o11y-loadgen\/\d+\.\d+\.\d+$/);
      expect(first?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      const traceIds = new Set(echo.seen.map((s) => String(s.headers.traceparent).split('-')[1]));
      expect(traceIds.size).toBe(echo.seen.length);
    } finally {
      await echo.close();
    }
  });

  it('logs in before the run and again once on a 401, then uses the new token', async () => {
    let logins = 0;
    const api = await startTarget((req, res, body) => {
      if (req.url === '/api/login') {
        logins++;
        const creds = JSON.parse(body) as { email: string; password: string };
        res.setHeader('content-type', 'application/json');
        if (creds.email !== 'user@example.com' || creds.password !== 'verysecret') {
          res.statusCode = 401;
          return res.end('{"error":"bad credentials"}');
        }
        return res.end(JSON.stringify({ token: `tok-${logins}` }));
      }
      // The first token has "expired".
      res.statusCode = req.headers.authorization === 'Bearer tok-2' ? 200 : 401;
      res.end();
    });
    try {
      const { summary, run } = await attack({
        target: { url: `${api.url}/api/tasks` },
        rate: 50,
        duration: 3,
        auth: { login_url: `${api.url}/api/login`, email: 'user@example.com', password: 'verysecret' },
      });
      expect(logins).toBe(2);
      expect(run.tokenHelper?.token).toBe('tok-2');
      expect(summary.status_codes['401']).toBeGreaterThanOrEqual(1);
      expect(summary.status_codes['401']).toBeLessThan(10);
      expect(summary.ok).toBe(150 - (summary.status_codes['401'] ?? 0));
      const bad = await attack({ target: { url: `${api.url}/api/tasks` }, rate: 5, duration: 1, auth: { login_url: `${api.url}/api/login`, email: 'x@y.z', password: 'no' } });
      expect(bad.summary.state).toBe('failed');
      expect(bad.summary.error).toMatch(/login .* failed: HTTP 401/);
    } finally {
      await api.close();
    }
  });
});

describe('worker threads', () => {
  it('splits a run over threads transparently: the same schedule and one merged series', async () => {
    const run = new Run({ ...validateRunRequest({ target: { url: `${ok.url}/threads` }, rate: 200, duration: 3, profile: 'wave', profile_options: { period: 2 } }, limits, 'threads'), threads: 2 });
    void run.start();
    const summary = await run.finished;
    expect(summary.error).toBeUndefined();
    expect(summary.state).toBe('finished');
    expect(summary.ok).toBe(summary.sent);
    expectOnSchedule(run.points, summary, 'threads');
  });

  it('each thread flushes its spans before it exits: every sampled request has its client span at the OTLP receiver', async () => {
    const receiver = await startOtlpReceiver();
    // The threads read the standard variables when they start. The batch delay is far longer than
    // the run, so spans arrive only if a thread exports what it holds before it ends.
    const saved = { endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT, delay: process.env.OTEL_BSP_SCHEDULE_DELAY };
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '60000';
    const echo = await startTarget();
    try {
      const spec = validateRunRequest({ target: { url: `${echo.url}/traced` }, rate: 100, duration: 2 }, { ...limits, traceSampleRatio: 1 }, 'traced');
      const run = new Run({ ...spec, threads: 2 }, { tracingExported: true });
      void run.start();
      const summary = await run.finished;
      expect(summary.state).toBe('finished');
      expect(summary.sent).toBe(200);
      expect(echo.hits).toBe(200);
      // No waiting: a thread says `end` only after its exporter delivered.
      const clients = receiver.spans.filter((x) => x.kind === SPAN_KIND.CLIENT);
      expect(clients).toHaveLength(summary.sent);
      expect(new Set(clients.map((x) => x.traceId)).size).toBe(summary.sent);
      // They are the spans of the requests the target saw (every traceparent sampled, ratio 1).
      const seen = echo.seen.map((r) => String(r.headers.traceparent));
      expect(seen.every((tp) => tp.endsWith('-01'))).toBe(true);
      const ids = new Set(clients.map((x) => `${x.traceId}-${x.spanId}`));
      for (const tp of seen) expect(ids.has(tp.slice(3, 3 + 32 + 1 + 16))).toBe(true);
      expect(clients.every((x) => attr(x, 'http.response.status_code') === 200)).toBe(true);
      expect(receiver.resources.every((r) => r.some((a) => a.key === 'service.name' && a.value.stringValue === 'load-generator'))).toBe(true);
    } finally {
      for (const [k, v] of [['OTEL_EXPORTER_OTLP_ENDPOINT', saved.endpoint], ['OTEL_BSP_SCHEDULE_DELAY', saved.delay]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await echo.close();
      await receiver.close();
    }
  });
});
