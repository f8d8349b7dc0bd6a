/**
 * Names, ports, environment variables, images and configuration agree between
 * docker-compose.yml, the Kubernetes manifests (as rendered), SERVICES and the launcher. Every
 * expectation is derived from those sources when the test runs, so a change on one side that
 * the other does not follow fails here. The differences that are on purpose are listed below,
 * each with its reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { internalUrlEnv, SERVICES, serviceById, type ServiceInfo } from '@o11y/platform';
import { alertmanagerArgs, BINARY_NAMES, findBinary, prometheusArgs, writeStackConfig } from '@o11y/stack';
import { appEnv, EMBEDDED_APPS, LAUNCHED_SERVICES } from '@o11y/launcher';
import {
  container,
  containerEnv,
  expand,
  find,
  generated,
  get,
  K8S_DIR,
  podTemplates,
  renderLabs,
  selects,
  type Container,
  type K8sObject,
  type PodTemplate,
  type RenderedLabs,
} from '../helpers/kubernetes.ts';
import { REPO_ROOT } from '../helpers/process.ts';
import { parseDiscovery } from '../../apps/portal/src/distributed/discovery.ts';

interface ComposeService {
  image?: string;
  build?: { target?: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  profiles?: string[];
}
const compose = parse(readFileSync(resolve(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const envSample = Object.fromEntries([...readFileSync(resolve(REPO_ROOT, '.env.sample'), 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]])) as Record<string, string>;
const labEnvSample = readFileSync(join(K8S_DIR, 'base/lab.env.sample'), 'utf8');
const packageVersion = (JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

// ----------------------------------------------------------------------------- deliberate differences
/** Compose services with no Kubernetes counterpart of their own, and why. */
const NOT_IN_KUBERNETES: Record<string, string> = {
  portainer: 'manages Docker through its socket; Kubernetes has its own tools',
  config: 'runs as the init container `config` of the Prometheus and Alertmanager pods',
  'todo-api-cluster': 'the cluster overlay runs the todo API itself on the three-node cluster',
  'cockroach-init': 'the Job cockroachdb-init of the cluster overlay',
};
const POD_IDENTITY = {
  POD_NAME: 'pod identity',
  POD_NAMESPACE: 'pod identity',
  POD_IP: 'pod identity: the pod answers to its own IP (ALLOWED_HOSTS)',
  OTEL_RESOURCE_ATTRIBUTES: 'which replica a span came from',
};
const INGRESS_DOMAIN = 'the Ingress hosts <service>.<LAB_DOMAIN> are the app\'s names, and the sign-in cookie covers them (compose has host ports instead)';
/** Variables only the manifests set, per container, and why. */
const KUBERNETES_ONLY: Record<string, Record<string, string>> = {
  'todo-api': { ...POD_IDENTITY, LAB_DOMAIN: INGRESS_DOMAIN },
  'load-generator': { ...POD_IDENTITY, LAB_DOMAIN: INGRESS_DOMAIN },
  portal: { ...POD_IDENTITY, LOADGEN_DISCOVERY: 'the coordinator of distributed runs finds the load generator\'s replicas through its headless Service (checked below)' },
  'prometheus/config': { SCRAPE_DNS_SD: 'replicas are scraped one by one through headless Services' },
  'alertmanager/config': {},
  grafana: {},
};
/**
 * Variables both set, with a value of their own in Kubernetes, and why. The names each app then
 * answers to are checked by behaviour in "the control plane's names" below.
 */
const KUBERNETES_VALUE: Record<string, Record<string, string>> = Object.fromEntries(
  ['todo-api', 'load-generator', 'portal'].map((id) => [
    id,
    {
      ALLOWED_HOSTS:
        'compose\'s are the extra names of .env (empty by default); a pod answers to its own IP (the kubelet\'s probes, the coordinator of distributed runs) and its Service\'s in-cluster DNS names',
    },
  ]),
);
const RENDERER_IGNORES = 'the renderer does not read it (compose passes every app\'s x-public-links block)';
/** Compose variables the manifests leave out, per container, and why. */
const COMPOSE_ONLY: Record<string, Record<string, string>> = {
  'prometheus/config': {
    TELEGRAM_BOT_TOKEN: 'the Prometheus pod does not need the Telegram token (only Alertmanager\'s renders it)',
    TELEGRAM_CHAT_ID: 'as above',
    TELEGRAM_API_URL: 'as above',
    ALERT_WEBHOOK_TOKEN: 'as above: only Alertmanager\'s configuration holds the webhook token',
    ALLOWED_HOSTS: RENDERER_IGNORES,
  },
  'alertmanager/config': { ALLOWED_HOSTS: RENDERER_IGNORES },
};
/**
 * Compose's config job runs as root with `--owner 65534:65534` to hand the 0600 files of an existing
 * volume to nobody; the init containers run as nobody and create the files in a fresh emptyDir, so
 * those files are nobody's already. The test checks that their user is the owner compose asks for.
 */
