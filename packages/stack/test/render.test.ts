import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVICES, serviceById } from '@o11y/platform';
import {
  alertmanagerArgs,
  findBinary,
  prometheusArgs,
  publicUrl,
  renderAlertmanagerConfig,
  renderPrometheusConfig,
  StackConfigError,
  stackSettings,
  TELEGRAM_TOKEN_FILE,
  writeStackConfig,
} from '@o11y/stack';
import { REPO_ROOT } from '../../../test/helpers/process.ts';

interface ScrapeConfig {
  job_name: string;
  metrics_path: string;
  static_configs: { targets: string[] }[];
}
interface PromConfig {
  global: Record<string, unknown>;
  alerting?: { alertmanagers: { scheme: string; static_configs: { targets: string[] }[]; path_prefix?: string }[] };
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}
interface Receiver {
  name: string;
  telegram_configs?: Record<string, unknown>[];
  webhook_configs?: { url: string; send_resolved: boolean }[];
}
interface AmConfig {
  route: { receiver: string; group_by: string[]; group_wait: string; routes: { matchers: string[]; receiver: string }[] };
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
  receivers: Receiver[];
  templates: string[];
}

const jobs = (c: PromConfig) => Object.fromEntries(c.scrape_configs.map((s) => [s.job_name, s]));
const AM_BASE = {
  portalWebhookUrl: 'http://portal:8000/api/alerts/webhook',
  grafanaUrl: 'http://lab.example:3000',
  prometheusUrl: 'http://lab.example:9090',
};

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'o11y-stack-'));
  dirs.push(d);
  return d;
}

