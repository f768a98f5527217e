import { KubernetesAdapter } from '../shared/adapters/kubernetes/adapter';
import { KubernetesHttpClient } from '../shared/adapters/kubernetes/client';
import type { KubernetesObject, KubernetesPort } from '../shared/ports/kubernetes';
import { startFakeApiServer, status } from './kubernetes-api-server';
import type { FakeApiServer, RecordedRequest, Reply } from './kubernetes-api-server';

/** The status a rollout simulator answers for a workload object on its n-th read since the last apply. */
export type RolloutSimulator = (object: KubernetesObject, readsSinceApply: number) => Record<string, unknown> | undefined;

export interface FakeClusterOptions {
  /** Per workload name: how its status evolves. Default: complete on the first read. */
  rollout?: Record<string, RolloutSimulator>;
  /** Answers a request before the store does, e.g. to inject a 422 or a 500. */
  intercept?: (request: RecordedRequest) => Reply | undefined;
  /** Objects already in the cluster, by path. */
  seed?: Record<string, KubernetesObject>;
}

/** A stateful stand-in for a Kubernetes API server: stores what is applied, serves it back, simulates rollouts. */
export interface FakeCluster {
  server: FakeApiServer;
  port: KubernetesPort;
  /** The stored objects by REST path. */
  objects: Map<string, KubernetesObject>;
  /** Only the server-side apply requests (PATCH with apply-patch+yaml), in order. */
  applies(): RecordedRequest[];
  /** Applies that persisted (not dry runs), as `Kind namespace/name` read from the body. */
  appliedObjects(): string[];
  close(): Promise<void>;
}

/** A complete rollout of an object as stored. */
export function completeStatus(object: KubernetesObject): Record<string, unknown> {
  const spec = (object.spec ?? {}) as { replicas?: number };
  const replicas = spec.replicas ?? 1;
  const generation = object.metadata.generation ?? 1;
  if (object.kind === 'DaemonSet') {
    return { observedGeneration: generation, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberReady: 3 };
  }
  return {
    observedGeneration: generation,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    currentRevision: 'r2',
    updateRevision: 'r2',
  };
}

/** A rollout that never moves: one new replica created, never available. */
export const stalled: RolloutSimulator = (object) => ({
  observedGeneration: object.metadata.generation,
  replicas: 2,
  updatedReplicas: 1,
  readyReplicas: 1,
  availableReplicas: 1,
  conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }],
});

/** A rollout Kubernetes has given up on: Progressing=False, ProgressDeadlineExceeded. */
export const deadlineExceeded: RolloutSimulator = (object) => ({
  observedGeneration: object.metadata.generation,
  replicas: 2,
  updatedReplicas: 1,
  availableReplicas: 1,
  conditions: [
    {
      type: 'Progressing',
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: `ReplicaSet "${object.metadata.name}-7d9f" has timed out progressing.`,
    },
  ],
});

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/**
 * A node of an EKS managed node group as the API server serves it (Kubernetes API reference, Node
 * v1: `status.conditions[]` of type Ready with status "True"/"False"/"Unknown", reason and message;
 * EKS labels each managed node `eks.amazonaws.com/nodegroup: <name>`), keyed by its REST path.
 *
 * @example
 * const seed = { ...eksNode('ip-10-0-1-10.ec2.internal', 'nodes', true) };
 */
export function eksNode(name: string, nodeGroup: string, ready: boolean): Record<string, KubernetesObject> {
  const condition = ready
    ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
    : {
        type: 'Ready',
        status: 'False',
        reason: 'KubeletNotReady',
        message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady',
      };
  return {
    [`/api/v1/nodes/${name}`]: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'eks.amazonaws.com/nodegroup': nodeGroup, 'kubernetes.io/hostname': name } },
      status: { conditions: [{ type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' }, condition] },
    },
  };
}

/**
 * A pod as the API server serves it (Kubernetes API reference, Pod v1: `status.phase` and the
 * `Ready` condition), keyed by its REST path.
 *
 * @example
 * const seed = { ...podIn('kube-system', 'coredns-5d78c9869d-abcde', true) };
 */
export function podIn(namespace: string, name: string, ready: boolean, phase = ready ? 'Running' : 'Pending'): Record<string, KubernetesObject> {
  return {
    [`/api/v1/namespaces/${namespace}/pods/${name}`]: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace },
      status: {
        phase,
        conditions: [
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            ...(ready ? {} : { reason: 'ContainersNotReady', message: 'containers with unready status: [coredns]' }),
          },
        ],
      },
    },
  };
}

/**
 * An `intercept` that answers as kube-apiserver's RBAC does for a principal whose access policy
 * (EKS `AmazonEKSEditPolicy` scoped to `namespaces`) is bound in those namespaces only: anything in
 * another namespace, and any cluster-scoped request except reading its own Namespace objects, is a
 * 403 Forbidden Status naming the verb, resource, group and scope.
 *
 * @example
 * const cluster = await startFakeCluster({ intercept: namespaceScoped(['crypto-oms']) });
 */