const CONFIG_JOB_OWNER_FLAG = '--owner';
// ----------------------------------------------------------------------------- helpers
const portEnvs = new Set(SERVICES.map((s) => s.portEnv));
const containerPort = (s: ServiceInfo) => s.containerPort ?? s.port;
const k8sServices = SERVICES.filter((s) => s.modes.includes('compose') && !NOT_IN_KUBERNETES[s.id]);

/** Compose's interpolation with .env.sample as the .env (`:-` and `:?` treat empty as unset). */
function interpolate(raw: string): string {
  return raw.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_w, name: string, op: string | undefined, arg: string | undefined) => {
    const v = envSample[name];
    if (v !== undefined && v !== '') return v;
    return op === '-' ? (arg ?? '') : '';
  });
}

let labs: RenderedLabs;
let objects: K8sObject[];
let settings: Record<string, string>;
beforeAll(() => {
  labs = renderLabs();
  objects = labs.overlays.single;
  settings = generated(objects, 'ConfigMap', 'lab-settings').data ?? {};
});
afterAll(() => labs?.cleanup());

/** The Kubernetes container that plays a compose service (`id`, or `<pod>/<init container>`). */
function k8sContainer(key: string): { pod: PodTemplate; container: Container } {
  const [owner, init] = key.split('/');
  if (!init) return container(objects, owner as string);
  const pod = podTemplates(objects).find((p) => p.owner.metadata.name === owner) as PodTemplate;
  return { pod, container: (pod.spec.initContainers ?? []).find((c) => c.name === init) as Container };
}

/** What a compose value becomes in Kubernetes; `undefined` = left out on purpose. */
type Expected = { secret: string } | { setting: string } | { value: string } | undefined;
function expectedFor(name: string, raw: string): Expected {
  const secret = /^\$\{([A-Z0-9_]+):\?[^}]*\}$/.exec(raw);
  if (secret) return { secret: secret[1] as string };
  // Host ports do not exist in Kubernetes: links use each service's public URL instead.
  if (portEnvs.has(name)) return undefined;
  if (/^\$\{PUBLIC_BASE_URL[^}]*\}$/.test(raw)) return { setting: 'PUBLIC_BASE_URL' };
  // ${PUBLIC_BASE_URL}:${<X>_PORT}<rest>: the public URL of the service whose port that is.
  const link = /^\$\{PUBLIC_BASE_URL[^}]*\}:\$\{([A-Z0-9_]+)[^}]*\}(.*)$/.exec(raw);
  if (link) {
    const s = SERVICES.find((x) => x.portEnv === link[1]) as ServiceInfo;
    return { value: `${settings[s.urlEnv]}${link[2]}` };
  }
  return { value: interpolate(raw) };
}