describe('renderPrometheusConfig', () => {
  it('embedded: scrapes every local service with metrics on 127.0.0.1 and its SERVICES port, no CockroachDB', () => {
    const c = parse(renderPrometheusConfig({ mode: 'embedded', externalUrl: 'http://127.0.0.1:9090' })) as PromConfig;
    const j = jobs(c);
    expect(Object.keys(j).sort()).toEqual(['alertmanager', 'load-generator', 'portal', 'prometheus', 'todo-api']);
    for (const id of Object.keys(j)) {
      expect(j[id]?.static_configs[0]?.targets).toEqual([`127.0.0.1:${serviceById(id).port}`]);
      expect(j[id]?.metrics_path).toBe(serviceById(id).metricsPath);
    }
    expect(c.global).toMatchObject({ scrape_interval: '5s', evaluation_interval: '5s' });
    expect(c.rule_files).toEqual(['rules/*.yml']);
    expect(c.alerting?.alertmanagers[0]?.static_configs[0]?.targets).toEqual(['127.0.0.1:9093']);
  });

  it('compose: targets are <service id>:<port>, CockroachDB is scraped at /_status/vars', () => {
    const c = parse(renderPrometheusConfig({ mode: 'compose', externalUrl: 'http://lab.example:9090' })) as PromConfig;
    const j = jobs(c);
    const expected = SERVICES.filter((s) => s.metricsPath && s.modes.includes('compose')).map((s) => s.id);
    expect(Object.keys(j).sort()).toEqual([...expected].sort());
    expect(j['cockroachdb']).toEqual({ job_name: 'cockroachdb', metrics_path: '/_status/vars', static_configs: [{ targets: ['cockroachdb:8080'] }] });
    expect(j['portal']?.static_configs[0]?.targets).toEqual(['portal:8000']);
    expect(c.alerting?.alertmanagers[0]?.static_configs[0]?.targets).toEqual(['alertmanager:9093']);
  });

  it('takes target overrides, leaves out null targets and honours the Alertmanager URL and interval', () => {
    const c = parse(
      renderPrometheusConfig({
        mode: 'embedded',
        targets: { 'todo-api': '127.0.0.1:41000', portal: null },
        alertmanagerUrl: 'http://127.0.0.1:42000/am',
        scrapeInterval: '15s',
        rulesDir: '/etc/o11y/rules',
      }),
    ) as PromConfig;
    const j = jobs(c);
    expect(j['todo-api']?.static_configs[0]?.targets).toEqual(['127.0.0.1:41000']);
    expect(j['portal']).toBeUndefined();
    expect(c.alerting?.alertmanagers[0]).toEqual({ scheme: 'http', static_configs: [{ targets: ['127.0.0.1:42000'] }], path_prefix: '/am' });
    expect(c.global.scrape_interval).toBe('15s');
    expect(c.rule_files).toEqual(['/etc/o11y/rules/*.yml']);
    const none = parse(renderPrometheusConfig({ mode: 'embedded', alertmanagerUrl: null })) as PromConfig;
    expect(none.alerting).toBeUndefined();
  });

  it('scrapes replicated services one pod at a time through DNS discovery (SCRAPE_DNS_SD)', async () => {
    const env = { MODE: 'compose', SCRAPE_DNS_SD: 'todo-api=todo-api-headless, cockroachdb=cockroachdb-nodes' };
    const w = await writeStackConfig(tempDir(), env);
    const j = jobs(parse(readFileSync(w.prometheusConfig, 'utf8')) as PromConfig) as Record<string, ScrapeConfig & { dns_sd_configs?: unknown[] }>;
    expect(j['todo-api']).toEqual({
      job_name: 'todo-api',
      metrics_path: '/metrics',
      dns_sd_configs: [{ names: ['todo-api-headless'], type: 'A', port: 4000, refresh_interval: '15s' }],
    });
    expect(j['cockroachdb']?.dns_sd_configs).toEqual([{ names: ['cockroachdb-nodes'], type: 'A', port: 8080, refresh_interval: '15s' }]);
    expect(j['cockroachdb']?.metrics_path).toBe('/_status/vars');
    // The others keep their one static target.
    expect(j['portal']?.static_configs[0]?.targets).toEqual(['portal:8000']);
    expect(j['portal']).not.toHaveProperty('dns_sd_configs');
  });

  it('rejects a bad SCRAPE_DNS_SD naming the variable and the entry', () => {
    expect(() => stackSettings({ MODE: 'compose', SCRAPE_DNS_SD: 'todo-api' })).toThrow(/SCRAPE_DNS_SD: expected service-id=dns-name/);
    expect(() => stackSettings({ MODE: 'compose', SCRAPE_DNS_SD: 'grafana=grafana-headless' })).toThrow(/SCRAPE_DNS_SD: "grafana" is not a service Prometheus scrapes/);
    expect(() => stackSettings({ MODE: 'embedded', SCRAPE_DNS_SD: 'cockroachdb=cockroachdb-nodes' })).toThrow(/not a service Prometheus scrapes in embedded mode/);
    expect(() => stackSettings({ MODE: 'compose', SCRAPE_DNS_SD: 'todo-api=Not_A_Name' })).toThrow(/"Not_A_Name" \(for todo-api\) is not a DNS name/);
    expect(stackSettings({ MODE: 'compose', SCRAPE_DNS_SD: '' }).dnsSd).toEqual({});
  });

  it('rejects a bad target or interval with a clear message', () => {
    expect(() => renderPrometheusConfig({ mode: 'embedded', targets: { portal: 'http://x:1' } })).toThrow(/target of portal: expected host:port/);
    expect(() => renderPrometheusConfig({ mode: 'embedded', scrapeInterval: 'five' })).toThrow(StackConfigError);
  });
});