export function namespaceScoped(
  namespaces: readonly string[],
  user = 'arn:aws:sts::111122223333:assumed-role/eks-pilot-prod-deploy/deploy-worker',
): (request: RecordedRequest) => Reply | undefined {
  return (request) => {
    const match = /^\/(?:api\/[^/]+|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(request.path);
    if (match === null) return undefined;
    const [, group = '', namespace, plural = '', name] = match;
    const verb = request.method === 'PATCH' ? 'patch' : request.method === 'DELETE' ? 'delete' : name === undefined ? 'list' : 'get';
    if (namespace !== undefined && namespaces.includes(namespace)) return undefined;
    // The namespace-scoped view/edit roles include get on the Namespace they are bound in.
    if (namespace === undefined && plural === 'namespaces' && verb === 'get' && name !== undefined && namespaces.includes(name)) return undefined;
    const resource = group === '' ? plural : `${plural}.${group}`;
    const scope = namespace === undefined ? 'at the cluster scope' : `in the namespace "${namespace}"`;
    const message = `${resource}${name === undefined ? '' : ` "${name}"`} is forbidden: User "${user}" cannot ${verb} resource "${plural}" in API group "${group}" ${scope}`;
    return status(403, 'Forbidden', message, { ...(name === undefined ? {} : { name }), ...(group === '' ? {} : { group }), kind: plural });
  };
}

/**
 * Starts a fake cluster on 127.0.0.1 and a real {@link KubernetesAdapter} over HTTP to it, so tests
 * assert the requests deploy sends at the HTTP level: method, path, content type, query and body.
 *
 * @example
 * const cluster = await startFakeCluster({ rollout: { web: deadlineExceeded } });
 * await run(cluster.port);
 * expect(cluster.appliedObjects()).toEqual(['Namespace shop', 'Deployment shop/web']);
 */
export async function startFakeCluster(options: FakeClusterOptions = {}): Promise<FakeCluster> {
  const objects = new Map<string, KubernetesObject>(Object.entries(options.seed ?? {}));
  const reads = new Map<string, number>();
  // What each field manager last applied to each path: the fields it owns (server-side apply).
  const lastApplied = new Map<string, KubernetesObject>();
  let resourceVersion = 100;
  const server = await startFakeApiServer((request) => {
    const intercepted = options.intercept?.(request);
    if (intercepted !== undefined) return intercepted;
    if (request.method === 'PATCH' && request.headers['content-type'] === 'application/apply-patch+yaml') {
      const applied = JSON.parse(request.body) as KubernetesObject;
      const existing = objects.get(request.path);
      const ownerKey = `${request.query.get('fieldManager') ?? ''} ${request.path}`;
      // A Job's pod template is immutable once created, as kube-apiserver's validation says.
      if (
        existing?.kind === 'Job' &&
        JSON.stringify((existing.spec as { template?: unknown } | undefined)?.template) !==
          JSON.stringify((applied.spec as { template?: unknown } | undefined)?.template)
      ) {
        const name = existing.metadata.name;
        return status(422, 'Invalid', `Job.batch "${name}" is invalid: spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable`, {
          name,
          group: 'batch',
          kind: 'Job',
          causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: core.PodTemplateSpec{...}: field is immutable', field: 'spec.template' }],
        });
      }
      const changed = existing === undefined || JSON.stringify(existing.spec) !== JSON.stringify(applied.spec);
      const merged: KubernetesObject = {
        ...existing,
        ...applied,
        metadata: {
          ...existing?.metadata,
          ...applied.metadata,
          // Server-side apply merges these maps key by key: keys another manager set (scale-watch's annotations) stay.
          ...mergedMap('labels', existing?.metadata.labels, applied.metadata.labels),
          ...mergedMap('annotations', existing?.metadata.annotations, applied.metadata.annotations),
          uid: existing?.metadata.uid ?? `uid-${objects.size + 1}`,
          resourceVersion: String(++resourceVersion),
          generation: (existing?.metadata.generation ?? 0) + (changed ? 1 : 0),
        },
        ...mergedWebhooks(existing, applied, lastApplied.get(ownerKey)),
      };
      if (request.query.get('dryRun') !== 'All') {
        objects.set(request.path, merged);
        reads.set(request.path, 0);
        lastApplied.set(ownerKey, applied);
      }
      return { status: existing === undefined ? 201 : 200, body: merged };
    }
    // An update (PUT) replaces the object, as kube-webhook-certgen's Update of a webhook configuration does.
    if (request.method === 'PUT') {
      const existing = objects.get(request.path);
      const name = request.path.split('/').at(-1) ?? '';
      if (existing === undefined) return status(404, 'NotFound', `"${name}" not found`, { name });
      const updated = JSON.parse(request.body) as KubernetesObject;
      const stored: KubernetesObject = {
        ...updated,
        metadata: { ...updated.metadata, uid: existing.metadata.uid, resourceVersion: String(++resourceVersion), generation: existing.metadata.generation },
      };
      objects.set(request.path, stored);
      return { status: 200, body: stored };
    }
    if (request.method === 'GET') {
      const stored = objects.get(request.path);
      if (stored !== undefined) {
        const count = (reads.get(request.path) ?? 0) + 1;
        reads.set(request.path, count);
        if (!WORKLOADS.has(stored.kind)) return { status: 200, body: stored };
        const simulate = options.rollout?.[stored.metadata.name];
        return { status: 200, body: { ...stored, status: simulate?.(stored, count) ?? completeStatus(stored) } };
      }
      const collection = [...objects.entries()].filter(([path]) => path.startsWith(`${request.path}/`) && !path.slice(request.path.length + 1).includes('/'));
      // The API server answers an empty list for a served resource with no objects (nodes of a cluster still starting).
      if (collection.length > 0 || /\/(deployments|configmaps|services|secrets|nodes|pods)$/.test(request.path)) {
        const selector = request.query.get('labelSelector');
        const items = collection.map(([, object]) => object).filter((object) => matches(object, selector));
        return { status: 200, body: { kind: 'List', apiVersion: 'v1', metadata: {}, items } };
      }
      const name = request.path.split('/').at(-1) ?? '';
      return status(404, 'NotFound', `"${name}" not found`, { name });
    }
    if (request.method === 'DELETE') {
      const stored = objects.get(request.path);
      const name = request.path.split('/').at(-1) ?? '';
      if (stored === undefined) return status(404, 'NotFound', `"${name}" not found`, { name });
      objects.delete(request.path);
      return { status: 200, body: stored };
    }
    return status(405, 'MethodNotAllowed', `${request.method} is not served by the fake`);
  });
  const client = new KubernetesHttpClient({ cluster: 'fake', server: server.url }, { token: () => Promise.resolve('fake-token') });
  const port = new KubernetesAdapter(client, { cluster: 'fake', server: server.url, via: 'kubeconfig' }, 'fake cluster');
  const applies = (): RecordedRequest[] =>
    server.requests.filter((request) => request.method === 'PATCH' && request.headers['content-type'] === 'application/apply-patch+yaml');
  return {
    server,
    port,
    objects,
    applies,
    appliedObjects: () =>
      applies()
        .filter((request) => request.query.get('dryRun') === null)
        .map((request) => {
          const object = JSON.parse(request.body) as KubernetesObject;
          return `${object.kind} ${object.metadata.namespace === undefined ? '' : `${object.metadata.namespace}/`}${object.metadata.name}`;
        }),
    close: async () => {
      client.close();
      await server.close();
    },
  };
}

/**
 * The `webhooks` of a webhook configuration after a server-side apply, as kube-apiserver merges
 * them: a map list keyed by `name` (Kubernetes API reference, MutatingWebhookConfiguration v1 and
 * ValidatingWebhookConfiguration v1: "Patch strategy: merge on key name"), each item merged field
 * by field. A field the applier sets is its; a field it set before and no longer sets goes; a field
 * only another manager set (kube-webhook-certgen's `clientConfig.caBundle`) stays. Other kinds:
 * nothing (the fake replaces their spec whole).
 */
function mergedWebhooks(existing: KubernetesObject | undefined, applied: KubernetesObject, previous: KubernetesObject | undefined): { webhooks?: unknown[] } {
  if (!Array.isArray(applied.webhooks) || !Array.isArray(existing?.webhooks)) return {};
  const byName = (list: unknown): Map<string, Record<string, unknown>> =>
    new Map((Array.isArray(list) ? (list as Record<string, unknown>[]) : []).map((item) => [String(item.name), item]));
  const before = byName(existing.webhooks);
  const owned = byName(previous?.webhooks);
  const appliedNames = new Set((applied.webhooks as Record<string, unknown>[]).map((item) => String(item.name)));
  const merged = (applied.webhooks as Record<string, unknown>[]).map((item) => mergeOwned(before.get(String(item.name)), item, owned.get(String(item.name))));
  // Items only another manager added stay; items this applier added and dropped go.
  const kept = [...before.entries()].filter(([name]) => !appliedNames.has(name) && !owned.has(name)).map(([, item]) => item);
  return { webhooks: [...merged, ...kept] };
}

function mergeOwned(existing: unknown, applied: unknown, previous: unknown): unknown {
  if (!isPlainObject(applied) || !isPlainObject(existing)) return applied;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(existing)) {
    if (!(key in applied) && !(isPlainObject(previous) && key in previous)) result[key] = value;
  }
  for (const [key, value] of Object.entries(applied)) {
    result[key] = mergeOwned(existing[key], value, isPlainObject(previous) ? previous[key] : undefined);
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergedMap(
  key: 'labels' | 'annotations',
  existing: Record<string, string> | undefined,
  applied: Record<string, string> | undefined,
): Record<string, Record<string, string>> {
  return existing === undefined && applied === undefined ? {} : { [key]: { ...existing, ...applied } };
}

function matches(object: KubernetesObject, selector: string | null): boolean {
  if (selector === null || selector === '') return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return key !== undefined && object.metadata.labels?.[key] === value;
  });
}
