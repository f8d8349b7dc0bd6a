import { randomBytes } from 'node:crypto';
import { SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import type { ErrorClass } from '../contract/schemas.js';
import { Http1Connection, requestHead, type ConnectionEvents, type ExchangeHandler } from './http1.js';
import type { RequestRuntime } from './render.js';

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

/**
 * When a due request finds every connection busy, a new one is opened only while this thread has
 * CPU to spare (event-loop utilization under BUSY_UTILIZATION), or while fewer than MIN_CONNECTIONS
 * are open. A busy thread gains nothing from another socket, only more work: opening one per
 * shortage ratcheted a 60 000 rps run up to 1 024 sockets, each request then cost twice the CPU
 * and the rate was lost for good (measured in bench/). Otherwise the request waits here for the
 * next connection to free up, and the wait counts in its latency (from the intended time), so it is
 * never hidden. A slow target leaves the thread idle, so it gets a connection per request in flight.
 */
export const BUSY_UTILIZATION = 0.8;
export const MIN_CONNECTIONS = 64;

/**
 * Beyond MIN_CONNECTIONS, a sender opens a connection for a waiting request only when its target is
 * short of connections, as a look at its answers (every STALL_MS while requests wait) tells: it
 * went silent, no answer for STALL_MS (and 4 × the time a request holds a connection), or the wait
 * kept growing, the queue longer at each of GROWING_LOOKS looks in a row.
 * A slow target is both, and needs no look once its answers show it (SLOW_TARGET_MS). A
 * fast target that paused for a few milliseconds (or the machine it shares did) is neither: before,
 * a socket was opened for each request that queued meanwhile, although the thread was idle, and a
 * 20 000 rps run went from 120 to 380 connections in 10 s; the target, serving that many, answered
 * slower for good (two threads: p99 15–46 ms, against 4–8 ms with these looks; measured in
 * bench/). Little's law (rate × held time) is no guide there: a saturated target's held time grows
 * with the connections it serves.
 */
export const STALL_MS = 10;
export const GROWING_LOOKS = 3;
/**
 * A target that holds a connection this long on average (ms) is slow, not paused: its waiting
 * requests get connections without a look, as before. Three looks held the p99 of a run at
 * 1 000 rps against 200–600 ms answers 15–38 ms in the generator (3–5 ms before), while nginx's
 * pauses, 64 connections each, kept its held time under 8 ms.
 */
export const SLOW_TARGET_MS = 20;
/** Each completion moves the smoothed held time 1/SERVICE_SMOOTHING of the way to its own. */
const SERVICE_SMOOTHING = 64;

/** This thread's event-loop utilization over the last ~50 ms (recomputed at most that often). */
class LoopLoad {
  private last = performance.eventLoopUtilization();
  private at = performance.now();
  private value = 0;

  get utilization(): number {
    const now = performance.now();
    if (now - this.at >= 50) {
      const current = performance.eventLoopUtilization();
      this.value = performance.eventLoopUtilization(current, this.last).utilization;
      this.last = current;
      this.at = now;
    }
    return this.value;
  }
}

/** Response bytes kept for a capture; a larger body is not parsed (and captures nothing). */
export const MAX_CAPTURE_BODY = 1024 * 1024;
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * A finished request, as the completion callback sees it. Its times (in the clock of `now`) split
 * its latency into three phases: intended → sent (the scheduler's lateness and the wait for a
 * connection: the generator's own share), sent → first byte (network and the target's work) and
 * first byte → done (the rest of the response).
 */
export interface Completed {
  readonly request: RequestRuntime;
  /** HTTP status, 0 on a transport error. */
  readonly status: number;
  readonly error: ErrorClass | undefined;
  readonly intendedMs: number;
  /** When the generator took it from the schedule. */
  readonly queuedMs: number;
  /** When it was written on a connection; 0 if it never was. */
  readonly sentMs: number;
  /** When the first byte of the response was parsed (onResponseStarted); 0 if none came. */
  readonly firstByteMs: number;
  /** The token it carried. */
  readonly token: string | undefined;
  /** The response body as text (UTF-8), kept only for requests that capture (at most MAX_CAPTURE_BODY bytes). */
  responseText(): string | undefined;
}

/** Called once per request. */
export type Completion = (c: Completed) => void;

export interface SenderOptions {
  timeoutMs: number;
  /** Upper bound of connections: opened on demand, kept alive. */
  connections: number;
  userAgent: string;
  /** Fraction of requests whose traceparent says "sampled" (and that get a client span). */
  traceRatio: number;
  tracer?: Tracer | undefined;
  now: () => number;
  /** Told of every completed request. */
  done: Completion;
  /** Whether this thread has no CPU to spare; by default its event-loop utilization ≥ BUSY_UTILIZATION. */
  busy?: () => boolean;
  /** How often waiting requests look at the target's answers (STALL_MS by default). */
  stallMs?: number;
}

/** Random W3C trace and span ids, drawn from a pooled buffer (no per-request syscalls). */
class IdSource {
  private buf = randomBytes(24 * 2048);
  private off = 0;

  /** `00-<trace id>-<span id>-<flags>`. */
  traceparent(sampled: boolean): string {
    if (this.off + 24 > this.buf.length) {
      this.buf = randomBytes(this.buf.length);
      this.off = 0;
    }
    const hex = this.buf.toString('hex', this.off, this.off + 24);
    this.off += 24;
    return `00-${hex.slice(0, 32)}-${hex.slice(32)}-${sampled ? '01' : '00'}`;
  }
}

class RequestHandler implements ExchangeHandler, Completed {
  status = 0;
  error: ErrorClass | undefined;
  finished = false;
  sentMs = 0;
  firstByteMs = 0;
  connection: Http1Connection | undefined;
  /**
   * The response body of a capturing request, one char per byte (latin1: a UTF-8 sequence split
   * across reads stays whole, and a string is the one allocation per chunk, where a Buffer copy
   * and its decoding were two); undefined otherwise or once past MAX_CAPTURE_BODY.
   */
  private raw: string | undefined;

  constructor(
    private readonly sender: Sender,
    readonly request: RequestRuntime,
    readonly path: string,
    readonly body: string | Buffer | undefined,
    /** Its own header array when templates expanded into it; the request's shared one otherwise. */
    readonly headers: string[] | undefined,
    readonly traceparent: string,
    /** When it asked for a connection (the wait for one counts against the timeout). */
    readonly queuedMs: number,
    readonly intendedMs: number,
    readonly token: string | undefined,
    private readonly span: Span | undefined,
  ) {
    if (request.capture.length) this.raw = '';
  }

  responseText(): string | undefined {
    const raw = this.raw;
    // ASCII (JSON usually is) reads the same in latin1 and UTF-8.
    return raw === undefined || !NON_ASCII.test(raw) ? raw : Buffer.from(raw, 'latin1').toString('utf8');
  }

  // The connection calls onConnect when it writes the request (a request handed to a connection
  // still opening is not sent yet), onResponseStarted on the response's first byte.
  onConnect(): void {
    this.sentMs = this.sender.now();
  }

  onResponseStarted(): void {
    this.firstByteMs = this.sender.now();
  }

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    if (!this.firstByteMs) this.firstByteMs = this.sender.now();
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.raw !== undefined) {
      // The chunk is a view of the connection's read buffer, valid during this call: copied into the string.
      this.raw = this.raw.length + chunk.length > MAX_CAPTURE_BODY ? undefined : this.raw + chunk.toString('latin1');
    }
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
    this.sender.finished(this);
  }

  onError(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.status = 0;
    this.error = classifyError(err);
    this.raw = undefined;
    if (this.span) {
      this.span.setAttribute('error.type', this.error);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      this.span.end();
    }
    this.sender.finished(this);
  }
}

