// The original load generator's WebSocket protocol on /ws, spoken by a plain `ws` client.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { scrape, valueOf } from '../../../test/helpers/metrics.js';
import type { OriginalStats } from '../src/api/ws-compat.js';
import { startLoadgen, startTarget, until, type Loadgen, type Target } from './ui-helpers.js';

let target: Target;
let lg: Loadgen;

beforeAll(async () => {
  target = await startTarget();
  lg = await startLoadgen(target.url);
});

afterAll(async () => {
  await lg?.close();
  await target?.close();
});

function connect(): Promise<{ ws: WebSocket; messages: OriginalStats[]; next(timeoutMs?: number): Promise<OriginalStats> }> {
  const ws = new WebSocket(`${lg.url.replace('http', 'ws')}/ws`);
  const messages: OriginalStats[] = [];
  const waiters: Array<(m: OriginalStats) => void> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as OriginalStats;
    messages.push(m);
    waiters.shift()?.(m);
  });
  let read = 0;
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        next: (timeoutMs = 5000) =>
          new Promise<OriginalStats>((res, rej) => {
            if (messages.length > read) return res(messages[read++]!);
            const timer = setTimeout(() => rej(new Error('no message from /ws')), timeoutMs);
            waiters.push((m) => {
              clearTimeout(timer);
              read++;
              res(m);
            });
          }),
      }),
    );
  });
}

describe('/ws (the original protocol)', () => {
  it('runs the original message and reports once a second until done: true', async () => {
    const { ws, next } = await connect();
    ws.send(
      JSON.stringify({
        url: `${target.url}/ws-target`,
        method: 'POST',
        payload: '{"title":"Load2","status":"pending","description":"Testing..."}',
        headers: 'Content-Type: application/json\nX-Script: original',
        rps: 20,
        duration: 3,
        load_profile: 'Постоянная',
      }),
    );
    const seen: OriginalStats[] = [];
    for (let i = 0; i < 15; i++) {
      const m = await next(5000);
      seen.push(m);
      if (m.done) break;
    }
    ws.close();
    const last = seen[seen.length - 1]!;
    expect(last.done).toBe(true);
    expect(last.error).toBeUndefined();
    // About one message per second of a 3-second run, the last one final.
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.slice(0, -1).every((m) => m.done === false)).toBe(true);
    for (const m of seen) {
      expect(Object.keys(m)).toEqual(expect.arrayContaining(['total', 'success', 'fail', 'rps', 'success_rate', 'done']));
      expect(typeof m.total).toBe('number');
    }
    // Totals only grow.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.total).toBeGreaterThanOrEqual(seen[i - 1]!.total);
    expect(last.total).toBeGreaterThanOrEqual(55);
    expect(last.total).toBeLessThanOrEqual(62);
    expect(last.success).toBe(last.total);
    expect(last.fail).toBe(0);
    expect(last.success_rate).toBe(100);
    expect(last.rps).toBeGreaterThan(10);

    const hits = target.requests.filter((r) => r.url === '/ws-target');
    expect(hits.length).toBe(last.total);
    expect(hits[0]!.method).toBe('POST');
    expect(hits[0]!.headers['x-script']).toBe('original');
    expect(hits[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(hits[0]!.body)).toEqual({ title: 'Load2', status: 'pending', description: 'Testing...' });
  });

  it('stops the run when the socket closes', async () => {
    const { ws, next } = await connect();
    ws.send(JSON.stringify({ url: `${target.url}/ws-close`, method: 'GET', payload: '', headers: '', rps: 20, duration: 60, load_profile: 'Спайковая' }));
    const first = await next(5000);
    expect(first.done).toBe(false);
    expect(first.run_id).toBeTruthy();
    await new Promise<void>((r) => {
      ws.once('close', () => r());
      ws.close();
    });
    const summary = await until(
      async () => {
        const res = await fetch(`${lg.url}/api/runs/${first.run_id}`);
        const s = (await res.json()) as { state: string; profile: string };
        return s.state !== 'running' ? s : null;
      },
      5000,
      'the run to stop after the socket closed',
    );
    expect(summary.state).toBe('stopped');
    expect(summary.profile).toBe('spiky');
    const after = target.count('/ws-close');
    await new Promise((r) => setTimeout(r, 1200));
    expect(target.count('/ws-close')).toBe(after);
    expect(after).toBeLessThan(20 * 10);
  });

  it('answers a bad message with an error and done: true', async () => {
    const { ws, next } = await connect();
    ws.send('{not json');
    const a = await next();
    expect(a.done).toBe(true);
    expect(a.error).toMatch(/invalid message/);
    ws.send(JSON.stringify({ url: 'not a url', method: 'GET', rps: 5, duration: 2, load_profile: 'Постоянная' }));
    const b = await next();
    expect(b.done).toBe(true);
    expect(b.field).toBe('target.url');
    ws.send(JSON.stringify({ url: `${target.url}/x`, method: 'GET', rps: 5, duration: 2, load_profile: 'Неизвестная' }));
    const c = await next();
    expect(c.done).toBe(true);
    expect(c.field).toBe('profile');
    ws.close();
  });

  it('a viewer who closes the socket is not left counted as an active request', async () => {
    const active = async () => valueOf(await scrape(lg.url), 'http_server_active_requests');
    const sessions = async () => valueOf(await scrape(lg.url), 'http_server_request_duration_seconds_count', { method: 'GET', route: '/ws', status_code: '101' }) ?? 0;
    await vi.waitFor(async () => expect(await active()).toBe(0), { timeout: 10_000, interval: 50 });
    const ended = await sessions();

    const { ws, next } = await connect();
    ws.send(JSON.stringify({ url: `${target.url}/ws-viewer`, method: 'GET', rps: 5, duration: 60, load_profile: 'Постоянная' }));
    const first = await next(5000);
    expect(first.done).toBe(false);
    // While it watches, the session is one request in flight.
    expect(await active()).toBe(1);
    await new Promise<void>((r) => {
      ws.once('close', () => r());
      ws.close();
    });
    await vi.waitFor(async () => expect(await active()).toBe(0), { timeout: 10_000, interval: 50 });
    // The session ended in telemetry once, as the 101 it was answered with, timed over its life.
    expect(await sessions()).toBe(ended + 1);
    await vi.waitFor(async () => expect(((await (await fetch(`${lg.url}/api/runs/${first.run_id}`)).json()) as { state: string }).state).toBe('stopped'), { timeout: 5000 });
  });
});
