import { chmod, chown, cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Mode } from '@o11y/platform';
import { renderAlertmanagerConfig } from './alertmanager.js';
import { ALERTMANAGER_TEMPLATES_DIR, PROMETHEUS_RULES_DIR } from './paths.js';
import { parseDnsSd, renderPrometheusConfig, type PrometheusConfigOptions } from './prometheus.js';
import { internalUrl, publicUrl, StackConfigError, type Env } from './urls.js';

/** Settings that are not environment variables (the launcher and tests pass them). */
export interface StackOverrides {
  /** Default: MODE from the environment, else embedded. */
  mode?: Mode;
  /** Scrape targets per service id (`host:port`, null = not scraped); see renderPrometheusConfig. */
  targets?: PrometheusConfigOptions['targets'];
  /** Address Prometheus sends alerts to; null = none. Default: the Alertmanager target. */
  alertmanagerUrl?: string | null;
  /** The portal's inbox webhook URL. Default: `<portal internal URL>/api/alerts/webhook`. */
  portalWebhookUrl?: string;
  /** Public URLs (links, `--web.external-url`); default from the environment (see publicUrl). */
  prometheusPublicUrl?: string;
  alertmanagerPublicUrl?: string;
  grafanaPublicUrl?: string;
  scrapeInterval?: string;
  /** Services scraped through DNS discovery (id → DNS name); default from SCRAPE_DNS_SD. */
  dnsSd?: PrometheusConfigOptions['dnsSd'];
  /**
   * Give Alertmanager the bot token in a file of its own (`bot_token_file`, 0.26+) rather than in
   * alertmanager.yml. Default: in compose mode (the image is a current Alertmanager), not in
   * embedded mode (Debian's Alertmanager 0.25 has no `bot_token_file`).
   */
  telegramTokenAsFile?: boolean;
  /**
   * Owner (uid, gid) given to the files that contain secrets, which are mode 0600: in compose the
   * config job runs as root and hands alertmanager.yml to Alertmanager's user (nobody, 65534).
   */
  secretOwner?: { uid: number; gid: number };
}

/** Name of the token file beside alertmanager.yml (compose: /config/alertmanager/telegram_bot_token). */
export const TELEGRAM_TOKEN_FILE = 'telegram_bot_token';

/** Everything rendered, resolved from the environment and the overrides. */
export interface StackSettings {
  mode: Mode;
  scrapeInterval: string;
  prometheusPublicUrl: string;
  alertmanagerPublicUrl: string;
  grafanaPublicUrl: string;
  portalWebhookUrl: string;
  alertmanagerUrl: string | null | undefined;
  targets: PrometheusConfigOptions['targets'];
  dnsSd: PrometheusConfigOptions['dnsSd'];
  telegramBotToken: string | undefined;
  telegramChatId: string | undefined;
  telegramApiUrl: string | undefined;
  alertWebhookToken: string | undefined;
}

export interface WrittenStack {
  settings: StackSettings;
  /** Whether Telegram notifications are configured. */
  telegram: boolean;
  prometheusConfig: string;
  rulesDir: string;
  alertmanagerConfig: string;
  /** The bot token's own file, when it is given to Alertmanager that way. */
  telegramTokenFile: string | undefined;
  templatesDir: string;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
}

function readMode(env: Env): Mode {
  const raw = nonEmpty(env.MODE) ?? 'embedded';
  if (raw !== 'embedded' && raw !== 'compose') throw new StackConfigError(`MODE: must be embedded or compose (got ${JSON.stringify(raw)})`);
  return raw;
}

/** Resolves every setting once (documented in infra/README.md). Throws StackConfigError on bad input. */
export function stackSettings(env: Env = process.env, overrides: StackOverrides = {}): StackSettings {
  const mode = overrides.mode ?? readMode(env);
  return {
    mode,
    scrapeInterval: overrides.scrapeInterval ?? nonEmpty(env.SCRAPE_INTERVAL) ?? '5s',
    prometheusPublicUrl: overrides.prometheusPublicUrl ?? publicUrl('prometheus', mode, env),
    alertmanagerPublicUrl: overrides.alertmanagerPublicUrl ?? publicUrl('alertmanager', mode, env),
    grafanaPublicUrl: overrides.grafanaPublicUrl ?? publicUrl('grafana', mode, env),
    portalWebhookUrl:
      overrides.portalWebhookUrl ?? nonEmpty(env.PORTAL_WEBHOOK_URL) ?? `${internalUrl('portal', mode, env)}/api/alerts/webhook`,
    alertmanagerUrl: overrides.alertmanagerUrl,
    targets: overrides.targets,
    dnsSd: overrides.dnsSd ?? parseDnsSd(env.SCRAPE_DNS_SD, mode),
    telegramBotToken: nonEmpty(env.TELEGRAM_BOT_TOKEN),
    telegramChatId: nonEmpty(env.TELEGRAM_CHAT_ID),
    telegramApiUrl: nonEmpty(env.TELEGRAM_API_URL),
    alertWebhookToken: nonEmpty(env.ALERT_WEBHOOK_TOKEN),
  };
}

