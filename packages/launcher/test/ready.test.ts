import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickUiUrl, probe, renderTable, waitAllReady } from '@o11y/launcher';
import { freePort } from '../../../test/helpers/ports.ts';

let server: Server;
let base = '';
let hits = 0;

beforeAll(async () => {
  // /slow-start answers 503 for its first three probes, then 200; /down always 503.
  server = createServer((req, res) => {
    if (req.url === '/slow-start') {
      hits++;
      res.writeHead(hits > 3 ? 200 : 503).end();
    } else if (req.url === '/ok') res.writeHead(200).end('ok');
    else res.writeHead(503).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('probe', () => {
  it('is true for 2xx only, false for errors and refused connections', async () => {
    expect(await probe(`${base}/ok`)).toBe(true);
    expect(await probe(`${base}/down`)).toBe(false);
    expect(await probe(`http://127.0.0.1:${await freePort()}/`)).toBe(false);
  });
});

describe('waitAllReady', () => {
  it('waits until every service answers and reports each once', async () => {
    const seen: string[] = [];
    const r = await waitAllReady(
      [
        { id: 'a', url: `${base}/ok` },
        { id: 'b', url: `${base}/slow-start` },
      ],
      { timeoutMs: 5000, intervalMs: 20, onReady: (id) => seen.push(id) },
    );
    expect(r.ready).toEqual(['a', 'b']);
    expect(r.notReady).toEqual([]);
    expect(seen).toEqual(['a', 'b']);
  });

  it('gives up after the timeout and names what is not ready', async () => {
    const t0 = Date.now();
    const r = await waitAllReady(
      [
        { id: 'ok', url: `${base}/ok` },
        { id: 'down', url: `${base}/down` },
      ],
      { timeoutMs: 300, intervalMs: 50 },
    );
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r).toMatchObject({ ready: ['ok'], notReady: ['down'] });
  });

  it('stops early when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await waitAllReady([{ id: 'down', url: `${base}/down` }], { timeoutMs: 60_000, signal: ac.signal });
    expect(r.notReady).toEqual(['down']);
    expect(r.elapsedMs).toBeLessThan(1000);
  });
});

describe('renderTable', () => {
  it('aligns columns and shows the state of each service and the footer', () => {
    const text = renderTable(
      { enabled: false },
      'title',
      [
        { name: 'Todo API (Swagger)', url: 'http://127.0.0.1:4000/swagger', ready: true },
        { name: 'Portal', url: 'http://127.0.0.1:8000/', ready: false },
        { name: 'Prometheus', url: '—', ready: undefined, note: 'not installed' },
      ],
      ['Demo login: user@example.com / verysecret'],
    );
    const lines = text.split('\n').filter((l) => l.startsWith('│'));
    expect(lines).toHaveLength(4);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(text).toContain('│ Todo API (Swagger) │ http://127.0.0.1:4000/swagger │ ready         │');
    expect(text).toContain('not ready');
    expect(text).toContain('not installed');
    expect(text).toContain('Demo login: user@example.com / verysecret');
  });
});

describe('pickUiUrl', () => {
  it('keeps a page that exists and falls back to /classic when only the classic UI has it', async () => {
    const srv = createServer((req, res) => {
      if (req.url === '/swagger') res.writeHead(302, { location: '/swagger/' }).end();
      else if (req.url === '/classic/alerts') res.writeHead(200).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      const b = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
      expect(await pickUiUrl(b, '/swagger')).toBe(`${b}/swagger`);
      expect(await pickUiUrl(b, '/alerts')).toBe(`${b}/classic/alerts`);
      expect(await pickUiUrl(b, '/missing')).toBe(`${b}/missing`);
      expect(await pickUiUrl(b, '/')).toBe(`${b}/`);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
