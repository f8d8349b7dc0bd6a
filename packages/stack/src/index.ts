/**
 * The observability stack as code: renders Prometheus and Alertmanager configuration for the
 * embedded launcher and for Docker Compose from one source (infra/ + SERVICES), and the flags
 * to start them with.
 */
export { alertmanagerArgs, INBOX_RECEIVER, renderAlertmanagerConfig, TELEGRAM_RECEIVER } from './alertmanager.js';
export type { AlertmanagerArgsOptions, AlertmanagerConfigOptions } from './alertmanager.js';
export { BINARY_NAMES, findBinary } from './binaries.js';
export { ALERTMANAGER_TEMPLATES_DIR, GRAFANA_DIR, INFRA_DIR, PROMETHEUS_RULES_DIR, PROMETHEUS_TESTS_DIR } from './paths.js';
export { parseDnsSd, prometheusArgs, renderPrometheusConfig, resolveTargets } from './prometheus.js';
export type { PrometheusArgsOptions, PrometheusConfigOptions } from './prometheus.js';
export { defaultTarget, internalUrl, publicUrl, scrapedServices, StackConfigError, type Env } from './urls.js';
export { stackSettings, TELEGRAM_TOKEN_FILE, writeSecretFile, writeStackConfig } from './write.js';
export type { StackOverrides, StackSettings, WrittenStack } from './write.js';
export { DASHBOARDS_DIR, dashboardQueries, loadDashboards, panelsOf, substituteVariables } from './dashboards.js';
export type { Dashboard, DashboardQuery, GrafanaPanel } from './dashboards.js';
