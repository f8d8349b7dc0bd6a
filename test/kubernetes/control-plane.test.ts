/**
 * The control plane's security (issue #12) as the manifests configure it: each app is built from
 * the environment its rendered container gets (the pod's fields filled in as the kubelet would),
 * and then answers the hosts a lab is reached by in Kubernetes: the Ingress hosts of LAB_DOMAIN,
 * its Service's in-cluster names, and its pod IP (the kubelet's probes, the coordinator of
 * distributed runs). Foreign hosts, and another learner's, are refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceById } from '@o11y/platform';
import { createLogger, createRegistry } from '@o11y/telemetry';
import { buildApp as buildLoadgen } from '../../apps/load-generator/src/app.ts';
import { readConfig as loadgenConfig } from '../../apps/load-generator/src/config.ts';
import { buildApp as buildPortal } from '../../apps/portal/src/app.ts';
import { readConfig as portalConfig } from '../../apps/portal/src/config.ts';
import { readConfig as todoConfig } from '../../apps/todo-api/src/config.ts';
import { CLASSROOM, container, containerEnv, generated, renderLabs, secretData, type Container, type K8sObject, type RenderedLabs } from '../helpers/kubernetes.ts';

const POD_IP = '10.244.1.7';
const OTHER_POD_IP = '10.244.9.9';

let labs: RenderedLabs;
const dirs: string[] = [];
beforeAll(() => {
  labs = renderLabs();
});
afterAll(() => {
  labs?.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The app's environment in the pod, with a fresh DATA_DIR (the pod's volume) and quiet logs. */
function podEnv(objects: K8sObject[], id: string, namespace: string): { env: Record<string, string>; container: Container } {
  const { container: c } = container(objects, id, namespace);
  const env = containerEnv(objects, c, namespace, { 'metadata.name': `${id}-7d9f8-abcde`, 'metadata.namespace': namespace, 'status.podIP': POD_IP });
  const dir = mkdtempSync(join(tmpdir(), `o11y-k8s-${id}-`));
  dirs.push(dir);
  return { env: { ...env, DATA_DIR: dir, LOG_LEVEL: 'silent', HEALTH_INTERVAL_MS: '60000' }, container: c };
}

function labToken(objects: K8sObject[], namespace: string): string {
  return secretData(generated(objects, 'Secret', 'lab-secrets', namespace)).LAB_TOKEN as string;
}

const port = (id: string) => serviceById(id).containerPort ?? serviceById(id).port;

describe('the control plane\'s names in the single lab', () => {
  const ns = 'o11y-lab';
  const domain = () => generated(labs.overlays.single, 'ConfigMap', 'lab-settings').data?.LAB_DOMAIN as string;

  it.each(['todo-api', 'load-generator', 'portal'])('%s answers to its Ingress host, its in-cluster names and its pod IP; not to others', (id) => {
    const { env } = podEnv(labs.overlays.single, id, ns);
    const read = { 'todo-api': todoConfig, 'load-generator': loadgenConfig, portal: portalConfig }[id] as (e: Record<string, string>) => { access: { hosts: { allows(h: string, p: number): boolean } } };
    const { hosts } = read(env).access;
    const ingress = id === 'portal' ? domain() : `${id}.${domain()}`;
    for (const [h, p] of [
      [ingress, 80],
      [ingress, 443],
      [id, port(id)],
      [`${id}.${ns}`, port(id)],
      [`${id}.${ns}.svc`, port(id)],
      [`${id}.${ns}.svc.cluster.local`, port(id)],
      [POD_IP, port(id)],
    ] as const) {
      expect(hosts.allows(h, p), `${id} answers to ${h}:${p}`).toBe(true);
    }
    for (const h of ['evil.example', `${id}.other-lab.svc.cluster.local`, OTHER_POD_IP, `${domain()}.evil.example`]) expect(hosts.allows(h, 80), `${id} refuses ${h}`).toBe(false);
  });
});