/**
 * Writes a file that may hold secrets (the Telegram bot token, ALERT_WEBHOOK_TOKEN) readable by its
 * owner only: mode 0600 from creation on (and again when it already existed), then chowned when asked.
 */
export async function writeSecretFile(path: string, text: string, owner?: { uid: number; gid: number }): Promise<void> {
  await rm(path, { force: true });
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600);
  if (owner) await chown(path, owner.uid, owner.gid);
}

async function copyDir(from: string, to: string, suffix: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
  await mkdir(to, { recursive: true });
  for (const name of await readdir(from)) {
    if (name.endsWith(suffix)) await cp(join(from, name), join(to, name));
  }
}

/**
 * Renders prometheus.yml and alertmanager.yml for a mode and copies the rules and templates beside
 * them:
 *
 *   <outDir>/prometheus/prometheus.yml, <outDir>/prometheus/rules/*.yml
 *   <outDir>/alertmanager/alertmanager.yml, <outDir>/alertmanager/templates/*.tmpl
 *
 * Paths inside the files are relative, so the directory can be mounted anywhere. (The containers'
 * flags live in docker-compose.yml, checked against prometheusArgs() by test/compose.test.ts, and
 * Grafana mounts infra/grafana directly.)
 */
export async function writeStackConfig(outDir: string, env: Env = process.env, overrides: StackOverrides = {}): Promise<WrittenStack> {
  const settings = stackSettings(env, overrides);
  const promDir = join(outDir, 'prometheus');
  const amDir = join(outDir, 'alertmanager');
  const asFile = (overrides.telegramTokenAsFile ?? settings.mode === 'compose') && settings.telegramBotToken !== undefined;
  const tokenFile = asFile ? resolve(amDir, TELEGRAM_TOKEN_FILE) : undefined;
  const prometheusYml = renderPrometheusConfig({
    mode: settings.mode,
    targets: settings.targets,
    dnsSd: settings.dnsSd,
    externalUrl: settings.prometheusPublicUrl,
    alertmanagerUrl: settings.alertmanagerUrl,
    scrapeInterval: settings.scrapeInterval,
    rulesDir: 'rules',
    env,
  });
  const alertmanagerYml = renderAlertmanagerConfig({
    telegramBotToken: settings.telegramBotToken,
    telegramBotTokenFile: tokenFile,
    telegramChatId: settings.telegramChatId,
    telegramApiUrl: settings.telegramApiUrl,
    portalWebhookUrl: settings.portalWebhookUrl,
    ...(settings.alertWebhookToken ? { webhookToken: settings.alertWebhookToken } : {}),
    grafanaUrl: settings.grafanaPublicUrl,
    prometheusUrl: settings.prometheusPublicUrl,
    externalUrl: settings.alertmanagerPublicUrl,
    templatesDir: 'templates',
  });

  const rulesDir = join(promDir, 'rules');
  const templatesDir = join(amDir, 'templates');
  await mkdir(promDir, { recursive: true });
  await mkdir(amDir, { recursive: true });
  await copyDir(PROMETHEUS_RULES_DIR, rulesDir, '.yml');
  await copyDir(ALERTMANAGER_TEMPLATES_DIR, templatesDir, '.tmpl');
  const prometheusConfig = join(promDir, 'prometheus.yml');
  const alertmanagerConfig = join(amDir, 'alertmanager.yml');
  await writeFile(prometheusConfig, prometheusYml);
  // Owner-only: alertmanager.yml holds the token when it is inline (and the webhook credentials).
  await writeSecretFile(alertmanagerConfig, alertmanagerYml, overrides.secretOwner);
  if (tokenFile) await writeSecretFile(tokenFile, `${settings.telegramBotToken}\n`, overrides.secretOwner);
  else await rm(join(amDir, TELEGRAM_TOKEN_FILE), { force: true });

  return {
    settings,
    telegram: settings.telegramBotToken !== undefined,
    prometheusConfig,
    rulesDir,
    alertmanagerConfig,
    telegramTokenFile: tokenFile,
    templatesDir,
  };
}
