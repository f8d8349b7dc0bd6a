#!/usr/bin/env node
/**
 * o11y-render: writes the Prometheus and Alertmanager configuration into a directory. In Docker Compose a one-shot container runs
 * `o11y-render --mode compose --out /config` before Prometheus and Alertmanager start.
 * Every environment variable it reads is listed in infra/README.md.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Mode } from '@o11y/platform';
import { StackConfigError } from './urls.js';
import { writeStackConfig } from './write.js';

const USAGE = `Usage: o11y-render [--mode embedded|compose] --out <dir>

Renders <dir>/prometheus/prometheus.yml (+ rules/) and <dir>/alertmanager/alertmanager.yml
(+ templates/). Settings come from the environment (TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID,
TELEGRAM_API_URL, PUBLIC_BASE_URL, ...; see infra/README.md).`;

async function main(argv: string[]): Promise<number> {
  let values: { mode?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { mode: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    console.error(`o11y-render: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.out) {
    console.error(`o11y-render: --out is required\n\n${USAGE}`);
    return 2;
  }
  if (values.mode !== undefined && values.mode !== 'embedded' && values.mode !== 'compose') {
    console.error(`o11y-render: --mode must be embedded or compose (got ${JSON.stringify(values.mode)})`);
    return 2;
  }
  const out = resolve(values.out);
  try {
    const written = await writeStackConfig(out, process.env, values.mode ? { mode: values.mode as Mode } : {});
    const s = written.settings;
    console.log(
      [
        `o11y-render: ${s.mode} configuration written to ${out}`,
        `  prometheus:   ${written.prometheusConfig} (external URL ${s.prometheusPublicUrl})`,
        `  alertmanager: ${written.alertmanagerConfig} (external URL ${s.alertmanagerPublicUrl})`,
        `  telegram:     ${written.telegram ? `on (chat ${s.telegramChatId}; token ${written.telegramTokenFile ? `in ${written.telegramTokenFile}` : 'inline in alertmanager.yml'})` : 'off (no TELEGRAM_BOT_TOKEN): alerts go to the portal inbox only'}`,
        `  inbox:        ${s.portalWebhookUrl}`,
      ].join('\n'),
    );
    return 0;
  } catch (err) {
    if (err instanceof StackConfigError) {
      console.error(`o11y-render: invalid configuration: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
