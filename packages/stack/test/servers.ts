/**
 * Test helpers around the real Prometheus, Alertmanager, promtool and amtool binaries (Debian
 * packages, installed by .ci/run). Used by this package's tests and by test/e2e-alerts.test.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { stopChild, waitFor } from '../../../test/helpers/process.ts';
import { alertmanagerArgs, BINARY_NAMES, findBinary, prometheusArgs } from '@o11y/stack';

export type BinaryKind = keyof typeof BINARY_NAMES;

/** The binary's path, or a clear error saying what to install. */
export function requireBinary(kind: BinaryKind): string {
  const found = findBinary(BINARY_NAMES[kind]);
  if (!found) {
    const pkg = kind === 'alertmanager' || kind === 'amtool' ? 'prometheus-alertmanager' : 'prometheus';
    throw new Error(`${BINARY_NAMES[kind].join(' or ')} not found on PATH: install the Debian package ${pkg} (.ci/run does)`);
  }
  return found;
}

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a tool to completion (bounded by a timeout) and returns its exit code and combined output. */
export function runTool(bin: string, args: string[], cwd?: string): RunResult {
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

export interface Server {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

async function startServer(bin: string, args: string[], url: string, name: string): Promise<Server> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const server: Server = {
    url,
    child,
    output: () => out,
    stop: () => stopChild(child).then(() => undefined),
  };
  try {
    await waitFor(`${url}/-/ready`, 30_000, () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${out}`);
    });
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

export function startPrometheus(opts: { configFile: string; dataDir: string; port: number; resendDelay?: string }): Promise<Server> {
  const url = `http://127.0.0.1:${opts.port}`;
  const args = prometheusArgs({ ...opts, host: '127.0.0.1', externalUrl: url, resendDelay: opts.resendDelay ?? '1s', logLevel: 'warn' });
  return startServer(requireBinary('prometheus'), args, url, 'prometheus');
}

export function startAlertmanager(opts: { configFile: string; dataDir: string; port: number }): Promise<Server> {
  const url = `http://127.0.0.1:${opts.port}`;
  const args = alertmanagerArgs({ ...opts, host: '127.0.0.1', externalUrl: url, logLevel: 'warn' });
  return startServer(requireBinary('alertmanager'), args, url, 'alertmanager');
}

export interface PromResult {
  status: 'success' | 'error';
  error?: string;
  errorType?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value?: [number, string] }[] };
}

/** An instant query against Prometheus' HTTP API (POST, so long expressions fit). */
export async function promQuery(prometheusUrl: string, expr: string): Promise<PromResult> {
  const res = await fetch(`${prometheusUrl}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  return (await res.json()) as PromResult;
}
