import { stringify } from 'yaml';
import { checkUrl, StackConfigError } from './urls.js';

export interface AlertmanagerConfigOptions {
  /** Telegram bot token (`123456:ABC…`). Absent or empty: no Telegram receiver, the inbox only. */
  telegramBotToken?: string;
  /**
   * Where Alertmanager reads the token from (`bot_token_file`, Alertmanager 0.26+), as an absolute
   * path inside its container; the caller writes the token there (writeStackConfig does, 0600).
   * Unset: the token is written into the YAML (`bot_token`), for 0.25 which has no
   * `bot_token_file` (Debian's, in embedded mode).
   */
  telegramBotTokenFile?: string;
  /** Chat id (an integer, negative for groups and channels); required with a token. */
  telegramChatId?: string | number;
  /** Bot API base URL; default https://api.telegram.org (tests point it at a local fake). */
  telegramApiUrl?: string;
  /** Full URL of the portal's inbox webhook, e.g. http://portal:8000/api/alerts/webhook. */
  portalWebhookUrl: string;
  /** Public URLs used for the links in messages. */
  grafanaUrl: string;
  prometheusUrl: string;
  /** Alertmanager's public URL (passed as `--web.external-url`); noted in the file header. */
  externalUrl?: string;
  /** Where the templates are, absolute or relative to the config file. Default "templates". */
  templatesDir?: string;
}

export const TELEGRAM_RECEIVER = 'telegram-and-inbox';
export const INBOX_RECEIVER = 'inbox';

const TOKEN = /^\d+:[A-Za-z0-9_-]+$/;
const CHAT_ID = /^-?\d{1,19}$/;

/** A URL written into a Go template inside an HTML attribute: normalised, so it carries no `{{`, quotes or `<`. */
function linkBase(name: string, raw: string): string {
  return new URL(checkUrl(name, raw)).href.replace(/\/+$/, '');
}

function chatIdValue(raw: string | number): number | bigint {
  const text = String(raw).trim();
  if (!CHAT_ID.test(text)) {
    throw new StackConfigError(
      `TELEGRAM_CHAT_ID: must be a numeric chat id such as -1001234567890 (got ${JSON.stringify(String(raw))}); ` +
        'Alertmanager 0.25 does not accept @channel names',
    );
  }
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/**
 * alertmanager.yml as YAML text. Alertmanager expands no environment variables, so the chat id is
 * written in here at start, and the token too for 0.25 (no `bot_token_file` before 0.26); with
 * `telegramBotTokenFile` only the file's path is.
 *
 * Routing: every alert goes to the portal inbox; `critical` and `warning` also to Telegram when a
 * token is set (`info` never does). Grouped by alertname, first notification 5 s after firing,
 * resolved notifications on; a critical alert inhibits the warning of the same alertname.
 */
export function renderAlertmanagerConfig(opts: AlertmanagerConfigOptions): string {
  const token = opts.telegramBotToken?.trim() ? opts.telegramBotToken.trim() : undefined;
  if (token !== undefined && !TOKEN.test(token)) {
    throw new StackConfigError('TELEGRAM_BOT_TOKEN: does not look like a bot token (<digits>:<letters, digits, _ and ->); check for quotes or spaces');
  }
  const chatRaw = opts.telegramChatId === undefined ? '' : String(opts.telegramChatId).trim();
  if (token !== undefined && chatRaw === '') {
    throw new StackConfigError('TELEGRAM_CHAT_ID: required when TELEGRAM_BOT_TOKEN is set');
  }
  const webhook = {
    url: checkUrl('portalWebhookUrl', opts.portalWebhookUrl),
    send_resolved: true,
  };
  const grafana = linkBase('grafanaUrl', opts.grafanaUrl);
  const prometheus = linkBase('prometheusUrl', opts.prometheusUrl);
  // The defines replace the template file's defaults for this message (Alertmanager parses the
  // message text into a copy of the loaded templates, so a define here wins).
  const message =
    `{{ define "o11y.grafana_url" }}${grafana}{{ end }}` +
    `{{ define "o11y.prometheus_url" }}${prometheus}{{ end }}` +
    '{{ template "o11y.telegram.message" . }}';

  const receivers: Record<string, unknown>[] = [{ name: INBOX_RECEIVER, webhook_configs: [webhook] }];
  if (token !== undefined) {
    const tokenFile = opts.telegramBotTokenFile?.trim();
    if (tokenFile !== undefined && !tokenFile.startsWith('/')) {
      // Alertmanager reads it relative to its working directory, not to the config file.
      throw new StackConfigError(`telegramBotTokenFile: must be an absolute path (got ${JSON.stringify(tokenFile)})`);
    }
    const telegram: Record<string, unknown> = {
      ...(tokenFile ? { bot_token_file: tokenFile } : { bot_token: token }),
      chat_id: chatIdValue(chatRaw),
      parse_mode: 'HTML',
      disable_notifications: false,
      send_resolved: true,
      message,
    };
    if (opts.telegramApiUrl?.trim()) telegram.api_url = checkUrl('TELEGRAM_API_URL', opts.telegramApiUrl.trim());
    receivers.push({ name: TELEGRAM_RECEIVER, telegram_configs: [telegram], webhook_configs: [webhook] });
  }
  const paging = token !== undefined ? TELEGRAM_RECEIVER : INBOX_RECEIVER;

  const config = {
    global: { resolve_timeout: '5m' },
    templates: [`${(opts.templatesDir ?? 'templates').replace(/\/+$/, '')}/*.tmpl`],
    route: {
      receiver: INBOX_RECEIVER,
      group_by: ['alertname'],
      group_wait: '5s',
      group_interval: '30s',
      repeat_interval: '4h',
      routes: [
        { matchers: ['severity="critical"'], receiver: paging, repeat_interval: '1h' },
        { matchers: ['severity="warning"'], receiver: paging, repeat_interval: '4h' },
        { matchers: ['severity="info"'], receiver: INBOX_RECEIVER, repeat_interval: '12h' },
      ],
    },
    inhibit_rules: [
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ['alertname'],
      },
    ],
    receivers,
  };
  const header = [
    'Rendered by @o11y/stack (o11y-render). Do not edit: change infra/ or packages/stack.',
    token === undefined
      ? 'Telegram: off (no TELEGRAM_BOT_TOKEN); notifications go to the portal inbox only.'
      : opts.telegramBotTokenFile
        ? 'Telegram: on (the bot token is read from bot_token_file).'
        : 'Telegram: on (contains the bot token; keep this file private).',
    ...(opts.externalUrl ? [`Alertmanager runs with --web.external-url=${checkUrl('externalUrl', opts.externalUrl)}`] : []),
  ];
  return `${header.map((l) => `# ${l}`).join('\n')}\n${stringify(config, { lineWidth: 0 })}`;
}

export interface AlertmanagerArgsOptions {
  configFile: string;
  dataDir: string;
  port: number;
  /** Listen address; 127.0.0.1 by default (0.0.0.0 in a container). */
  host?: string;
  externalUrl: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** Command-line flags for `alertmanager` (a single instance: clustering off). */
export function alertmanagerArgs(opts: AlertmanagerArgsOptions): string[] {
  return [
    `--config.file=${opts.configFile}`,
    `--storage.path=${opts.dataDir}`,
    `--web.listen-address=${opts.host ?? '127.0.0.1'}:${opts.port}`,
    `--web.external-url=${checkUrl('externalUrl', opts.externalUrl)}`,
    '--web.route-prefix=/',
    '--cluster.listen-address=',
    `--log.level=${opts.logLevel ?? 'info'}`,
  ];
}
