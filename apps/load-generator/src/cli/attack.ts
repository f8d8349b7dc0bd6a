import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDuration } from '@o11y/platform';
import { readConfig } from '../config.js';
import type { RunRequest, RunSummary, SeriesPoint } from '../contract/schemas.js';
import { Run } from '../engine/run.js';
import { engineThreads } from '../engine/threads.js';
import { validateRunRequest } from '../engine/validate.js';
import { InputError } from '../errors.js';
import { presets, resolvePreset } from '../presets.js';
import { PROFILES } from '../profiles/registry.js';
import { VERSION } from '../version.js';
import { runDistributed } from './distributed.js';
import { finish, UsageError, type CliIO } from './outcome.js';
import { readMixFile } from './mix-file.js';
import { progressOutput } from './report.js';

export { progressLine, textReport } from './report.js';

export type { CliIO } from './outcome.js';

export const USAGE = `Usage:
  o11y-load attack --url URL --rate N --duration D [options]
  o11y-load attack --mix FILE [--rate N] [--duration D] [--profile P] [options]
  o11y-load attack --preset ID [--rate N] [--duration D] [--profile P] [options]
  o11y-load attack … --generators URL,URL,…   one run split across running load generators
  o11y-load profiles
  o11y-load presets
  o11y-load --version

attack options:
      --mix FILE             a traffic mix: the body of POST /api/runs ({requests: [...], rate,
                             duration, profile, auth, ...}) as YAML or JSON (.json); the flags
                             below override the file
      --preset ID            a built-in mix on TODO_API_URL (o11y-load presets), e.g. todo-journey
  -X, --method METHOD        GET (default), POST, PUT, PATCH, DELETE, HEAD
  -H, --header 'Name: value' a request header (repeatable)
      --body JSON|@file      request body (a JSON text, or @path to read a file)
      --rate N               nominal rate R, requests per second
      --duration D           test length: seconds or 30s, 2m, 1h
      --profile P            constant (default), moderate, chaotic, spiky, wave, warmup, night, stages
                             (Russian labels work too: Спайковая, …)
      --option name=value    a profile option (repeatable), e.g. --option period=10s,
                             --option 'stages=[{"duration":"10s","rate":200}]'
      --seed N               seed of the chaotic profile and of the mix draw
      --max-in-flight N      in-flight cap; due requests over it are dropped (default 10000)
      --threads N            engine threads (default: one per 12 000 rps of the peak rate, at
                             most one per core)
      --timeout D            per-request timeout (default 30s)
      --login-url URL --email E
                             log in first and send Authorization: Bearer (re-login once on 401);
                             the password comes from O11Y_PASSWORD, or
      --password-stdin       the first line of standard input (echo "$PW" | o11y-load attack …)
      --password P           (avoid: visible to every user of this machine in \`ps\`)
      --output FILE          write the report (summary and per-second series) as JSON
      --json                 print the summary as JSON instead of the text report
      --max-p99 D            threshold: exit 1 when p99 latency is above D (e.g. 500ms)
      --max-error-rate P     threshold: exit 1 when failed/sent is above P (e.g. 1%)
      --generators URL,…     split the run across these load generators (their REST API, e.g.
                             http://10.0.0.5:8081) instead of sending from this process: each
                             sends its share of the one arrival sequence (segment i of N, one
                             seed), all from one start time; the results are merged exactly
                             (HDR histograms, counts, per-second series). LAB_TOKEN, when set, is
                             sent to every generator; their TARGET_ALLOWLIST and MAX_RATE apply
                             (MAX_RATE to each share). A generator that fails or stops answering
                             fails the run and the others are stopped. Ctrl-C stops them all.
      --start-at TIME        with --generators: the common t = 0 (ISO 8601 or epoch ms, at most
                             10 minutes ahead); default 2 s from now

Targets must be in TARGET_ALLOWLIST: "host" (any port) or "host:port", comma-separated
(default: the todo API, localhost:4000, 127.0.0.1:4000, [::1]:4000, todo-api:4000, todo-api-cluster:4000).
Exit codes: 0 ok, 1 a threshold was breached or the run failed, 2 usage error.`;


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

/**
 * The login password: --password-stdin (first line of stdin), else O11Y_PASSWORD, else --password
 * (which every user of the machine can read in `ps`, hence the warning).
 */
