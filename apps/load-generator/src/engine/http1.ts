import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * One HTTP/1.1 keep-alive connection of the engine, one request at a time (no pipelining).
 *
 * Why not undici: a load generator's client does one thing, over and over, and its own CPU per
 * request is the ceiling of the rate it can hold with true latencies (#16). undici's Client builds
 * a Request object, validates and copies every header, writes the head and the body separately,
 * runs llhttp in WebAssembly with a callback per header field and value, and arms timers per
 * request: ~6 KB of garbage and 18–21 µs of CPU per request on this kind of machine, against
 * 11–13 µs here (measured in bench/, closed loop). Here a request is one string written once, a
 * response head is scanned for the three headers that frame it (content-length,
 * transfer-encoding, connection), and one timer per connection is re-armed per request. What a
 * general client needs and a load generator does not (redirects, retries, pipelining, cookies,
 * decompression, HTTP/2, proxies) is left out on purpose; the parser rejects what it does not
 * understand instead of guessing (RFC 9112 §6.3 framing).
 */

/** What a connection tells the request it carries, in this order (onError instead, at any point). */
export interface ExchangeHandler {
  /** The request was written on the socket. */
  onConnect(): void;
  /** The first byte of the response arrived. */
  onResponseStarted(): void;
  /** The final (non-1xx) status line and headers were read. */
  onHeaders(status: number): boolean;
  /** A piece of the response body (chunked framing removed); valid during the call only (copy to keep it). */
  onData(chunk: Buffer): boolean;
  onComplete(): void;
  onError(err: Error): void;
}

export interface ConnectionOptions {
  /** `http:` or `https:`. */
  protocol: string;
  hostname: string;
  port: number;
  /** No answer within this long after a request was handed over: it fails as a timeout (so does a handshake). */
  timeoutMs: number;
}

export interface ConnectionEvents {
  /** The handshake is over, or failed (then `closed` follows). */
  connected(c: Http1Connection, ok: boolean): void;
  /** The connection is gone for good (the peer closed it, an error, destroy()); called once. */
  closed(c: Http1Connection): void;
}

/** An error with a Node-style code, which classifyError maps to the summary's classes. */
function failure(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

const CRLF = Buffer.from('\r\n');
/**
 * Plain TCP connections read into this one buffer (net's `onread`), shared by every connection of
 * the thread: a read is parsed before the next can happen, and what outlives it is copied. The
 * stream path allocates a buffer per read and goes through Readable's machinery per response.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const HEAD_END = Buffer.from('\r\n\r\n');
/** A response head larger than this is refused (undici's and Node's default is 16 KiB too). */
const MAX_HEAD = 16 * 1024;

const enum Body {
  /** Reading a response head. */
  Head,
  /** content-length bytes. */
  Length,
  /** Chunked: a chunk-size line. */
  ChunkSize,
  /** Chunked: chunk data. */
  ChunkData,
  /** Chunked: the CRLF after chunk data. */
  ChunkEnd,
  /** Chunked: trailer lines up to an empty one. */
  Trailers,
  /** Until the server closes the connection (no length, not chunked). */
  UntilClose,
}

/**
 * A request's head: request line, host (unless the request sets its own), headers (a flat list of
 * lowercase names and values), content-length when it has a body, and the blank line. Written as UTF-8 with its body (header values are ASCII in
 * practice; a non-ASCII one goes out as its UTF-8 bytes).
 */
export function requestHead(method: string, path: string, host: string, headers: readonly string[], bodyLength: number | undefined): string {
  let lines = '';
  let ownHost = false;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] as string;
    // The body's framing is the connection's to write: a request's own would contradict it.
    if (name === 'content-length' || name === 'transfer-encoding') continue;
    if (name === 'host') ownHost = true;
    lines += `${name}: ${headers[i + 1]}\r\n`;
  }
  const framing = bodyLength === undefined ? '' : `content-length: ${bodyLength}\r\n`;
  return `${method} ${path} HTTP/1.1\r\n${ownHost ? '' : `host: ${host}\r\n`}${lines}${framing}\r\n`;
}

export class Http1Connection {
  private readonly socket: Socket;
  private readonly timer: NodeJS.Timeout;
  /** The request on this connection, from hand-over to its last response byte. */
  private current: ExchangeHandler | undefined;
  /** Its wire form, kept until the handshake is over. */
  private pending: { head: string; body: string | Buffer | undefined } | undefined;
  private headRequest = false;
  private connected = false;
  private gone = false;
  /** After this response the connection is not reused (connection: close, HTTP/1.0, read-until-close). */
  private last = false;
  private state = Body.Head;
  private remaining = 0;
  /** A response head (or chunk-size line, or trailer) split across reads. */
  private carry: Buffer | undefined;
  private started = false;
  /** Settles once the handshake is over: true, or false if it failed. */
  readonly ready: Promise<boolean>;
  private settle: (ok: boolean) => void = () => {};

