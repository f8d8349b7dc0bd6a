import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardQueries, GRAFANA_DIR, loadDashboards, panelsOf, substituteVariables } from '@o11y/stack';
import { freePort } from '../../../test/helpers/ports.ts';
import { promQuery, startPrometheus, type Server } from './servers.ts';

const dashboards = loadDashboards();
const queries = dashboardQueries();

describe('Grafana provisioning', () => {
  it('provisions Prometheus (default, exemplars → Jaeger by trace_id) and Jaeger', () => {
    const ds = parse(readFileSync(join(GRAFANA_DIR, 'provisioning/datasources/datasources.yml'), 'utf8')) as {
      datasources: { uid: string; type: string; isDefault?: boolean; jsonData?: { exemplarTraceIdDestinations?: { name: string; datasourceUid: string }[] } }[];
    };
    const prom = ds.datasources.find((d) => d.type === 'prometheus');
    const jaeger = ds.datasources.find((d) => d.type === 'jaeger');
    expect(prom?.isDefault).toBe(true);
    expect(jaeger).toBeDefined();
    expect(prom?.jsonData?.exemplarTraceIdDestinations).toEqual([expect.objectContaining({ name: 'trace_id', datasourceUid: jaeger?.uid })]);
  });

  it('loads the four dashboards from one file provider', () => {
    const prov = parse(readFileSync(join(GRAFANA_DIR, 'provisioning/dashboards/dashboards.yml'), 'utf8')) as { providers: { type: string; options: { path: string } }[] };
    expect(prov.providers).toHaveLength(1);
    expect(prov.providers[0]?.type).toBe('file');
    expect(dashboards.map((d) => d.title).sort()).toEqual(['Database', 'Load generator', 'Platform overview', 'Todo API']);
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(dashboards.length);
    // The alert annotations link to these uids.
    expect(dashboards.map((d) => d.uid).sort()).toEqual(['o11y-database', 'o11y-load-generator', 'o11y-overview', 'o11y-todo-api']);
  });

  it('every panel has a unit, the Prometheus datasource and at least one query', () => {
    for (const d of dashboards) {
      const ids = new Set<number>();
      for (const p of panelsOf(d)) {
        const where = `${d.title} / ${p.title}`;
        expect(p.fieldConfig?.defaults?.unit, `${where}: unit`).toBeTruthy();
        expect(p.datasource?.uid, `${where}: datasource`).toBe('prometheus');
        expect(p.targets?.length, `${where}: queries`).toBeGreaterThan(0);
        expect(ids.has(p.id ?? -1), `${where}: duplicate id`).toBe(false);
        ids.add(p.id ?? -1);
      }
    }
  });

  it('covers what the issue lists', () => {
    const exprs = (title: string) => queries.filter((q) => q.dashboard === title).map((q) => q.raw).join('\n');
    expect(exprs('Platform overview')).toMatch(/ALERTS\{alertstate="firing"\}[\s\S]*todo_fault_active[\s\S]*loadgen_/);
    expect(exprs('Todo API')).toMatch(/histogram_quantile\(0\.5,[\s\S]*histogram_quantile\(0\.95,[\s\S]*histogram_quantile\(0\.99,/);
    expect(exprs('Todo API')).toMatch(/db_client_connection_count\{[\s\S]*db_client_connection_max\{[\s\S]*nodejs_eventloop_lag_seconds/);
    expect(exprs('Database')).toMatch(/db_client_connection_count\{[\s\S]*db_client_connection_max\{/);
    // The pre-semconv names are gone everywhere (they would query series that no longer exist).
    expect(queries.filter((q) => /db_client_connections/.test(q.raw))).toEqual([]);
    expect(exprs('Database')).toMatch(/sql_service_latency_bucket[\s\S]*\/ 1e9/);
    expect(exprs('Database')).toMatch(/sql_txn_commit_count[\s\S]*sql_txn_abort_count[\s\S]*sql_conns[\s\S]*capacity_available/);
    expect(exprs('Load generator')).toMatch(/loadgen_target_rps[\s\S]*loadgen_response_latency_seconds_bucket[\s\S]*loadgen_scheduler_lag_seconds_bucket[\s\S]*loadgen_in_flight[\s\S]*loadgen_dropped_total/);
    // A traffic mix's requests each get their own line (the `request` label, #14), and the pool's queue
    // (semconv wait_time and pending_requests, the pool_limit drill's evidence) is on the Database board.
    const byRequest = (title: string) => queries.find((q) => q.dashboard === 'Load generator' && q.panel === title)?.raw;
    expect(byRequest('Requests/s by request of the mix')).toBe('sum by (request) (rate(loadgen_requests_total[$__rate_interval]))');
    expect(byRequest('p99 by request of the mix (from intended send time)')).toBe('histogram_quantile(0.99, sum by (request, le) (rate(loadgen_response_latency_seconds_bucket[$__rate_interval])))');
    expect(exprs('Database')).toMatch(/histogram_quantile\(0\.99, sum by \(le\) \(rate\(db_client_connection_wait_time_seconds_bucket\{job="todo-api"\}[\s\S]*sum\(db_client_connection_pending_requests\{job="todo-api"\}\)/);
  });

  it('substitutes Grafana variables', () => {
    expect(substituteVariables('rate(x{route=~"$route"}[$__rate_interval]) $__interval ${route}', { route: '.*' })).toBe('rate(x{route=~".*"}[1m]) 15s .*');
    expect(queries.every((q) => !q.expr.includes('$'))).toBe(true);
  });
});

describe('every dashboard query parses in a real Prometheus', () => {
  let prometheus: Server;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'o11y-dash-'));
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 5s\nscrape_configs: []\n');
    prometheus = await startPrometheus({ configFile: join(dir, 'prometheus.yml'), dataDir: join(dir, 'data'), port: await freePort() });
  });
  afterAll(async () => {
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${queries.length} queries`, async () => {
    const failures: string[] = [];
    for (const q of queries) {
      const r = await promQuery(prometheus.url, q.expr);
      if (r.status !== 'success') failures.push(`${q.dashboard} / ${q.panel} / ${q.refId}: ${r.error}\n  ${q.expr}`);
    }
    expect(failures).toEqual([]);
  });
});
