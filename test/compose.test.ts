/**
 * docker-compose.yml, SERVICES, the launcher, the Prometheus targets, .env.sample and the
 * Dockerfile must agree; and Debian's docker-compose (1.29, no engine needed) must accept the file
 * for the default and the cluster profile. Nothing here builds or runs a container.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVICES, type ServiceInfo } from '@o11y/platform';
import { alertmanagerArgs, prometheusArgs, publicUrl, renderPrometheusConfig } from '@o11y/stack';
import { LAUNCHED_SERVICES } from '@o11y/launcher';
import { REPO_ROOT } from './helpers/process.ts';

interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
  profiles?: string[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

const composeText = readFileSync(resolve(REPO_ROOT, 'docker-compose.yml'), 'utf8');
// YAML 1.1 merge keys (`<<: *node-app`) as docker-compose reads them.
const compose = parse(composeText, { merge: true }) as ComposeFile;
const envSample = readFileSync(resolve(REPO_ROOT, '.env.sample'), 'utf8');
const dockerfile = readFileSync(resolve(REPO_ROOT, 'Dockerfile'), 'utf8');

const inCompose = SERVICES.filter((s) => s.modes.includes('compose'));
/** Services that are not in SERVICES, on purpose. A new one must be added here (and documented). */
const EXTRA_SERVICES: Record<string, string | undefined> = {
  config: undefined,
  'cockroach-1': 'cluster',
  'cockroach-2': 'cluster',
  'cockroach-3': 'cluster',
  'cockroach-init': 'cluster',
  'todo-api-cluster': 'cluster',
};
const PROFILED: Record<string, string> = { portainer: 'portainer' };
const NODE_APPS = ['todo-api', 'load-generator', 'portal'];

function svc(id: string): ComposeService {
  const s = compose.services[id];
  if (!s) throw new Error(`no compose service ${id}`);
  return s;
}

const hostPort = (s: ServiceInfo) => s.composeHostPort ?? s.port;
const containerPort = (s: ServiceInfo) => s.containerPort ?? s.port;

