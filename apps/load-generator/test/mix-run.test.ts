// Mixes run by the real engine against a real local HTTP target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRequest, RunSummary, SeriesPoint } from '../src/contract/schemas.js';
import { Run } from '../src/engine/run.js';
import { validateRunRequest } from '../src/engine/validate.js';
import { startTarget, type TargetServer } from './target-server.js';

const limits = { allowlist: ['127.0.0.1'], maxRate: 50_000, maxDuration: 3600, traceSampleRatio: 0 };
let n = 0;

async function attack(req: RunRequest, threads: number | 'auto' = 'auto'): Promise<{ summary: RunSummary; points: SeriesPoint[] }> {
  const run = new Run({ ...validateRunRequest(req, limits, `mix-${++n}`), threads });
  void run.start();
  const summary = await run.finished;
  return { summary, points: run.points };
}

/** A tasks API in miniature: POST creates an id, PUT and DELETE answer 404 for ids it never made (or already deleted). */
interface TasksTarget {
  server: TargetServer;
  created: string[];
  updated: string[];
  deleted: string[];
  byPath: Map<string, number>;
}

async function tasksTarget(): Promise<TasksTarget> {
  const state = { created: [] as string[], updated: [] as string[], deleted: [] as string[], byPath: new Map<string, number>() };
  const live = new Set<string>();
  const server = await startTarget((req, res, body) => {
    const path = (req.url ?? '').split('?')[0] as string;
    const key = `${req.method} ${path.replace(/\/t-\d+$/, '/:id')}`;
    state.byPath.set(key, (state.byPath.get(key) ?? 0) + 1);
    res.setHeader('content-type', 'application/json');
    const id = /\/tasks\/(t-\d+)$/.exec(path)?.[1];
    if (req.method === 'POST') {
      const made = `t-${state.created.length + 1}`;
      state.created.push(made);
      live.add(made);
      res.statusCode = 201;
      return res.end(JSON.stringify({ id: made, title: (JSON.parse(body) as { title: string }).title }));
    }
    if (req.method === 'PUT' || req.method === 'DELETE') {
      if (!id || !live.has(id)) {
        res.statusCode = 404;
        return res.end('{"error":"not found"}');
      }
      if (req.method === 'DELETE') {
        live.delete(id);
        state.deleted.push(id);
      } else state.updated.push(id);
      return res.end('{}');
    }
    res.end('[]');
  });
  return { server, ...state };
}

const journey = (url: string) => [
  { name: 'list', weight: 60, method: 'GET', url: `${url}/api/tasks?limit=10` },
  { name: 'create', weight: 25, method: 'POST', url: `${url}/api/tasks`, body: { title: 'task {{seq}}', status: 'pending' }, capture: { task_id: 'id' } },
  { name: 'finish', weight: 10, method: 'PUT', url: `${url}/api/tasks/{{task_id}}`, body: { status: 'done' } },
  { name: 'delete', weight: 5, method: 'DELETE', url: `${url}/api/tasks/{{take task_id}}` },
];

let tasks: TasksTarget;
let echo: TargetServer;
const echoed: Array<{ seq: number; name: string; headers: Record<string, unknown>; url: string }> = [];
beforeAll(async () => {
  tasks = await tasksTarget();
  echo = await startTarget((req, res) => {
    const seq = Number(req.headers['x-seq']);
    echoed.push({ seq, name: String(req.headers['x-name']), headers: req.headers, url: req.url ?? '' });
    res.end('ok');
  });
});
afterAll(async () => {
  await tasks.server.close();
  await echo.close();
});

describe('a mix that creates, updates and deletes with captures', () => {
  it('updates and deletes only ids the target returned; counts by request match the summary', async () => {
    const { summary, points } = await attack({ requests: journey(tasks.server.url), rate: 100, duration: 4, seed: 99 });
    expect(summary.state).toBe('finished');
    expect(summary.sent).toBe(400);
    const r = summary.requests;
    expect(Object.keys(r)).toEqual(['list', 'create', 'finish', 'delete']);
    // What the target saw, request by request, is what the summary says was sent.
    expect(tasks.byPath.get('GET /api/tasks')).toBe(r.list?.sent);
    expect(tasks.byPath.get('POST /api/tasks')).toBe(r.create?.sent);
    expect(tasks.byPath.get('PUT /api/tasks/:id')).toBe(r.finish?.sent);
    expect(tasks.byPath.get('DELETE /api/tasks/:id')).toBe(r.delete?.sent);
    expect(Object.values(r).reduce((s, x) => s + x.sent, 0)).toBe(summary.sent);
    // Every PUT and DELETE named an id the target had created; each id was deleted once (take).
    expect(r.finish?.sent).toBeGreaterThan(10);
    expect(r.delete?.sent).toBeGreaterThan(5);
    const created = new Set(tasks.created);
    expect(tasks.updated.every((id) => created.has(id))).toBe(true);
    expect(tasks.deleted.every((id) => created.has(id))).toBe(true);
    expect(new Set(tasks.deleted).size).toBe(tasks.deleted.length);
    // Every request succeeded: no 404 for an id that was never returned.
    for (const [name, s] of Object.entries(r)) {
      expect(s.failed, name).toBe(0);
      expect(s.ok, name).toBe(s.sent);
    }
    expect(r.create?.status_codes).toEqual({ '201': r.create?.sent });
    expect(r.create?.latency.p50).toBeGreaterThan(0);
    // The series carries the same counts per request, second by second.
    for (const name of Object.keys(r)) expect(points.reduce((s, p) => s + (p.requests[name]?.sent ?? 0), 0), name).toBe(r[name]?.sent);
    // The first arrivals that drew finish or delete found an empty pool and were drawn again.
    expect(summary.redrawn).toBeGreaterThan(0);
  });
});