describe('probes, the coordinator and the Ingress hosts against the real apps (single lab)', () => {
  const ns = 'o11y-lab';
  const apps: FastifyInstance[] = [];
  afterAll(async () => {
    for (const a of apps) await a.close();
  });
  const build = async (id: 'load-generator' | 'portal') => {
    const { env, container: c } = podEnv(labs.overlays.single, id, ns);
    const quiet = { logger: createLogger({ name: id, level: 'silent' }), registry: createRegistry({ defaultMetrics: false }) };
    const app = id === 'portal' ? await buildPortal(portalConfig(env), quiet) : await buildLoadgen(loadgenConfig(env), quiet);
    apps.push(app);
    return { app, container: c, env };
  };

  it.each(['load-generator', 'portal'] as const)('%s: every kubelet probe passes with Host <pod IP>:<port>; the API answers the coordinator by pod IP and people by the Ingress host', async (id) => {
    const { app, container: c, env } = await build(id);
    const probes = [c.startupProbe, c.livenessProbe, c.readinessProbe].map((p) => p?.httpGet).filter((g) => g !== undefined);
    expect(probes).toHaveLength(3);
    for (const probe of probes) {
      const headers = Object.fromEntries((probe.httpHeaders ?? []).map((h) => [h.name.toLowerCase(), h.value]));
      const res = await app.inject({ url: probe.path, headers: { host: `${POD_IP}:${port(id)}`, 'user-agent': 'kube-probe/1.34', accept: '*/*', ...headers } });
      expect(res.statusCode, `${id} ${probe.path}: ${res.body}`).toBe(200);
    }
    const token = labToken(labs.overlays.single, ns);
    const api = id === 'portal' ? '/api/services' : '/api/runs';
    const auth = { authorization: `Bearer ${token}` };
    expect((await app.inject({ url: api, headers: { ...auth, host: `${POD_IP}:${port(id)}` } })).statusCode).toBe(200);
    const ingress = id === 'portal' ? env.LAB_DOMAIN : `${id}.${env.LAB_DOMAIN}`;
    expect((await app.inject({ url: api, headers: { ...auth, host: ingress } })).statusCode).toBe(200);
    expect((await app.inject({ url: api, headers: { ...auth, host: `${OTHER_POD_IP}:${port(id)}` } })).statusCode).toBe(403);
    expect((await app.inject({ url: api, headers: { host: ingress } })).statusCode).toBe(401);
    // The sign-in cookie is set for the lab's domain, so it reaches every other UI host.
    const login = await app.inject({ url: `/login?token=${encodeURIComponent(token)}`, headers: { host: ingress } });
    expect(login.statusCode).toBe(303);
    expect(login.headers['set-cookie']).toContain(`; Domain=${env.LAB_DOMAIN};`);
  });
});

describe('a classroom: each learner\'s lab answers to its own hosts only', () => {
  it('alice\'s load generator takes alice\'s Ingress host and token, not bob\'s', () => {
    const [alice, bob] = CLASSROOM.learners;
    const objects = labs.overlays.classroom;
    const { env } = podEnv(objects, 'load-generator', `lab-${alice}`);
    const config = loadgenConfig(env);
    expect(config.access.hosts.allows(`load-generator.${alice}.${CLASSROOM.domain}`, 80)).toBe(true);
    expect(config.access.hosts.allows(`load-generator.${bob}.${CLASSROOM.domain}`, 80)).toBe(false);
    expect(config.access.hosts.allows(`load-generator.lab-${alice}.svc.cluster.local`, 8081)).toBe(true);
    expect(config.access.hosts.allows(`load-generator.lab-${bob}.svc.cluster.local`, 8081)).toBe(false);
    expect(config.access.cookieDomain).toBe(`${alice}.${CLASSROOM.domain}`);
    expect(config.access.labToken).toBe(labToken(objects, `lab-${alice}`));
    expect(config.access.labToken).not.toBe(labToken(objects, `lab-${bob}`));
  });
});