describe('docker-compose.yml and SERVICES', () => {
  it('has a service named after every compose-mode SERVICES id, and no unexplained extras', () => {
    const names = Object.keys(compose.services).sort();
    expect(names).toEqual([...inCompose.map((s) => s.id), ...Object.keys(EXTRA_SERVICES)].sort());
  });

  it('publishes every service on its host port, overridable by its SERVICES port variable', () => {
    for (const s of inCompose) {
      expect(svc(s.id).ports, s.id).toContain(`\${${s.portEnv}:-${hostPort(s)}}:${containerPort(s)}`);
    }
    // The portal is on port 80 in compose, 8000 inside the container.
    expect(svc('portal').ports).toEqual(['${PORTAL_PORT:-80}:8000']);
    expect(svc('cockroachdb').ports).toContain('${COCKROACH_SQL_PORT:-26257}:26257');
    expect(svc('jaeger').ports).toEqual(expect.arrayContaining(['${JAEGER_OTLP_GRPC_PORT:-4317}:4317', '${JAEGER_OTLP_HTTP_PORT:-4318}:4318']));
  });

  it('health-checks every service on its SERVICES health path (Portainer\'s image cannot run one)', () => {
    for (const s of inCompose.filter((x) => x.id !== 'portainer')) {
      const test = svc(s.id).healthcheck?.test.join(' ') ?? '';
      expect(test, s.id).toContain(s.healthPath);
      if (NODE_APPS.includes(s.id)) {
        expect(test).toContain('process.env.PORT');
        expect(svc(s.id).environment?.PORT, s.id).toBe(String(containerPort(s)));
      } else {
        expect(test, s.id).toContain(`:${containerPort(s)}${s.healthPath}`);
      }
    }
    expect(svc('cockroachdb').healthcheck?.test.join(' ')).toContain('/health?ready=1');
  });

  it('puts Portainer and the cluster behind opt-in profiles, everything else in the default set', () => {
    for (const [id, s] of Object.entries(compose.services)) {
      const expected = PROFILED[id] ?? EXTRA_SERVICES[id];
      expect(s.profiles, id).toEqual(expected ? [expected] : undefined);
    }
    expect(svc('portainer').volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    expect(composeText).toMatch(/Portainer mounts the Docker socket/);
  });

  it('restart policies, named volumes, depends_on on existing services with valid conditions', () => {
    const conditions = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);
    for (const [id, s] of Object.entries(compose.services)) {
      expect(s.restart, id).toBeDefined();
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(compose.services[dep], `${id} → ${dep}`).toBeDefined();
        expect(conditions.has(condition), `${id} → ${dep}: ${condition}`).toBe(true);
        // A default service must not wait for an opt-in one.
        if (!s.profiles) expect(compose.services[dep]?.profiles, `${id} → ${dep}`).toBeUndefined();
        if (condition === 'service_healthy') expect(compose.services[dep]?.healthcheck, `${dep} has a healthcheck`).toBeDefined();
      }
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0] as string;
        if (!source.startsWith('/') && !source.startsWith('.')) expect(compose.volumes, `volume ${source}`).toHaveProperty(source);
      }
    }
    for (const id of ['prometheus', 'alertmanager']) {
      expect(svc(id).depends_on?.config?.condition, id).toBe('service_completed_successfully');
    }
    expect(svc('todo-api').depends_on?.cockroachdb?.condition).toBe('service_healthy');
    expect(svc('todo-api-cluster').depends_on?.['cockroach-init']?.condition).toBe('service_completed_successfully');
  });

  it('the apps send traces to Jaeger over OTLP and the todo API uses CockroachDB', () => {
    for (const id of [...NODE_APPS, 'todo-api-cluster']) {
      expect(svc(id).environment?.OTEL_EXPORTER_OTLP_ENDPOINT, id).toBe('http://jaeger:4318');
    }
    expect(svc('todo-api').environment?.DATABASE_URL).toContain('@cockroachdb:26257/');
    expect(svc('todo-api-cluster').environment?.DATABASE_URL).toContain('@cockroach-1:26257/');
    expect(svc('load-generator').environment?.TODO_API_URL).toBe('http://todo-api:4000');
    expect(svc('portal').environment?.MODE).toBe('compose');
  });

  it('takes every secret from .env without a default', () => {
    expect(svc('grafana').environment?.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}$/);
    expect(svc('todo-api').environment?.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?[^}]+\}$/);
    expect(svc('todo-api').environment?.ADMIN_TOKEN).toMatch(/^\$\{ADMIN_TOKEN:\?[^}]+\}$/);
    // The control plane listens on 0.0.0.0 in compose: LAB_TOKEN is required, and the webhook token.
    for (const id of ['portal', 'load-generator']) expect(svc(id).environment?.LAB_TOKEN, id).toMatch(/^\$\{LAB_TOKEN:\?[^}]+\}$/);
    for (const id of ['portal', 'config']) expect(svc(id).environment?.ALERT_WEBHOOK_TOKEN, id).toMatch(/^\$\{ALERT_WEBHOOK_TOKEN:\?[^}]+\}$/);
    for (const id of ['portal', 'load-generator']) expect(svc(id).environment?.TODO_API_ADMIN_TOKEN, id).toMatch(/^\$\{ADMIN_TOKEN:\?[^}]+\}$/);
  });
});