function envMismatches(key: string, composeEnv: Record<string, string>): string[] {
  const { pod, container: c } = k8sContainer(key);
  const resolved = containerEnv(objects, c, pod.namespace);
  const refs = new Map((c.env ?? []).map((e) => [e.name, e]));
  const fromSettings = new Set((c.envFrom ?? []).filter((f) => f.configMapRef?.name.startsWith('lab-settings-')).length ? Object.keys(settings) : []);
  const problems: string[] = [];
  const expectedNames = new Set<string>();
  for (const [name, raw] of Object.entries(composeEnv)) {
    if (COMPOSE_ONLY[key]?.[name]) continue;
    const want = expectedFor(name, String(raw));
    if (want === undefined) {
      if (refs.has(name)) problems.push(`${key}: ${name} is a host port, which Kubernetes has not`);
      continue;
    }
    expectedNames.add(name);
    const ref = refs.get(name);
    if (KUBERNETES_VALUE[key]?.[name]) {
      if (!ref) problems.push(`${key}: ${name} is not set in Kubernetes`);
    } else if ('secret' in want) {
      const s = ref?.valueFrom?.secretKeyRef;
      if (!s || !s.name.startsWith('lab-secrets-') || s.key !== want.secret) problems.push(`${key}: ${name} should come from key ${want.secret} of the lab-secrets Secret`);
    } else if ('setting' in want) {
      const viaRef = ref?.valueFrom?.configMapKeyRef;
      const ok = viaRef ? viaRef.name.startsWith('lab-settings-') && viaRef.key === want.setting : !ref && fromSettings.has(want.setting) && name === want.setting;
      if (!ok) problems.push(`${key}: ${name} should come from ${want.setting} of the lab-settings ConfigMap`);
    } else if (resolved[name] !== want.value) {
      problems.push(`${key}: ${name} is ${JSON.stringify(resolved[name])} in Kubernetes, ${JSON.stringify(want.value)} in compose`);
    }
  }
  // Every other variable is a documented Kubernetes-only one, a lab setting, or a $(…) helper.
  const expansions = new Set([...(c.env ?? []).map((e) => e.value ?? ''), ...(c.args ?? []), ...(c.command ?? [])].flatMap((t) => [...t.matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((m) => m[1] as string)));
  for (const name of new Set([...refs.keys(), ...fromSettings])) {
    if (expectedNames.has(name) || KUBERNETES_ONLY[key]?.[name] || fromSettings.has(name)) continue;
    const fromConfig = refs.get(name)?.valueFrom?.configMapKeyRef?.name.startsWith('lab-settings-');
    if (expansions.has(name) && fromConfig) continue;
    if (key === 'portal' && /_INTERNAL_URL$/.test(name)) continue; // checked by its own test
    problems.push(`${key}: ${name} is set in Kubernetes but not in compose (add it to compose, or explain it in KUBERNETES_ONLY)`);
  }
  return problems;
}

// ----------------------------------------------------------------------------- tests
describe('names and ports: compose, SERVICES and the manifests', () => {
  it('every compose service has a Kubernetes counterpart, or a documented reason', () => {
    const workloads = new Set(podTemplates(objects).flatMap((p) => p.spec.containers.map((c) => c.name)));
    for (const [id, s] of Object.entries(compose.services)) {
      if (NOT_IN_KUBERNETES[id]) continue;
      if (s.profiles?.includes('cluster')) continue; // the cluster overlay, below
      expect(workloads, `compose service ${id}`).toContain(id);
    }
    for (const id of Object.keys(NOT_IN_KUBERNETES)) expect(compose.services[id], `${id} is still in compose`).toBeDefined();
  });

  it('a Service per SERVICES entry, named by its id, on its container port, selecting the pods that run it', () => {
    for (const s of k8sServices) {
      const svc = get(objects, 'Service', s.id);
      const port = (svc.spec.ports as { port: number; targetPort: string | number }[]).find((p) => p.port === containerPort(s));
      expect(port, `${s.id} on ${containerPort(s)}`).toBeDefined();
      const pods = podTemplates(objects).filter((p) => selects(svc.spec.selector, p.labels));
      expect(pods.map((p) => p.owner.metadata.name), s.id).toEqual([s.id]);
      const c = (pods[0] as PodTemplate).spec.containers.find((x) => x.name === s.id) as Container;
      const target = (c.ports ?? []).find((p) => (typeof port?.targetPort === 'number' ? p.containerPort === port.targetPort : p.name === port?.targetPort));
      expect(target?.containerPort, `${s.id}'s targetPort`).toBe(containerPort(s));
    }
  });

  it('the other Services are headless twins (per-pod DNS) of those', () => {
    for (const svc of objects.filter((o) => o.kind === 'Service' && !k8sServices.some((s) => s.id === o.metadata.name))) {
      expect(svc.spec.clusterIP, svc.metadata.name).toBe('None');
      const twin = k8sServices.find((s) => JSON.stringify(get(objects, 'Service', s.id).spec.selector) === JSON.stringify(svc.spec.selector));
      expect(twin, `${svc.metadata.name} selects the pods of a SERVICES Service`).toBeDefined();
    }
  });

  it('the portal finds the load generator\'s ready replicas through its headless Service (LOADGEN_DISCOVERY)', () => {
    const problems: string[] = [];
    const env = containerEnv(objects, container(objects, 'portal').container, 'o11y-lab');
    const entries = parseDiscovery(env.LOADGEN_DISCOVERY ?? '', problems);
    expect(problems).toEqual([]);
    expect(entries).toHaveLength(1);
    const [{ host, port }] = entries as [{ host: string; port: number }];
    const headless = get(objects, 'Service', host);
    // A short name: the system resolver applies the pod's search domains, so each lab's portal finds its own namespace's.
    expect(host).not.toContain('.');
    expect(headless.spec.clusterIP).toBe('None');
    // Ready pods only: one that cannot take a share is not given one.
    expect(headless.spec.publishNotReadyAddresses).toBe(false);
    expect(headless.spec.selector).toEqual(get(objects, 'Service', 'load-generator').spec.selector);
    // The coordinator addresses each pod at its IP on this port: the container's.
    expect(port).toBe(containerPort(serviceById('load-generator')));
    expect((container(objects, 'load-generator').container.ports ?? []).map((p) => p.containerPort)).toContain(port);
    expect(get(objects, 'Deployment', 'load-generator').spec.replicas).toBeGreaterThanOrEqual(1);
  });

  it('readiness probes use SERVICES\' health paths on the container ports; the apps\' liveness /health/live', () => {
    for (const s of k8sServices) {
      const { container: c } = container(objects, s.id);
      const probe = c.readinessProbe?.httpGet;
      expect(probe?.path, s.id).toBe(s.healthPath);
      const port = (c.ports ?? []).find((p) => p.name === probe?.port || p.containerPort === probe?.port);
      expect(port?.containerPort, s.id).toBe(containerPort(s));
    }
    for (const id of EMBEDDED_APPS) expect(container(objects, id).container.livenessProbe?.httpGet?.path, id).toBe('/health/live');
  });

  it('the Ingress serves the portal at LAB_DOMAIN and every other UI at its public URL (SERVICES urlEnv)', () => {
    const rules = get(objects, 'Ingress', 'lab').spec.rules as { host: string; http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] } }[];
    expect(rules.map((r) => r.http.paths[0]?.backend.service.name).sort()).toEqual(k8sServices.map((s) => s.id).sort());
    for (const s of k8sServices) {
      const rule = rules.find((r) => r.http.paths[0]?.backend.service.name === s.id);
      expect(rule?.host, s.id).toBe(new URL(settings[s.urlEnv] as string).host);
      const svcPort = (get(objects, 'Service', s.id).spec.ports as { name: string; port: number }[]).find((p) => p.name === rule?.http.paths[0]?.backend.service.port.name);
      expect(svcPort?.port, s.id).toBe(containerPort(s));
    }
    expect(rules.find((r) => r.http.paths[0]?.backend.service.name === 'portal')?.host).toBe(settings.LAB_DOMAIN);
    expect(Object.keys(settings).sort()).toEqual(['LAB_DOMAIN', 'PUBLIC_BASE_URL', ...k8sServices.map((s) => s.urlEnv)].sort());
    expect(settings.PUBLIC_BASE_URL).toBe(settings.PORTAL_URL);
  });

  it('the launcher\'s services all run in Kubernetes', () => {
    for (const id of LAUNCHED_SERVICES) expect(find(objects, 'Service', id), id).toBeDefined();
  });
});

