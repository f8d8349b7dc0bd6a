import { randomBytes } from 'node:crypto';
import { SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { Pool, type Dispatcher } from 'undici';
import type { ErrorClass } from './stats.js';
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

/** Called once per request: an HTTP status (0 on a transport error) and the error class if any. */
export type Completion = (status: number, error: ErrorClass | undefined, sentAtMs: number, tokenUsed: string | undefined) => void;

export interface SenderOptions {
  timeoutMs: number;
  /** Upper bound of connections (the in-flight cap): opened on demand, kept alive. */
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
  finished = false;

  constructor(
    private readonly sender: Sender,
    private readonly sentAt: number,
    private readonly token: string | undefined,
    private readonly span: Span | undefined,
    private readonly done: Completion,
  ) {}

  onRequestStart(): void {}

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(): void {}

  onResponseEnd(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.span) {
      this.span.setAttribute('http.response.status_code', this.status);
      if (this.status >= 500) this.span.setStatus({ code: SpanStatusCode.ERROR });
      this.span.end();
    }
    this.sender.inFlight--;
    this.done(this.status, undefined, this.sentAt, this.token);
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.finished) return;
    this.finished = true;
    const cls = classifyError(err);
    if (this.span) {
      this.span.setAttribute('error.type', cls);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      this.span.end();
    }
    this.sender.inFlight--;
    this.done(0, cls, this.sentAt, this.token);
  }
}

/**
 * Sends the target request through an undici keep-alive pool. Fire-and-forget: the caller is told
 * of each completion and never waits, so a slow target cannot slow the schedule.
 */
export class Sender {
  inFlight = 0;
  private readonly pool: Pool;
  private readonly baseHeaders: string[];
  private readonly ids = new IdSource();
  private readonly host: string;
  private readonly body: Buffer | undefined;

  constructor(
    private readonly target: PreparedTarget,
    private readonly opts: SenderOptions,
  ) {
    this.pool = new Pool(target.origin, {
      connections: Math.max(1, opts.connections),
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: { timeout: Math.min(opts.timeoutMs, 30_000) },
    });
    this.pool.on('connectionError', () => {});
    const headers: Record<string, string> = { 'user-agent': opts.userAgent, ...target.headers };
    this.baseHeaders = Object.entries(headers).flat();
    this.host = new URL(target.url).host;
    this.body = target.body === undefined ? undefined : Buffer.from(target.body);
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
    try {
      this.pool.dispatch({ origin: this.target.origin, path: this.target.path, method: this.target.method, headers, body: this.body }, handler);
    } catch (err) {
      handler.onResponseError(undefined as never, err as Error);
    }
  }

  /** Drops every connection at once (stop). */
  destroy(): Promise<void> {
    return this.pool.destroy().catch(() => undefined);
  }

  close(): Promise<void> {
    return this.pool.close().catch(() => undefined);
  }
}
