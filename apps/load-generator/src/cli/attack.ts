import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDuration } from '@o11y/platform';
import { readConfig } from '../config.js';
import type { RunRequest, RunSummary, SeriesPoint } from '../contract/schemas.js';
import { Run } from '../engine/run.js';
import { validateRunRequest } from '../engine/validate.js';
import { InputError } from '../errors.js';
import { PROFILES } from '../profiles/registry.js';
import { VERSION } from '../version.js';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Called with a stop function while a run is active (SIGINT wiring). */
  onRun?(stop: () => void): () => void;
}

export const USAGE = `Usage:
  o11y-load attack --url URL --rate N --duration D [options]
  o11y-load profiles
  o11y-load --version

attack options:
  -X, --method METHOD        GET (default), POST, PUT, PATCH, DELETE, HEAD
  -H, --header 'Name: value' a request header (repeatable)
      --body JSON|@file      request body (a JSON text, or @path to read a file)
      --rate N               nominal rate R, requests per second
      --duration D           test length: seconds or 30s, 2m, 1h
      --profile P            constant (default), moderate, chaotic, spiky, wave, warmup, night, stages
                             (Russian labels work too: Спайковая, …)
      --option name=value    a profile option (repeatable), e.g. --option period=10s,
                             --option 'stages=[{"duration":"10s","rate":200}]'
      --seed N               seed of the chaotic profile
      --max-in-flight N      in-flight cap; due requests over it are dropped (default 10000)
      --timeout D            per-request timeout (default 30s)
      --login-url URL --email E --password P
                             log in first and send Authorization: Bearer (re-login once on 401)
      --output FILE          write the report (summary and per-second series) as JSON
      --json                 print the summary as JSON instead of the text report
      --max-p99 D            threshold: exit 1 when p99 latency is above D (e.g. 500ms)
      --max-error-rate P     threshold: exit 1 when failed/sent is above P (e.g. 1%)

Targets must be in TARGET_ALLOWLIST (default: localhost, 127.0.0.1, ::1 and the platform services).
Exit codes: 0 ok, 1 a threshold was breached or the run failed, 2 usage error.`;

class UsageError extends Error {}

function parsePercent(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  if (!m) throw new UsageError(`--max-error-rate: expected a percentage like 1% or 0.5% (got ${JSON.stringify(text)})`);
  const v = Number(m[1]);
  return m[2] === '%' ? v / 100 : v > 1 ? v / 100 : v;
}

function parseOptionValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

const f1 = (x: number) => x.toFixed(1);

export function progressLine(point: SeriesPoint): string {
  const errors = point.failed;
  return `${String(point.t + 1).padStart(5)}s  target ${f1(point.target_rps).padStart(8)} rps  achieved ${f1(point.sent).padStart(8)} rps  p99 ${f1(point.p99_ms).padStart(7)} ms  errors ${String(errors).padStart(5)}  dropped ${String(point.dropped).padStart(5)}  in-flight ${point.in_flight}`;
}

export function textReport(s: RunSummary): string {
  const pct = (p: RunSummary['latency']) => `p50 ${p.p50}  p90 ${p.p90}  p95 ${p.p95}  p99 ${p.p99}  p99.9 ${p.p999}  max ${p.max} ms`;
  const codes = Object.entries(s.status_codes).map(([c, n]) => `${c} × ${n}`).join(', ') || 'none';
  const errs = Object.entries(s.errors).filter(([, n]) => n > 0).map(([c, n]) => `${c} × ${n}`).join(', ') || 'none';
  return [
    `Run ${s.state}${s.error ? ` (${s.error})` : ''}: ${s.target.method} ${s.target.url}`,
    `  profile ${s.profile}, R = ${s.target_rate} rps, ${s.duration} s, seed ${s.seed}; elapsed ${s.elapsed} s`,
    `  sent ${s.sent}  ok ${s.ok}  failed ${s.failed}  dropped ${s.dropped}  achieved ${s.achieved_rps} rps`,
    `  latency (from intended send)  ${pct(s.latency)}`,
    `  service latency (from send)   ${pct(s.service_latency)}`,
    `  scheduler lag p99 ${s.lag_p99_ms} ms`,
    `  status codes: ${codes}`,
    `  errors: ${errs}`,
  ].join('\n');
}

