import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError } from '../src/engine/sender.js';
import { Http1Connection, requestHead, type ExchangeHandler } from '../src/engine/http1.js';

// The engine's HTTP/1.1 client against a raw TCP server that answers with exact bytes, written in
// the pieces a test chooses (a response split anywhere must read the same as one in one piece).

type Script = (request: string, socket: Socket) => void;
let script: Script = () => {};
let server: Server;
let port = 0;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      // One request at a time: answer once its head (and content-length body) is in.
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      const request = buf.slice(0, end + 4 + length);
      buf = buf.slice(end + 4 + length);
      requests.push(request);
      script(request, socket);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Writes `parts` one by one, a few ms apart, so each is its own read on the other side. */
function writeParts(socket: Socket, parts: string[]): void {
  let i = 0;
  const next = () => {
    if (i < parts.length && !socket.destroyed) {
      socket.write(parts[i++] as string);
      setTimeout(next, 5);
    }
  };
  next();
}

interface Outcome {
  events: string[];
  status: number;
  body: string;
  error: NodeJS.ErrnoException | undefined;
}

function exchange(): { handler: ExchangeHandler; done: Promise<Outcome> } {
  const out: Outcome = { events: [], status: 0, body: '', error: undefined };
  let resolve: (o: Outcome) => void = () => {};
  const done = new Promise<Outcome>((r) => (resolve = r));
  const handler: ExchangeHandler = {
    onConnect: () => void out.events.push('sent'),
    onResponseStarted: () => void out.events.push('first byte'),
    onHeaders: (status) => {
      out.events.push(`headers ${status}`);
      out.status = status;
      return true;
    },
    onData: (chunk) => {
      out.body += chunk.toString('latin1');
      return true;
    },
    onComplete: () => {
      out.events.push('complete');
      resolve(out);
    },
    onError: (err) => {
      out.events.push('error');
      out.error = err as NodeJS.ErrnoException;
      resolve(out);
    },
  };
  return { handler, done };
}

/** Opens a connection and sends requests on it one after the other. */
async function session(sends: Array<{ method?: string; body?: string }>, timeoutMs = 2000): Promise<{ outcomes: Outcome[]; closed: boolean }> {
  let closed = false;
  const c = new Http1Connection({ protocol: 'http:', hostname: '127.0.0.1', port, timeoutMs }, { connected: () => {}, closed: () => (closed = true) });
  const outcomes: Outcome[] = [];
  for (const s of sends) {
    const { handler, done } = exchange();
    const method = s.method ?? 'GET';
    c.send(handler, requestHead(method, '/x?y=1', `127.0.0.1:${port}`, ['user-agent', 'test', 'traceparent', 'tp'], s.body === undefined ? undefined : Buffer.byteLength(s.body)), s.body, method === 'HEAD');
    outcomes.push(await done);
    if (!c.idle) break;
  }
  // Whether the connection ended by itself (before this test closes it).
  const ended = closed;
  c.destroy();
  return { outcomes, closed: ended };
}

