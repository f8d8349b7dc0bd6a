import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT, serviceById, type ServiceInfo } from '@o11y/platform';
import type { PortClaim } from './ports.js';
import type { ChildSpec } from './supervisor.js';

/** The apps the launcher starts as Node children, in start order. */
export const EMBEDDED_APPS = ['todo-api', 'load-generator', 'portal'] as const;
/** Started when their binaries are on PATH. */
export const STACK_SERVICES = ['prometheus', 'alertmanager'] as const;
/** Every service the launcher may start: what the consistency test compares with SERVICES and compose. */
export const LAUNCHED_SERVICES: readonly string[] = [...EMBEDDED_APPS, ...STACK_SERVICES];

export type AppId = (typeof EMBEDDED_APPS)[number];

/** The launcher's services as SERVICES entries (ids, ports, port variables, health paths). */
export function launchedServiceInfo(withStack: boolean): ServiceInfo[] {
  return (withStack ? LAUNCHED_SERVICES : EMBEDDED_APPS).map((id) => serviceById(id));
}

/** `apps/<id>/dist/main.js` */
export function appEntry(id: AppId, repoRoot = REPO_ROOT): string {
  return resolve(repoRoot, 'apps', id, 'dist', 'main.js');
}

/**
 * Secrets generated once per data directory, so tokens survive restarts: the todo API's JWT
 * secret, its ADMIN_TOKEN (faults) and Alertmanager's ALERT_WEBHOOK_TOKEN for the portal's inbox.
 * The same variables in the launcher's environment win over them.
 */
export interface LauncherSecrets {
  jwtSecret: string;
  adminToken: string;
  alertWebhookToken: string;
}

const SECRET_MIN_LENGTH = 32;

/** `<dataRoot>/launcher/secrets.json`. */
export function secretsFile(dataRoot: string): string {
  return resolve(dataRoot, 'launcher', 'secrets.json');
}

/**
 * Reads `<dataRoot>/launcher/secrets.json`, creating it or adding the secrets it lacks (a file
 * from an older launcher has only jwtSecret). Mode 0600, also when the file already existed.
 */
