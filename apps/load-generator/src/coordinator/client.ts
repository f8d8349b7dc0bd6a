import type { RunRequest, RunSummary, WindowsPage } from '../contract/schemas.js';

/** The fetch the coordinator calls (the global one, or the caller's pool). */
export type Fetch = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal; redirect?: 'manual' | 'follow' },
) => Promise<Response>;

/** A load generator did not do what the coordinator asked; the message names it and says why. */
export class GeneratorError extends Error {
  constructor(
    readonly url: string,
    message: string,
    /** The generator's HTTP status, when it answered. */
    readonly status?: number,
    /** The field of the run request it refused, when it said. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'GeneratorError';
  }
}

export interface ClientOptions {
  fetch: Fetch;
  /** LAB_TOKEN, sent as `Authorization: Bearer` (the generators' API needs it when they have one). */
  token?: string | undefined;
  /** Per request. */
  timeoutMs: number;
}

/** Why a request did not get an answer, in words: "connection refused", "no answer within 5000 ms". */
function transportReason(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = e.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED): is it running?';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `its host does not resolve (${code})`;
  if (code) return `${code}${e.cause?.message ? `: ${e.cause.message}` : ''}`;
  return e.cause?.message ?? e.message;
}

/** One load generator's REST API, as the coordinator of a split run uses it. */
export class GeneratorClient {
  constructor(
    /** Base URL, without a trailing slash. */
    readonly url: string,
    private readonly opts: ClientOptions,
  ) {}

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.opts.fetch(`${this.url}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
        // A generator never redirects; following one would carry the token elsewhere.
        redirect: 'manual',
      });
    } catch (err) {
      throw new GeneratorError(this.url, `load generator ${this.url}: ${transportReason(err, this.opts.timeoutMs)}`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new GeneratorError(this.url, `load generator ${this.url}: the answer to ${method} ${path} broke off (${transportReason(err, this.opts.timeoutMs)})`, res.status);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const { error, field } = (json ?? {}) as { error?: unknown; field?: unknown };
      const why = typeof error === 'string' ? error : `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
      const hint = res.status === 401 ? ' (set LAB_TOKEN to the generators\' access token)' : '';
      throw new GeneratorError(this.url, `load generator ${this.url} answered ${res.status} to ${method} ${path}: ${why}${hint}`, res.status, typeof field === 'string' ? field : undefined);
    }
    if (json === undefined) throw new GeneratorError(this.url, `load generator ${this.url} answered ${method} ${path} without JSON (is this a load generator?)`, res.status);
    return json as T;
  }

  /** Starts a run (a share); its id. */
  async start(request: RunRequest): Promise<string> {
    const { id } = await this.call<{ id?: unknown }>('POST', '/api/runs', request);
    if (typeof id !== 'string') throw new GeneratorError(this.url, `load generator ${this.url} started a run without saying its id`);
    return id;
  }

  summary(id: string): Promise<RunSummary> {
    return this.call<RunSummary>('GET', `/api/runs/${encodeURIComponent(id)}`);
  }

  /** The run's windows with index ≥ from, and whether more will come. */
  windows(id: string, from: number): Promise<WindowsPage> {
    return this.call<WindowsPage>('GET', `/api/runs/${encodeURIComponent(id)}/windows?from=${from}`);
  }

  stop(id: string): Promise<RunSummary> {
    return this.call<RunSummary>('POST', `/api/runs/${encodeURIComponent(id)}/stop`);
  }
}