describe('HTTP/1.1 connection', () => {
  it('writes one well-formed request: request line, host, headers, content-length and body', async () => {
    script = (_r, s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    requests.length = 0;
    const { outcomes } = await session([{ method: 'POST', body: '{"title":"é"}' }]);
    expect(outcomes[0]?.status).toBe(200);
    expect(requests[0]).toBe(`POST /x?y=1 HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nuser-agent: test\r\ntraceparent: tp\r\ncontent-length: 14\r\n\r\n{"title":"Ã©"}`);
  });

  it("keeps a request's own Host and drops its own framing headers (the connection writes content-length)", () => {
    expect(requestHead('PUT', '/t/1', '127.0.0.1:1', ['host', 'api.example', 'content-length', '999', 'x-a', 'b'], 2)).toBe(
      'PUT /t/1 HTTP/1.1\r\nhost: api.example\r\nx-a: b\r\ncontent-length: 2\r\n\r\n',
    );
    expect(requestHead('GET', '/', '127.0.0.1:1', ['transfer-encoding', 'chunked'], undefined)).toBe('GET / HTTP/1.1\r\nhost: 127.0.0.1:1\r\n\r\n');
  });

  it('reads a content-length body split across reads, then reuses the connection', async () => {
    script = (_r, s) => writeParts(s, ['HTTP/1.1 201 Created\r\nConte', 'nt-Length: 11\r\nX-Other: 1\r\n\r\nhello', ' world']);
    const { outcomes, closed } = await session([{}, {}]);
    expect(outcomes.map((o) => [o.status, o.body])).toEqual([[201, 'hello world'], [201, 'hello world']]);
    expect(outcomes[0]?.events).toEqual(['sent', 'first byte', 'headers 201', 'complete']);
    expect(closed).toBe(false);
  });

  it('decodes a chunked body split inside sizes, data and CRLFs, trailers included', async () => {
    script = (_r, s) => writeParts(s, ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r', '\nhel', 'lo\r\n6;ext=1\r\n wor', 'ld\r', '\n0\r\nx-trailer: 1\r', '\n\r\n']);
    const { outcomes } = await session([{}, {}]);
    expect(outcomes.map((o) => [o.status, o.body, o.error?.code])).toEqual([[200, 'hello world', undefined], [200, 'hello world', undefined]]);
  });

  it('skips 1xx interim responses; HEAD, 204 and 304 have no body', async () => {
    script = (r, s) => {
      if (r.startsWith('HEAD')) s.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n');
      else if (r.includes('GET')) s.write('HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n');
      else s.write('HTTP/1.1 304 Not Modified\r\ncontent-length: 50\r\n\r\n');
    };
    const { outcomes } = await session([{ method: 'HEAD' }, {}, { method: 'OPTIONS' }]);
    expect(outcomes.map((o) => [o.status, o.body, o.error])).toEqual([[200, '', undefined], [204, '', undefined], [304, '', undefined]]);
  });

  it('connection: close and a body without length end the connection after the response', async () => {
    script = (_r, s) => s.end('HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 3\r\n\r\nbye');
    const a = await session([{}, {}]);
    expect(a.outcomes.map((o) => [o.status, o.body])).toEqual([[200, 'bye']]);
    expect(a.closed).toBe(true);
    script = (_r, s) => {
      writeParts(s, ['HTTP/1.0 200 OK\r\n\r\nuntil', ' close']);
      setTimeout(() => s.end(), 40);
    };
    const b = await session([{}]);
    expect(b.outcomes.map((o) => [o.status, o.body, o.error])).toEqual([[200, 'until close', undefined]]);
  });

  it('fails a response cut short as a reset, a malformed one as "other", silence as a timeout', async () => {
    script = (_r, s) => {
      s.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc');
      setTimeout(() => s.destroy(), 20);
    };
    const cut = (await session([{}])).outcomes[0];
    expect(classifyError(cut?.error)).toBe('reset');
    script = (_r, s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\nab');
    const bad = (await session([{}])).outcomes[0];
    expect(bad?.error?.message).toMatch(/invalid content-length/);
    expect(classifyError(bad?.error)).toBe('other');
    script = (_r, s) => s.write('SMTP ready\r\n\r\n');
    expect(classifyError((await session([{}])).outcomes[0]?.error)).toBe('other');
    script = () => {};
    const started = performance.now();
    const silent = (await session([{}], 150)).outcomes[0];
    expect(classifyError(silent?.error)).toBe('timeout');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('a refused connection fails its request as refused', async () => {
    const closedPort = await new Promise<number>((r) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const { handler, done } = exchange();
    const c = new Http1Connection({ protocol: 'http:', hostname: '127.0.0.1', port: closedPort, timeoutMs: 2000 }, { connected: () => {}, closed: () => {} });
    c.send(handler, requestHead('GET', '/', 'x', [], undefined), undefined, false);
    const out = await done;
    expect(out.events).toEqual(['error']);
    expect(classifyError(out.error)).toBe('refused');
    expect(await c.ready).toBe(false);
  });
});
