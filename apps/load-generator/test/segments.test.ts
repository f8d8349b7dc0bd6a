/**
 * A run split across instances (segments): the partition of the one arrival sequence across N
 * instances × T threads, the run request's `segment` and `start_at`, a share's run (its part of
 * r(t), its start time) and the raw windows a coordinator collects (GET /api/runs/:id/windows).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@o11y/telemetry';
import { buildApp } from '../src/app.js';
import { testConfig } from '../src/config.js';
import type { Percentiles, RunSummary, SeriesPoint, WindowsPage } from '../src/contract/schemas.js';
import { SplitRunMerge } from '../src/coordinator/merge.js';
import { planShares } from '../src/coordinator/plan.js';
import { Schedule, shardStrides } from '../src/engine/scheduler.js';
import { buildProfile } from '../src/profiles/registry.js';
import { startTarget, type TargetServer } from './target-server.js';

describe('the partition of the arrival sequence', () => {
  it('N instances × T threads send every arrival k exactly once (for several N and T, and instances with different T)', () => {
    const K = 5000;
    const layouts: number[][] = [[1], [4], [1, 1], [2, 2], [3, 3, 3], [1, 2, 3], [4, 1, 2, 3, 1], [2, 2, 2, 2, 2, 2, 2]];
    for (const threads of layouts) {
      const seen = new Uint8Array(K);
      threads.forEach((T, index) => {
        for (const { offset, stride } of shardStrides({ index, count: threads.length }, T)) {
          for (let k = offset; k < K; k += stride) seen[k] = (seen[k] as number) + 1;
        }
      });
      const wrong = [...seen.keys()].filter((k) => seen[k] !== 1);
      expect(wrong.slice(0, 5), `layout ${JSON.stringify(threads)}`).toEqual([]);
    }
    // One instance is the plain thread sharding the engine always had: thread t sends k ≡ t (mod T).
    expect(shardStrides({ index: 0, count: 1 }, 3)).toEqual([
      { offset: 0, stride: 3 },
      { offset: 1, stride: 3 },
      { offset: 2, stride: 3 },
    ]);
    expect(shardStrides({ index: 1, count: 3 }, 2)).toEqual([
      { offset: 1, stride: 6 },
      { offset: 4, stride: 6 },
    ]);
  });

  it('the shards\' schedules together are the single schedule: the same intended times', () => {
    for (const [profile, options] of [['spiky', { period: 2, width: 0.5 }], ['wave', { period: 3 }], ['warmup', {}]] as const) {
      const { curve } = buildProfile({ profile, rate: 97.3, duration: 7, options, seed: 3 });
      const times = (offset: number, stride: number) => {
        const s = new Schedule(curve, 7, offset, stride);
        const out: number[] = [];
        for (let t = s.next(); t !== undefined; t = s.next()) out.push(t);
        return out;
      };
      const single = times(0, 1);
      for (const threads of [[1, 1, 1], [2, 3], [1, 2, 1, 2]]) {
        const union = threads.flatMap((T, index) => shardStrides({ index, count: threads.length }, T).flatMap((s) => times(s.offset, s.stride))).sort((a, b) => a - b);
        expect(union.length, `${profile} ${JSON.stringify(threads)}`).toBe(single.length);
        union.forEach((t, i) => expect(Math.abs(t - (single[i] as number)), `${profile} arrival ${i}`).toBeLessThan(1e-6));
      }
    }
  });

  it('the coordinator\'s shares: one seed, one start, segment i of N, the in-flight cap divided', () => {
    const shares = planShares({ target: { url: 'http://127.0.0.1:4000/' }, rate: 100, duration: 5, max_in_flight: 100 }, ['http://a:8081', 'http://b:8081', 'http://c:8081'], 1_700_000_000_000);
    const seeds = new Set(shares.map((s) => s.request.seed));
    expect(seeds.size).toBe(1);
    expect(shares.map((s) => [s.request.segment, s.request.start_at, s.request.max_in_flight])).toEqual([
      [{ index: 0, count: 3 }, 1_700_000_000_000, 34],
      [{ index: 1, count: 3 }, 1_700_000_000_000, 34],
      [{ index: 2, count: 3 }, 1_700_000_000_000, 34],
    ]);
    expect(() => planShares({ rate: 1, duration: 1, segment: { index: 0, count: 1 } }, ['http://a'], 0)).toThrow(/segment is set by the coordinator/);
    expect(() => planShares({ rate: 1, duration: 1, start_at: 1 }, ['http://a'], 0)).toThrow(/start_at is set by the coordinator/);
  });
});

describe('segment and start_at in the API', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'loadgen-segments-'));
  let target: TargetServer;
  let app: FastifyInstance;
  const arrivals: number[] = [];
  beforeAll(async () => {
    target = await startTarget((_req, res) => {
      arrivals.push(Date.now());
      res.end('ok');
    });
    app = await buildApp(testConfig({ dataDir, allowlist: ['127.0.0.1'], maxRate: 1000, maxDuration: 600 }), { logger: createLogger({ name: 'segments-test', level: 'warn' }) });
  });
  afterAll(async () => {
    await app.close();
    await target.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const body = (extra: Record<string, unknown>) => ({ target: { url: `${target.url}/s` }, rate: 50, duration: 2, ...extra });
  const post = (payload: object) => app.inject({ method: 'POST', url: '/api/runs', payload });
  const summaryOf = async (id: string) => (await app.inject(`/api/runs/${id}`)).json() as RunSummary;
  const windowsOf = async (id: string, from?: number) => (await app.inject(`/api/runs/${id}/windows${from === undefined ? '' : `?from=${from}`}`)).json() as WindowsPage;

  it.each([
    ['segment not an object', { segment: 3 }, 'segment'],
    ['index missing', { segment: { count: 2 } }, 'segment.index'],
    ['count 0', { segment: { index: 0, count: 0 } }, 'segment.count'],
    ['index = count', { segment: { index: 2, count: 2 } }, 'segment.index'],
    ['negative index', { segment: { index: -1, count: 2 } }, 'segment.index'],
    ['fractional count', { segment: { index: 0, count: 1.5 } }, 'segment.count'],
    ['count above the maximum', { segment: { index: 0, count: 1001 } }, 'segment.count'],
    ['start_at not a time', { start_at: 'tomorrow' }, 'start_at'],
    ['start_at without an offset', { start_at: '2026-12-03T10:00:00' }, 'start_at'],
    ['start_at far ahead', { start_at: Date.now() + 3_600_000 }, 'start_at'],
    ['start_at long past', { start_at: Date.now() - 60_000 }, 'start_at'],
    ['a share above MAX_RATE × count', { rate: 2500, segment: { index: 0, count: 2 } }, 'rate'],
  ])('%s → 400 naming the field', async (_label, extra, field) => {
    const res = await post(body(extra));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ field });
  });

  it('MAX_RATE bounds a share: a rate of 1500 split in two (750 each) is accepted where MAX_RATE is 1000', async () => {
    const res = await post(body({ rate: 1500, duration: 1, segment: { index: 1, count: 2 }, target: { url: `${target.url}/share` } }));
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json() as { id: string };
    await expect.poll(async () => (await summaryOf(id)).state, { timeout: 20_000 }).toBe('finished');
    const s = await summaryOf(id);
    expect(s.segment).toEqual({ index: 1, count: 2 });
    // Its share of ⌈1500 × 1⌉ arrivals: the odd ones.
    expect(s.sent + s.dropped).toBe(750);
  });

  it('a share waits for start_at (nothing before it), reports it as started_at, and its windows hold its part of r(t)', async () => {
    const startAt = Date.now() + 1500;
    arrivals.length = 0;
    const res = await post(body({ rate: 60, duration: 2, start_at: new Date(startAt).toISOString(), segment: { index: 0, count: 3 }, seed: 9 }));
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json() as { id: string };
    const before = await windowsOf(id);
    expect(before.summary.started_at).toBe(new Date(startAt).toISOString());
    expect(before.done).toBe(false);
    await expect.poll(async () => (await summaryOf(id)).state, { timeout: 20_000 }).toBe('finished');
    expect(arrivals.length).toBe(40);
    expect(Math.min(...arrivals)).toBeGreaterThanOrEqual(startAt);
    const page = await windowsOf(id);
    expect(page.done).toBe(true);
    expect(page.windows.map((w) => w.index)).toEqual([0, 1]);
    expect(page.windows.map((w) => w.sent + w.dropped)).toEqual([20, 20]);
    const points = (await app.inject(`/api/runs/${id}/series`)).json() as { points: SeriesPoint[] };
    // The share's expected count: a third of ∫r over each second.
    expect(points.points.map((p) => p.target_rps)).toEqual([20, 20]);
    expect((await windowsOf(id, 1)).windows.map((w) => w.index)).toEqual([1]);
    const report = await app.inject(`/api/runs/${id}/report?format=windows`);
    expect(report.headers['content-disposition']).toContain(`run-${id}-windows.json`);
    expect((report.json() as WindowsPage).windows).toHaveLength(2);
  });

  it('a run\'s windows carry all of it: merged alone, they give its series and summary', async () => {
    const res = await post({ requests: [{ name: 'a', url: `${target.url}/a`, weight: 3 }, { name: 'b', url: `${target.url}/b` }], rate: 80, duration: 2, seed: 4 });
    const { id } = res.json() as { id: string };
    await expect.poll(async () => (await summaryOf(id)).state, { timeout: 20_000 }).toBe('finished');
    const page = await windowsOf(id);
    const merge = new SplitRunMerge(page.summary, 1);
    merge.add(0, page);
    merge.finish();
    const own = (await app.inject(`/api/runs/${id}/series`)).json() as { points: SeriesPoint[] };
    expect(merge.points).toEqual(own.points);
    const s = page.summary;
    const merged = merge.summary({ id: s.id, state: s.state, startedAt: new Date(s.started_at), finishedAt: new Date(s.finished_at as string), over: true });
    for (const f of ['sent', 'ok', 'failed', 'dropped', 'lag_p99_ms', 'engine_utilization', 'bottleneck', 'warnings', 'status_codes', 'seed', 'profile'] as const) expect(merged[f], f).toEqual(s[f]);
    // Percentiles come from the same histograms; the maximum crossed the wire as its HDR bucket
    // (3 significant digits), so it is equal within that precision.
    const withinHdr = (a: Percentiles, b: Percentiles, label: string) => {
      expect({ ...a, max: 0 }, label).toEqual({ ...b, max: 0 });
      expect(Math.abs(a.max - b.max), label).toBeLessThanOrEqual(b.max * 1e-3 + 0.001);
    };
    withinHdr(merged.latency, s.latency, 'latency');
    withinHdr(merged.service_latency, s.service_latency, 'service latency');
    const phases = ['intended_to_sent', 'sent_to_first_byte', 'first_byte_to_done'] as const;
    for (const phase of phases) withinHdr(merged.latency_breakdown[phase], s.latency_breakdown[phase], phase);
    for (const [name, r] of Object.entries(s.requests)) {
      const m = merged.requests[name] as typeof r;
      expect({ ...m, latency: undefined, latency_breakdown: undefined }, name).toEqual({ ...r, latency: undefined, latency_breakdown: undefined });
      withinHdr(m.latency, r.latency, name);
      for (const phase of phases) withinHdr(m.latency_breakdown[phase], r.latency_breakdown[phase], `${name} ${phase}`);
    }
  });

  it('a split run is limited by the generator when any share says so, each warning naming its share', async () => {
    const res = await post({ target: { url: `${target.url}/a` }, rate: 20, duration: 1, seed: 9 });
    const { id } = res.json() as { id: string };
    await expect.poll(async () => (await summaryOf(id)).state, { timeout: 20_000 }).toBe('finished');
    const page = await windowsOf(id);
    const share = (index: number, bottleneck: RunSummary['bottleneck'], warnings: string[]) => ({
      ...page,
      windows: index === 0 ? page.windows : [],
      summary: { ...page.summary, segment: { index, count: 2 }, bottleneck, warnings },
    });
    const merge = new SplitRunMerge(page.summary, 2);
    merge.add(0, share(0, null, []));
    merge.add(1, share(1, 'generator', ['the generator, not the target, is the bottleneck: requests waited 40 ms']));
    merge.finish();
    const merged = merge.summary({ id, state: 'finished', startedAt: new Date(page.summary.started_at), over: true });
    expect(merged.bottleneck).toBe('generator');
    expect(merged.warnings).toEqual(['share 2/2: the generator, not the target, is the bottleneck: requests waited 40 ms']);
    const calm = new SplitRunMerge(page.summary, 2);
    calm.add(0, share(0, null, []));
    calm.add(1, share(1, null, []));
    expect(calm.summary({ id, state: 'finished', startedAt: new Date(page.summary.started_at), over: true }).bottleneck).toBeNull();
  });

  it('with worker threads, a share still sends exactly its arrivals (k ≡ index mod count)', async () => {
    const threadsDir = mkdtempSync(join(tmpdir(), 'loadgen-segments-threads-'));
    const threaded = await buildApp(testConfig({ dataDir: threadsDir, allowlist: ['127.0.0.1'] }), {
      logger: createLogger({ name: 'segments-test', level: 'warn' }),
      threads: 2,
    });
    try {
      const seqs: number[] = [];
      const seqTarget = await startTarget((req, res) => {
        seqs.push(Number(/\/(\d+)$/.exec(req.url ?? '')?.[1]));
        res.end('ok');
      });
      try {
        const res = await threaded.inject({ method: 'POST', url: '/api/runs', payload: { target: { url: `${seqTarget.url}/seq/{{seq}}` }, rate: 300, duration: 1, segment: { index: 1, count: 3 } } });
        expect(res.statusCode, res.body).toBe(201);
        const { id } = res.json() as { id: string };
        await expect.poll(async () => ((await threaded.inject(`/api/runs/${id}`)).json() as RunSummary).state, { timeout: 20_000 }).toBe('finished');
        // {{seq}} is k + 1: this share's k are 1, 4, 7, … of 0–299, each once, across both threads.
        expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => 3 * i + 2));
      } finally {
        await seqTarget.close();
      }
    } finally {
      await threaded.close();
      rmSync(threadsDir, { recursive: true, force: true });
    }
  });

  it('unknown runs are 404 on /windows', async () => {
    const res = await app.inject('/api/runs/nope/windows');
    expect(res.statusCode).toBe(404);
  });
});