describe('environment variables: compose, the manifests and the launcher', () => {
  it.each(['todo-api', 'load-generator', 'portal', 'grafana'])('%s: the same variables and values as in compose', (id) => {
    expect(envMismatches(id, compose.services[id]?.environment ?? {})).toEqual([]);
  });

  it.each(['prometheus/config', 'alertmanager/config'])('%s: the init container is compose\'s config job (command and environment)', (key) => {
    const config = compose.services.config as ComposeService;
    const command = config.command ?? [];
    const owner = command.indexOf(CONFIG_JOB_OWNER_FLAG);
    expect(owner, 'compose hands the files to an owner').toBeGreaterThan(0);
    expect(k8sContainer(key).container.command).toEqual([...command.slice(0, owner), ...command.slice(owner + 2)]);
    // Without --owner, the files belong to whoever writes them: the init container runs as that owner.
    const [uid, gid] = (command[owner + 1] as string).split(':').map(Number);
    const { pod, container: c } = k8sContainer(key);
    expect(c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser).toBe(uid);
    expect(c.securityContext?.runAsGroup ?? pod.spec.securityContext?.runAsGroup).toBe(gid);
    expect(envMismatches(key, config.environment ?? {})).toEqual([]);
  });

  it('the portal leaves out the compose services that Kubernetes does not run', () => {
    const env = containerEnv(objects, container(objects, 'portal').container, 'o11y-lab');
    for (const s of SERVICES.filter((x) => x.modes.includes('compose') && NOT_IN_KUBERNETES[x.id])) expect(env[internalUrlEnv(s)], s.id).toBe('none');
    for (const s of k8sServices) expect(env[internalUrlEnv(s)], s.id).toBeUndefined();
    expect(env.MODE).toBe('compose');
  });

  it('every variable the launcher gives an app is set in its Kubernetes container too', () => {
    const ports = new Map(LAUNCHED_SERVICES.map((id) => [id, serviceById(id).port]));
    const ctx = { dataRoot: '/data', host: '127.0.0.1', ports, runningStack: new Set(['prometheus', 'alertmanager']), secrets: { jwtSecret: 'x'.repeat(32), adminToken: 'a'.repeat(32), alertWebhookToken: 'w'.repeat(32) }, env: { ADMIN_TOKEN: 'admin' } };
    for (const id of EMBEDDED_APPS) {
      const launched = Object.keys(appEnv(id, ctx)).filter((k) => !(k in ctx.env) && !portEnvs.has(k) && !k.endsWith('_INTERNAL_URL'));
      const k8s = containerEnv(objects, container(objects, id).container, 'o11y-lab');
      expect(launched.filter((k) => !(k in k8s)), id).toEqual([]);
    }
  });

  it('lab.env.sample has exactly the keys the manifests read from the lab-secrets Secret', () => {
    const used = new Set(
      Object.values(labs.overlays).flatMap((objs) =>
        podTemplates(objs).flatMap((p) => [...(p.spec.initContainers ?? []), ...p.spec.containers].flatMap((c) => (c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.key] : [])))),
      ),
    );
    const sample = [...labEnvSample.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1] as string);
    expect([...used].sort()).toEqual([...sample].sort());
  });
});

