/**
 * The Prometheus Operator component (overlay single-operator): the rules are the repository's
 * infra/prometheus/rules as PrometheusRule objects, the scrape targets ServiceMonitors of the
 * same services the bundled configuration scrapes, and the bundled Prometheus is gone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { serviceById } from '@o11y/platform';
import { PROMETHEUS_RULES_DIR, scrapedServices } from '@o11y/stack';
import { find, get, podTemplates, renderLabs, selects, type K8sObject, type RenderedLabs } from '../helpers/kubernetes.ts';

let labs: RenderedLabs;
let objects: K8sObject[];
beforeAll(() => {
  labs = renderLabs();
  objects = labs.overlays.operator;
});
afterAll(() => labs?.cleanup());

const REGENERATE = 'run `node deploy/kubernetes/components/prometheus-operator/generate-rules.mjs` after changing infra/prometheus/rules';

describe('PrometheusRule objects', () => {
  it('one per rule file of infra/prometheus/rules, with exactly its groups', () => {
    const files = readdirSync(PROMETHEUS_RULES_DIR).filter((f) => f.endsWith('.yml')).sort();
    const rules = objects.filter((o) => o.kind === 'PrometheusRule');
    expect(rules.map((r) => r.metadata.name).sort(), REGENERATE).toEqual(files.map((f) => `o11y-${basename(f, '.yml')}`).sort());
    for (const f of files) {
      const { groups } = parse(readFileSync(join(PROMETHEUS_RULES_DIR, f), 'utf8')) as { groups: unknown };
      expect(get(objects, 'PrometheusRule', `o11y-${basename(f, '.yml')}`).spec.groups, `${f}: ${REGENERATE}`).toEqual(groups);
    }
  });

  it('sit in the lab\'s namespace with the labels an operator selects them by', () => {
    for (const r of objects.filter((o) => o.kind === 'PrometheusRule' || o.kind === 'ServiceMonitor')) {
      expect(r.metadata.namespace, r.metadata.name).toBe('o11y-lab');
      expect(r.metadata.labels?.['app.kubernetes.io/part-of'], r.metadata.name).toBe('o11y-platform');
    }
  });
});

describe('ServiceMonitors', () => {
  it('one per service the bundled configuration scrapes (but Prometheus itself), on its metrics path', () => {
    const expected = scrapedServices('compose').filter((s) => s.id !== 'prometheus');
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual(expected.map((s) => s.id).sort());
    for (const m of monitors) {
      const s = serviceById(m.metadata.name);
      // Exactly one Service: the one named like the job, never its headless twin (no double scrapes).
      const services = objects.filter((o) => o.kind === 'Service' && o.metadata.namespace === m.metadata.namespace && selects(m.spec.selector, o.metadata.labels ?? {}));
      expect(services.map((x) => x.metadata.name), s.id).toEqual([s.id]);
      const [endpoint] = m.spec.endpoints as { port: string; path: string; interval: string }[];
      expect(endpoint?.path, s.id).toBe(s.metricsPath);
      const port = (services[0]?.spec.ports as { name: string; port: number }[]).find((p) => p.name === endpoint?.port);
      expect(port?.port, s.id).toBe(s.containerPort ?? s.port);
      expect(endpoint?.interval).toBe('5s');
    }
  });
});

describe('the bundled Prometheus', () => {
  it('is gone, and `prometheus` is an alias of the operator\'s, so http://prometheus:9090 still works', () => {
    expect(find(objects, 'Deployment', 'prometheus')).toBeUndefined();
    expect(find(objects, 'PersistentVolumeClaim', 'prometheus-data')).toBeUndefined();
    expect(objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('prometheus-rules'))).toEqual([]);
    expect(podTemplates(objects).flatMap((p) => p.spec.containers.map((c) => c.name))).not.toContain('prometheus');
    const svc = get(objects, 'Service', 'prometheus');
    expect(svc.spec.type).toBe('ExternalName');
    expect(svc.spec.externalName).toBe('prometheus-operated.monitoring.svc.cluster.local');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: serviceById('prometheus').port }]);
    // Everything else of the single lab is still there.
    const names = (objs: K8sObject[]) => new Set(objs.map((o) => `${o.kind}/${o.metadata.name}`));
    const kept = names(objects);
    for (const n of names(labs.overlays.single)) if (!/^(Deployment\/prometheus|PersistentVolumeClaim\/prometheus-data|ConfigMap\/prometheus-rules-.*)$/.test(n)) expect(kept.has(n), n).toBe(true);
  });
});
