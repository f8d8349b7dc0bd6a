/**
 * Validates rendered objects against the OpenAPI schemas of a Kubernetes release, as compiled
 * JSON-schema validators by the kubernetes-models packages (tommy351/kubernetes-models-ts):
 * kubernetes-models carries the built-in API groups, @kubernetes-models/prometheus-operator the
 * monitoring.coreos.com CRDs. Like the API server without strict field validation, the schemas
 * accept unknown fields: a misspelt field is caught by the policy checks of what it was meant to
 * set (a probe, a limit, a securityContext field).
 *
 * kubernetes-models also keeps the schemas of API versions that Kubernetes has since removed
 * (extensions/v1beta1, autoscaling/v2beta2, …), so the API versions are checked on their own:
 * only the stable ones below, served by every supported release, are accepted.
 */
import type { K8sObject } from './kubernetes.ts';

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

const cache = new Map<string, Promise<ModelClass>>();

function modulePath(apiVersion: string, kind: string): string {
  if (!/^[a-z0-9.]*\/?v[0-9a-z]+$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) throw new Error(`bad apiVersion/kind ${apiVersion} ${kind}`);
  if (apiVersion.startsWith('monitoring.coreos.com/')) return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

async function model(apiVersion: string, kind: string): Promise<ModelClass> {
  const path = modulePath(apiVersion, kind);
  let m = cache.get(path);
  if (!m) {
    m = import(path).then(
      (mod: Record<string, ModelClass>) => {
        const cls = mod[kind];
        if (!cls) throw new Error(`${path} exports no ${kind}`);
        return cls;
      },
      () => {
        throw new Error(`no schema for ${apiVersion} ${kind}: not an API of the Kubernetes release (or CRD) validated against`);
      },
    );
    cache.set(path, m);
  }
  return m;
}

/** GA API groups/versions, served by Kubernetes 1.34 to 1.36 (and the operator's CRD group). */
export const STABLE_API_VERSIONS = ['v1', 'apps/v1', 'batch/v1', 'autoscaling/v2', 'policy/v1', 'networking.k8s.io/v1', 'monitoring.coreos.com/v1'];

/** Problems of one object against its schema (empty when valid). */
export async function schemaProblems(o: K8sObject): Promise<string[]> {
  if (!STABLE_API_VERSIONS.includes(o.apiVersion)) return [`${o.kind} ${o.metadata?.name}: ${o.apiVersion} is not a stable API version served by every supported Kubernetes release`];
  try {
    const Cls = await model(o.apiVersion, o.kind);
    new Cls(o).validate();
    return [];
  } catch (err) {
    return [`${o.kind} ${o.metadata?.name}: ${(err as Error).message}`];
  }
}