describe('images', () => {
  it('our apps: the Dockerfile target of the compose service, tagged with package.json\'s version', () => {
    for (const [id, s] of Object.entries(compose.services)) {
      if (!s.build || NOT_IN_KUBERNETES[id] || s.profiles) continue;
      const { container: c } = id === 'config' ? k8sContainer('prometheus/config') : container(objects, id);
      expect(c.image, id).toBe(`${(s.image as string).split(':')[0]}:${packageVersion}`);
    }
    expect(k8sContainer('prometheus/config').container.image).toBe(`o11y-platform/config:${packageVersion}`);
    expect(k8sContainer('alertmanager/config').container.image).toBe(`o11y-platform/config:${packageVersion}`);
  });

  it('our images run as the Dockerfile\'s user of their target (numeric, so the kubelet can check non-root)', () => {
    const dockerfile = readFileSync(resolve(REPO_ROOT, 'Dockerfile'), 'utf8');
    const stages = new Map([...dockerfile.matchAll(/^FROM (\S+) AS (\S+)$/gm)].map((m) => [m[2] as string, { from: m[1] as string, index: m.index ?? 0 }]));
    /** The last USER of a stage, following FROM <stage> back to where it is set. */
    const userOf = (target: string): string => {
      const stage = stages.get(target);
      if (!stage) throw new Error(`no Dockerfile stage ${target}`);
      const next = [...stages.values()].map((s) => s.index).filter((i) => i > stage.index).sort((a, b) => a - b)[0] ?? dockerfile.length;
      const users = [...dockerfile.slice(stage.index, next).matchAll(/^USER (\S+)$/gm)].map((m) => m[1] as string);
      return users.at(-1) ?? userOf(stage.from);
    };
    // The official Node.js images' `node` user is uid 1000.
    const uid = (user: string) => (user === 'node' ? 1000 : Number(user.split(':')[0]));
    const check = (target: string, pod: PodTemplate, c: Container) => expect(c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser, target).toBe(uid(userOf(target)));
    for (const id of EMBEDDED_APPS) check(id, container(objects, id).pod, container(objects, id).container);
    // The config renderer runs as the owner of its files instead (see CONFIG_JOB_OWNER_FLAG and the test above).
    for (const key of ['prometheus/config', 'alertmanager/config']) expect(k8sContainer(key).pod.spec.securityContext?.runAsNonRoot, key).toBe(true);
  });

  it('third-party images are compose\'s, to the tag', () => {
    const thirdParty = Object.entries(compose.services).filter(([id, s]) => !s.build && !NOT_IN_KUBERNETES[id] && !s.profiles);
    expect(thirdParty.length).toBeGreaterThanOrEqual(5);
    for (const [id, s] of thirdParty) expect(container(objects, id).container.image, id).toBe(s.image);
    // The cluster overlay's nodes and init Job run the image of compose's cluster profile.
    const cluster = labs.overlays.cluster;
    for (const [id, s] of Object.entries(compose.services).filter(([, x]) => x.profiles?.includes('cluster') && !x.build)) {
      const k8s = id === 'cockroach-init' ? get(cluster, 'Job', 'cockroachdb-init').spec.template.spec.containers[0].image : container(cluster, 'cockroachdb').container.image;
      expect(k8s, id).toBe(s.image);
    }
  });

  it('every image tag is set once, in the base kustomization\'s images list', () => {
    const base = parse(readFileSync(join(K8S_DIR, 'base/kustomization.yaml'), 'utf8')) as { images: { name: string; newTag: string }[] };
    const rendered = new Set(Object.values(labs.overlays).flatMap((objs) => podTemplates(objs).flatMap((p) => [...(p.spec.initContainers ?? []), ...p.spec.containers].map((c) => c.image))));
    expect([...rendered].sort()).toEqual(base.images.map((i) => `${i.name}:${i.newTag}`).sort());
    const manifests = readdirSync(K8S_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('overlays/classroom/labs'));
    for (const f of manifests) {
      for (const m of readFileSync(join(K8S_DIR, f), 'utf8').matchAll(/^\s*(?:- )?image:\s*(\S+)/gm)) expect(m[1], `${f} pins ${m[1]}: tags belong in base/kustomization.yaml`).not.toContain(':');
    }
  });
});

