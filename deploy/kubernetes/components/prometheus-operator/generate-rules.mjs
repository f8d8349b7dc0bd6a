#!/usr/bin/env node
/**
 * Writes prometheus-rules.yaml: one PrometheusRule per file of infra/prometheus/rules, whose
 * spec.groups are that file's groups unchanged. Run it after changing a rule file:
 *
 *   node deploy/kubernetes/components/prometheus-operator/generate-rules.mjs
 *
 * test/kubernetes/operator.test.ts renders this component and fails when its rule groups and
 * infra/prometheus/rules differ, so the generated file cannot silently drift. Needs the
 * repository's dependencies (`npm ci`: the yaml package).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const HERE = dirname(fileURLToPath(import.meta.url));
const RULES_DIR = resolve(HERE, '../../../../infra/prometheus/rules');
export const OUTPUT = join(HERE, 'prometheus-rules.yaml');

export function renderRules() {
  const files = readdirSync(RULES_DIR).filter((f) => f.endsWith('.yml')).sort();
  const docs = files.map((f) => {
    const { groups } = parse(readFileSync(join(RULES_DIR, f), 'utf8'));
    return stringify(
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name: `o11y-${basename(f, '.yml')}`, labels: { 'app.kubernetes.io/name': 'prometheus-rules' } },
        spec: { groups },
      },
      { lineWidth: 0 },
    );
  });
  return `# GENERATED from infra/prometheus/rules by generate-rules.mjs (this directory). Do not edit:\n# change the rule files, then run the script.\n${docs.map((d) => `---\n${d}`).join('')}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  writeFileSync(OUTPUT, renderRules());
  console.log(`wrote ${OUTPUT}`);
}
