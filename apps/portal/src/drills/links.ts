import type { LinksConfig } from '../shared/api.js';
import { serviceLink, type PageOrigin } from '../shared/links.js';
import type { DebriefLink } from './contract.js';
import type { EvidenceWindow } from './debrief.js';
import type { Evidence, Truth } from './schema.js';

/** A debrief link before it is resolved against the page's host: a service and a path on it. */
export interface LinkPath {
  service: string;
  /** What it opens: `graph:<evidence id>`, `dashboard`, `traces`, `trace:<id>`, `run`. */
  kind: string;
  path: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** Prometheus' graph page takes its end time as "YYYY-MM-DD HH:mm:ss" in UTC. */
function promTime(unixS: number): string {
  const d = new Date(unixS * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** The Prometheus graph of one expression over the baseline and the fault window. */
export function prometheusGraphPath(expr: string, w: EvidenceWindow): string {
  const q = new URLSearchParams({
    'g0.expr': expr,
    'g0.tab': '0',
    'g0.range_input': `${Math.max(60, Math.ceil(w.to - w.baselineFrom))}s`,
    'g0.end_input': promTime(w.to),
    'g0.moment_input': promTime(w.to),
    'g0.step_input': String(w.step),
  });
  return `/graph?${q.toString()}`;
}

/**
 * Where to look again at the window: each evidence query in Prometheus, the todo API's (and for
 * the database the database's) Grafana dashboard, Jaeger's search of the todo API's traces and the
 * example traces, the load generator's background run. Services not in the mode are left out when
 * the links are resolved.
 */
export function debriefLinkPaths(input: { evidence: readonly Evidence[]; truth: Truth; window: EvidenceWindow; traceIds: readonly string[]; runs: readonly string[] }): LinkPath[] {
  const w = input.window;
  const fromMs = Math.floor(w.baselineFrom * 1000);
  const toMs = Math.ceil(w.to * 1000);
  const links: LinkPath[] = input.evidence.map((e) => ({ service: 'prometheus', kind: `graph:${e.id}`, path: prometheusGraphPath(e.expr, w) }));
  links.push({ service: 'grafana', kind: 'dashboard', path: `/d/o11y-todo-api?from=${fromMs}&to=${toMs}` });
  if (input.truth.layer === 'database' || input.truth.layer === 'connection_pool') links.push({ service: 'grafana', kind: 'dashboard:database', path: `/d/o11y-database?from=${fromMs}&to=${toMs}` });
  links.push({ service: 'jaeger', kind: 'traces', path: `/search?service=todo-api&start=${fromMs * 1000}&end=${toMs * 1000}&limit=20&lookback=custom` });
  for (const id of input.traceIds) links.push({ service: 'jaeger', kind: `trace:${id}`, path: `/trace/${id}` });
  if (input.runs[0]) links.push({ service: 'load-generator', kind: 'run', path: `/#/runs/${encodeURIComponent(input.runs[0])}` });
  return links;
}

/**
 * The debrief's links as the page opens them: each service's public base (its URL variable,
 * PUBLIC_BASE_URL or the page's host with its port), services not in the mode left out. Debian's
 * Prometheus serves only the classic UI: its graph page is then under /classic.
 */
export function resolveLinkPaths(paths: readonly LinkPath[], links: LinksConfig, page: PageOrigin): DebriefLink[] {
  return paths.flatMap((p) => {
    const service = links.services.find((s) => s.id === p.service);
    if (!service?.in_mode) return [];
    const prefix = p.service === 'prometheus' && service.ui_path.startsWith('/classic/') ? '/classic' : '';
    return [{ service: p.service, kind: p.kind, url: serviceLink(service, prefix + p.path, page, links.public_base_url) }];
  });
}
