import { type Mode } from '@o11y/platform';
import { stringify } from 'yaml';
import { checkUrl, defaultTarget, scrapedServices, StackConfigError, type Env } from './urls.js';

/** A Prometheus duration as the config file and flags accept it: "5s", "1m", "500ms". */
const PROM_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

function checkDuration(name: string, value: string): string {
  if (!PROM_DURATION.test(value)) throw new StackConfigError(`${name}: not a Prometheus duration (got ${JSON.stringify(value)})`);
  return value;
}

export interface PrometheusConfigOptions {
  mode: Mode;
  /**
   * `host:port` per service id, overriding the mode's default (`127.0.0.1:<port>` embedded,
   * `<id>:<port>` in compose); `null` leaves a service out. Only services with a metrics path
   * that run in the mode are scraped (CockroachDB: compose only).
   */
  targets?: Partial<Record<string, string | null>>;
  /** Prometheus' public URL (also passed as `--web.external-url`); noted in the file header. */
  externalUrl?: string;
  /** Alertmanager's base URL; `null` = no alerting. Default: the Alertmanager target of the mode. */
  alertmanagerUrl?: string | null;
  /** Scrape interval; the evaluation interval is the same. Default "5s". */
  scrapeInterval?: string;
  /** Where the rule files are, absolute or relative to the config file. Default "rules". */
  rulesDir?: string;
  /** Port variables (TODO_API_PORT, …) honoured for embedded default targets. */
  env?: Env;
  /**
   * Service id → DNS name whose A records are scraped one by one (DNS service discovery) on the
   * service's container port, instead of one static target. For services with several replicas
   * behind one address (Kubernetes: a headless Service), where scraping the load-balanced address
   * would mix the counters of different pods.
   */
  dnsSd?: Partial<Record<string, string>>;
}

/** A DNS name as Prometheus' dns_sd_configs takes it (a headless Service's name, or an FQDN). */
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Checks a DNS discovery map against the services scraped in a mode. */
export function checkDnsSd(mode: Mode, dnsSd: Partial<Record<string, string>>, name = 'dnsSd'): Record<string, string> {
  const scraped = new Set(scrapedServices(mode).map((s) => s.id));
  const out: Record<string, string> = {};
  for (const [id, dns] of Object.entries(dnsSd)) {
    if (dns === undefined) continue;
    if (!scraped.has(id)) throw new StackConfigError(`${name}: ${JSON.stringify(id)} is not a service Prometheus scrapes in ${mode} mode`);
    if (!DNS_NAME.test(dns)) throw new StackConfigError(`${name}: ${JSON.stringify(dns)} (for ${id}) is not a DNS name`);
    out[id] = dns;
  }
  return out;
}

/**
 * Parses `SCRAPE_DNS_SD`: comma-separated `service-id=dns-name` pairs, e.g.
 * `todo-api=todo-api-headless,load-generator=load-generator-headless`. Empty → none.
 */
export function parseDnsSd(raw: string | undefined, mode: Mode): Record<string, string> {
  const text = raw?.trim() ?? '';
  if (text === '') return {};
  const map: Record<string, string> = {};
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z0-9-]+)=(\S+)$/.exec(pair);
    if (!m) throw new StackConfigError(`SCRAPE_DNS_SD: expected service-id=dns-name pairs separated by commas (got ${JSON.stringify(pair)})`);
    map[m[1] as string] = m[2] as string;
  }
  return checkDnsSd(mode, map, 'SCRAPE_DNS_SD');
}

function checkTarget(id: string, target: string): string {
  if (!/^[A-Za-z0-9._-]+:\d{1,5}$/.test(target) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(target)) {
    throw new StackConfigError(`target of ${id}: expected host:port (got ${JSON.stringify(target)})`);
  }
  return target;
}

/** The scrape targets of a mode after overrides: service id → host:port. */
export function resolveTargets(mode: Mode, targets: PrometheusConfigOptions['targets'] = {}, env: Env = {}): Map<string, string> {
  const out = new Map<string, string>();
  for (const service of scrapedServices(mode)) {
    const override = targets[service.id];
    if (override === null) continue;
    out.set(service.id, checkTarget(service.id, override ?? defaultTarget(service, mode, env)));
  }
  return out;
}

