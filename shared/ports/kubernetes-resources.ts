/**
 * REST paths for the kinds deploy and scale-watch touch, from a static table rather than API
 * discovery: one fewer round trip per API group on every cold start, and a kind we never meant to
 * touch is refused before any request leaves.
 */
import { InvalidObjectError, UnsupportedKindError } from './kubernetes-errors';

/** How one kind maps onto the REST API. */
export interface ResourceType {
  /** API group; '' for the core group (`apiVersion: v1`). */
  group: string;
  kind: string;
  /** The lower-case plural in the URL (`horizontalpodautoscalers`). */
  plural: string;
  /** False for cluster-scoped kinds (Namespace). */
  namespaced: boolean;
  /** Read only (validate lists them): never applied, patched, deleted or pruned. */
  readOnly?: true;
  /** Only platform components apply it (RBAC, IngressClass, webhooks): workloads' namespace-scoped access neither writes nor lists it. */
  platformOnly?: true;
}

/** Every kind this layer maps, in the order deploy applies them. Any served version of the group works. */
export const KNOWN_KINDS: readonly ResourceType[] = [
  { group: '', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { group: '', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
  { group: '', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { group: '', kind: 'Secret', plural: 'secrets', namespaced: true },
  { group: '', kind: 'Service', plural: 'services', namespaced: true },
  { group: 'apps', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { group: 'apps', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true },
  { group: 'apps', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true },
  { group: 'batch', kind: 'Job', plural: 'jobs', namespaced: true },
  { group: 'batch', kind: 'CronJob', plural: 'cronjobs', namespaced: true },
  { group: 'autoscaling', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', namespaced: true },
  { group: 'policy', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true },
  { group: 'networking.k8s.io', kind: 'Ingress', plural: 'ingresses', namespaced: true },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true },
  { group: 'keda.sh', kind: 'ScaledObject', plural: 'scaledobjects', namespaced: true },
  // What platform components apply besides (deploy's workloads are namespace-scoped and do not).
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false, platformOnly: true },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false, platformOnly: true },
  { group: 'rbac.authorization.k8s.io', kind: 'Role', plural: 'roles', namespaced: true, platformOnly: true },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true, platformOnly: true },
  // EKS Auto Mode's load balancing reads an IngressClass's settings from this
  // (EKS User Guide, "Create an IngressClass to configure an Application Load Balancer").
  { group: 'eks.amazonaws.com', kind: 'IngressClassParams', plural: 'ingressclassparams', namespaced: false, platformOnly: true },
  { group: 'networking.k8s.io', kind: 'IngressClass', plural: 'ingressclasses', namespaced: false, platformOnly: true },
  {
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingWebhookConfiguration',
    plural: 'validatingwebhookconfigurations',
    namespaced: false,
    platformOnly: true,
  },
  // A controller's own kinds (the AWS Load Balancer Controller's), cluster-scoped (Kubernetes API
  // reference: CustomResourceDefinition v1, MutatingWebhookConfiguration v1).
  { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false, platformOnly: true },
  {
    group: 'admissionregistration.k8s.io',
    kind: 'MutatingWebhookConfiguration',
    plural: 'mutatingwebhookconfigurations',
    namespaced: false,
    platformOnly: true,
  },
  // The AWS Load Balancer Controller's IngressClass settings: its CRD ingressclassparams.elbv2.k8s.aws has `scope: Cluster`.
  { group: 'elbv2.k8s.aws', kind: 'IngressClassParams', plural: 'ingressclassparams', namespaced: false, platformOnly: true },
];

/** Kinds only read, by `eks-pilot validate` and provision's validation: nodes and their pods. */
export const READ_ONLY_KINDS: readonly ResourceType[] = [
  { group: '', kind: 'Node', plural: 'nodes', namespaced: false, readOnly: true },
  { group: '', kind: 'Pod', plural: 'pods', namespaced: true, readOnly: true },
];

const BY_GROUP_KIND = new Map([...KNOWN_KINDS, ...READ_ONLY_KINDS].map((type) => [`${type.group}/${type.kind}`, type]));

/** A {@link ResourceType} with the version the caller asked for. */
export interface ResolvedResource extends ResourceType {
  version: string;
  /** `/api/v1` or `/apis/<group>/<version>`. */
  groupVersionPath: string;
}

/**
 * Splits an `apiVersion` into group and version and finds the kind in {@link KNOWN_KINDS}.
 *
 * @throws UnsupportedKindError for a kind not in the table, or a known kind under another group.
 * @example
 * resourceFor('autoscaling/v2', 'HorizontalPodAutoscaler').plural; // 'horizontalpodautoscalers'
 * resourceFor('v1', 'Namespace').namespaced; // false
 */
export function resourceFor(apiVersion: string, kind: string): ResolvedResource {
  const slash = apiVersion.indexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  const version = slash === -1 ? apiVersion : apiVersion.slice(slash + 1);
  const type = BY_GROUP_KIND.get(`${group}/${kind}`);
  if (type === undefined || version === '' || version.includes('/')) {
    // IngressClassParams is in two groups (EKS Auto Mode's and the AWS Load Balancer Controller's): name each.
    const sameKind = KNOWN_KINDS.filter((known) => known.kind === kind);
    const hint =
      sameKind.length === 0
        ? `known kinds: ${[...new Set(KNOWN_KINDS.map((known) => known.kind))].join(', ')}`
        : sameKind
            .map(
              (known) =>
                `${kind} belongs to the API group "${known.group || 'core'}" (e.g. apiVersion ${known.group === '' ? 'v1' : `${known.group}/<version>`})`,
            )
            .join(' or ');
    throw new UnsupportedKindError(`eks-pilot does not know the kind ${kind} in apiVersion "${apiVersion}": ${hint}`, {
      context: { apiVersion, kind },
    });
  }
  const groupVersionPath = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  return { ...type, version, groupVersionPath };
}

/**
 * The REST path of one object, or of a collection when `name` is omitted. `namespace` is required
 * for a namespaced kind's object, ignored for a cluster-scoped kind, and optional for a namespaced
 * collection (omitted: across all namespaces).
 *
 * @throws UnsupportedKindError for an unknown kind; InvalidObjectError when a namespace is missing.
 * @example
 * resourcePath('apps/v1', 'Deployment', 'shop', 'web'); // '/apis/apps/v1/namespaces/shop/deployments/web'
 * resourcePath('v1', 'Namespace', undefined, 'shop');   // '/api/v1/namespaces/shop'
 * resourcePath('keda.sh/v1alpha1', 'ScaledObject');     // '/apis/keda.sh/v1alpha1/scaledobjects'
 */
export function resourcePath(apiVersion: string, kind: string, namespace?: string, name?: string): string {
  const resource = resourceFor(apiVersion, kind);
  if (name !== undefined && name === '') {
    throw new InvalidObjectError(`${kind} has an empty name`, { context: { apiVersion, kind, namespace } });
  }
  let path = resource.groupVersionPath;
  if (resource.namespaced && namespace !== undefined && namespace !== '') {
    path += `/namespaces/${encodeURIComponent(namespace)}`;
  } else if (resource.namespaced && name !== undefined) {
    throw new InvalidObjectError(`${kind} "${name}" needs a namespace: ${kind} is a namespaced kind`, {
      context: { apiVersion, kind, name },
    });
  }
  path += `/${resource.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  return path;
}