/** Runs the CLI; resolves with the exit code. Uses the engine directly: no server needed. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  try {
    return await main(argv, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof InputError) {
      io.err(`o11y-load: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`o11y-load: ${(err as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
}

async function main(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    io.out(`o11y-load ${VERSION}\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === 'profiles') {
    for (const p of PROFILES) io.out(`${p.id.padEnd(10)} ${p.label.ru.padEnd(14)} ${p.description.en}${p.options.length ? ` [options: ${p.options.map((o) => o.name).join(', ')}]` : ''}\n`);
    return 0;
  }
  if (command !== 'attack') throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  const { values } = parseArgs({
    args: rest,
    strict: true,
    allowPositionals: false,
    options: {
      url: { type: 'string' },
      method: { type: 'string', short: 'X' },
      header: { type: 'string', short: 'H', multiple: true },
      body: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      profile: { type: 'string' },
      option: { type: 'string', multiple: true },
      seed: { type: 'string' },
      'max-in-flight': { type: 'string' },
      timeout: { type: 'string' },
      'login-url': { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      output: { type: 'string' },
      json: { type: 'boolean' },
      'max-p99': { type: 'string' },
      'max-error-rate': { type: 'string' },
      threads: { type: 'string' },
    },
  });
  if (!values.url) throw new UsageError('--url is required');
  if (!values.rate) throw new UsageError('--rate is required');
  if (!values.duration) throw new UsageError('--duration is required');
  let body: string | undefined = values.body;
  if (body?.startsWith('@')) {
    try {
      body = readFileSync(body.slice(1), 'utf8');
    } catch (err) {
      throw new UsageError(`--body ${body}: ${(err as Error).message}`);
    }
  }
  const options: Record<string, unknown> = {};
  for (const o of values.option ?? []) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new UsageError(`--option expects name=value (got ${JSON.stringify(o)})`);
    options[o.slice(0, eq)] = parseOptionValue(o.slice(eq + 1));
  }
  let maxP99: number | undefined;
  if (values['max-p99'] !== undefined) {
    const d = parseDuration(values['max-p99']);
    if (d === undefined) throw new UsageError(`--max-p99: not a duration: ${JSON.stringify(values['max-p99'])}`);
    maxP99 = d * 1000;
  }
  const maxErrorRate = values['max-error-rate'] !== undefined ? parsePercent(values['max-error-rate']) : undefined;
  const num = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new UsageError(`${flag}: not a number: ${JSON.stringify(v)}`);
    return n;
  };
  const auth = values['login-url'] ? { login_url: values['login-url'], email: values.email ?? '', password: values.password ?? '' } : undefined;
  const req: RunRequest = {
    target: { method: values.method ?? 'GET', url: values.url, headers: (values.header ?? []).join('\n'), body },
    rate: values.rate,
    duration: values.duration,
    profile: values.profile ?? 'constant',
    profile_options: options,
    timeout: values.timeout,
    max_in_flight: num(values['max-in-flight'], '--max-in-flight'),
    seed: num(values.seed, '--seed'),
    auth,
  };
  const spec = validateRunRequest(req, readConfig(io.env), `cli-${Date.now().toString(36)}`);
  if (values.threads !== undefined) spec.threads = Math.max(1, Number(values.threads) || 1);
  const run = new Run(spec);
  run.on('progress', ({ point }: { point: SeriesPoint }) => io.err(`${progressLine(point)}\n`));
  const release = io.onRun?.(() => void run.stop()) ?? (() => {});
  void run.start();
  const summary = await run.finished;
  release();
  if (values.output) writeFileSync(values.output, `${JSON.stringify({ summary, points: run.points }, null, 2)}\n`);
  const breaches: string[] = [];
  if (maxP99 !== undefined && summary.latency.p99 > maxP99) breaches.push(`p99 latency ${summary.latency.p99} ms > ${maxP99} ms`);
  const errorRate = summary.sent > 0 ? summary.failed / summary.sent : 0;
  if (maxErrorRate !== undefined && errorRate > maxErrorRate) breaches.push(`error rate ${(errorRate * 100).toFixed(2)}% > ${(maxErrorRate * 100).toFixed(2)}%`);
  if (values.json) io.out(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    io.out(`${textReport(summary)}\n`);
    if (maxP99 !== undefined || maxErrorRate !== undefined) io.out(breaches.length ? `Thresholds breached: ${breaches.join('; ')}\n` : 'Thresholds met.\n');
  }
  if (breaches.length && values.json) io.err(`Thresholds breached: ${breaches.join('; ')}\n`);
  return breaches.length > 0 || summary.state === 'failed' ? 1 : 0;
}
