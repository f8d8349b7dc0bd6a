import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ErrorClass } from '../src/contract/schemas.js';
import { prepareRequests } from '../src/contract/requests.js';
import { RequestRuntime } from '../src/engine/render.js';
import { MAX_CAPTURE_BODY, MIN_CONNECTIONS, SLOW_TARGET_MS, Sender, type Completed, type SenderOptions } from '../src/engine/sender.js';
import { startTarget, type TargetServer } from './target-server.js';

// How many connections the sender opens is what the target sees: a socket per momentary shortage
// costs the load generator its rate, too few hides queueing in the latency of a slow target.
let target: TargetServer;
beforeAll(async () => {
  // Answers after ?ms= milliseconds.
  target = await startTarget((req, res) => {
    setTimeout(() => res.end('ok'), Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms')));
  });
});
afterAll(() => target.close());

interface Done {
  status: number;
  error: ErrorClass | undefined;
  latencyMs: number;
}

/**
 * A sender to `origin` that keeps what `keep` takes from each completion (read it there: the
 * completion is not the caller's after its callback); `all` resolves once `count` have come.
 */
function collectingSender<T>(origin: string, count: number, keep: (c: Completed) => T, opts: Partial<SenderOptions> = {}): { sender: Sender; kept: T[]; all: Promise<void> } {
  const kept: T[] = [];
  let resolve = () => {};
  const all = new Promise<void>((r) => (resolve = r));
  const sender = new Sender(origin, {
    timeoutMs: 5000,
    connections: 64,
    userAgent: 'sender-test',
    traceRatio: 0,
    now: () => performance.now(),
    ...opts,
    done: (c) => {
      kept.push(keep(c));
      if (kept.length === count) resolve();
    },
  });
  return { sender, kept, all };
}

/** A run's single target, ready to send. */
function targetRuntime(url: string): RequestRuntime {
  const [prepared] = prepareRequests({ target: { url } });
  return new RequestRuntime(0, prepared!, 'sender-test', () => -1);
}

/** A mix request that captures `id` from the JSON at `origin`/c, ready to send. */
function capturingRuntime(origin: string): RequestRuntime {
  const [capturing] = prepareRequests({ requests: [{ name: 'capturing', url: `${origin}/c`, capture: { id: 'id' } }] });
  return new RequestRuntime(0, capturing!, 'ua', () => 0);
}

/** Sends `count` requests at once to a target that answers each after `delayMs`, and waits for all of them. */
async function burst(count: number, busy: boolean, delayMs: number, opts: Partial<SenderOptions> = {}): Promise<{ done: Done[]; connections: number }> {
  const before = target.connections;
  const request = targetRuntime(`${target.url}/burst`);
  const { sender, kept: done, all } = collectingSender(
    target.url,
    count,
    ({ status, error, intendedMs }): Done => ({ status, error, latencyMs: performance.now() - intendedMs }),
    { timeoutMs: 10_000, connections: 1024, busy: () => busy, ...opts },
  );
  const start = performance.now();
  for (let i = 0; i < count; i++) sender.send(request, `/burst?ms=${delayMs}`, undefined, undefined, undefined, start);
  await all;
  await sender.close();
  return { done, connections: target.connections - before };
}

describe('Sender response bodies', () => {
  it('keeps the body of a request that captures, and of no other', async () => {
    const json = await startTarget((_req, res) => res.end('{"id":"abc"}'));
    try {
      const [plain, capturing] = prepareRequests({
        requests: [
          { name: 'plain', url: `${json.url}/p` },
          { name: 'capturing', url: `${json.url}/c`, capture: { id: 'id' } },
        ],
      });
      const pool = () => 0;
      const runtimes = [new RequestRuntime(0, plain!, 'ua', pool), new RequestRuntime(1, capturing!, 'ua', pool)];
      const { sender, kept, all } = collectingSender(json.url, 2, (c) => [c.request.name, c.responseText()] as const, { connections: 4 });
      for (const r of runtimes) sender.send(r, r.fixedPath as string, undefined, undefined, undefined, performance.now());
      await all;
      await sender.close();
      const bodies = new Map(kept);
      expect(bodies.get('capturing')).toBe('{"id":"abc"}');
      expect(bodies.get('plain')).toBeUndefined();
    } finally {
      await json.close();
    }
  });
});

describe('Sender response bodies, many at once', () => {
  it('keeps every captured body intact while other connections read theirs (each arrives in two pieces)', async () => {
    // Bodies of different lengths, each written in two parts: reads of many connections interleave.
    const target = await startTarget((req, res) => {
      const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n'));
      const body = JSON.stringify({ id: `id-${n}`, pad: 'x'.repeat(n * 37) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(body.slice(0, 10));
      setTimeout(() => res.end(body.slice(10)), 5 + (n % 7));
    });
    try {
      const runtime = capturingRuntime(target.url);
      const count = 60;
      const { sender, kept: bodies, all } = collectingSender(target.url, count, (c) => c.responseText() ?? '');
      for (let n = 0; n < count; n++) sender.send(runtime, `/c?n=${n}`, undefined, undefined, undefined, performance.now());
      await all;
      await sender.close();
      const ids = bodies.map((b) => (JSON.parse(b) as { id: string; pad: string })).map((j) => `${j.id}:${j.pad.length}`);
      expect(ids.sort()).toEqual(Array.from({ length: count }, (_, n) => `id-${n}:${n * 37}`).sort());
    } finally {
      await target.close();
    }
  });
});

describe('Sender connections', () => {
  it('with CPU to spare, gives a slow target one connection per request in flight', async () => {
    // Answers take a second, so every handshake is over before the first answer frees a connection,
    // however busy the machine running the test is. Beyond MIN_CONNECTIONS, the first look (after
    // STALL_MS) finds the target silent and opens the rest.
    const { done, connections } = await burst(150, false, 1000);
    expect(done.every((d) => d.status === 200)).toBe(true);
    expect(connections).toBe(150);
    // One round: nobody waited for another's connection.
    expect(Math.max(...done.map((d) => d.latencyMs))).toBeLessThan(1900);
  });

  it('on a busy thread, opens no more than MIN_CONNECTIONS and serves the rest in turn, the wait counted', async () => {
    const { done, connections } = await burst(150, true, 100);
    expect(done.every((d) => d.status === 200)).toBe(true);
    expect(connections).toBe(MIN_CONNECTIONS);
    // 150 requests over 64 connections take three rounds of 100 ms, and the latency says so.
    expect(Math.max(...done.map((d) => d.latencyMs))).toBeGreaterThanOrEqual(290);
  });

  // Retried: the target answers from this process's own loop, so a machine that stalls it ≥ 20 ms
  // while the sockets open makes the first answers slow by the sender's measure (SLOW_TARGET_MS),
  // and opening more is then right (CI saw 125 sockets once). The regression this guards against,
  // a socket per waiting request whenever the thread is idle, fails every attempt.
  it('serves a queue a fast target is draining on MIN_CONNECTIONS, though the thread is idle', { retry: 2 }, async () => {
    // Answers in 5 ms keep coming, and nothing joins the queue after the burst: no look (every
    // 200 ms here, so a slow test machine cannot pass for a silent target) finds it short.
    const { done, connections } = await burst(150, false, 5, { stallMs: 200 });
    expect(done.every((d) => d.status === 200)).toBe(true);
    expect(connections).toBe(MIN_CONNECTIONS);
    // Three rounds on the same sockets: the last waited for two answers before it.
    expect(Math.max(...done.map((d) => d.latencyMs))).toBeGreaterThanOrEqual(15);
  });

  it('gives a slow target (SLOW_TARGET_MS) a connection per waiting request without a look', async () => {
    const request = targetRuntime(`${target.url}/slow`);
    const path = `/slow?ms=${SLOW_TARGET_MS * 4}`;
    const before = target.connections;
    // Looks so rare that none comes during the test: only the held time can open connections.
    const { sender, kept, all } = collectingSender(target.url, 160, ({ status, intendedMs }) => ({ status, latencyMs: performance.now() - intendedMs }), {
      connections: 1024,
      busy: () => false,
      stallMs: 60_000,
    });
    // Ten answers teach the sender that its target holds a connection ≥ SLOW_TARGET_MS.
    for (let i = 0; i < 10; i++) sender.send(request, path, undefined, undefined, undefined, performance.now());
    await vi.waitFor(() => expect(kept).toHaveLength(10), { timeout: 5000 });
    const start = performance.now();
    for (let i = 0; i < 150; i++) sender.send(request, path, undefined, undefined, undefined, start);
    await all;
    await sender.close();
    expect(kept.every((k) => k.status === 200)).toBe(true);
    expect(target.connections - before).toBe(150);
    // One round of answers, not three.
    expect(Math.max(...kept.slice(10).map((k) => k.latencyMs))).toBeLessThan(SLOW_TARGET_MS * 4 * 2.5);
  });
});

describe('Sender response text', () => {
  it('decodes a UTF-8 body whose characters are split across reads, and keeps an ASCII one as it is', async () => {
    // "ключ" and an emoji: the first piece ends inside a multi-byte sequence.
    const texts = ['{"id":"ключ-1","note":"🚀"}', '{"id":"plain-2"}'];
    const target = await startTarget((req, res) => {
      const bytes = Buffer.from(texts[Number(new URL(req.url ?? '/', 'http://x').searchParams.get('i'))] as string);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
      const cut = bytes.indexOf(0xd0) + 1;
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 20);
    });
    try {
      const runtime = capturingRuntime(target.url);
      const { sender, kept, all } = collectingSender(target.url, 2, (c) => c.responseText() ?? '');
      sender.send(runtime, '/c?i=0', undefined, undefined, undefined, performance.now());
      sender.send(runtime, '/c?i=1', undefined, undefined, undefined, performance.now());
      await all;
      await sender.close();
      expect([...kept].sort()).toEqual([...texts].sort());
    } finally {
      await target.close();
    }
  });

  it('keeps a body of MAX_CAPTURE_BODY bytes and drops a longer one (it then captures nothing)', async () => {
    const target = await startTarget((req, res) => {
      const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"id":"${'x'.repeat(n - 9)}"}`);
    });
    try {
      const runtime = capturingRuntime(target.url);
      const { sender, kept, all } = collectingSender(target.url, 2, (c) => c.responseText()?.length ?? -1);
      sender.send(runtime, `/c?n=${MAX_CAPTURE_BODY}`, undefined, undefined, undefined, performance.now());
      sender.send(runtime, `/c?n=${MAX_CAPTURE_BODY + 1}`, undefined, undefined, undefined, performance.now());
      await all;
      await sender.close();
      expect([...kept].sort((a, b) => a - b)).toEqual([-1, MAX_CAPTURE_BODY]);
    } finally {
      await target.close();
    }
  });
});