describe('renderAlertmanagerConfig', () => {
  it('without a token: valid, inbox only, still routed by severity', () => {
    const c = parse(renderAlertmanagerConfig(AM_BASE)) as AmConfig;
    expect(c.receivers.map((r) => r.name)).toEqual(['inbox']);
    expect(c.receivers[0]?.webhook_configs).toEqual([{ url: AM_BASE.portalWebhookUrl, send_resolved: true }]);
    expect(c.route.routes.map((r) => r.matchers[0])).toEqual(['severity="critical"', 'severity="warning"', 'severity="info"']);
    expect(c.route.routes.every((r) => r.receiver === 'inbox')).toBe(true);
    expect(JSON.stringify(c)).not.toContain('telegram');
  });

  it('with a token: critical and warning go to Telegram and the inbox, info to the inbox', () => {
    const c = parse(
      renderAlertmanagerConfig({ ...AM_BASE, telegramBotToken: '123456:AAH-x_y', telegramChatId: '-1001234567890', telegramApiUrl: 'http://127.0.0.1:5555/' }),
      { intAsBigInt: true },
    ) as AmConfig;
    const telegram = c.receivers.find((r) => r.name === 'telegram-and-inbox');
    expect(telegram?.telegram_configs?.[0]).toMatchObject({
      bot_token: '123456:AAH-x_y',
      chat_id: -1001234567890n,
      api_url: 'http://127.0.0.1:5555',
      parse_mode: 'HTML',
      send_resolved: true,
    });
    expect(telegram?.webhook_configs?.[0]?.url).toBe(AM_BASE.portalWebhookUrl);
    const bySeverity = Object.fromEntries(c.route.routes.map((r) => [r.matchers[0], r.receiver]));
    expect(bySeverity).toEqual({ 'severity="critical"': 'telegram-and-inbox', 'severity="warning"': 'telegram-and-inbox', 'severity="info"': 'inbox' });
    // The message carries this installation's links into the shared template.
    const message = String(telegram?.telegram_configs?.[0]?.message);
    expect(message).toContain('{{ define "o11y.grafana_url" }}http://lab.example:3000{{ end }}');
    expect(message).toContain('{{ template "o11y.telegram.message" . }}');
  });

  it('groups by alertname with short waits and inhibits a warning by the critical of the same alertname', () => {
    const c = parse(renderAlertmanagerConfig(AM_BASE)) as AmConfig;
    expect(c.route.group_by).toEqual(['alertname']);
    expect(c.route.group_wait).toBe('5s');
    expect(c.inhibit_rules).toEqual([{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname'] }]);
    expect(c.templates).toEqual(['templates/*.tmpl']);
  });

  it('with ALERT_WEBHOOK_TOKEN: the inbox webhook sends it as a Bearer token (http_config)', () => {
    const c = parse(renderAlertmanagerConfig({ ...AM_BASE, webhookToken: 'webhook-token-0123456789', telegramBotToken: '1:abc', telegramChatId: '1' })) as AmConfig;
    for (const r of c.receivers) {
      expect(r.webhook_configs, r.name).toEqual([
        { url: AM_BASE.portalWebhookUrl, send_resolved: true, http_config: { authorization: { type: 'Bearer', credentials: 'webhook-token-0123456789' } } },
      ]);
    }
    expect(() => renderAlertmanagerConfig({ ...AM_BASE, webhookToken: 'two words' })).toThrow(/ALERT_WEBHOOK_TOKEN/);
  });

  it('rejects a token without a chat id, a non-numeric chat id and a mangled token', () => {
    expect(() => renderAlertmanagerConfig({ ...AM_BASE, telegramBotToken: '1:abc' })).toThrow(/TELEGRAM_CHAT_ID: required/);
    expect(() => renderAlertmanagerConfig({ ...AM_BASE, telegramBotToken: '1:abc', telegramChatId: '@mychannel' })).toThrow(/numeric chat id/);
    expect(() => renderAlertmanagerConfig({ ...AM_BASE, telegramBotToken: '"1:abc"', telegramChatId: '1' })).toThrow(/does not look like a bot token/);
    // An empty token (TELEGRAM_BOT_TOKEN= in .env) means "off", not an error.
    expect(() => renderAlertmanagerConfig({ ...AM_BASE, telegramBotToken: '  ' })).not.toThrow();
  });
});

describe('the Telegram bot token: its own file for a current Alertmanager, inline for Debian\'s 0.25', () => {
  const TOKEN = '424242:AAH-secret_token';
  const mode = (path: string) => statSync(path).mode & 0o777;

  it('renders bot_token_file (an absolute path) instead of bot_token when given a token file', () => {
    const yml = renderAlertmanagerConfig({ ...AM_BASE, telegramBotToken: TOKEN, telegramChatId: '-100123', telegramBotTokenFile: '/config/alertmanager/telegram_bot_token' });
    const telegram = (parse(yml) as AmConfig).receivers.find((r) => r.name === 'telegram-and-inbox')?.telegram_configs?.[0];
    expect(telegram?.bot_token_file).toBe('/config/alertmanager/telegram_bot_token');
    expect(telegram).not.toHaveProperty('bot_token');
    expect(yml).not.toContain(TOKEN);
    // Alertmanager opens it from its working directory, not the config file's: relative is refused.
    expect(() => renderAlertmanagerConfig({ ...AM_BASE, telegramBotToken: TOKEN, telegramChatId: '1', telegramBotTokenFile: 'telegram_bot_token' })).toThrow(/absolute path/);
  });

  it('compose: the token goes to its own 0600 file, alertmanager.yml (0600 too) only names it', async () => {
    const out = tempDir();
    const w = await writeStackConfig(out, { MODE: 'compose', TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_ID: '-100123' });
    expect(w.telegramTokenFile).toBe(resolve(out, 'alertmanager', TELEGRAM_TOKEN_FILE));
    expect(readFileSync(w.telegramTokenFile as string, 'utf8').trim()).toBe(TOKEN);
    expect(mode(w.telegramTokenFile as string)).toBe(0o600);
    expect(mode(w.alertmanagerConfig)).toBe(0o600);
    const yml = readFileSync(w.alertmanagerConfig, 'utf8');
    expect(yml).not.toContain(TOKEN);
    expect(yml).toContain(`bot_token_file: ${w.telegramTokenFile}`);
  });

  it('embedded: the token stays inline (0.25 has no bot_token_file) in a 0600 alertmanager.yml, and no stale token file survives', async () => {
    const out = tempDir();
    await writeStackConfig(out, { MODE: 'compose', TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_ID: '-100123' });
    writeFileSync(join(out, 'alertmanager/alertmanager.yml'), 'old', { mode: 0o644 });
    const w = await writeStackConfig(out, { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_ID: '-100123' });
    expect(w.settings.mode).toBe('embedded');
    expect(w.telegramTokenFile).toBeUndefined();
    expect(existsSync(join(out, 'alertmanager', TELEGRAM_TOKEN_FILE))).toBe(false);
    expect(mode(w.alertmanagerConfig)).toBe(0o600);
    const telegram = (parse(readFileSync(w.alertmanagerConfig, 'utf8')) as AmConfig).receivers.find((r) => r.name === 'telegram-and-inbox')?.telegram_configs?.[0];
    expect(telegram?.bot_token).toBe(TOKEN);
    // Telegram off: nothing secret is left behind either.
    const off = await writeStackConfig(out, { MODE: 'compose' });
    expect(off.telegramTokenFile).toBeUndefined();
    expect(existsSync(join(out, 'alertmanager', TELEGRAM_TOKEN_FILE))).toBe(false);
  });

  const amtool = findBinary(['amtool']);
  it.runIf(amtool)('the embedded rendering passes amtool check-config of the Alertmanager installed here', async () => {
    const w = await writeStackConfig(tempDir(), { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_ID: '-100123' });
    const r = spawnSync(amtool as string, ['check-config', w.alertmanagerConfig], { encoding: 'utf8', timeout: 30_000 });
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});

describe('flags and binaries', () => {
  it('prometheusArgs: config, storage, listen address, external URL, exemplars, resend delay', () => {
    const args = prometheusArgs({ configFile: '/c/p.yml', dataDir: '/d', port: 9999, externalUrl: 'http://lab.example:9090', resendDelay: '1s' });
    expect(args).toEqual(
      expect.arrayContaining([
        '--config.file=/c/p.yml',
        '--storage.tsdb.path=/d',
        '--web.listen-address=127.0.0.1:9999',
        '--web.external-url=http://lab.example:9090',
        '--enable-feature=exemplar-storage',
        '--rules.alert.resend-delay=1s',
      ]),
    );
    expect(prometheusArgs({ configFile: 'c', dataDir: 'd', port: 1, host: '0.0.0.0', externalUrl: 'http://x' })).toContain('--web.listen-address=0.0.0.0:1');
  });

  it('alertmanagerArgs: clustering off with an empty --cluster.listen-address', () => {
    const args = alertmanagerArgs({ configFile: '/c/a.yml', dataDir: '/d', port: 9998, externalUrl: 'http://lab.example:9093' });
    expect(args).toEqual(expect.arrayContaining(['--config.file=/c/a.yml', '--storage.path=/d', '--web.listen-address=127.0.0.1:9998', '--cluster.listen-address=']));
  });

  it('findBinary searches PATH in the order of the names given', () => {
    const dir = tempDir();
    expect(findBinary(['definitely-not-a-binary-o11y'])).toBeUndefined();
    expect(findBinary(['sh'], dir)).toBeUndefined();
    expect(findBinary(['no-such-name', 'sh'], '/nonexistent:/bin')).toBe('/bin/sh');
    expect(findBinary(['/bin/sh'], '')).toBe('/bin/sh');
  });
});

describe('settings from the environment', () => {
  it('public URLs: the URL variable, else PUBLIC_BASE_URL with the service port, else localhost', () => {
    expect(publicUrl('grafana', 'compose', {})).toBe('http://localhost:3000');
    expect(publicUrl('grafana', 'compose', { PUBLIC_BASE_URL: 'https://lab.example.org' })).toBe('https://lab.example.org:3000');
    expect(publicUrl('grafana', 'compose', { PUBLIC_BASE_URL: 'http://10.0.0.5', GRAFANA_URL: 'https://grafana.example.org/' })).toBe('https://grafana.example.org');
    expect(publicUrl('prometheus', 'embedded', { PROMETHEUS_PORT: '19090' })).toBe('http://localhost:19090');
    expect(() => publicUrl('grafana', 'compose', { PUBLIC_BASE_URL: 'lab.example.org' })).toThrow(/PUBLIC_BASE_URL/);
  });

  it('writeStackConfig writes both configs with rules and templates', async () => {
    const out = tempDir();
    const w = await writeStackConfig(out, { MODE: 'compose', TELEGRAM_BOT_TOKEN: '42:abc', TELEGRAM_CHAT_ID: '-100123', PUBLIC_BASE_URL: 'http://lab.example' });
    expect(w.telegram).toBe(true);
    expect(w.settings.mode).toBe('compose');
    expect(w.settings.portalWebhookUrl).toBe('http://portal:8000/api/alerts/webhook');
    expect(readdirSync(w.rulesDir).sort()).toEqual(readdirSync(resolve(REPO_ROOT, 'infra/prometheus/rules')).filter((f) => f.endsWith('.yml')).sort());
    expect(readdirSync(w.templatesDir)).toContain('o11y.tmpl');
    const am = parse(readFileSync(w.alertmanagerConfig, 'utf8')) as AmConfig;
    expect(am.receivers.map((r) => r.name)).toContain('telegram-and-inbox');
    expect(readFileSync(w.prometheusConfig, 'utf8')).toContain('--web.external-url=http://lab.example:9090');

    // alertmanager.yml holds the bot token: readable by its owner only.
    expect(statSync(w.alertmanagerConfig).mode & 0o777).toBe(0o600);

    const embedded = await writeStackConfig(tempDir(), {}, { targets: { 'todo-api': '127.0.0.1:45678' } });
    expect(embedded.telegram).toBe(false);
    expect(embedded.settings.portalWebhookUrl).toBe('http://127.0.0.1:8000/api/alerts/webhook');
    expect(readFileSync(embedded.prometheusConfig, 'utf8')).toContain('127.0.0.1:45678');
  });
});

describe('o11y-render (the CLI compose runs)', () => {
  const cli = resolve(REPO_ROOT, 'packages/stack/dist/cli.js');
  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '', ...env } });

  it('renders compose configuration from environment variables', () => {
    const out = tempDir();
    const r = run(['--mode', 'compose', '--out', out], { TELEGRAM_BOT_TOKEN: '42:abc', TELEGRAM_CHAT_ID: '-100123', TELEGRAM_API_URL: 'http://fake:1' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('telegram:     on');
    const am = readFileSync(join(out, 'alertmanager/alertmanager.yml'), 'utf8');
    expect(am).toContain('api_url: http://fake:1');
    expect(readFileSync(join(out, 'prometheus/prometheus.yml'), 'utf8')).toContain('cockroachdb:8080');
  });

  it('writes alertmanager.yml 0600 even over a world-readable file, owned by --owner', () => {
    const out = tempDir();
    const file = join(out, 'alertmanager/alertmanager.yml');
    const first = run(['--out', out], { ALERT_WEBHOOK_TOKEN: 'webhook-token-0123456789' });
    expect(first.status, first.stderr).toBe(0);
    writeFileSync(file, 'old', { mode: 0o644 });
    // Any user may give a file to itself: the uid:gid path compose takes with 65534 as root.
    const owner = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
    const r = run(['--out', out, '--owner', owner], { ALERT_WEBHOOK_TOKEN: 'webhook-token-0123456789' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('with ALERT_WEBHOOK_TOKEN');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(`${statSync(file).uid}:${statSync(file).gid}`).toBe(owner);
    expect(readFileSync(file, 'utf8')).toContain('credentials: webhook-token-0123456789');
    expect(run(['--out', out, '--owner', 'nobody'], {}).status).toBe(2);
  });

  it('exits 1 with a clear message on bad settings and 2 on bad usage', () => {
    const bad = run(['--mode', 'compose', '--out', tempDir()], { TELEGRAM_BOT_TOKEN: '42:abc' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('TELEGRAM_CHAT_ID: required when TELEGRAM_BOT_TOKEN is set');
    const usage = run(['--mode', 'cloud', '--out', tempDir()], {});
    expect(usage.status).toBe(2);
    expect(run([], {}).status).toBe(2);
  });
});
