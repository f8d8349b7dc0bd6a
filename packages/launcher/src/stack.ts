import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { alertmanagerArgs, BINARY_NAMES, findBinary, prometheusArgs, writeStackConfig, type Env } from '@o11y/stack';
import type { ChildSpec } from './supervisor.js';

export const INSTALL_HINT =
  'Prometheus and Alertmanager are optional here. To get alerts and the Prometheus UI too, install them ' +
  '(Debian/Ubuntu: sudo apt-get install prometheus prometheus-alertmanager; elsewhere: https://prometheus.io/download/) ' +
  'and run npm start again. The Debian packages also start system services on ports 9090/9093: ' +
  'stop them (sudo systemctl disable --now prometheus prometheus-alertmanager) or move ours with PROMETHEUS_PORT / ALERTMANAGER_PORT.';

/** Which of Prometheus and Alertmanager are installed, found on PATH. */
export interface StackBinaries {
  prometheus?: string;
  alertmanager?: string;
}

export function findStackBinaries(pathEnv: string | undefined = process.env.PATH): StackBinaries {
  const out: StackBinaries = {};
  const p = findBinary(BINARY_NAMES.prometheus, pathEnv);
  const a = findBinary(BINARY_NAMES.alertmanager, pathEnv);
  if (p) out.prometheus = p;
  if (a) out.alertmanager = a;
  return out;
}

/** What was missing, in a sentence for the log; undefined when both are there. */
export function missingBinariesMessage(found: StackBinaries): string | undefined {
  const missing = [!found.prometheus && 'prometheus', !found.alertmanager && 'alertmanager (prometheus-alertmanager)'].filter(Boolean);
  if (missing.length === 0) return undefined;
  return `Not found on PATH: ${missing.join(' and ')}; running without ${missing.length === 2 ? 'them' : 'it'}. ${INSTALL_HINT}`;
}

export interface StackPlan {
  specs: ChildSpec[];
  /** Rendered files (for the log). */
  prometheusConfig: string;
  alertmanagerConfig: string;
  telegram: boolean;
}

/**
 * Renders the configuration for localhost into `<dataRoot>/stack` and returns the child specs of
 * the binaries that are installed. `env` must carry the port variables of every service so the
 * scrape targets, the inbox webhook and the public URLs match what the launcher starts.
 */
export async function planStack(
  dataRoot: string,
  found: StackBinaries,
  ports: ReadonlyMap<string, number>,
  env: Env,
  host = '127.0.0.1',
  /** Their own log level: warn keeps the start-up chatter out of the stream (info with --raw-logs). */
  logLevel: 'info' | 'warn' = 'warn',
): Promise<StackPlan> {
  const outDir = resolve(dataRoot, 'stack');
  const promPort = ports.get('prometheus');
  const amPort = ports.get('alertmanager');
  const written = await writeStackConfig(outDir, env, {
    mode: 'embedded',
    alertmanagerUrl: found.alertmanager && amPort ? `http://127.0.0.1:${amPort}` : null,
    // A binary that is not installed is not scraped either, or TargetDown would fire for it.
    targets: {
      ...(found.alertmanager ? {} : { alertmanager: null }),
      ...(found.prometheus ? {} : { prometheus: null }),
    },
  });
  const specs: ChildSpec[] = [];
  const childEnv = { ...env };
  if (found.prometheus && promPort) {
    const dataDir = resolve(dataRoot, 'prometheus');
    mkdirSync(dataDir, { recursive: true });
    specs.push({
      id: 'prometheus',
      command: found.prometheus,
      args: prometheusArgs({
        configFile: written.prometheusConfig,
        dataDir,
        port: promPort,
        host,
        externalUrl: written.settings.prometheusPublicUrl,
        logLevel,
      }),
      env: childEnv,
      cwd: resolve(outDir, 'prometheus'),
    });
  }
  if (found.alertmanager && amPort) {
    const dataDir = resolve(dataRoot, 'alertmanager');
    mkdirSync(dataDir, { recursive: true });
    specs.push({
      id: 'alertmanager',
      command: found.alertmanager,
      args: alertmanagerArgs({
        configFile: written.alertmanagerConfig,
        dataDir,
        port: amPort,
        host,
        externalUrl: written.settings.alertmanagerPublicUrl,
        logLevel,
      }),
      env: childEnv,
      cwd: resolve(outDir, 'alertmanager'),
    });
  }
  return { specs, prometheusConfig: written.prometheusConfig, alertmanagerConfig: written.alertmanagerConfig, telegram: written.telegram };
}
