import { randomBytes } from 'node:crypto';
import { SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { Client, type Dispatcher } from 'undici';
import type { ErrorClass } from '../api/wire.js';
import type { PreparedTarget } from './target.js';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'UND_ERR_TIMEOUT']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED', 'UND_ERR_CLOSED', 'ERR_STREAM_PREMATURE_CLOSE']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);

/** Maps a transport error to one of the error classes of the summary. */
export function classifyError(err: unknown): ErrorClass {
  const e = err as { code?: string; name?: string; cause?: { code?: string } } | undefined;
  const code = e?.code ?? e?.cause?.code ?? '';
  if (TIMEOUT_CODES.has(code) || e?.name === 'TimeoutError') return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (RESET_CODES.has(code)) return 'reset';
  if (DNS_CODES.has(code)) return 'dns';
  return 'other';
}

/** Connections in their TCP/TLS handshake at once, per sender. */
export const MAX_CONNECTING = 8;

/** Called once per request: an HTTP status (0 on a transport error) and the error class if any. */
export type Completion = (status: number, error: ErrorClass | undefined, sentAtMs: number, tokenUsed: string | undefined) => void;

export interface SenderOptions {
  timeoutMs: number;
  /** Upper bound of connections: opened on demand, kept alive. */
  connections: number;
  userAgent: string;
  /** Fraction of requests whose traceparent says "sampled" (and that get a client span). */
  traceRatio: number;
  tracer?: Tracer | undefined;
  now: () => number;
}

/** Random W3C trace and span ids, drawn from a pooled buffer (no per-request syscalls). */
class IdSource {
  private buf = randomBytes(24 * 2048);
  private off = 0;

  next(): [string, string] {
    if (this.off + 24 > this.buf.length) {
      this.buf = randomBytes(this.buf.length);
      this.off = 0;
    }
    const o = this.off;
    this.off += 24;
    return [this.buf.toString('hex', o, o + 16), this.buf.toString('hex', o + 16, o + 24)];
  }
}

class RequestHandler implements Dispatcher.DispatchHandler {
  status = 0;
  headers: string[] = [];
  finished = false;

  client: Client | undefined;

  constructor(
    private readonly sender: Sender,
    readonly sentAt: number,
    private readonly token: string | undefined,
    private readonly span: Span | undefined,
    private readonly done: Completion,
  ) {}

  // undici's raw handler interface: headers stay unparsed buffers (the parsed-object interface costs a
  // header parse per response that nobody reads).
  onConnect(): void {}

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }

  onData(): boolean {
    return true;
  }

  onComplete(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.span) {
      this.span.setAttribute('http.response.status_code', this.status);
      if (this.status >= 500) this.span.setStatus({ code: SpanStatusCode.ERROR });
      this.span.end();
    }
    this.sender.inFlight--;
    this.sender.release(this.client);
    this.done(this.status, undefined, this.sentAt, this.token);
  }

  onError(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    const cls = classifyError(err);
    if (this.span) {
      this.span.setAttribute('error.type', cls);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      this.span.end();
    }
    this.sender.inFlight--;
    this.sender.release(this.client);
    this.done(0, cls, this.sentAt, this.token);
  }
}

/**
 * Sends the target request over undici keep-alive connections (one request at a time each, no
 * pipelining). Fire-and-forget: the caller is told of each completion and never waits, so a slow
 * target cannot slow the schedule. Connections are opened on demand when none is idle, up to
 * `connections`; beyond that requests wait here in FIFO order (they are still in flight, and their
 * latency counts from the intended time). Picking an idle connection is O(1), unlike undici's Pool,
 * which scans all its connections per request.
 */
export class Sender {
  inFlight = 0;
  private readonly idle: Client[] = [];
  private readonly all: Client[] = [];
  private waiting: RequestHandler[] = [];
  private waitHead = 0;
  private connecting = 0;
  private closed = false;
  private readonly baseHeaders: string[];
  private readonly ids = new IdSource();
  private readonly host: string;
  private readonly body: Buffer | undefined;
  private readonly clientOptions: Client.Options;

