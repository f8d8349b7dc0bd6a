/**
 * The configuration as Prometheus 3 (the compose image, 3.13 LTS) reads it, while Debian's 2.42
 * keeps running it in embedded mode:
 * - Prometheus 3 normalises the `le` label of classic histograms and the `quantile` label of
 *   summaries at scrape time to float form: `le="1"` is stored as `le="1.0"`. A selector that
 *   names such a value literally silently matches nothing. https://prometheus.io/docs/prometheus/latest/migration/
 * - flags removed in 3.0 make it refuse to start; every flag we pass must be one 3.x documents.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { dashboardQueries, PROMETHEUS_RULES_DIR, PROMETHEUS_TESTS_DIR, prometheusArgs } from '@o11y/stack';
import { REPO_ROOT } from '../../../test/helpers/process.ts';

/** What Prometheus 3 stores for a label value it parses as a float (its formatOpenMetricsFloat: %g, ".0" added to integers). */
export function normalisedFloat(value: string): string {
  const f = Number(value);
  if (value === '+Inf' || f === Infinity) return '+Inf';
  if (value === '-Inf' || f === -Infinity) return '-Inf';
  if (Number.isNaN(f)) return value;
  const s = String(f);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** `le="…"` / `quantile="…"` equality matchers in a PromQL expression or series selector. */
function literalMatchers(text: string): { label: string; value: string }[] {
  return [...text.matchAll(/\b(le|quantile)\s*!?=\s*"([^"]*)"/g)].map((m) => ({ label: m[1] as string, value: m[2] as string }));
}

interface RuleFile {
  groups: { rules: { expr: string }[] }[];
}
interface PromtoolTests {
  tests: { input_series?: { series: string }[]; promql_expr_test?: { expr: string; exp_samples?: { labels?: string }[] }[] }[];
}

function everyPromQl(): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  for (const f of readdirSync(PROMETHEUS_RULES_DIR).filter((x) => x.endsWith('.yml'))) {
    const doc = parse(readFileSync(join(PROMETHEUS_RULES_DIR, f), 'utf8')) as RuleFile;
    for (const g of doc.groups) for (const r of g.rules) out.push({ where: `rules/${f}`, text: r.expr });
  }
  for (const f of readdirSync(PROMETHEUS_TESTS_DIR).filter((x) => x.endsWith('.yml'))) {
    const doc = parse(readFileSync(join(PROMETHEUS_TESTS_DIR, f), 'utf8')) as PromtoolTests;
    for (const t of doc.tests) {
      // Input series model what was scraped, so they must look as Prometheus 3 stores it too.
      for (const s of t.input_series ?? []) out.push({ where: `tests/${f} (input series)`, text: s.series });
      for (const e of t.promql_expr_test ?? []) {
        out.push({ where: `tests/${f}`, text: e.expr });
        for (const s of e.exp_samples ?? []) out.push({ where: `tests/${f} (expected labels)`, text: s.labels ?? '' });
      }
    }
  }
  for (const q of dashboardQueries()) out.push({ where: `dashboard ${q.dashboard}`, text: q.raw });
  // PromQL written in the apps' sources (drills, scenarios, solvers), outside their tests.
  for (const dir of ['apps', 'packages']) {
    for (const name of readdirSync(resolve(REPO_ROOT, dir))) {
      const src = resolve(REPO_ROOT, dir, name, 'src');
      let files: string[] = [];
      try {
        files = readdirSync(src, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
      } catch {
        continue;
      }
      for (const f of files) out.push({ where: `${dir}/${name}/src/${f}`, text: readFileSync(join(src, f), 'utf8') });
    }
  }
  return out;
}

describe('ready for Prometheus 3', () => {
  it('normalises like Prometheus 3 does', () => {
    expect(['1', '0.5', '10', '+Inf', '0.0005', '2.5'].map(normalisedFloat)).toEqual(['1.0', '0.5', '10.0', '+Inf', '0.0005', '2.5']);
  });

  it('no rule, promtool test, dashboard or source selects le/quantile by a value Prometheus 3 stores differently', () => {
    const scanned = everyPromQl();
    expect(scanned.some((s) => s.where.startsWith('tests/latency') && literalMatchers(s.text).length > 0)).toBe(true);
    const wrong = scanned.flatMap((s) =>
      literalMatchers(s.text)
        .filter((m) => normalisedFloat(m.value) !== m.value)
        .map((m) => `${s.where}: ${m.label}="${m.value}" is stored as ${m.label}="${normalisedFloat(m.value)}"`),
    );
    expect(wrong).toEqual([]);
  });

  it('passes only flags and feature names Prometheus 3 documents', () => {
    // From docs/command-line/prometheus.md and feature_flags.md of Prometheus 3.x (checked for the
    // 3.13 LTS line on 2026-12-03); removed in 3.0: --storage.tsdb.allow-overlapping-blocks,
    // --alertmanager.timeout, --storage.tsdb.retention, and the feature flags promql-at-modifier,
    // promql-negative-offset, remote-write-receiver, new-service-discovery-manager, …
    const documented = new Set([
      '--config.file', '--web.listen-address', '--web.config.file', '--web.read-timeout', '--web.max-connections', '--web.external-url',
      '--web.route-prefix', '--web.user-assets', '--web.enable-lifecycle', '--web.enable-admin-api', '--web.enable-remote-write-receiver',
      '--web.console.templates', '--web.console.libraries', '--web.page-title', '--web.cors.origin', '--storage.tsdb.path',
      '--storage.tsdb.retention.time', '--storage.tsdb.retention.size', '--storage.tsdb.no-lockfile', '--rules.alert.for-outage-tolerance',
      '--rules.alert.for-grace-period', '--rules.alert.resend-delay', '--rules.max-concurrent-evals', '--alertmanager.notification-queue-capacity',
      '--query.lookback-delta', '--query.timeout', '--query.max-concurrency', '--query.max-samples', '--enable-feature', '--log.level', '--log.format',
    ]);
    const features = new Set(['exemplar-storage', 'memory-snapshot-on-shutdown', 'extra-scrape-metrics', 'promql-experimental-functions', 'concurrent-rule-eval', 'native-histograms']);
    const args = prometheusArgs({ configFile: '/c/p.yml', dataDir: '/d', port: 9090, host: '0.0.0.0', externalUrl: 'http://lab.example:9090' });
    for (const arg of args) {
      const [flag, value = ''] = arg.split(/=(.*)/s);
      expect(documented.has(flag as string), arg).toBe(true);
      if (flag === '--enable-feature') for (const f of value.split(',')) expect(features.has(f), f).toBe(true);
    }
  });
});
