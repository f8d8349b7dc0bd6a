import { parseDuration } from '@o11y/platform';
import type { Fetch } from '../outbound.js';
import { JsonClient, UpstreamError } from './http.js';

export interface RangeSeries {
  metric: Record<string, string>;
  /** [unix seconds, value as Prometheus writes it]. */
  values: [number, string][];
}

export interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

export interface AlertRule {
  name: string;
  labels?: Record<string, string>;
}

interface Envelope<T> {
  status: 'success' | 'error';
  data?: T;
  error?: string;
}

/** Prometheus' HTTP API as the drills read it: range queries, exemplars, rules, the scrape interval. */
export class PrometheusClient {
  private readonly http: JsonClient;

  constructor(baseUrl: string, fetch: Fetch, timeoutMs = 10_000) {
    this.http = new JsonClient({ name: 'Prometheus', baseUrl, fetch, timeoutMs });
  }

  get url(): string {
    return this.http.baseUrl;
  }

  private async api<T>(path: string, form?: Record<string, string>): Promise<T> {
    let env: Envelope<T>;
    try {
      env = await this.http.call<Envelope<T>>(path, form ? { form } : {});
    } catch (err) {
      // Prometheus answers a bad query with 400 and {status: "error", error}: say what it said.
      const body = (err as UpstreamError).body as Envelope<T> | undefined;
      if (body?.status === 'error') throw new UpstreamError(`Prometheus refused ${path}: ${body.error}`, (err as UpstreamError).status, body);
      throw err;
    }
    if (env.status !== 'success' || env.data === undefined) throw new UpstreamError(`Prometheus answered ${path} with ${env.status}: ${env.error ?? 'no data'}`);
    return env.data;
  }

  /** /api/v1/query_range over [start, end] (unix seconds). */
  async queryRange(expr: string, start: number, end: number, step: number): Promise<RangeSeries[]> {
    const data = await this.api<{ resultType: string; result: RangeSeries[] }>('/api/v1/query_range', {
      query: expr,
      start: start.toFixed(3),
      end: end.toFixed(3),
      step: String(step),
    });
    return data.result;
  }

  /** /api/v1/query_exemplars: exemplars (trace ids) of the series a selector matches, over [start, end]. */
  exemplars(selector: string, start: number, end: number): Promise<ExemplarSeries[]> {
    return this.api<ExemplarSeries[]>('/api/v1/query_exemplars', { query: selector, start: start.toFixed(3), end: end.toFixed(3) });
  }

  /** Every alerting rule loaded (/api/v1/rules?type=alert), by name. */
  async alertRules(): Promise<AlertRule[]> {
    const data = await this.api<{ groups: { rules: AlertRule[] }[] }>('/api/v1/rules?type=alert');
    return data.groups.flatMap((g) => g.rules);
  }

  /** The global scrape interval of the loaded configuration, in seconds. */
  async scrapeIntervalS(): Promise<number> {
    const data = await this.api<{ yaml: string }>('/api/v1/status/config');
    const m = /^\s*scrape_interval:\s*(\S+)/m.exec(data.yaml);
    const s = m ? parseDuration(m[1] as string) : undefined;
    if (!s) throw new UpstreamError('Prometheus names no global scrape_interval in its configuration');
    return s;
  }
}
