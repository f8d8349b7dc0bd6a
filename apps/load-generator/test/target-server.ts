import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface TargetServer {
  url: string;
  port: number;
  /** Requests received so far. */
  hits: number;
  /** TCP connections accepted so far. */
  connections: number;
  /** The first few requests, with headers and body. */
  seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A local HTTP server for the engine to hit (127.0.0.1, port 0), closed with every socket. */
export async function startTarget(handler: Handler = (_q, res) => res.end('ok')): Promise<TargetServer> {
  const sockets = new Set<Socket>();
  const state = { hits: 0, connections: 0, seen: [] as TargetServer['seen'] };
  const server = createServer((req, res) => {
    state.hits++;
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (state.seen.length < 20) state.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => {
    state.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get hits() {
      return state.hits;
    },
    get connections() {
      return state.connections;
    },
    seen: state.seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
