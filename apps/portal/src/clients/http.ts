import type { Fetch } from '../outbound.js';

/** A call to another service failed: unreachable, timed out, or answered an error status. */
export class UpstreamError extends Error {
  constructor(
    message: string,
    /** The upstream's HTTP status; undefined when it never answered. */
    readonly status?: number,
    /** The upstream's JSON body, when it sent one. */
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** The portal cannot do it in this setup: a service does not run in this mode, or a token is not configured (503). */
export class UnavailableError extends Error {
  readonly statusCode = 503;
  constructor(message: string) {
    super(message);
    this.name = 'UnavailableError';
  }
}

export interface JsonClientOptions {
  /** What the messages call the service ("the todo API"). */
  name: string;
  /** Its base URL as the portal reaches it. */
  baseUrl: string;
  fetch: Fetch;
  timeoutMs: number;
  /** Sent as `Authorization: Bearer` with every request. */
  bearer?: string | undefined;
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  /** A form body (Prometheus' query API) instead of JSON. */
  form?: Record<string, string>;
  /** Overrides the client's token for this call (the todo API's admin token). */
  bearer?: string | undefined;
  /** Returns the body as text rather than JSON (/metrics). */
  text?: boolean;
}

/**
 * The one way the portal's clients call a service: JSON in and out, a timeout, redirects never
 * followed (a token must not travel to another host), and failures as an UpstreamError whose
 * message names the service, the URL and why.
 */
export class JsonClient {
  constructor(private readonly opts: JsonClientOptions) {}

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  async call<T>(path: string, options: CallOptions = {}): Promise<T> {
    const url = `${this.opts.baseUrl}${path}`;
    const method = options.method ?? (options.body !== undefined || options.form ? 'POST' : 'GET');
    const bearer = options.bearer ?? this.opts.bearer;
    const headers: Record<string, string> = { accept: options.text ? 'text/plain' : 'application/json' };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let body: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let res: Response;
    try {
      res = await this.opts.fetch(url, { method, headers, redirect: 'manual', signal: AbortSignal.timeout(this.opts.timeoutMs), ...(body === undefined ? {} : { body }) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${this.opts.timeoutMs} ms` : (e.cause?.code ?? e.message);
      throw new UpstreamError(`${this.opts.name} at ${this.opts.baseUrl} is unreachable: ${why}`);
    }
    const text = await res.text();
    if (options.text && res.ok) return text as T;
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new UpstreamError(`${this.opts.name} answered ${method} ${path} with HTTP ${res.status} without JSON`, res.status);
    }
    if (!res.ok) {
      const detail = parsed && typeof parsed === 'object' && 'error' in parsed ? String((parsed as { error: unknown }).error) : text.slice(0, 200);
      throw new UpstreamError(`${this.opts.name} answered ${method} ${path} with HTTP ${res.status}: ${detail}`, res.status, parsed);
    }
    return parsed as T;
  }
}