export function loadOrCreateSecrets(dataRoot: string): LauncherSecrets {
  const file = secretsFile(dataRoot);
  let parsed: Partial<LauncherSecrets> = {};
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LauncherSecrets>;
  } catch {
    // absent or unreadable: make new ones
  }
  const fresh = () => randomBytes(32).toString('base64url');
  const keep = (v: unknown) => (typeof v === 'string' && v.length >= SECRET_MIN_LENGTH ? v : undefined);
  const secrets: LauncherSecrets = {
    jwtSecret: keep(parsed.jwtSecret) ?? fresh(),
    adminToken: keep(parsed.adminToken) ?? fresh(),
    alertWebhookToken: keep(parsed.alertWebhookToken) ?? fresh(),
  };
  if (secrets.jwtSecret !== parsed.jwtSecret || secrets.adminToken !== parsed.adminToken || secrets.alertWebhookToken !== parsed.alertWebhookToken) {
    mkdirSync(resolve(dataRoot, 'launcher'), { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return secrets;
}

/** The tokens the children get: the launcher's environment first, the generated secrets otherwise. */
export interface LabTokens {
  /** The todo API's ADMIN_TOKEN (faults). */
  adminToken: string;
  alertWebhookToken: string;
  /** LAB_TOKEN when the environment sets one (never generated: optional on loopback). */
  labToken: string | undefined;
}

export function labTokens(ctx: Pick<PlanContext, 'env' | 'secrets'>): LabTokens {
  return {
    adminToken: ctx.env.ADMIN_TOKEN || ctx.secrets.adminToken,
    alertWebhookToken: ctx.env.ALERT_WEBHOOK_TOKEN || ctx.secrets.alertWebhookToken,
    labToken: ctx.env.LAB_TOKEN || undefined,
  };
}

export interface PlanContext {
  dataRoot: string;
  host: string;
  /** Port per service id (every launched service, resolved from its variable). */
  ports: ReadonlyMap<string, number>;
  /** Which of Prometheus and Alertmanager the launcher runs. */
  runningStack: ReadonlySet<string>;
  secrets: LauncherSecrets;
  /** The launcher's own environment, passed on to the children. */
  env: Record<string, string | undefined>;
  /** Preload that stops a Node child when the launcher disappears. */
  parentWatch?: string;
  repoRoot?: string;
}

export function portsMap(claims: readonly PortClaim[]): Map<string, number> {
  return new Map(claims.map((c) => [c.id, c.port]));
}

function portOf(ctx: PlanContext, id: string): number {
  const p = ctx.ports.get(id);
  if (p === undefined) throw new Error(`no port for ${id}`);
  return p;
}

/** The address a browser or another local process uses for a service. */
export function localUrl(ctx: Pick<PlanContext, 'host' | 'ports'>, id: string): string {
  const host = ctx.host === '0.0.0.0' || ctx.host === '::' ? 'localhost' : ctx.host.includes(':') ? `[${ctx.host}]` : ctx.host;
  return `http://${host}:${portOf(ctx as PlanContext, id)}`;
}

/** Environment of one app: the launcher's, plus every port variable, its own PORT, HOST, DATA_DIR. */
export function appEnv(id: AppId, ctx: PlanContext): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...ctx.env };
  // Every service's port variable, so the portal's links and the apps' defaults agree with the launcher.
  for (const sid of LAUNCHED_SERVICES) {
    const p = ctx.ports.get(sid);
    if (p !== undefined) env[serviceById(sid).portEnv] = String(p);
  }
  env.PORT = String(portOf(ctx, id));
  env.HOST = ctx.host;
  env.DATA_DIR = resolve(ctx.dataRoot, id);
  const todoApi = `http://127.0.0.1:${portOf(ctx, 'todo-api')}`;
  const tokens = labTokens(ctx);
  if (id === 'todo-api') {
    env.JWT_SECRET = ctx.env.JWT_SECRET || ctx.secrets.jwtSecret;
    env.ADMIN_TOKEN = tokens.adminToken;
  }
  // The portal switches faults (scenarios and drills) and is the one client holding the todo API's
  // admin token; the load generator knows traffic, not faults.
  if (id === 'portal') env.TODO_API_ADMIN_TOKEN = ctx.env.TODO_API_ADMIN_TOKEN || tokens.adminToken;
  if (id === 'load-generator') {
    env.TODO_API_URL = todoApi;
  }
  if (id === 'portal') {
    env.ALERT_WEBHOOK_TOKEN = tokens.alertWebhookToken;
    env.MODE = 'embedded';
    env.TODO_API_INTERNAL_URL = todoApi;
    env.LOADGEN_INTERNAL_URL = `http://127.0.0.1:${portOf(ctx, 'load-generator')}`;
    for (const [id, name] of [
      ['prometheus', 'PROMETHEUS_INTERNAL_URL'],
      ['alertmanager', 'ALERTMANAGER_INTERNAL_URL'],
    ] as const) {
      // Not running: "none" makes the portal leave it out instead of showing it as down.
      env[name] = ctx.runningStack.has(id) ? `http://127.0.0.1:${portOf(ctx, id)}` : 'none';
    }
  }
  return env;
}

/** The child process of one app: `node [--import parent-watch] apps/<id>/dist/main.js`. */
export function appSpec(id: AppId, ctx: PlanContext): ChildSpec {
  const args = [...(ctx.parentWatch ? ['--import', ctx.parentWatch] : []), appEntry(id, ctx.repoRoot)];
  return { id, command: process.execPath, args, env: appEnv(id, ctx), cwd: ctx.repoRoot ?? REPO_ROOT, ipc: true };
}

/** Health URL of a launched service (SERVICES' health path on its local port). */
export function healthUrl(ctx: Pick<PlanContext, 'ports'>, id: string): string {
  return `http://127.0.0.1:${portOf(ctx as PlanContext, id)}${serviceById(id).healthPath}`;
}