  constructor(
    private readonly target: PreparedTarget,
    private readonly opts: SenderOptions,
  ) {
    this.clientOptions = {
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: { timeout: Math.min(opts.timeoutMs, 30_000) },
    };
    const headers: Record<string, string> = { 'user-agent': opts.userAgent, ...target.headers };
    this.baseHeaders = Object.entries(headers).flat();
    this.host = new URL(target.url).host;
    this.body = target.body === undefined ? undefined : Buffer.from(target.body);
  }

  /** Open connections. */
  get connections(): number {
    return this.all.length;
  }

  send(token: string | undefined, done: Completion): void {
    const headers = this.baseHeaders.slice();
    const sampled = this.opts.traceRatio > 0 && (this.opts.traceRatio >= 1 || Math.random() < this.opts.traceRatio);
    let span: Span | undefined;
    if (sampled && this.opts.tracer) {
      span = this.opts.tracer.startSpan(this.target.method, {
        kind: SpanKind.CLIENT,
        attributes: { 'http.request.method': this.target.method, 'url.full': this.target.url, 'server.address': this.host },
      });
      const sc = span.spanContext();
      headers.push('traceparent', `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags & 1 ? '01' : '00'}`);
    } else {
      const [traceId, spanId] = this.ids.next();
      headers.push('traceparent', `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`);
    }
    if (token !== undefined) headers.push('authorization', `Bearer ${token}`);
    const sentAt = this.opts.now();
    this.inFlight++;
    const handler = new RequestHandler(this, sentAt, token, span, done);
    handler.headers = headers;
    let client = this.idle.pop();
    // A new connection only when none is idle, and only a few handshakes at a time: after a stall a
    // burst of due requests would otherwise open a socket each, which costs more than a short wait.
    if (!client && this.all.length < this.opts.connections && this.connecting < MAX_CONNECTING) {
      client = this.open();
    }
    if (client) this.dispatch(client, handler);
    else this.waiting.push(handler);
  }

  private open(): Client {
    const client = new Client(this.target.origin, this.clientOptions);
    let pending = true;
    this.connecting++;
    const settled = () => {
      if (!pending) return;
      pending = false;
      this.connecting--;
      // Handshake slots freed: waiting requests may open the next connections.
      while (this.waitHead < this.waiting.length && this.all.length < this.opts.connections && this.connecting < MAX_CONNECTING) {
        const next = this.shift();
        if (next) this.dispatch(this.open(), next);
      }
    };
    client.on('connect', settled);
    client.on('connectionError', settled);
    client.on('disconnect', settled);
    this.all.push(client);
    return client;
  }

  /** The oldest waiting request; those that waited past the timeout fail as timeouts on the way. */
  private shift(): RequestHandler | undefined {
    while (this.waitHead < this.waiting.length) {
      const next = this.waiting[this.waitHead] as RequestHandler;
      this.waiting[this.waitHead++] = undefined as never;
      if (this.waitHead > 1024 && this.waitHead * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.waitHead);
        this.waitHead = 0;
      }
      if (this.opts.now() - next.sentAt < this.opts.timeoutMs) return next;
      next.onError(Object.assign(new Error('timed out waiting for a connection'), { code: 'UND_ERR_CONNECT_TIMEOUT' }));
    }
    return undefined;
  }

  private dispatch(client: Client, handler: RequestHandler): void {
    handler.client = client;
    try {
      client.dispatch({ path: this.target.path, method: this.target.method, headers: handler.headers, body: this.body }, handler);
    } catch (err) {
      handler.onError(err as Error);
    }
  }

  /** A connection finished its request: hand it the next waiting one, or keep it idle. */
  release(client: Client | undefined): void {
    if (!client || this.closed) return;
    const next = this.shift();
    if (next) this.dispatch(client, next);
    else this.idle.push(client);
  }

  /** Drops every connection at once (stop). */
  async destroy(): Promise<void> {
    this.closed = true;
    this.waiting = [];
    this.waitHead = 0;
    await Promise.all(this.all.map((c) => c.destroy().catch(() => undefined)));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.all.map((c) => c.close().catch(() => undefined)));
  }
}
