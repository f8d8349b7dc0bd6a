import { resolve } from 'node:path';
import { REPO_ROOT } from '@o11y/platform';

/** `<repo>/infra`: the rules, templates and Grafana files that are copied as they are. */
export const INFRA_DIR = resolve(REPO_ROOT, 'infra');
export const PROMETHEUS_RULES_DIR = resolve(INFRA_DIR, 'prometheus', 'rules');
export const PROMETHEUS_TESTS_DIR = resolve(INFRA_DIR, 'prometheus', 'tests');
export const ALERTMANAGER_TEMPLATES_DIR = resolve(INFRA_DIR, 'alertmanager', 'templates');
export const GRAFANA_DIR = resolve(INFRA_DIR, 'grafana');
