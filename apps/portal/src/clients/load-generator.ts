import type { Fetch } from '../outbound.js';
import { JsonClient } from './http.js';

/** One request of a traffic mix, as the load generator's presets and runs write it. */
export interface MixRequest {
  name: string;
  weight?: number;
  method?: string;
  url: string;
  headers?: Record<string, string> | string;
  body?: unknown;
  capture?: Record<string, string>;
}

/** The parts of a run request the portal builds (the load generator's POST /api/runs body). */
export interface RunRequest {
  preset?: string;
  target?: Omit<MixRequest, 'name' | 'weight' | 'capture'>;
  requests?: MixRequest[];
  rate: number;
  duration: number;
  profile?: string;
  profile_options?: Record<string, unknown>;
  seed?: number;
  auth?: { login_url: string; email: string; password: string };
}

/** GET /api/presets: a built-in traffic mix, a complete run request. */
export interface Preset {
  id: string;
  title: { en: string; ru: string };
  run: RunRequest & { requests: MixRequest[] };
}

/** The fields of GET /api/runs/:id the portal reads (the page gets the whole summary). */
export interface RunSummary {
  id: string;
  state: 'running' | 'finished' | 'stopped' | 'failed';
  [field: string]: unknown;
}

/**
 * The load generator as the portal uses it: presets, starting and stopping plain runs, run
 * summaries. It knows traffic, not faults: whatever switches a fault for a run (scenarios,
 * drills) is the portal's. LAB_TOKEN goes with every call (its API needs it when set).
 */
export class LoadGeneratorClient {
  private readonly http: JsonClient;

  constructor(baseUrl: string, fetch: Fetch, labToken: string | undefined, timeoutMs = 10_000) {
    this.http = new JsonClient({ name: 'The load generator', baseUrl, fetch, timeoutMs, bearer: labToken });
  }

  get url(): string {
    return this.http.baseUrl;
  }

  presets(): Promise<Preset[]> {
    return this.http.call<Preset[]>('/api/presets');
  }

  async startRun(request: RunRequest): Promise<string> {
    return (await this.http.call<{ id: string }>('/api/runs', { method: 'POST', body: request })).id;
  }

  run(id: string): Promise<RunSummary> {
    return this.http.call<RunSummary>(`/api/runs/${encodeURIComponent(id)}`);
  }

  /** Stops a run (the load generator ends it within a second); a finished one answers as it is. */
  async stopRun(id: string): Promise<void> {
    await this.http.call(`/api/runs/${encodeURIComponent(id)}/stop`, { method: 'POST', body: {} });
  }
}
