/**
 * Every overlay of deploy/kubernetes renders with `kubectl kustomize`, every object validates
 * against the schemas of Kubernetes 1.36 (and the Prometheus Operator's CRDs), and passes the
 * kube-score-style policy checks. Also: the policy and schema checks catch what they promise to,
 * and docs/kubernetes.md quotes the sizes the manifests request. No cluster involved.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyProblems } from '../helpers/kube-policy.ts';
import { schemaProblems } from '../helpers/kube-schema.ts';
import {
  CLASSROOM,
  container,
  formatLabSize,
  get,
  labSize,
  OVERLAYS,
  podTemplates,
  renderLabs,
  type K8sObject,
  type OverlayName,
  type RenderedLabs,
} from '../helpers/kubernetes.ts';
import { REPO_ROOT } from '../helpers/process.ts';

/** Containers allowed a writable root filesystem, and why (kept short on purpose). */
const WRITABLE_ROOT = { grafana: 'Grafana writes logs and plugin files outside its data directory' };

let labs: RenderedLabs;
beforeAll(() => {
  labs = renderLabs();
});
afterAll(() => labs?.cleanup());

const clone = <T>(x: T): T => structuredClone(x);

/** Namespaces each overlay's objects belong to. */
const NAMESPACES: Record<OverlayName, string[]> = {
  single: ['o11y-lab'],
  cluster: ['o11y-lab'],
  classroom: CLASSROOM.learners.map((l) => `lab-${l}`),
  operator: ['o11y-lab'],
};

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  it('validates against the Kubernetes 1.36 schemas (kubernetes-models) and the Prometheus Operator CRDs', async () => {
    const objects = labs.overlays[overlay];
    expect(objects.length).toBeGreaterThan(25);
    const problems = (await Promise.all(objects.map(schemaProblems))).flat();
    expect(problems).toEqual([]);
  });

  it('passes the policy checks: probes, requests/limits, non-root, pinned images, PDB, selectors and references', () => {
    expect(policyProblems(labs.overlays[overlay], { writableRoot: WRITABLE_ROOT })).toEqual([]);
  });

  it('puts everything in the lab namespace(s), which it creates', () => {
    const objects = labs.overlays[overlay];
    const namespaces = NAMESPACES[overlay];
    for (const o of objects) {
      if (o.kind === 'Namespace') expect(namespaces, `${o.metadata.name}`).toContain(o.metadata.name);
      else expect(namespaces, `${o.kind} ${o.metadata.name}`).toContain(o.metadata.namespace);
    }
    expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name).sort()).toEqual([...namespaces].sort());
    for (const ns of objects.filter((o) => o.kind === 'Namespace')) {
      expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    }
  });
});

