/**
 * Policy checks on rendered manifests, the way kube-score does them (no cluster needed):
 * probes, requests and limits, non-root and locked-down containers, pinned images, a
 * PodDisruptionBudget for replicated stateful workloads, and references that resolve (Service
 * selectors and ports, Ingress backends, HPA targets, ConfigMap/Secret/volume references).
 * Returns one readable line per problem, so a test shows all of them at once.
 */
import { bytes, cpuMillis, podTemplates, selects, type Container, type K8sObject, type PodTemplate, type Probe } from './kubernetes.ts';

export interface PolicyOptions {
  /** Containers allowed a writable root filesystem, by name, each with the reason. */
  writableRoot?: Record<string, string>;
}

const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** An exact release tag (v1.2.3, 13.2.0) or a digest: never `latest`, never a floating major. */
const PINNED = /^[^:@\s]+(:v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$|^[^@\s]+@sha256:[0-9a-f]{64}$/;
/** kubectl apply keeps the whole object in an annotation limited to 256 KiB. */
const MAX_APPLIED_BYTES = 256 * 1024;

function where(o: K8sObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

function portOf(c: Container, port: number | string): boolean {
  return (c.ports ?? []).some((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
}

function probeProblems(at: string, c: Container, name: string, probe: Probe | undefined): string[] {
  if (!probe) return [`${at}: container ${c.name} has no ${name}`];
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
  if (port !== undefined && !portOf(c, port)) return [`${at}: ${name} of ${c.name} uses port ${port}, which the container does not declare`];
  if (probe.httpGet && !probe.httpGet.path.startsWith('/')) return [`${at}: ${name} of ${c.name} has a relative path`];
  return [];
}

function containerProblems(at: string, pod: PodTemplate, c: Container, init: boolean, opts: PolicyOptions): string[] {
  const out: string[] = [];
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  for (const r of ['cpu', 'memory']) {
    if (!req[r]) out.push(`${at}: container ${c.name} requests no ${r}`);
    if (!lim[r]) out.push(`${at}: container ${c.name} has no ${r} limit`);
  }
  if (req.cpu && lim.cpu && cpuMillis(lim.cpu) < cpuMillis(req.cpu)) out.push(`${at}: ${c.name}'s cpu limit is below its request`);
  if (req.memory && lim.memory && bytes(lim.memory) < bytes(req.memory)) out.push(`${at}: ${c.name}'s memory limit is below its request`);

  if (!PINNED.test(c.image)) out.push(`${at}: image ${c.image} of ${c.name} is not pinned to an exact version`);

  const sc = c.securityContext ?? {};
  const podSc = pod.spec.securityContext ?? {};
  const user = sc.runAsUser ?? podSc.runAsUser;
  if (!(sc.runAsNonRoot ?? podSc.runAsNonRoot)) out.push(`${at}: ${c.name} is not runAsNonRoot`);
  if (typeof user !== 'number' || user === 0) out.push(`${at}: ${c.name} has no numeric non-root runAsUser (the kubelet cannot check a named image user)`);
  if ((sc.seccompProfile ?? podSc.seccompProfile)?.type !== 'RuntimeDefault') out.push(`${at}: ${c.name} has no RuntimeDefault seccomp profile`);
  if (sc.allowPrivilegeEscalation !== false) out.push(`${at}: ${c.name} allows privilege escalation`);
  if (sc.privileged) out.push(`${at}: ${c.name} is privileged`);
  if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${at}: ${c.name} does not drop ALL capabilities`);
  if (sc.readOnlyRootFilesystem !== true && !opts.writableRoot?.[c.name]) out.push(`${at}: ${c.name} has a writable root filesystem`);

  const isJob = pod.owner.kind === 'Job';
  if (!init && !isJob) {
    out.push(...probeProblems(at, c, 'readinessProbe', c.readinessProbe), ...probeProblems(at, c, 'livenessProbe', c.livenessProbe));
    if (c.readinessProbe && JSON.stringify(c.readinessProbe) === JSON.stringify(c.livenessProbe)) {
      out.push(`${at}: ${c.name}'s liveness and readiness probes are identical (a slow dependency would restart it)`);
    }
    if (c.startupProbe) out.push(...probeProblems(at, c, 'startupProbe', c.startupProbe));
  }
  const volumes = new Set([...(pod.spec.volumes ?? []).map((v: { name: string }) => v.name), ...((pod.owner.spec?.volumeClaimTemplates ?? []) as K8sObject[]).map((t) => t.metadata.name)]);
  for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) out.push(`${at}: ${c.name} mounts undeclared volume ${m.name}`);
  return out;
}

function referenceProblems(objects: K8sObject[], at: string, pod: PodTemplate): string[] {
  const out: string[] = [];
  const ns = pod.namespace;
  const lookup = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === ns);
  const keyExists = (kind: 'ConfigMap' | 'Secret', name: string, key: string) => Object.hasOwn(lookup(kind, name)?.data ?? {}, key);
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const from of c.envFrom ?? []) {
      const ref = from.configMapRef ? (['ConfigMap', from.configMapRef] as const) : from.secretRef ? (['Secret', from.secretRef] as const) : undefined;
      if (ref && !ref[1].optional && !lookup(ref[0], ref[1].name)) out.push(`${at}: ${c.name} takes its env from missing ${ref[0]} ${ref[1].name}`);
    }
    for (const v of c.env ?? []) {
      const cm = v.valueFrom?.configMapKeyRef;
      const sec = v.valueFrom?.secretKeyRef;
      if (cm && !cm.optional && !keyExists('ConfigMap', cm.name, cm.key)) out.push(`${at}: ${c.name}'s ${v.name} needs key ${cm.key} of ConfigMap ${cm.name}`);
      if (sec && !sec.optional && !keyExists('Secret', sec.name, sec.key)) out.push(`${at}: ${c.name}'s ${v.name} needs key ${sec.key} of Secret ${sec.name}`);
    }
  }
  for (const v of pod.spec.volumes ?? []) {
    if (v.configMap && !lookup('ConfigMap', v.configMap.name)) out.push(`${at}: volume ${v.name} needs missing ConfigMap ${v.configMap.name}`);
    if (v.secret && !lookup('Secret', v.secret.secretName)) out.push(`${at}: volume ${v.name} needs missing Secret ${v.secret.secretName}`);
    if (v.persistentVolumeClaim && !lookup('PersistentVolumeClaim', v.persistentVolumeClaim.claimName)) {
      out.push(`${at}: volume ${v.name} needs missing PersistentVolumeClaim ${v.persistentVolumeClaim.claimName}`);
    }
  }
  return out;
}