async function loginPassword(values: { password?: string | undefined; 'password-stdin'?: boolean | undefined }, io: CliIO): Promise<string> {
  if (values['password-stdin']) {
    if (values.password !== undefined) throw new UsageError('--password and --password-stdin exclude each other');
    if (!io.readStdin) throw new UsageError('--password-stdin: no standard input to read');
    const line = (await io.readStdin()).split(/\r?\n/)[0] ?? '';
    if (line === '') throw new UsageError('--password-stdin: standard input was empty');
    return line;
  }
  if (values.password !== undefined) {
    io.err('o11y-load: warning: --password is visible to other users of this machine (ps); prefer O11Y_PASSWORD or --password-stdin\n');
    return values.password;
  }
  const fromEnv = io.env.O11Y_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  throw new UsageError('--login-url needs a password: set O11Y_PASSWORD, or pipe it with --password-stdin');
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
  if (command === 'presets') {
    for (const p of presets(readConfig({ ...io.env, HOST: undefined }))) {
      const names = p.run.requests?.map((r) => `${r.name} ${r.weight ?? 1}`).join(', ') ?? '';
      io.out(`${p.id.padEnd(14)} ${p.title.en}: ${names} (R = ${p.run.rate} rps, ${p.run.duration}, ${p.run.profile})\n`);
    }
    return 0;
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
      mix: { type: 'string' },
      preset: { type: 'string' },
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
      'password-stdin': { type: 'boolean' },
      output: { type: 'string' },
      json: { type: 'boolean' },
      'max-p99': { type: 'string' },
      'max-error-rate': { type: 'string' },
      threads: { type: 'string' },
      generators: { type: 'string' },
      'start-at': { type: 'string' },
    },
  });
  const mixed = values.mix !== undefined || values.preset !== undefined;
  if (values.mix !== undefined && values.preset !== undefined) throw new UsageError('--mix and --preset: choose one (a mix file may name a preset itself)');
  if (mixed && (values.url !== undefined || values.method !== undefined || values.header !== undefined || values.body !== undefined)) {
    throw new UsageError('--url, -X, -H and --body describe a single target: with --mix or --preset, headers and bodies belong to the requests of the mix');
  }
  if (!mixed) {
    if (!values.url) throw new UsageError('--url is required (or --mix FILE, or --preset ID)');
    if (!values.rate) throw new UsageError('--rate is required');
    if (!values.duration) throw new UsageError('--duration is required');
  }
  let body: string | undefined = values.body;
  if (body?.startsWith('@')) {
    try {
      body = readFileSync(body.slice(1), 'utf8');
    } catch (err) {
      throw new UsageError(`--body ${body}: ${(err as Error).message}`);
    }
  }
  let base: RunRequest;
  if (values.mix !== undefined) {
    try {
      base = readMixFile(values.mix);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  } else if (values.preset !== undefined) base = { preset: values.preset };
  else base = { target: { method: values.method ?? 'GET', url: values.url as string, headers: (values.header ?? []).join('\n'), body } };
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
  const auth = values['login-url'] ? { login_url: values['login-url'], email: values.email ?? '', password: await loginPassword(values, io) } : undefined;
  // The CLI listens nowhere: HOST (and so the LAB_TOKEN rule for listeners) does not apply to it.
  const config = readConfig({ ...io.env, HOST: undefined });
  // The flags override the file or the preset; a new profile does not inherit the old one's options.
  const keepOptions = values.profile === undefined || values.profile === base.profile;
  const overrides: Partial<RunRequest> = {
    rate: values.rate,
    duration: values.duration,
    profile: values.profile,
    profile_options: values.option ? { ...(keepOptions ? base.profile_options : {}), ...options } : keepOptions ? undefined : {},
    timeout: values.timeout,
    max_in_flight: num(values['max-in-flight'], '--max-in-flight'),
    seed: num(values.seed, '--seed'),
    auth,
  };
  const merged = { ...base, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) } as RunRequest;
  const thresholds = { maxP99, maxErrorRate };
  if (values.generators !== undefined) {
    if (values.threads !== undefined) throw new UsageError('--threads: each generator chooses its own threads; leave it out with --generators');
    // Presets and the allowlist are the generators' own: the request goes to them as it is.
    return runDistributed({ request: merged, generators: values.generators, startAt: values['start-at'], output: values.output, json: values.json ?? false, thresholds }, io);
  }
  if (values['start-at'] !== undefined) throw new UsageError('--start-at goes with --generators (a run of this process starts at once)');
  const req = resolvePreset(merged, presets(config));
  const spec = validateRunRequest(req, config, `cli-${Date.now().toString(36)}`);
  if (values.threads !== undefined) spec.threads = Math.max(1, Number(values.threads) || 1);
  const run = new Run(spec);
  run.on('progress', ({ summary, point }: { summary: RunSummary; point: SeriesPoint }) => io.err(progressOutput(point, summary.duration)));
  const release = io.onRun?.(() => void run.stop()) ?? (() => {});
  void run.start();
  const summary = await run.finished;
  release();
  await engineThreads.closeIdle();
  if (values.output) writeFileSync(values.output, `${JSON.stringify({ summary, points: run.points }, null, 2)}\n`);
  return finish(io, summary, values.json ? summary : undefined, thresholds);
}
