/**
 * The portal's HTTP contract, shared by the server (src/routes) and the browser client (src/ui).
 * Field names are snake_case like every JSON body of the platform.
 */
export type Lang = 'en' | 'ru';
export type Localized = Record<Lang, string>;
export type Mode = 'embedded' | 'compose';
export type Section = 'main' | 'metrics' | 'monitoring' | 'admin';

/** GET /api/config: what the page needs to build every link from the host it was opened on. */
export interface LinksConfig {
  mode: Mode;
  /** Scheme and host used instead of the page's host (PUBLIC_BASE_URL), each service keeping its port. */
  public_base_url: string | null;
  services: LinkedService[];
}

export interface LinkedService {
  id: string;
  title: Localized;
  description: Localized;
  section: Section;
  /** The port people reach it on (the compose host port for the portal). */
  port: number;
  /** A full base URL from the service's URL variable (e.g. GRAFANA_URL); replaces host and port. */
  url: string | null;
  ui_path: string;
  health_path: string;
  metrics_path: string | null;
  in_mode: boolean;
}

export type ServiceState = 'up' | 'down' | 'not_in_mode';

/** GET /api/services: one entry per service of SERVICES. */
export interface ServiceStatus {
  id: string;
  title: Localized;
  section: Section;
  url: string;
  status: ServiceState;
  latency_ms: number | null;
  checked_at: string | null;
  /** Why it is down (HTTP status or connection error), when it is. */
  error?: string;
}

/** One alert of an Alertmanager webhook payload, as kept in the inbox. */
export interface Notification {
  id: string;
  received_at: string;
  status: 'firing' | 'resolved';
  alertname: string;
  severity: string;
  summary: string;
  description: string;
  starts_at: string;
  ends_at?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** GET /api/alerts/firing on success. */
export interface FiringAlert {
  alertname: string;
  severity: string;
  since: string;
  summary: string;
}

/** GET /api/alerts/firing when the portal has no Alertmanager to ask. */
export interface AlertsNotConfigured {
  configured: false;
}

/** GET /api/scenarios: a one-click scenario, as src/scenarios/runner.ts lists it. */
export type { ScenarioInfo as Scenario } from '../scenarios/runner.js';

/** POST /api/scenarios/:id/run. */
export type { ScenarioStarted as RunStarted } from '../scenarios/runner.js';

export interface RunSummary {
  /** running | finished | stopped | failed */
  state: string;
  error?: string;
  started_at?: string;
  elapsed: number;
  duration: number;
  sent: number;
  ok: number;
  failed: number;
  dropped: number;
  achieved_rps: number;
  /** Milliseconds. */
  latency?: { p99?: number; [k: string]: number | undefined };
}