/** A header value as it may go on the wire: CR, LF and NUL would end or corrupt the head. */
function headerSafe(value: string): string {
  return /[\r\n\0]/.test(value) ? value.replace(/[\r\n\0]/g, '') : value;
}

/**
 * Sends the requests of one origin over keep-alive HTTP/1.1 connections (http1.ts: one request at a
 * time each, no pipelining); a mix with several origins has one sender per origin. Fire-and-forget:
 * the caller is told of each completion and never waits, so a slow target cannot slow the schedule.
 * A due request takes an idle connection, or a new one (see BUSY_UTILIZATION) up to `connections`;
 * otherwise it waits here in FIFO order for the next to free up. Waiting requests are still in
 * flight, and their latency counts from the intended time. Picking an idle connection is O(1).
 */
export class Sender {
  inFlight = 0;
  private readonly idle: Http1Connection[] = [];
  private readonly all: Http1Connection[] = [];
  private waiting: RequestHandler[] = [];
  private waitHead = 0;
  /** Connections in their handshake for requests (not those opened ahead by preconnect). */
  private readonly connecting = new Set<Http1Connection>();
  private readonly busy: () => boolean;
  /** The smoothed time a request holds its connection (write to completion), ms; undefined before the first answer. */
  private heldMs: number | undefined;
  /** When the last request completed, or the first was sent (opts.now's clock). */
  private lastAnswerMs: number | undefined;
  /** The last look found the target silent, or the wait growing: waiting requests may open connections until the next. */
  private short = false;
  /** Queue length at the last look, and how many looks in a row found it longer. */
  private lookedAt = { waiting: 0, growing: 0 };
  /** The next look, while requests wait. */
  private lookTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** `Bearer <token>` of the last token seen (tokens change only on a re-login). */
  private bearer = { token: '', value: '' };
  private readonly ids = new IdSource();
  private readonly host: string;
  private readonly target: { protocol: string; hostname: string; port: number; timeoutMs: number };
  private readonly events: ConnectionEvents;