describe('the policy checks catch what they promise (each mutation of the single lab must be reported)', () => {
  const cases: [string, (objects: K8sObject[]) => void, RegExp][] = [
    ['a missing readiness probe', (o) => delete container(o, 'todo-api').container.readinessProbe, /todo-api has no readinessProbe/],
    ['a liveness probe on an undeclared port', (o) => ((container(o, 'portal').container.livenessProbe as { httpGet: { port: string } }).httpGet.port = 'metrics'), /livenessProbe of portal uses port metrics/],
    ['identical probes', (o) => (container(o, 'portal').container.livenessProbe = clone(container(o, 'portal').container.readinessProbe)), /probes are identical/],
    ['no memory limit', (o) => delete container(o, 'prometheus').container.resources?.limits?.memory, /prometheus has no memory limit/],
    ['an init container without requests', (o) => delete (get(o, 'Deployment', 'alertmanager', 'o11y-lab').spec.template.spec.initContainers[0] as { resources?: unknown }).resources, /config requests no cpu/],
    ['the latest tag', (o) => (container(o, 'grafana').container.image = 'grafana/grafana:latest'), /grafana\/grafana:latest of grafana is not pinned/],
    ['a floating major tag', (o) => (container(o, 'jaeger').container.image = 'jaegertracing/jaeger:2'), /not pinned/],
    ['root', (o) => (container(o, 'todo-api').pod.spec.securityContext.runAsUser = 0), /todo-api has no numeric non-root runAsUser/],
    ['no runAsNonRoot', (o) => delete container(o, 'load-generator').pod.spec.securityContext.runAsNonRoot, /load-generator is not runAsNonRoot/],
    ['a writable root filesystem', (o) => (container(o, 'portal').container.securityContext.readOnlyRootFilesystem = false), /portal has a writable root filesystem/],
    ['service links on', (o) => delete container(o, 'portal').pod.spec.enableServiceLinks, /service links are on/],
    ['a Service whose selector matches no pod', (o) => (get(o, 'Service', 'grafana').spec.selector = { 'app.kubernetes.io/name': 'grafna' }), /Service o11y-lab\/grafana: its selector .* matches no pod template/],
    ['a Service port the pods do not expose', (o) => (get(o, 'Service', 'jaeger').spec.ports[1].targetPort = 'otlp'), /Service o11y-lab\/jaeger: port otlp-grpc targets otlp/],
    ['an Ingress to a missing Service', (o) => (get(o, 'Ingress', 'lab').spec.rules[1].http.paths[0].backend.service.name = 'todo'), /goes to missing Service todo/],
    ['replicas beside an HPA', (o) => (get(o, 'Deployment', 'todo-api').spec.replicas = 2), /sets replicas although HorizontalPodAutoscaler/],
    ['three database nodes without a budget', (o) => (get(o, 'StatefulSet', 'cockroachdb').spec.replicas = 3), /3 replicas without a PodDisruptionBudget/],
    ['a missing Secret key', (o) => (container(o, 'todo-api').container.env?.find((e) => e.name === 'JWT_SECRET')?.valueFrom?.secretKeyRef ?? { key: '' }).key = 'JWT', /needs key JWT of Secret lab-secrets/],
    ['a mount of an undeclared volume', (o) => container(o, 'grafana').container.volumeMounts?.push({ name: 'plugins', mountPath: '/plugins' }), /mounts undeclared volume plugins/],
  ];
  it.each(cases)('%s', (_name, mutate, message) => {
    const objects = clone(labs.overlays.single);
    expect(policyProblems(objects, { writableRoot: WRITABLE_ROOT })).toEqual([]);
    mutate(objects);
    expect(policyProblems(objects, { writableRoot: WRITABLE_ROOT }).join('\n')).toMatch(message);
  });

  it('the schemas reject a wrong type, a missing required field, a removed API version and an unknown kind', async () => {
    const deployment = clone(get(labs.overlays.single, 'Deployment', 'portal'));
    deployment.spec.template.spec.containers[0].ports[0].containerPort = '8000';
    expect((await schemaProblems(deployment)).join()).toMatch(/containerPort must be integer/);
    const service = clone(get(labs.overlays.single, 'Service', 'portal'));
    delete service.spec.ports[0].port;
    expect((await schemaProblems(service)).join()).toMatch(/ports\/0 must have required property port/);
    const hpa = clone(get(labs.overlays.single, 'HorizontalPodAutoscaler', 'todo-api'));
    hpa.apiVersion = 'autoscaling/v2beta2';
    expect((await schemaProblems(hpa)).join()).toMatch(/autoscaling\/v2beta2 is not a stable API version/);
    const route = { ...clone(get(labs.overlays.single, 'Ingress', 'lab')), kind: 'IngressRoute' };
    expect((await schemaProblems(route)).join()).toMatch(/no schema for networking.k8s.io\/v1 IngressRoute/);
  });
});

describe('docs/kubernetes.md', () => {
  const docs = readFileSync(resolve(REPO_ROOT, 'docs/kubernetes.md'), 'utf8');

  it('quotes what one lab requests, per overlay, as the manifests compute it', () => {
    const sizes: [string, K8sObject[], string | undefined][] = [
      ['single', labs.overlays.single, undefined],
      ['cluster', labs.overlays.cluster, undefined],
      ['classroom (per learner)', labs.overlays.classroom, 'lab-alice'],
      ['single-operator', labs.overlays.operator, undefined],
    ];
    for (const [name, objects, ns] of sizes) {
      const row = `| ${name} | ${formatLabSize(labSize(objects, ns)).join(' | ')} |`;
      expect(docs, `docs/kubernetes.md should have the row\n${row}`).toContain(row);
    }
    // Every learner's lab is the same size.
    expect(labSize(labs.overlays.classroom, 'lab-bob')).toEqual(labSize(labs.overlays.classroom, 'lab-alice'));
  });

  it('names the schema package versions the tests validate with', () => {
    const version = (pkg: string) => (JSON.parse(readFileSync(resolve(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    expect(docs).toContain(`kubernetes-models ${version('kubernetes-models')}`);
    expect(docs).toContain(`@kubernetes-models/prometheus-operator ${version('@kubernetes-models/prometheus-operator')}`);
  });

  it('the todo API is the only autoscaled workload, and the lab has exactly one StatefulSet', () => {
    const objects = labs.overlays.single;
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.spec.scaleTargetRef.name)).toEqual(['todo-api']);
    expect(podTemplates(objects).filter((p) => p.owner.kind === 'StatefulSet').map((p) => p.owner.metadata.name)).toEqual(['cockroachdb']);
  });
});