describe('Prometheus, Alertmanager and Grafana: compose\'s configuration', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const render = async (key: string) => {
    const { pod, container: c } = k8sContainer(key);
    const out = mkdtempSync(join(tmpdir(), 'o11y-k8s-render-'));
    dirs.push(out);
    return writeStackConfig(out, containerEnv(objects, c, pod.namespace));
  };
  const mountOf = (key: string, volume: string) => {
    const { pod, container: c } = k8sContainer(key);
    const v = (pod.spec.volumes ?? []).find((x: { name: string }) => x.name === volume) as { configMap?: { name: string } };
    return { mount: c.volumeMounts?.find((m) => m.name === volume)?.mountPath, configMap: v?.configMap?.name };
  };

  it('Prometheus: the flags of prometheusArgs(), its external URL the public one, and a size bound', () => {
    const c = container(objects, 'prometheus').container;
    const env = containerEnv(objects, c, 'o11y-lab');
    const args = (c.args ?? []).map((a) => expand(a, env));
    const expected = prometheusArgs({ configFile: '/config/prometheus/prometheus.yml', dataDir: '/prometheus', port: 9090, host: '0.0.0.0', externalUrl: settings.PROMETHEUS_URL as string });
    expect(args.filter((a) => !a.startsWith('--storage.tsdb.retention.size='))).toEqual(expected);
    expect(args).toContain('--storage.tsdb.retention.size=1536MB');
    // The same flags compose passes, but for the external URL.
    const composeArgs = (compose.services.prometheus?.command ?? []).filter((a) => !a.startsWith('--web.external-url='));
    expect(expected.filter((a) => !a.startsWith('--web.external-url='))).toEqual(composeArgs);
  });

  it('Alertmanager: the flags of alertmanagerArgs(), as in compose', () => {
    const c = container(objects, 'alertmanager').container;
    const args = (c.args ?? []).map((a) => expand(a, containerEnv(objects, c, 'o11y-lab')));
    const expected = alertmanagerArgs({ configFile: '/config/alertmanager/alertmanager.yml', dataDir: '/alertmanager', port: 9093, host: '0.0.0.0', externalUrl: settings.ALERTMANAGER_URL as string });
    expect(args).toEqual(expected);
    expect(expected.filter((a) => !a.startsWith('--web.external-url='))).toEqual((compose.services.alertmanager?.command ?? []).filter((a) => !a.startsWith('--web.external-url=')));
  });

  it('the rendered prometheus.yml (from the init container\'s environment) passes promtool and scrapes the Services, replicas one by one', async () => {
    const w = await render('prometheus/config');
    const promtool = findBinary(BINARY_NAMES.promtool);
    if (!promtool) throw new Error('promtool not found: install Debian\'s prometheus package (.ci/run does)');
    const check = spawnSync(promtool, ['check', 'config', '--syntax-only', w.prometheusConfig], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const prom = parse(readFileSync(w.prometheusConfig, 'utf8')) as {
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: { job_name: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: { names: string[]; port: number }[] }[];
    };
    for (const job of prom.scrape_configs) {
      const main = get(objects, 'Service', job.job_name);
      if (job.dns_sd_configs) {
        const [sd] = job.dns_sd_configs;
        const headless = get(objects, 'Service', sd?.names[0] as string);
        expect(headless.spec.clusterIP, job.job_name).toBe('None');
        expect(headless.spec.selector, `${sd?.names[0]} selects ${job.job_name}'s pods`).toEqual(main.spec.selector);
        expect(sd?.port, job.job_name).toBe(containerPort(serviceById(job.job_name)));
        expect(headless.spec.ports.map((p: { port: number }) => p.port), job.job_name).toContain(sd?.port);
      } else {
        const [host, port] = (job.static_configs?.[0]?.targets[0] as string).split(':');
        expect(host).toBe(job.job_name);
        expect(main.spec.ports.map((p: { port: number }) => p.port), job.job_name).toContain(Number(port));
        // One pod behind it: a load-balanced address of several replicas would mix their counters.
        const owner = podTemplates(objects).find((p) => selects(main.spec.selector, p.labels))?.owner;
        expect(owner?.kind === 'Deployment' && owner.spec.replicas === 1, `${job.job_name} is scraped through its Service, so it must have one replica`).toBe(true);
      }
    }
    // Everything that can have several pods is discovered pod by pod.
    for (const id of ['todo-api', 'load-generator', 'cockroachdb']) expect(prom.scrape_configs.find((j) => j.job_name === id)?.dns_sd_configs, id).toBeDefined();
    const [amHost, amPort] = (prom.alerting.alertmanagers[0]?.static_configs[0]?.targets[0] as string).split(':');
    expect(get(objects, 'Service', amHost as string).spec.ports[0].port).toBe(Number(amPort));
    // rule_files (relative to the config file) is where the rules ConfigMap is mounted.
    const rules = mountOf('prometheus', 'rules');
    expect(rules.mount).toBe(posix.join(dirname('/config/prometheus/prometheus.yml'), dirname(prom.rule_files[0] as string)));
    expect(rules.configMap).toMatch(/^prometheus-rules-/);
  });

  it('the rendered alertmanager.yml sends to the portal\'s Service and loads the templates ConfigMap', async () => {
    const w = await render('alertmanager/config');
    const am = parse(readFileSync(w.alertmanagerConfig, 'utf8')) as { templates: string[]; receivers: { webhook_configs?: { url: string }[] }[] };
    const hook = new URL(am.receivers[0]?.webhook_configs?.[0]?.url as string);
    expect(get(objects, 'Service', hook.hostname).spec.ports[0].port).toBe(Number(hook.port));
    const templates = mountOf('alertmanager', 'templates');
    expect(templates.mount).toBe(posix.join('/config/alertmanager', dirname(am.templates[0] as string)));
    expect(templates.configMap).toMatch(/^alertmanager-templates-/);
  });

  it('Grafana mounts the provisioning and dashboards where compose mounts them, and its datasources resolve', () => {
    const grafanaVolumes = (compose.services.grafana?.volumes ?? []).filter((v) => v.startsWith('./infra/grafana/'));
    const provisioningAt = grafanaVolumes.find((v) => v.startsWith('./infra/grafana/provisioning:'))?.split(':')[1];
    const dashboardsAt = grafanaVolumes.find((v) => v.startsWith('./infra/grafana/dashboards:'))?.split(':')[1];
    expect(mountOf('grafana', 'datasources').mount).toBe(`${provisioningAt}/datasources`);
    expect(mountOf('grafana', 'dashboard-providers').mount).toBe(`${provisioningAt}/dashboards`);
    expect(mountOf('grafana', 'dashboards').mount).toBe(dashboardsAt);
    const providers = parse(generated(objects, 'ConfigMap', 'grafana-dashboard-providers').data?.['dashboards.yml'] as string) as { providers: { options: { path: string } }[] };
    expect(providers.providers[0]?.options.path).toBe(dashboardsAt);
    const datasources = parse(generated(objects, 'ConfigMap', 'grafana-datasources').data?.['datasources.yml'] as string) as { datasources: { url: string }[] };
    for (const ds of datasources.datasources) {
      const u = new URL(ds.url);
      expect(get(objects, 'Service', u.hostname).spec.ports.map((p: { port: number }) => p.port), ds.url).toContain(Number(u.port));
    }
  });

  it('Jaeger runs compose\'s command with infra/jaeger/config.yaml where compose mounts it', () => {
    const { container: c } = container(objects, 'jaeger');
    expect(c.args).toEqual(compose.services.jaeger?.command);
    const mounted = (compose.services.jaeger?.volumes ?? []).find((v) => v.startsWith('./infra/jaeger/'));
    const [source, target] = (mounted as string).split(':') as [string, string];
    const config = mountOf('jaeger', 'config');
    expect(`${config.mount}/${posix.basename(source)}`).toBe(target);
    expect(generated(objects, 'ConfigMap', 'jaeger-config').data?.[posix.basename(source)]).toBe(readFileSync(resolve(REPO_ROOT, source), 'utf8'));
    // The ports its configuration listens on are the ones the container and the Service declare.
    const jaegerConfig = readFileSync(resolve(REPO_ROOT, source), 'utf8');
    for (const p of c.ports ?? []) expect(jaegerConfig, `port ${p.containerPort}`).toContain(`0.0.0.0:${p.containerPort}`);
  });

  it('the infra/ kustomizations list every file of their directories (Kustomize cannot glob)', () => {
    const listed = (dir: string) =>
      (parse(readFileSync(resolve(REPO_ROOT, dir, 'kustomization.yaml'), 'utf8')) as { configMapGenerator: { files: string[] }[] }).configMapGenerator.flatMap((g) => g.files).sort();
    const files = (dir: string, sub: string[], ext: RegExp) => sub.flatMap((s) => readdirSync(resolve(REPO_ROOT, dir, s)).filter((f) => ext.test(f)).map((f) => `${s}/${f}`)).sort();
    expect(listed('infra/prometheus')).toEqual(files('infra/prometheus', ['rules'], /\.yml$/));
    expect(listed('infra/alertmanager')).toEqual(files('infra/alertmanager', ['templates'], /\.tmpl$/));
    expect(listed('infra/grafana')).toEqual(files('infra/grafana', ['provisioning/datasources', 'provisioning/dashboards', 'dashboards'], /\.(ya?ml|json)$/));
    expect(listed('infra/jaeger')).toEqual(files('infra/jaeger', ['.'], /\.ya?ml$/).map((f) => f.replace(/^\.\//, '')).filter((f) => f !== 'kustomization.yaml'));
    // And the ConfigMaps carry those files unchanged.
    const rules = generated(objects, 'ConfigMap', 'prometheus-rules').data ?? {};
    for (const f of listed('infra/prometheus')) expect(rules[f.split('/').pop() as string], f).toBe(readFileSync(resolve(REPO_ROOT, 'infra/prometheus', f), 'utf8'));
  });
});

describe('the cluster overlay: compose\'s cluster profile', () => {
  it('as many CockroachDB nodes as compose\'s profile, joined by their stable names, initialised by a Job', () => {
    const cluster = labs.overlays.cluster;
    const nodes = Object.keys(compose.services).filter((id) => /^cockroach-\d+$/.test(id));
    const sts = get(cluster, 'StatefulSet', 'cockroachdb');
    expect(sts.spec.replicas).toBe(nodes.length);
    const script = container(cluster, 'cockroachdb').container.args?.join(' ') ?? '';
    const joined = /--join=(\S+)/.exec(script)?.[1]?.split(',') ?? [];
    expect(joined).toEqual(nodes.map((_n, i) => `cockroachdb-${i}.${sts.spec.serviceName}:26257`));
    expect(script).not.toContain('start-single-node');
    const init = get(cluster, 'Job', 'cockroachdb-init').spec.template.spec.containers[0].args.join(' ') as string;
    expect(init).toContain(`--host=cockroachdb-0.${sts.spec.serviceName}:26257`);
    expect(init).toMatch(/already been initialized/);
    // Compose's cockroach-init variables (the license), from the Secret, optional.
    const jobEnv = (get(cluster, 'Job', 'cockroachdb-init').spec.template.spec.containers[0].env ?? []) as { name: string; valueFrom?: { secretKeyRef?: { key: string; optional?: boolean } } }[];
    expect(jobEnv.map((e) => e.name).sort()).toEqual(Object.keys(compose.services['cockroach-init']?.environment ?? {}).sort());
    for (const e of jobEnv) expect(e.valueFrom?.secretKeyRef, e.name).toEqual(expect.objectContaining({ key: e.name, optional: true }));
    for (const name of jobEnv.map((e) => e.name)) expect(init, name).toContain(`$${name}`);
    expect(get(cluster, 'PodDisruptionBudget', 'cockroachdb').spec.maxUnavailable).toBe(1);
    // The todo API uses the cluster through the Service that selects every node.
    expect(containerEnv(cluster, container(cluster, 'todo-api').container, 'o11y-lab').DATABASE_URL).toContain('@cockroachdb:26257/');
  });

  it('the single lab runs one node that advertises its stable name', () => {
    const script = container(objects, 'cockroachdb').container.args?.join(' ') ?? '';
    expect(get(objects, 'StatefulSet', 'cockroachdb').spec.replicas).toBe(1);
    expect(script).toContain('start-single-node');
    expect(script).toContain('--advertise-addr=$(hostname).cockroachdb-nodes:26257');
    expect(find(objects, 'Job', 'cockroachdb-init')).toBeUndefined();
  });
});
