/**
 * The one list of the platform's services: names, ports, health and metrics paths, and the
 * modes each runs in. The portal, the launcher, the Prometheus targets and a consistency test
 * against docker-compose.yml all read it, so a port is changed in one place.
 */
export type Mode = 'embedded' | 'compose';
export type Section = 'main' | 'metrics' | 'monitoring' | 'admin';

export interface ServiceInfo {
  /** Stable id, also the compose service name. */
  id: string;
  title: { en: string; ru: string };
  description: { en: string; ru: string };
  /** Port on the host (the same inside compose unless `containerPort` says otherwise). */
  port: number;
  /** Host port in compose when it differs from `port` (the portal is 80 there). */
  composeHostPort?: number;
  containerPort?: number;
  /** Environment variable that overrides the port in embedded mode. */
  portEnv: string;
  /** Environment variable with a full public URL that overrides the derived link. */
  urlEnv: string;
  /** Path probed for health (HTTP 2xx = up). */
  healthPath: string;
  /** Path of the Prometheus exposition, when the service has one. */
  metricsPath?: string;
  /** Path a person opens first. */
  uiPath: string;
  modes: Mode[];
  section: Section;
}

export const SERVICES: readonly ServiceInfo[] = [
  {
    id: 'todo-api',
    title: { en: 'Todo API (Swagger)', ru: 'Todo API (Swagger)' },
    description: { en: 'The instrumented service under observation', ru: 'Наблюдаемый инструментированный сервис' },
    port: 4000,
    portEnv: 'TODO_API_PORT',
    urlEnv: 'TODO_API_URL',
    healthPath: '/health/ready',
    metricsPath: '/metrics',
    uiPath: '/swagger',
    modes: ['embedded', 'compose'],
    section: 'main',
  },
  {
    id: 'load-generator',
    title: { en: 'Load generator', ru: 'Генератор нагрузки' },
    description: { en: 'Open-model load with seven profiles', ru: 'Открытая модель нагрузки, семь профилей' },
    port: 8081,
    portEnv: 'LOADGEN_PORT',
    urlEnv: 'LOADGEN_URL',
    healthPath: '/health/ready',
    metricsPath: '/metrics',
    uiPath: '/',
    modes: ['embedded', 'compose'],
    section: 'main',
  },
  {
    id: 'portal',
    title: { en: 'Portal', ru: 'Портал' },
    description: { en: 'This page', ru: 'Эта страница' },
    port: 8000,
    composeHostPort: 80,
    portEnv: 'PORTAL_PORT',
    urlEnv: 'PORTAL_URL',
    healthPath: '/health/ready',
    metricsPath: '/metrics',
    uiPath: '/',
    modes: ['embedded', 'compose'],
    section: 'main',
  },
  {
    id: 'prometheus',
    title: { en: 'Prometheus', ru: 'Prometheus' },
    description: { en: 'Metrics and alert rules', ru: 'Метрики и правила алертов' },
    port: 9090,
    portEnv: 'PROMETHEUS_PORT',
    urlEnv: 'PROMETHEUS_URL',
    healthPath: '/-/ready',
    metricsPath: '/metrics',
    uiPath: '/alerts',
    modes: ['embedded', 'compose'],
    section: 'monitoring',
  },
  {
    id: 'alertmanager',
    title: { en: 'Alertmanager', ru: 'Alertmanager' },
    description: { en: 'Routes alerts to Telegram and the portal inbox', ru: 'Маршрутизация алертов в Telegram и портал' },
    port: 9093,
    portEnv: 'ALERTMANAGER_PORT',
    urlEnv: 'ALERTMANAGER_URL',
    healthPath: '/-/ready',
    metricsPath: '/metrics',
    uiPath: '/',
    modes: ['embedded', 'compose'],
    section: 'monitoring',
  },
  {
    id: 'grafana',
    title: { en: 'Grafana', ru: 'Grafana' },
    description: { en: 'Dashboards', ru: 'Дашборды' },
    port: 3000,
    portEnv: 'GRAFANA_PORT',
    urlEnv: 'GRAFANA_URL',
    healthPath: '/api/health',
    uiPath: '/',
    modes: ['compose'],
    section: 'monitoring',
  },
  {
    id: 'jaeger',
    title: { en: 'Jaeger', ru: 'Jaeger' },
    description: { en: 'Distributed traces', ru: 'Распределённые трассировки' },
    port: 16686,
    portEnv: 'JAEGER_PORT',
    urlEnv: 'JAEGER_URL',
    healthPath: '/',
    uiPath: '/search',
    modes: ['compose'],
    section: 'monitoring',
  },
  {
    id: 'cockroachdb',
    title: { en: 'CockroachDB admin', ru: 'Админка CockroachDB' },
    description: { en: 'Database console; metrics at /_status/vars', ru: 'Консоль БД; метрики на /_status/vars' },
    port: 8080,
    portEnv: 'COCKROACH_HTTP_PORT',
    urlEnv: 'COCKROACH_URL',
    healthPath: '/health?ready=1',
    metricsPath: '/_status/vars',
    uiPath: '/',
    modes: ['compose'],
    section: 'admin',
  },
  {
    id: 'portainer',
    title: { en: 'Portainer', ru: 'Portainer' },
    description: { en: 'Container management (opt-in profile)', ru: 'Управление контейнерами (по выбору)' },
    port: 9000,
    portEnv: 'PORTAINER_PORT',
    urlEnv: 'PORTAINER_URL',
    healthPath: '/api/system/status',
    uiPath: '/',
    modes: ['compose'],
    section: 'admin',
  },
];

/**
 * The variable that overrides how the other services reach this one (server to server):
 * `TODO_API_URL` → `TODO_API_INTERNAL_URL`, `LOADGEN_URL` → `LOADGEN_INTERNAL_URL`.
 */
export function internalUrlEnv(service: ServiceInfo): string {
  return `${service.urlEnv.replace(/_URL$/, '')}_INTERNAL_URL`;
}

export function serviceById(id: string): ServiceInfo {
  const s = SERVICES.find((x) => x.id === id);
  if (!s) throw new Error(`unknown service ${id}`);
  return s;
}