  constructor(
    opts: ConnectionOptions,
    private readonly events: ConnectionEvents,
  ) {
    this.ready = new Promise<boolean>((resolve) => (this.settle = resolve));
    const secure = opts.protocol === 'https:';
    this.socket = secure
      ? tlsConnect({ host: opts.hostname, port: opts.port, servername: isIP(opts.hostname) ? undefined : opts.hostname, ALPNProtocols: ['http/1.1'] })
      : netConnect({ host: opts.hostname, port: opts.port, onread: { buffer: READ_BUFFER, callback: (n, buf) => this.onRead(n, buf) } });
    this.socket.setNoDelay(true);
    this.socket.once(secure ? 'secureConnect' : 'connect', () => {
      this.connected = true;
      this.socket.setKeepAlive(true, 60_000);
      this.settle(true);
      this.events.connected(this, true);
      const p = this.pending;
      this.pending = undefined;
      if (p && this.current) this.write(p.head, p.body);
    });
    // (TLS sockets read through the stream: `onread` is for plain TCP.)
    if (secure) this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(failure('the server closed the connection', 'ECONNRESET')));
    // One timer per connection, re-armed per request (Timeout#refresh allocates nothing).
    this.timer = setTimeout(() => this.timedOut(), opts.timeoutMs);
    this.timer.unref();
  }

  /** Whether it carries no request and can take one. */
  get idle(): boolean {
    return this.current === undefined && !this.gone && !this.last;
  }

  /** Hands a request to the connection: written now, or once the handshake is over. */
  send(handler: ExchangeHandler, head: string, body: string | Buffer | undefined, headRequest: boolean): void {
    if (this.current || this.gone) {
      handler.onError(failure('the connection is not available', 'ECONNRESET'));
      return;
    }
    this.current = handler;
    this.headRequest = headRequest;
    this.state = Body.Head;
    this.started = false;
    this.timer.refresh();
    if (this.connected) this.write(head, body);
    else this.pending = { head, body };
  }

  /** Closes at once; a request on it fails as reset. */
  destroy(): void {
    this.fail(failure('the connection was closed by the load generator', 'ECONNRESET'));
  }

  /** Closes once idle (now, if it is). */
  close(): void {
    this.last = true;
    if (!this.current) this.destroy();
  }

  private write(head: string, body: string | Buffer | undefined): void {
    const h = this.current;
    if (!h) return;
    h.onConnect();
    // One write per request: the head and a string or small body go out in one buffer.
    if (body === undefined || body.length === 0) this.socket.write(head);
    else if (typeof body === 'string') this.socket.write(head + body);
    else if (body.length <= 4096) this.socket.write(Buffer.concat([Buffer.from(head), body]));
    else {
      this.socket.cork();
      this.socket.write(head);
      this.socket.write(body);
      this.socket.uncork();
    }
  }

  private timedOut(): void {
    if (!this.current && this.connected) return;
    this.fail(failure(this.connected ? 'no response within the timeout' : 'no connection within the timeout', this.connected ? 'ETIMEDOUT' : 'UND_ERR_CONNECT_TIMEOUT'));
  }

  private onEnd(): void {
    // A response framed by the close is complete now; anything else in flight was cut off.
    if (this.current && this.state === Body.UntilClose) this.complete();
    this.fail(failure('the server closed the connection', 'ECONNRESET'));
  }

  /** Ends the connection; the request on it (if any) fails with `err`. */
  private fail(err: Error): void {
    if (this.gone) return;
    this.gone = true;
    clearTimeout(this.timer);
    const h = this.current;
    this.current = undefined;
    this.pending = undefined;
    this.socket.destroy();
    if (!this.connected) {
      this.settle(false);
      this.events.connected(this, false);
    }
    this.events.closed(this);
    h?.onError(err);
  }

  private complete(): void {
    const h = this.current as ExchangeHandler;
    this.current = undefined;
    this.carry = undefined;
    this.state = Body.Head;
    if (this.last) {
      // Not reused: gone before the request's completion frees it for another.
      this.gone = true;
      clearTimeout(this.timer);
      this.socket.destroy();
      this.events.closed(this);
    }
    h.onComplete();
  }

  private onRead(n: number, buf: Uint8Array): boolean {
    this.read(Buffer.from(buf.buffer, buf.byteOffset, n));
    return true;
  }

  private read(chunk: Buffer): void {
    if (!this.current) {
      // Bytes nobody asked for: the connection's framing can no longer be trusted.
      this.fail(failure('the server sent data with no request outstanding', 'HPE_UNEXPECTED_DATA'));
      return;
    }
    if (!this.started) {
      this.started = true;
      this.current.onResponseStarted();
    }
    let buf = chunk;
    if (this.carry) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    let at = 0;
    // A response ends inside the loop; its last bytes belong to nothing else (one request at a time).
    while (at < buf.length && this.current && !this.gone) at = this.step(buf, at);
  }

  /** Consumes what it can from `buf` at `at`; returns where it stopped. */
  private step(buf: Buffer, at: number): number {
    const h = this.current as ExchangeHandler;
    switch (this.state) {
      case Body.Head: {
        const end = buf.indexOf(HEAD_END, at);
        if (end === -1) return this.keep(buf, at, MAX_HEAD, 'response head');
        this.head(buf.toString('latin1', at, end));
        return end + 4;
      }
      case Body.Length: {
        const n = Math.min(this.remaining, buf.length - at);
        if (n > 0) h.onData(at === 0 && n === buf.length ? buf : buf.subarray(at, at + n));
        this.remaining -= n;
        if (this.remaining === 0) this.complete();
        return at + n;
      }
      case Body.UntilClose:
        h.onData(at === 0 ? buf : buf.subarray(at));
        return buf.length;
      case Body.ChunkSize: {
        const end = buf.indexOf(CRLF, at);
        if (end === -1) return this.keep(buf, at, 1024, 'chunk size line');
        const line = buf.toString('latin1', at, end);
        const semi = line.indexOf(';');
        const hex = (semi === -1 ? line : line.slice(0, semi)).trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) return this.protocolError(`invalid chunk size "${hex}"`);
        this.remaining = parseInt(hex, 16);
        this.state = this.remaining === 0 ? Body.Trailers : Body.ChunkData;
        return end + 2;
      }
      case Body.ChunkData: {
        const n = Math.min(this.remaining, buf.length - at);
        h.onData(buf.subarray(at, at + n));
        this.remaining -= n;
        if (this.remaining === 0) this.state = Body.ChunkEnd;
        return at + n;
      }
      case Body.ChunkEnd: {
        if (buf.length - at < 2) return this.keep(buf, at, 2, 'chunk end');
        if (buf[at] !== 13 || buf[at + 1] !== 10) return this.protocolError('chunk data not followed by CRLF');
        this.state = Body.ChunkSize;
        return at + 2;
      }
      case Body.Trailers: {
        const end = buf.indexOf(CRLF, at);
        if (end === -1) return this.keep(buf, at, MAX_HEAD, 'trailer');
        // An empty line ends the message; trailer fields are read past.
        if (end === at) {
          this.complete();
        }
        return end + 2;
      }
    }
  }

  /** Keeps an incomplete piece for the next read, up to `max` bytes. */
  private keep(buf: Buffer, at: number, max: number, what: string): number {
    if (buf.length - at > max) return this.protocolError(`${what} longer than ${max} bytes`);
    this.carry = Buffer.from(buf.subarray(at));
    return buf.length;
  }

  private protocolError(message: string): number {
    this.fail(failure(`invalid HTTP response: ${message}`, 'HPE_INVALID'));
    return Number.MAX_SAFE_INTEGER;
  }

  /** A response head: its status, and how its body is framed (RFC 9112 §6.3). */
  private head(text: string): void {
    const h = this.current as ExchangeHandler;
    // "HTTP/1.x SSS reason"
    if (!text.startsWith('HTTP/1.') || text.length < 12 || text[8] !== ' ') {
      this.protocolError(`bad status line "${text.slice(0, 40)}"`);
      return;
    }
    const status = Number(text.slice(9, 12));
    if (!Number.isInteger(status) || status < 100 || status > 999) {
      this.protocolError(`bad status code "${text.slice(9, 12)}"`);
      return;
    }
    const http10 = text[7] === '0';
    let length = -1;
    let chunked = false;
    let encoded = false;
    let close = http10;
    // Only three header names matter; the others are skipped without being copied.
    let line = text.indexOf('\r\n');
    while (line !== -1) {
      const start = line + 2;
      const next = text.indexOf('\r\n', start);
      const end = next === -1 ? text.length : next;
      const colon = text.indexOf(':', start);
      if (colon > start && colon < end) {
        const nameLength = colon - start;
        if (nameLength === 14 || nameLength === 17 || nameLength === 10) {
          const name = text.slice(start, colon).toLowerCase();
          const value = text.slice(colon + 1, end).trim().toLowerCase();
          if (name === 'content-length') {
            if (!/^\d{1,15}$/.test(value) || (length !== -1 && length !== Number(value))) {
              this.protocolError(`invalid content-length "${value}"`);
              return;
            }
            length = Number(value);
          } else if (name === 'transfer-encoding') {
            encoded = true;
            chunked = value.split(',').pop()?.trim() === 'chunked';
          } else if (name === 'connection') {
            const tokens = value.split(',').map((t) => t.trim());
            if (tokens.includes('close')) close = true;
            else if (http10 && tokens.includes('keep-alive')) close = false;
          }
        }
      }
      line = next;
    }
    if (status < 200) {
      // 100 Continue, 103 Early Hints: the final response follows. 101 would switch protocols: not ours.
      if (status === 101) this.protocolError('the server switched protocols (101)');
      return;
    }
    if (close) this.last = true;
    h.onHeaders(status);
    if (this.gone || this.current !== h) return;
    if (this.headRequest || status === 204 || status === 304) this.complete();
    else if (encoded) {
      if (chunked) this.state = Body.ChunkSize;
      else {
        this.last = true;
        this.state = Body.UntilClose;
      }
    } else if (length >= 0) {
      this.remaining = length;
      this.state = Body.Length;
      if (length === 0) this.complete();
    } else {
      this.last = true;
      this.state = Body.UntilClose;
    }
  }
}