/** prometheus.yml for a mode, as YAML text. */
export function renderPrometheusConfig(opts: PrometheusConfigOptions): string {
  const interval = checkDuration('scrapeInterval', opts.scrapeInterval ?? '5s');
  const targets = resolveTargets(opts.mode, opts.targets, opts.env);
  const services = scrapedServices(opts.mode);
  const dnsSd = checkDnsSd(opts.mode, opts.dnsSd ?? {});

  let alertmanagerUrl: string | null;
  if (opts.alertmanagerUrl === null) alertmanagerUrl = null;
  else if (opts.alertmanagerUrl !== undefined) alertmanagerUrl = checkUrl('alertmanagerUrl', opts.alertmanagerUrl);
  else {
    const am = targets.get('alertmanager');
    alertmanagerUrl = am ? `http://${am}` : null;
  }

  const config: Record<string, unknown> = {
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      external_labels: { platform: 'o11y' },
    },
  };
  if (alertmanagerUrl) {
    const u = new URL(alertmanagerUrl);
    const am: Record<string, unknown> = {
      scheme: u.protocol.replace(':', ''),
      static_configs: [{ targets: [u.host] }],
    };
    const prefix = u.pathname.replace(/\/+$/, '');
    if (prefix) am.path_prefix = prefix;
    config.alerting = { alertmanagers: [am] };
  }
  config.rule_files = [`${(opts.rulesDir ?? 'rules').replace(/\/+$/, '')}/*.yml`];
  config.scrape_configs = services
    .filter((s) => targets.has(s.id))
    .map((s) => {
      const dns = dnsSd[s.id];
      return {
        job_name: s.id,
        metrics_path: s.metricsPath,
        ...(dns
          ? { dns_sd_configs: [{ names: [dns], type: 'A', port: s.containerPort ?? s.port, refresh_interval: '15s' }] }
          : { static_configs: [{ targets: [targets.get(s.id)] }] }),
      };
    });

  const header = [
    `Rendered by @o11y/stack (o11y-render) for ${opts.mode} mode. Do not edit: change infra/ or packages/stack.`,
    ...(opts.externalUrl ? [`Prometheus runs with --web.external-url=${checkUrl('externalUrl', opts.externalUrl)}`] : []),
  ];
  return `${header.map((l) => `# ${l}`).join('\n')}\n${stringify(config, { lineWidth: 0 })}`;
}

export interface PrometheusArgsOptions {
  configFile: string;
  dataDir: string;
  port: number;
  /** Listen address; 127.0.0.1 by default (0.0.0.0 in a container). */
  host?: string;
  /** Public URL, so alert "Source" links and the UI's links are right. */
  externalUrl: string;
  /**
   * How long Prometheus waits before resending a firing alert to Alertmanager. Alerts sent before
   * Alertmanager is discovered are only resent after this delay (the default 1m delays the first
   * notification by a minute), so the lab uses 5s; tests use 1s.
   */
  resendDelay?: string;
  /** TSDB retention; default 15d (the SLO's longest window is 3d). */
  retention?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** Command-line flags for `prometheus`. */
export function prometheusArgs(opts: PrometheusArgsOptions): string[] {
  return [
    `--config.file=${opts.configFile}`,
    `--storage.tsdb.path=${opts.dataDir}`,
    `--storage.tsdb.retention.time=${checkDuration('retention', opts.retention ?? '15d')}`,
    `--web.listen-address=${opts.host ?? '127.0.0.1'}:${opts.port}`,
    `--web.external-url=${checkUrl('externalUrl', opts.externalUrl)}`,
    '--web.route-prefix=/',
    '--web.enable-lifecycle',
    '--enable-feature=exemplar-storage',
    `--rules.alert.resend-delay=${checkDuration('resendDelay', opts.resendDelay ?? '5s')}`,
    `--log.level=${opts.logLevel ?? 'info'}`,
  ];
}