  constructor(
    private readonly origin: string,
    private readonly opts: SenderOptions,
  ) {
    const url = new URL(origin);
    this.host = url.host;
    this.target = {
      protocol: url.protocol,
      // An IPv6 literal without its brackets, as the socket wants it.
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
      timeoutMs: opts.timeoutMs,
    };
    this.events = {
      connected: (c, ok) => {
        this.connecting.delete(c);
        // An idle connection (opened ahead, or whose request failed meanwhile) serves the queue.
        if (ok && c.idle) this.release(c);
        // A handshake slot is free: waiting requests may open the next connections.
        this.grow();
      },
      closed: (c) => {
        remove(this.all, c);
        remove(this.idle, c);
        if (!this.closed) this.grow();
      },
    };
    const load = new LoopLoad();
    this.busy = opts.busy ?? (() => load.utilization >= BUSY_UTILIZATION);
  }

  /** Open connections. */
  get connections(): number {
    return this.all.length;
  }

  /** The clock of the schedule (SenderOptions.now). */
  now(): number {
    return this.opts.now();
  }

  /**
   * Sends one request due at `intendedMs` (the schedule's time, in the clock of `opts.now`), with its
   * path, body and (when templates expanded into them) headers made for this arrival.
   */
  send(request: RequestRuntime, path: string, body: string | Buffer | undefined, headers: string[] | undefined, token: string | undefined, intendedMs: number): void {
    const sampled = this.opts.traceRatio > 0 && (this.opts.traceRatio >= 1 || Math.random() < this.opts.traceRatio);
    let span: Span | undefined;
    let traceparent: string;
    if (sampled && this.opts.tracer) {
      span = this.opts.tracer.startSpan(request.method, {
        kind: SpanKind.CLIENT,
        attributes: { 'http.request.method': request.method, 'url.full': `${this.origin}${path}`, 'server.address': this.host, 'loadgen.request': request.name },
      });
      const sc = span.spanContext();
      traceparent = `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags & 1 ? '01' : '00'}`;
    } else {
      traceparent = this.ids.traceparent(sampled);
    }
    this.inFlight++;
    const now = this.opts.now();
    this.lastAnswerMs ??= now;
    const handler = new RequestHandler(this, request, path, body, headers, traceparent, now, intendedMs, token, span);
    const connection = this.idle.pop();
    if (connection) {
      this.dispatch(connection, handler);
      return;
    }
    // In turn: a connection opened now serves the oldest waiting request.
    this.waiting.push(handler);
    this.grow();
    if (this.waitHead < this.waiting.length) this.look();
  }

  /** A request is over: free its connection for the next waiting request, then report it. */
  finished(handler: RequestHandler): void {
    this.inFlight--;
    const now = this.opts.now();
    if (handler.sentMs) {
      const held = now - handler.sentMs;
      this.heldMs = this.heldMs === undefined ? held : this.heldMs + (held - this.heldMs) / SERVICE_SMOOTHING;
    }
    this.lastAnswerMs = now;
    const c = handler.connection;
    handler.connection = undefined;
    if (c) this.release(c);
    this.opts.done(handler);
  }

  private open(ahead = false): Http1Connection {
    const c = new Http1Connection(this.target, this.events);
    if (!ahead) this.connecting.add(c);
    this.all.push(c);
    return c;
  }

