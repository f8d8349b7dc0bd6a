import { existsSync, mkdirSync } from 'node:fs';
import { relative } from 'node:path';
import { DEMO_USER, isLoopbackHost, MIN_LAB_TOKEN_LENGTH, REPO_ROOT, serviceById } from '@o11y/platform';
import { StackConfigError } from '@o11y/stack';
import type { CliOptions } from './cli.js';
import { resetData, resolveDataRoot } from './data-dir.js';
import { formatLogLine, formatPrefix, paint, PREFIX_COLOURS, useColour, type Colour, type Palette } from './log-format.js';
import { forgetChildren, recordChildren, runningLauncher, stopLeftovers } from './leftovers.js';
import { appEntry, appSpec, EMBEDDED_APPS, healthUrl, labTokens, loadOrCreateSecrets, localUrl, portsMap, secretsFile, type PlanContext } from './plan.js';
import { busyPorts, resolvePorts } from './ports.js';
import { pickUiUrl, renderTable, waitAllReady, type TableRow } from './ready.js';
import { findStackBinaries, missingBinariesMessage, planStack, type StackBinaries } from './stack.js';
import { Supervisor, type SupervisorEventKind } from './supervisor.js';

export interface LauncherIo {
  stdout: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  /** stdin and stdout are a terminal. */
  interactive: boolean;
  /** stdout is a terminal (colours). */
  colourTty: boolean;
}

/**
 * Why the launcher refuses to start with this HOST and LAB_TOKEN, or undefined: beyond loopback
 * the apps refuse to listen without LAB_TOKEN, so say it once, before anything starts.
 */
export function labTokenProblem(host: string, labToken: string | undefined): string | undefined {
  if (labToken && labToken.length < MIN_LAB_TOKEN_LENGTH) {
    return `LAB_TOKEN must be at least ${MIN_LAB_TOKEN_LENGTH} characters (e.g. LAB_TOKEN=$(openssl rand -base64 24) npm start).`;
  }
  if (!labToken && !isLoopbackHost(host)) {
    return (
      `HOST=${host} makes the lab reachable from other machines, so its control plane needs an access token: ` +
      'LAB_TOKEN=$(openssl rand -base64 24) HOST=' + host + ' npm start (then sign in with the link printed below). ' +
      'Or leave HOST unset to stay on this machine.'
    );
  }
  return undefined;
}

/** Where the Node children's watchdog preload is (next to this file, in dist). */
export const PARENT_WATCH = new URL('./parent-watch.js', import.meta.url).href;

/**
 * The launcher: checks, starts, waits, prints the table, supervises, and stops everything on
 * SIGINT/SIGTERM/SIGHUP. Resolves with the exit code.
 */
