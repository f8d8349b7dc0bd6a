import { parseArgs as nodeParseArgs } from 'node:util';
import { parseDuration } from '@o11y/platform';

/** What the launcher was asked to do, from its command line. */
export interface CliOptions {
  /** Wipe the data directory (after confirmation) instead of starting. */
  reset: boolean;
  /** Answer "yes" to the reset confirmation (needed without a terminal). */
  yes: boolean;
  /** Print the children's log lines as they are, instead of the compact form. */
  rawLogs: boolean;
  /** Start Prometheus and Alertmanager when their binaries are found (false with --no-stack). */
  stack: boolean;
  /** Data directory (`--data-dir`); otherwise O11Y_DATA_DIR or `<repo>/.data`. */
  dataDir: string | undefined;
  /** Colours: true/false when forced by a flag, undefined to decide from the terminal. */
  color: boolean | undefined;
  /** How long to wait for every service to answer its health check. */
  readyTimeoutMs: number;
  help: boolean;
}

export type ParseResult = { ok: true; options: CliOptions } | { ok: false; error: string };

export const DEFAULT_READY_TIMEOUT_MS = 60_000;

export const USAGE = `Usage: npm start -- [options]      (or: node packages/launcher/dist/main.js [options])

Starts the todo API, the load generator and the portal (and Prometheus and Alertmanager when
they are installed) on this machine, prints their URLs, and stops them all on Ctrl-C.

Options:
  --reset              wipe the data directory (asks first) and exit; also: npm run reset
  -y, --yes            do not ask before --reset (required when not in a terminal)
  --raw-logs           print the services' JSON log lines unchanged
  --no-stack           do not start Prometheus and Alertmanager even when installed
  --data-dir <dir>     where data is kept (default: O11Y_DATA_DIR or <repo>/.data)
  --ready-timeout <d>  how long to wait for the services to be ready (default 60s)
  --color, --no-color  force colours on or off (NO_COLOR and FORCE_COLOR are honoured)
  -h, --help           show this help

Ports: TODO_API_PORT (4000), LOADGEN_PORT (8081), PORTAL_PORT (8000),
       PROMETHEUS_PORT (9090), ALERTMANAGER_PORT (9093). HOST sets the listen address (127.0.0.1).
Tokens (docs/security.md): LAB_TOKEN protects the portal and load generator (required when HOST
       is not loopback); ADMIN_TOKEN (faults) and ALERT_WEBHOOK_TOKEN are generated once into
       <data>/launcher/secrets.json unless set in the environment.
`;

/** Parses the launcher's arguments (without `node` and the script). Never throws. */
export function parseArgs(argv: readonly string[]): ParseResult {
  let parsed;
  try {
    parsed = nodeParseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      allowNegative: true,
      options: {
        reset: { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        'raw-logs': { type: 'boolean', default: false },
        stack: { type: 'boolean', default: true },
        'data-dir': { type: 'string' },
        'ready-timeout': { type: 'string' },
        color: { type: 'boolean' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  const v = parsed.values;
  let readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS;
  if (v['ready-timeout'] !== undefined) {
    const seconds = parseDuration(v['ready-timeout']);
    if (seconds === undefined || seconds <= 0) {
      return { ok: false, error: `--ready-timeout: expected a positive duration like 30s or 2m, got "${v['ready-timeout']}"` };
    }
    readyTimeoutMs = seconds * 1000;
  }
  const dataDir = v['data-dir'];
  if (dataDir !== undefined && dataDir.trim() === '') return { ok: false, error: '--data-dir must not be empty' };
  return {
    ok: true,
    options: {
      reset: v.reset ?? false,
      yes: v.yes ?? false,
      rawLogs: v['raw-logs'] ?? false,
      stack: v.stack ?? true,
      dataDir,
      color: v.color,
      readyTimeoutMs,
      help: v.help ?? false,
    },
  };
}