describe('the launcher and Prometheus agree with SERVICES and compose', () => {
  it('the launcher starts exactly the embedded-mode services, all of which exist in compose', () => {
    const embedded = SERVICES.filter((s) => s.modes.includes('embedded')).map((s) => s.id);
    expect([...LAUNCHED_SERVICES].sort()).toEqual([...embedded].sort());
    for (const id of LAUNCHED_SERVICES) expect(compose.services[id], id).toBeDefined();
  });

  it('Prometheus (compose rendering) scrapes each service at its compose name and container port', () => {
    const prom = parse(renderPrometheusConfig({ mode: 'compose' })) as {
      scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    const jobs = prom.scrape_configs.map((j) => j.job_name).sort();
    expect(jobs).toEqual(inCompose.filter((s) => s.metricsPath).map((s) => s.id).sort());
    for (const job of prom.scrape_configs) {
      const s = SERVICES.find((x) => x.id === job.job_name) as ServiceInfo;
      expect(job.metrics_path).toBe(s.metricsPath);
      const [host, port] = (job.static_configs[0]?.targets[0] ?? '').split(':');
      expect(compose.services[host as string], `target ${host}`).toBeDefined();
      expect(Number(port)).toBe(containerPort(s));
      expect(svc(s.id).ports?.some((p) => p.endsWith(`:${port}`)), `${s.id} listens on ${port}`).toBe(true);
    }
    expect(prom.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual(['alertmanager:9093']);
  });

  it('the config job runs the stack CLI that the package ships', () => {
    const stackPkg = JSON.parse(readFileSync(resolve(REPO_ROOT, 'packages/stack/package.json'), 'utf8')) as { bin: Record<string, string> };
    // The bin is a committed shim (npm links bins before the build) that runs dist/cli.js: the file compose runs.
    const shim = readFileSync(resolve(REPO_ROOT, 'packages/stack', stackPkg.bin['o11y-render'] ?? ''), 'utf8');
    expect(shim).toContain("import('../dist/cli.js')");
    // As root only to hand the secret-bearing alertmanager.yml (0600) to Alertmanager's user, nobody.
    expect(svc('config').command).toEqual(['node', 'packages/stack/dist/cli.js', '--mode', 'compose', '--out', '/config', '--owner', '65534:65534']);
    expect(svc('config').volumes).toEqual(['stack-config:/config']);
    for (const id of ['prometheus', 'alertmanager']) expect(svc(id).volumes, id).toContain('stack-config:/config:ro');
  });

  it('Grafana provisions from infra/grafana at the paths its provisioning files name', () => {
    const volumes = svc('grafana').volumes ?? [];
    expect(volumes).toContain('./infra/grafana/provisioning:/etc/grafana/provisioning:ro');
    const dashboards = volumes.find((v) => v.startsWith('./infra/grafana/dashboards:'));
    expect(dashboards).toBeDefined();
    const mountedAt = dashboards?.split(':')[1];
    const providersDir = resolve(REPO_ROOT, 'infra/grafana/provisioning/dashboards');
    const providers = existsSync(providersDir) ? readdirSync(providersDir).filter((f) => /\.ya?ml$/.test(f)) : [];
    for (const f of providers) {
      const doc = parse(readFileSync(join(providersDir, f), 'utf8')) as { providers?: { options?: { path?: string } }[] };
      for (const p of doc.providers ?? []) expect(p.options?.path, f).toBe(mountedAt);
    }
  });

  it('Grafana datasources point at compose services on their container ports', () => {
    const dir = resolve(REPO_ROOT, 'infra/grafana/provisioning/datasources');
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)) : [];
    for (const f of files) {
      const doc = parse(readFileSync(join(dir, f), 'utf8')) as { datasources?: { name: string; url?: string }[] };
      for (const ds of doc.datasources ?? []) {
        if (!ds.url) continue;
        const u = new URL(ds.url);
        const s = SERVICES.find((x) => x.id === u.hostname);
        expect(s, `${ds.name}: ${ds.url}`).toBeDefined();
        expect(Number(u.port), ds.name).toBe(containerPort(s as ServiceInfo));
      }
    }
  });
});

describe('.env.sample and the Dockerfile', () => {
  const used = new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1] as string));
  const documented = new Set([...envSample.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1] as string));

  it('documents every variable docker-compose.yml reads, and only those (plus compose\'s own)', () => {
    expect([...used].filter((v) => !documented.has(v))).toEqual([]);
    expect([...documented].filter((v) => !used.has(v) && !v.startsWith('COMPOSE_'))).toEqual([]);
  });

  it('fills every required value with a lab value and marks the secrets to change', () => {
    const required = [...composeText.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1] as string);
    expect(new Set(required)).toEqual(new Set(['JWT_SECRET', 'ADMIN_TOKEN', 'GRAFANA_ADMIN_PASSWORD', 'LAB_TOKEN', 'ALERT_WEBHOOK_TOKEN']));
    for (const v of required) {
      const value = envSample.match(new RegExp(`^${v}=(.+)$`, 'm'))?.[1] ?? '';
      expect(value, v).toMatch(/^CHANGE-ME/);
    }
    expect((envSample.match(/^JWT_SECRET=(.+)$/m)?.[1] ?? '').length).toBeGreaterThanOrEqual(32);
    expect(envSample).toMatch(/^TELEGRAM_BOT_TOKEN=$/m);
    expect(envSample).toMatch(/^TELEGRAM_CHAT_ID=$/m);
    expect(envSample).toContain('@BotFather');
  });

  it('copies every workspace manifest, builds a target per service, runs as non-root with a healthcheck', () => {
    const workspaces = ['packages', 'apps'].flatMap((dir) =>
      readdirSync(resolve(REPO_ROOT, dir)).filter((name) => existsSync(resolve(REPO_ROOT, dir, name, 'package.json'))).map((name) => `${dir}/${name}`),
    );
    for (const ws of workspaces) expect(dockerfile, ws).toContain(`COPY ${ws}/package.json ${ws}/`);
    const targets = new Set([...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]));
    for (const [id, s] of Object.entries(compose.services)) {
      if (s.build) expect(targets.has(s.build.target), `${id}: target ${s.build.target}`).toBe(true);
    }
    for (const id of NODE_APPS) {
      const stage = dockerfile.split(/^FROM /m).find((part) => part.startsWith(`runtime AS ${id}\n`)) ?? '';
      expect(stage, id).toContain('HEALTHCHECK');
      expect(stage, id).toContain(`CMD ["node", "apps/${id}/dist/main.js"]`);
      expect(stage).toContain(`ENV PORT=${containerPort(SERVICES.find((x) => x.id === id) as ServiceInfo)}`);
    }
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('npm prune --omit=dev');
  });
});