function serviceProblems(objects: K8sObject[], pods: PodTemplate[]): string[] {
  const out: string[] = [];
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    if (svc.spec?.type === 'ExternalName') continue;
    const selector = (svc.spec?.selector ?? {}) as Record<string, string>;
    if (Object.keys(selector).length === 0) {
      out.push(`${where(svc)}: no selector (no endpoints would ever be found)`);
      continue;
    }
    const selected = pods.filter((p) => p.namespace === svc.metadata.namespace && p.owner.kind !== 'Job' && selects(selector, p.labels));
    if (selected.length === 0) {
      out.push(`${where(svc)}: its selector ${JSON.stringify(selector)} matches no pod template`);
      continue;
    }
    for (const port of (svc.spec?.ports ?? []) as { name?: string; port: number; targetPort?: number | string }[]) {
      const target = port.targetPort ?? port.port;
      for (const p of selected) {
        if (!p.spec.containers.some((c) => portOf(c, target))) out.push(`${where(svc)}: port ${port.name ?? port.port} targets ${target}, which ${where(p.owner)} does not expose`);
      }
    }
  }
  return out;
}

function ingressProblems(objects: K8sObject[]): string[] {
  const out: string[] = [];
  for (const ing of objects.filter((o) => o.kind === 'Ingress')) {
    for (const rule of ing.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const b = path.backend?.service as { name: string; port: { name?: string; number?: number } } | undefined;
        const svc = b && objects.find((o) => o.kind === 'Service' && o.metadata.name === b.name && o.metadata.namespace === ing.metadata.namespace);
        if (!svc) {
          out.push(`${where(ing)}: ${rule.host}${path.path} goes to missing Service ${b?.name}`);
          continue;
        }
        const ok = (svc.spec?.ports ?? []).some((p: { name?: string; port: number }) => (b.port.name ? p.name === b.port.name : p.port === b.port.number));
        if (!ok) out.push(`${where(ing)}: ${rule.host}${path.path} goes to a port Service ${b.name} does not have`);
      }
    }
  }
  return out;
}

