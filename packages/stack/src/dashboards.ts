import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GRAFANA_DIR } from './paths.js';

export const DASHBOARDS_DIR = join(GRAFANA_DIR, 'dashboards');

interface GrafanaTarget {
  refId?: string;
  expr?: string;
}

export interface GrafanaPanel {
  id?: number;
  type: string;
  title: string;
  description?: string;
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
  fieldConfig?: { defaults?: { unit?: string } };
  datasource?: { type?: string; uid?: string };
}

export interface Dashboard {
  file: string;
  uid: string;
  title: string;
  panels: GrafanaPanel[];
  templating?: { list?: { name: string; allValue?: string }[] };
  annotations?: { list?: { name: string; expr?: string }[] };
}

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  refId: string;
  /** The expression as written in the dashboard. */
  raw: string;
  /** With Grafana's variables replaced, ready for Prometheus' query API. */
  expr: string;
  /** Panels titled "CockroachDB: …" only have data in compose. */
  cockroachOnly: boolean;
}

/** Every dashboard JSON in infra/grafana/dashboards. */
export function loadDashboards(dir: string = DASHBOARDS_DIR): Dashboard[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Omit<Dashboard, 'file'>) }));
}

/** Panels, including those nested in collapsed rows; rows themselves are left out. */
export function panelsOf(dashboard: Dashboard): GrafanaPanel[] {
  const out: GrafanaPanel[] = [];
  const walk = (panels: GrafanaPanel[]) => {
    for (const p of panels) {
      if (p.type === 'row') walk(p.panels ?? []);
      else out.push(p);
    }
  };
  walk(dashboard.panels);
  return out;
}

/**
 * Replaces Grafana's variables the way Grafana would for a 5 s scrape interval:
 * $__rate_interval → 1m, $__interval → 15s, $__range → 5m, and each dashboard variable by its
 * "All" value (a regex matching everything).
 */
export function substituteVariables(expr: string, variables: Record<string, string> = {}): string {
  let out = expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('${__rate_interval}', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('${__interval}', '15s')
    .replaceAll('$__range', '5m')
    .replaceAll('${__range}', '5m');
  for (const [name, value] of Object.entries(variables)) {
    out = out.replaceAll(`\${${name}}`, value).replace(new RegExp(`\\$${name}\\b`, 'g'), value);
  }
  return out;
}

/** Every PromQL query of every dashboard (panels and annotations), with variables substituted. */
export function dashboardQueries(dir: string = DASHBOARDS_DIR): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const d of loadDashboards(dir)) {
    const vars: Record<string, string> = {};
    for (const v of d.templating?.list ?? []) vars[v.name] = v.allValue ?? '.*';
    for (const a of d.annotations?.list ?? []) {
      if (!a.expr) continue;
      out.push({ dashboard: d.title, panel: `annotation: ${a.name}`, refId: '-', raw: a.expr, expr: substituteVariables(a.expr, vars), cockroachOnly: false });
    }
    for (const p of panelsOf(d)) {
      for (const t of p.targets ?? []) {
        if (!t.expr) continue;
        out.push({
          dashboard: d.title,
          panel: p.title,
          refId: t.refId ?? '?',
          raw: t.expr,
          expr: substituteVariables(t.expr, vars),
          cockroachOnly: p.title.startsWith('CockroachDB'),
        });
      }
    }
  }
  return out;
}