  /**
   * Opens up to `count` connections before the schedule starts, so its first second does not pay
   * for handshakes (their CPU, and the requests waiting on them). Resolves once they are open or
   * failed, or after `maxWaitMs` (a target that does not answer must not hold the start; handshakes
   * still under way join later). A failure is not an error here: the run's requests will meet it.
   */
  preconnect(count: number, maxWaitMs: number): Promise<void> {
    const opening: Promise<boolean>[] = [];
    for (let i = Math.max(0, count - this.all.length); i > 0 && !this.closed; i--) opening.push(this.open(true).ready);
    if (opening.length === 0) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)));
    return Promise.race([Promise.all(opening).then(() => undefined), late]).finally(() => clearTimeout(timer));
  }

  /** Whether a request that found no idle connection may open one (see BUSY_UTILIZATION and STALL_MS). */
  private mayOpen(): boolean {
    if (this.closed || this.all.length >= this.opts.connections || this.connecting.size >= MAX_CONNECTING) return false;
    if (this.all.length < MIN_CONNECTIONS) return true;
    if (this.busy()) return false;
    return this.short || (this.heldMs ?? 0) >= SLOW_TARGET_MS;
  }

  /**
   * While requests wait, looks every stallMs whether the target is short of connections: silent (no
   * answer for stallMs and 4 × the held time), or the wait longer at each of GROWING_LOOKS looks.
   * The look comes after the loop's poll phase (setImmediate), so answers that arrived while this
   * thread was itself held up (a long task, a GC pause) count first: only the target opens sockets.
   */
  private look(): void {
    if (this.lookTimer || this.closed) return;
    const every = this.opts.stallMs ?? STALL_MS;
    this.lookTimer = setTimeout(() => {
      setImmediate(() => {
        this.lookTimer = undefined;
        const waiting = this.waiting.length - this.waitHead;
        const growing = waiting > this.lookedAt.waiting ? this.lookedAt.growing + 1 : 0;
        this.lookedAt = { waiting, growing };
        if (this.closed || waiting === 0) {
          this.short = false;
          return;
        }
        const silent = this.opts.now() - (this.lastAnswerMs ?? 0) >= Math.max(every, 4 * (this.heldMs ?? 0));
        this.short = silent || growing >= GROWING_LOOKS;
        this.grow();
        this.look();
      });
    }, every);
    this.lookTimer.unref();
  }

  /** Opens connections for waiting requests, by the same rule as send. */
  private grow(): void {
    while (this.waitHead < this.waiting.length && this.mayOpen()) {
      const next = this.shift();
      if (next) this.dispatch(this.open(), next);
    }
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
      if (this.opts.now() - next.queuedMs < this.opts.timeoutMs) return next;
      next.onError(Object.assign(new Error('timed out waiting for a connection'), { code: 'UND_ERR_CONNECT_TIMEOUT' }));
    }
    return undefined;
  }

  private dispatch(connection: Http1Connection, handler: RequestHandler): void {
    handler.connection = connection;
    // One header array per request of the mix: only the per-request values change, and the head
    // is built from it before send returns.
    const { token, request } = handler;
    const withToken = token !== undefined && request.takesToken;
    const headers = handler.headers ?? (withToken ? request.authHeaders : request.headers);
    headers[request.traceSlot] = handler.traceparent;
    if (withToken) {
      // (A token comes from the target's login answer: it must not end the head early.)
      if (token !== this.bearer.token) this.bearer = { token, value: `Bearer ${headerSafe(token)}` };
      headers[headers.length - 1] = this.bearer.value;
    }
    const body = handler.body;
    const length = body === undefined ? (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH' ? 0 : undefined) : Buffer.byteLength(body);
    connection.send(handler, requestHead(request.method, handler.path, this.host, headers, length), body, request.method === 'HEAD');
  }

  /** A connection finished its request: hand it the next waiting one, or keep it idle. */
  private release(connection: Http1Connection): void {
    if (this.closed || !connection.idle) return;
    const next = this.shift();
    if (next) this.dispatch(connection, next);
    else this.idle.push(connection);
  }

  /** Drops every connection at once (stop). */
  async destroy(): Promise<void> {
    this.shutdown();
    for (const c of [...this.all]) c.destroy();
  }

  /** Closes the connections, each once its request (if any) is answered. */
  async close(): Promise<void> {
    this.shutdown();
    for (const c of [...this.all]) c.close();
  }

  private shutdown(): void {
    this.closed = true;
    clearTimeout(this.lookTimer);
    const waiting = this.waiting.slice(this.waitHead);
    this.waiting = [];
    this.waitHead = 0;
    for (const h of waiting) h.onError(Object.assign(new Error('the run stopped before a connection was free'), { code: 'ECONNABORTED' }));
  }
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i !== -1) list.splice(i, 1);
}