function workloadProblems(objects: K8sObject[], pods: PodTemplate[]): string[] {
  const out: string[] = [];
  for (const p of pods) {
    const sel = p.owner.spec?.selector;
    if (sel && !selects(sel, p.labels)) out.push(`${where(p.owner)}: its selector does not match its own pod template`);
  }
  for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const t = hpa.spec.scaleTargetRef as { kind: string; name: string };
    const target = objects.find((o) => o.kind === t.kind && o.metadata.name === t.name && o.metadata.namespace === hpa.metadata.namespace);
    if (!target) {
      out.push(`${where(hpa)}: scales missing ${t.kind} ${t.name}`);
      continue;
    }
    if (target.spec.replicas !== undefined) out.push(`${where(target)}: sets replicas although ${where(hpa)} owns them (every apply would reset the scale)`);
    if (hpa.spec.minReplicas > hpa.spec.maxReplicas) out.push(`${where(hpa)}: minReplicas above maxReplicas`);
  }
  const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  for (const b of budgets) {
    if (!pods.some((p) => p.namespace === b.metadata.namespace && selects(b.spec.selector, p.labels))) out.push(`${where(b)}: selects no pods`);
  }
  for (const sts of objects.filter((o) => o.kind === 'StatefulSet')) {
    const labels = sts.spec.template.metadata.labels as Record<string, string>;
    if ((sts.spec.replicas ?? 1) > 1 && !budgets.some((b) => b.metadata.namespace === sts.metadata.namespace && selects(b.spec.selector, labels))) {
      out.push(`${where(sts)}: ${sts.spec.replicas} replicas without a PodDisruptionBudget`);
    }
    const headless = objects.find((o) => o.kind === 'Service' && o.metadata.name === sts.spec.serviceName && o.metadata.namespace === sts.metadata.namespace);
    if (!headless || headless.spec.clusterIP !== 'None') out.push(`${where(sts)}: serviceName ${sts.spec.serviceName} is not a headless Service`);
  }
  return out;
}

/** Every problem found in a set of rendered objects; empty when they pass. */
export function policyProblems(objects: K8sObject[], opts: PolicyOptions = {}): string[] {
  const out: string[] = [];
  const pods = podTemplates(objects);
  for (const o of objects) {
    if (!DNS_1123.test(o.metadata.name)) out.push(`${where(o)}: name is not a DNS-1123 name`);
    if ((o.kind === 'ConfigMap' || o.kind === 'Secret') && Buffer.byteLength(JSON.stringify(o)) > MAX_APPLIED_BYTES) {
      out.push(`${where(o)}: larger than kubectl apply's 256 KiB annotation`);
    }
  }
  for (const pod of pods) {
    const at = where(pod.owner);
    if (pod.spec.enableServiceLinks !== false) out.push(`${at}: service links are on (they set TODO_API_PORT=tcp://… and the like, which the apps read as ports)`);
    if (pod.spec.automountServiceAccountToken !== false) out.push(`${at}: mounts a service account token it does not need`);
    for (const c of pod.spec.initContainers ?? []) out.push(...containerProblems(at, pod, c, true, opts));
    for (const c of pod.spec.containers) out.push(...containerProblems(at, pod, c, false, opts));
    out.push(...referenceProblems(objects, at, pod));
  }
  return [...out, ...serviceProblems(objects, pods), ...ingressProblems(objects), ...workloadProblems(objects, pods)];
}