/** Debian's docker-compose 1.29: validates without a Docker engine. */
const COMPOSE_BIN = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((f) => existsSync(f));

describe.skipIf(!COMPOSE_BIN)('docker-compose config', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'compose-test-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  function compose(envFileText: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
    const envFile = join(tmp, `env-${Math.random().toString(36).slice(2)}`);
    writeFileSync(envFile, envFileText);
    // Only PATH and HOME: variables of the test's own environment must not fill in for .env.
    const r = spawnSync(COMPOSE_BIN as string, ['-f', resolve(REPO_ROOT, 'docker-compose.yml'), '--env-file', envFile, ...args], {
      env: { PATH: process.env.PATH, HOME: tmp },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('accepts the file with .env copied from .env.sample, for the default and the cluster profile', () => {
    const plain = compose(envSample, ['config', '-q']);
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    // 1.29 accepts --profile but validates every service whatever the profile (the cluster
    // services are checked either way); the listing below shows they are all there.
    const cluster = compose(envSample, ['--profile', 'cluster', 'config', '-q']);
    expect(cluster.code, cluster.stderr).toBe(0);
    const services = compose(envSample, ['--profile', 'cluster', 'config', '--services']).stdout.split('\n');
    expect(services).toEqual(expect.arrayContaining(['cockroach-1', 'cockroach-2', 'cockroach-3', 'cockroach-init', 'todo-api-cluster']));
  });

  it('refuses to run without the secrets, naming the missing one', () => {
    const withoutGrafana = envSample.replace(/^GRAFANA_ADMIN_PASSWORD=.*$/m, 'GRAFANA_ADMIN_PASSWORD=');
    const r = compose(withoutGrafana, ['config', '-q']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('GRAFANA_ADMIN_PASSWORD must be set');
    const withoutJwt = envSample.replace(/^JWT_SECRET=.*$/m, '');
    expect(compose(withoutJwt, ['config', '-q']).stderr).toContain('JWT_SECRET must be set');
    const withoutLabToken = envSample.replace(/^LAB_TOKEN=.*$/m, 'LAB_TOKEN=');
    expect(compose(withoutLabToken, ['config', '-q']).stderr).toContain('LAB_TOKEN must be set');
  });

  it('starts Prometheus and Alertmanager with the flags of @o11y/stack and the public URLs from .env', () => {
    const env = `${envSample}\nPUBLIC_BASE_URL=http://lab.example.com\nPROMETHEUS_PORT=19090\nALERTMANAGER_PORT=19093\n`;
    const r = compose(env, ['config']);
    expect(r.code, r.stderr).toBe(0);
    const resolved = parse(r.stdout) as ComposeFile;
    const vars = { PUBLIC_BASE_URL: 'http://lab.example.com', PROMETHEUS_PORT: '19090', ALERTMANAGER_PORT: '19093' };
    expect(resolved.services.prometheus?.command).toEqual(
      prometheusArgs({
        configFile: '/config/prometheus/prometheus.yml',
        dataDir: '/prometheus',
        port: 9090,
        host: '0.0.0.0',
        externalUrl: publicUrl('prometheus', 'compose', vars),
      }),
    );
    expect(resolved.services.alertmanager?.command).toEqual(
      alertmanagerArgs({
        configFile: '/config/alertmanager/alertmanager.yml',
        dataDir: '/alertmanager',
        port: 9093,
        host: '0.0.0.0',
        externalUrl: publicUrl('alertmanager', 'compose', vars),
      }),
    );
    // The portal and the config job get the same host ports for their links.
    expect(resolved.services.portal?.environment).toMatchObject({ PROMETHEUS_PORT: '19090', PUBLIC_BASE_URL: 'http://lab.example.com', PORTAL_PORT: '80' });
    expect(resolved.services.config?.environment).toMatchObject({ ALERTMANAGER_PORT: '19093', MODE: 'compose' });
  });
});