describe('draw', () => {
  const mix = (seed: number) => ({
    requests: ['a', 'b', 'c'].map((name, i) => ({ name, weight: [50, 30, 20][i], url: `${echo.url}/${name}`, headers: { 'X-Seq': '{{seq}}', 'X-Name': name } })),
    rate: 150,
    duration: 2,
    seed,
  });
  const sequence = () => {
    const names = [...echoed].sort((x, y) => x.seq - y.seq).map((e) => e.name);
    echoed.length = 0;
    return names;
  };

  it('the same seed replays the same sequence of requests, with one thread or two', async () => {
    await attack(mix(1234), 1);
    const first = sequence();
    expect(first).toHaveLength(300);
    await attack(mix(1234), 1);
    expect(sequence()).toEqual(first);
    // Two worker threads send arrivals 0, 2, 4, … and 1, 3, 5, …: the same draw.
    await attack(mix(1234), 2);
    expect(sequence()).toEqual(first);
    await attack(mix(4321), 1);
    expect(sequence()).not.toEqual(first);
    // {{seq}} numbers the arrivals 1 … 300 across the run.
    expect(first.length).toBe(300);
  });

  it('an empty pool redraws among the requests that can run, so the rate holds', async () => {
    // "use" needs a value that "make" never captures (the target answers "ok", not JSON).
    const req = {
      requests: [
        { name: 'make', weight: 1, method: 'POST', url: `${echo.url}/make`, headers: { 'X-Name': 'make', 'X-Seq': '{{seq}}' }, capture: { id: 'id' } },
        { name: 'use', weight: 3, url: `${echo.url}/use/{{take id}}`, headers: { 'X-Name': 'use', 'X-Seq': '{{seq}}' } },
      ],
      rate: 120,
      duration: 2,
      seed: 5,
    };
    const { summary, points } = await attack(req);
    const seen = sequence();
    expect(summary.sent).toBe(240);
    expect(summary.dropped).toBe(0);
    // Late responses may close a third window; the two of the schedule hold 120 each.
    expect(points.filter((p) => p.t < 2).map((p) => p.sent)).toEqual([120, 120]);
    expect(summary.requests.use?.sent).toBe(0);
    expect(summary.requests.make?.sent).toBe(240);
    expect(seen.every((name) => name === 'make')).toBe(true);
    // About three quarters drew "use" first.
    expect(summary.redrawn).toBeGreaterThan(150);
    expect(summary.redrawn).toBeLessThan(215);
  });
});

describe('every request of a mix', () => {
  it('carries the run\'s token (unless it sets its own Authorization) and expands its templates', async () => {
    const seen: Array<{ url: string; auth: string | undefined; body: string }> = [];
    const api = await startTarget((req, res, body) => {
      if (req.url === '/login') {
        res.setHeader('content-type', 'application/json');
        return res.end('{"token":"tok"}');
      }
      seen.push({ url: req.url ?? '', auth: req.headers.authorization, body });
      res.end('{}');
    });
    try {
      const { summary } = await attack({
        requests: [
          { name: 'one', url: `${api.url}/one?n={{rand_int 1 3}}&c={{pick x|y}}` },
          { name: 'two', method: 'POST', url: `${api.url}/two/{{seq}}`, body: 'id={{uuid}}' },
          { name: 'own', url: `${api.url}/own`, headers: { Authorization: 'Bearer mine' } },
        ],
        rate: 60,
        duration: 1,
        auth: { login_url: `${api.url}/login`, email: 'a@b.c', password: 'x' },
      });
      expect(summary.ok).toBe(60);
      const one = seen.filter((s) => s.url.startsWith('/one'));
      const two = seen.filter((s) => s.url.startsWith('/two'));
      const own = seen.filter((s) => s.url === '/own');
      expect(one.length + two.length + own.length).toBe(60);
      expect([...one, ...two].every((s) => s.auth === 'Bearer tok')).toBe(true);
      expect(own.every((s) => s.auth === 'Bearer mine')).toBe(true);
      expect(one.every((s) => /^\/one\?n=[123]&c=[xy]$/.test(s.url))).toBe(true);
      expect(new Set(two.map((s) => s.url)).size).toBe(two.length);
      expect(two.every((s) => /^id=[0-9a-f-]{36}$/.test(s.body))).toBe(true);
    } finally {
      await api.close();
    }
  });
});
