import type { Fetch } from '../outbound.js';
import { JsonClient, UnavailableError, UpstreamError } from './http.js';

/** The todo API's fault state as its admin view shows it: per fault kind its spec, with starts_at/expires_at. */
export type FaultsState = Record<string, (Record<string, unknown> & { starts_at?: string; expires_at?: string }) | null>;

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * What the portal asks of the todo API: its routes (from its OpenAPI document), its connection
 * pool size (from its /metrics) and, with the admin token (TODO_API_ADMIN_TOKEN), its faults.
 * The portal is the one holder of that token: scenarios and drills switch faults through here.
 */
export class TodoApiClient {
  private readonly http: JsonClient;

  constructor(
    baseUrl: string,
    fetch: Fetch,
    private readonly adminToken: string | undefined,
    timeoutMs = 10_000,
  ) {
    this.http = new JsonClient({ name: 'The todo API', baseUrl, fetch, timeoutMs });
  }

  get url(): string {
    return this.http.baseUrl;
  }

  /** Whether faults can be switched at all (TODO_API_ADMIN_TOKEN is set). */
  get canSwitchFaults(): boolean {
    return Boolean(this.adminToken);
  }

  /** `METHOD /path` of every operation in GET /openapi.json (`GET /api/tasks/{id}`). */
  async routes(): Promise<string[]> {
    const doc = await this.http.call<{ paths?: Record<string, Record<string, unknown>> }>('/openapi.json');
    const routes: string[] = [];
    for (const [path, ops] of Object.entries(doc?.paths ?? {})) {
      for (const method of Object.keys(ops)) if (HTTP_METHODS.includes(method)) routes.push(`${method.toUpperCase()} ${path}`);
    }
    if (routes.length === 0) throw new UpstreamError(`The todo API at ${this.url} lists no routes in /openapi.json`);
    return routes;
  }

  /** db_client_connection_max from its /metrics: 1 on PGlite, POOL_SIZE on a server; undefined when absent. */
  async poolSize(): Promise<number | undefined> {
    const text = await this.http.call<string>('/metrics', { text: true });
    const m = /^db_client_connection_max(?:\{[^}]*\})? ([0-9.eE+]+)/m.exec(text);
    const n = m ? Number(m[1]) : NaN;
    return Number.isInteger(n) && n >= 1 ? n : undefined;
  }

  /** PUT /api/faults: the whole new state. Returns the admin view (hidden faults, starts_at, expires_at). */
  putFaults(body: Record<string, unknown>): Promise<FaultsState> {
    return this.http.call<FaultsState>('/api/faults', { method: 'PUT', body, bearer: this.token('switch a fault on') });
  }

  /** DELETE /api/faults: every fault off. */
  async clearFaults(): Promise<void> {
    await this.http.call('/api/faults', { method: 'DELETE', bearer: this.token('clear the faults') });
  }

  private token(action: string): string {
    if (!this.adminToken) throw new UnavailableError(`The portal cannot ${action}: TODO_API_ADMIN_TOKEN (the todo API's ADMIN_TOKEN) is not set`);
    return this.adminToken;
  }
}