export async function runLauncher(options: CliOptions, env: Record<string, string | undefined>, io: LauncherIo): Promise<number> {
  const palette: Palette = { enabled: useColour(options.color, env, io.colourTty) };
  const out = (line: string) => io.stdout.write(line + '\n');
  const say = (line: string, colour: Colour = 'reset') => out(formatPrefix(palette, 'launcher', width, 'bold') + paint(palette, colour, line));
  const allIds = ['launcher', ...EMBEDDED_APPS, 'prometheus', 'alertmanager'];
  const width = Math.max(...allIds.map((id) => id.length));

  const dataRoot = resolveDataRoot(options.dataDir, env);
  const other = runningLauncher(dataRoot);
  if (other !== undefined) {
    say(`Another launcher (pid ${other}) is running with ${dataRoot}. Stop it first (Ctrl-C in its terminal, or kill ${other}).`, 'red');
    return 1;
  }
  if (options.reset) {
    const outcome = await resetData(dataRoot, options.yes, { interactive: io.interactive, input: io.stdin, output: io.stdout });
    return outcome === 'refused' ? 1 : 0;
  }

  // 1. Everything that can be checked before starting anything.
  const missingApps = EMBEDDED_APPS.filter((id) => !existsSync(appEntry(id)));
  if (missingApps.length > 0) {
    say(
      `Not built yet: ${missingApps.map((id) => relative(process.cwd(), appEntry(id)) || appEntry(id)).join(', ')}. ` +
        'Run `npm run build` (npm start builds first).',
      'red',
    );
    return 1;
  }
  const found: StackBinaries = options.stack ? findStackBinaries(env.PATH) : {};
  const stackIds = (['prometheus', 'alertmanager'] as const).filter((id) => found[id] !== undefined);
  const { claims, problems } = resolvePorts(
    [...EMBEDDED_APPS, ...stackIds].map((id) => serviceById(id)),
    env,
  );
  if (problems.length > 0) {
    for (const p of problems) say(p, 'red');
    return 1;
  }
  const leftovers = await stopLeftovers(dataRoot);
  if (leftovers.length > 0) say(`Stopped what a previous launcher left running: ${leftovers.join(', ')}.`, 'yellow');
  const host = env.HOST && env.HOST.trim() !== '' ? env.HOST.trim() : '127.0.0.1';
  const accessProblem = labTokenProblem(host, env.LAB_TOKEN);
  if (accessProblem) {
    say(accessProblem, 'red');
    say('Nothing was started.', 'red');
    return 1;
  }
  const busy = await busyPorts(claims, host);
  if (busy.length > 0) {
    for (const b of busy) say(b, 'red');
    say('Nothing was started.', 'red');
    return 1;
  }

  mkdirSync(dataRoot, { recursive: true });
  const ports = portsMap(claims);
  const ctx: PlanContext = {
    dataRoot,
    host,
    ports,
    runningStack: new Set(),
    secrets: loadOrCreateSecrets(dataRoot),
    env,
    parentWatch: PARENT_WATCH,
    repoRoot: REPO_ROOT,
  };
  // Every port variable set, so the rendered targets and links match what is started, and the
  // webhook token Alertmanager sends to the portal's inbox.
  const tokens = labTokens(ctx);
  const portEnv: Record<string, string | undefined> = { ...env, ALERT_WEBHOOK_TOKEN: tokens.alertWebhookToken };
  for (const [id, port] of ports) portEnv[serviceById(id).portEnv] = String(port);

  let stack;
  if (stackIds.length > 0) {
    try {
      stack = await planStack(dataRoot, found, ports, portEnv, host, options.rawLogs ? 'info' : 'warn');
    } catch (err) {
      if (err instanceof StackConfigError) {
        say(`Cannot configure Prometheus/Alertmanager: ${err.message}`, 'red');
        return 1;
      }
      throw err;
    }
  }
  const running = new Set<string>([...EMBEDDED_APPS, ...(stack?.specs.map((s) => s.id) ?? [])]);
  ctx.runningStack = new Set(stack?.specs.map((s) => s.id) ?? []);

  // 2. Start.
  const colours = new Map<string, Colour>(allIds.slice(1).map((id, i) => [id, PREFIX_COLOURS[i % PREFIX_COLOURS.length] as Colour]));
  const prefixOf = (id: string) => formatPrefix(palette, id, width, colours.get(id) ?? 'reset');
  const readyOnce = new Set<string>();
  let shuttingDown = false;
  const supervisor = new Supervisor({
    line: (id, line) => out(prefixOf(id) + formatLogLine(palette, line, options.rawLogs)),
    event: (id, kind: SupervisorEventKind, text) => {
      const colour: Colour = kind === 'crashed' || kind === 'spawn-failed' ? 'red' : kind === 'restarting' ? 'yellow' : 'gray';
      out(prefixOf(id) + paint(palette, colour, `── ${text}`));
      if (kind === 'started') recordChildren(dataRoot, supervisor.pids());
      if (kind === 'started' && readyOnce.has(id) && !shuttingDown) void announceRecovery(id);
    },
  });
  const announceRecovery = async (id: string) => {
    const r = await waitAllReady([{ id, url: healthUrl(ctx, id) }], { timeoutMs: 60_000, intervalMs: 250, signal: abort.signal });
    if (r.ready.length === 1 && !shuttingDown) say(`${id} is ready again.`, 'green');
  };

  const abort = new AbortController();
  let resolveStop!: () => void;
  const stopRequested = new Promise<void>((r) => (resolveStop = r));
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      say(`${signal} again: killing every child now.`, 'yellow');
      for (const pid of Object.values(supervisor.pids())) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      return;
    }
    shuttingDown = true;
    say(`${signal}: stopping every service…`, 'yellow');
    abort.abort();
    resolveStop();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);

  const started = Date.now();
  say(`data: ${dataRoot}`, 'gray');
  if (!options.stack) say('--no-stack: Prometheus and Alertmanager are not started.', 'gray');
  else {
    const missing = missingBinariesMessage(found);
    if (missing) say(missing, 'yellow');
  }
  if (stack) say(`rendered ${stack.prometheusConfig} and ${stack.alertmanagerConfig} (Telegram ${stack.telegram ? 'on' : 'off'})`, 'gray');
  for (const spec of stack?.specs ?? []) supervisor.start(spec);
  for (const id of EMBEDDED_APPS) supervisor.start(appSpec(id, ctx));

  let code = 0;
  try {
    // 3. Wait for health, then the table.
    const order = [...EMBEDDED_APPS, 'prometheus', 'alertmanager'].filter((id) => running.has(id));
    const result = await waitAllReady(
      order.map((id) => ({ id, url: healthUrl(ctx, id) })),
      { timeoutMs: options.readyTimeoutMs, signal: abort.signal, onReady: (id) => readyOnce.add(id) },
    );
    if (!shuttingDown) {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const rows: TableRow[] = await Promise.all(
        [...EMBEDDED_APPS, 'prometheus', 'alertmanager'].map(async (id): Promise<TableRow> => {
          const s = serviceById(id);
          if (!running.has(id)) {
            return { name: s.title.en, url: '—', ready: undefined, note: options.stack ? 'not installed' : 'off (--no-stack)' };
          }
          const ready = result.ready.includes(id);
          // Debian's Prometheus has only the classic UI; the apps' pages are not probed (it would log requests).
          const url = ready && id === 'prometheus' ? await pickUiUrl(localUrl(ctx, id), s.uiPath) : localUrl(ctx, id) + s.uiPath;
          return { name: s.title.en, url, ready };
        }),
      );
      const todo = localUrl(ctx, 'todo-api');
      const footer = [
        ...(tokens.labToken
          ? [`Sign in once (LAB_TOKEN): ${paint(palette, 'bold', `${localUrl(ctx, 'portal')}/login?token=${encodeURIComponent(tokens.labToken)}`)}`]
          : []),
        `Demo login: ${paint(palette, 'bold', DEMO_USER.email)} / ${paint(palette, 'bold', DEMO_USER.password)}  ` +
          `(Swagger: ${todo}/swagger → POST /api/login → Try it out)`,
        `Faults need the admin token: Swagger → Authorize → ${paint(palette, 'bold', tokens.adminToken)} → PUT /api/faults ` +
          `(${env.ADMIN_TOKEN ? 'ADMIN_TOKEN from your environment' : `ADMIN_TOKEN, kept in ${secretsFile(dataRoot)}`})`,
        `Data: ${dataRoot} (kept between runs; npm run reset wipes it)`,
        ...(options.stack && stackIds.length < 2 ? ['Prometheus/Alertmanager missing: sudo apt-get install prometheus prometheus-alertmanager'] : []),
        result.notReady.length === 0
          ? paint(palette, 'green', `All ready in ${seconds} s.`) + ' Press Ctrl-C to stop.'
          : paint(palette, 'yellow', `Not ready after ${seconds} s: ${result.notReady.join(', ')} (see the log above).`) +
            ' Still trying; press Ctrl-C to stop.',
      ];
      out(renderTable(palette, 'o11y-platform (embedded)', rows, footer));
      if (result.notReady.length > 0) {
        // Keep watching the late ones (bounded) and say when each comes up.
        void waitAllReady(
          result.notReady.map((id) => ({ id, url: healthUrl(ctx, id) })),
          {
            timeoutMs: 10 * 60_000,
            intervalMs: 500,
            signal: abort.signal,
            onReady: (id) => {
              readyOnce.add(id);
              if (!shuttingDown) say(`${id} is ready now: ${localUrl(ctx, id)}${serviceById(id).uiPath}`, 'green');
            },
          },
        );
      }
    }

    // 4. Run until a signal.
    await stopRequested;
  } catch (err) {
    say(`Unexpected error: ${(err as Error).stack ?? String(err)}`, 'red');
    code = 1;
  } finally {
    // Whatever happened above, no child outlives the launcher.
    shuttingDown = true;
    abort.abort();
    await supervisor.stopAll();
    forgetChildren(dataRoot);
    for (const s of signals) process.off(s, onSignal);
  }
  say('All services stopped.', 'gray');
  return code;
}
