/**
 * Whether a converged cluster is usable, as `kops validate cluster` asks it: read-only, through the
 * Kubernetes API and EKS. Each node group has Ready nodes within its bounds (EKS labels a managed
 * node `eks.amazonaws.com/nodegroup: <name>`), every node is Ready, the kube-system pods (and any
 * other namespaces named) are Ready, and every add-on of the spec is ACTIVE with no health issue
 * (DescribeAddon `status`, `health.issues`). The answer is `Validated`, or `Unhealthy` with one line
 * per failure. The reads need only a view of the cluster: an access entry with
 * `AmazonEKSAdminViewPolicy` at cluster scope (nodes are cluster-scoped; `AmazonEKSViewPolicy`, the
 * Kubernetes `view` role, does not cover them), and `eks:DescribeAddon`.
 */
import type { Addon } from '@aws-sdk/client-eks';
import { errorText } from '../../shared/errors';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import type { EksReads } from '../../shared/ports/eks';
import type { KubernetesObject, KubernetesPort } from '../../shared/ports/kubernetes';
import { KubernetesAccessError } from '../../shared/ports/kubernetes-errors';

/** The label EKS puts on every node of a managed node group. */
export const NODEGROUP_LABEL = 'eks.amazonaws.com/nodegroup';

/** The namespaces validated when none are named: what every EKS cluster runs its system pods in. */
export const SYSTEM_NAMESPACES = ['kube-system'] as const;

export type ValidationStatus = 'Validated' | 'Unhealthy';

/** One thing that fails, as `kops validate cluster` lists them: its kind, its name, what is wrong. */
export interface ValidationFailure {
  kind: 'Node' | 'NodeGroup' | 'Pod' | 'Addon' | 'Read';
  name: string;
  message: string;
  /** A read the API refused (401/403): the reading role lacks its access entry, which no wait fixes. */
  denied?: true;
}

export interface ValidationReport {
  cluster: string;
  region: string;
  status: ValidationStatus;
  failures: ValidationFailure[];
  /** What was looked at, so a Validated with nothing checked reads as such. */
  checked: { nodeGroups: number; nodes: number; pods: number; addons: number };
}

/** What validation reads: every node, the pods of the validated namespaces, each spec add-on (null: not installed). */
export interface ValidationObserved {
  nodes: readonly KubernetesObject[];
  pods: readonly KubernetesObject[];
  addons: Readonly<Record<string, Addon | null>>;
  /** Reads that failed: reported as failures, the rest still assessed. */
  unread?: readonly ValidationFailure[];
}

interface Condition {
  type?: unknown;
  status?: unknown;
  reason?: unknown;
  message?: unknown;
}

/**
 * Assesses what was read against the spec. Pure.
 *
 * @example
 * assessCluster(spec, { nodes, pods, addons }).failures;
 * // [{ kind: 'Node', name: 'ip-10-0-1-12.ec2.internal', message: 'node ip-10-0-1-12.ec2.internal of node group nodes is not Ready (...)' }]
 */
export function assessCluster(spec: ClusterSpec, observed: ValidationObserved): ValidationReport {
  const failures: ValidationFailure[] = [...(observed.unread ?? [])];
  for (const node of observed.nodes) {
    const ready = readyCondition(node);
    if (ready?.status === 'True') continue;
    const group = node.metadata.labels?.[NODEGROUP_LABEL];
    const of = group === undefined ? '' : ` of node group ${group}`;
    failures.push({ kind: 'Node', name: node.metadata.name, message: `node ${node.metadata.name}${of} is not Ready${why(ready)}` });
  }
  for (const group of spec.nodeGroups) {
    const members = observed.nodes.filter((node) => node.metadata.labels?.[NODEGROUP_LABEL] === group.name);
    const ready = members.filter((node) => readyCondition(node)?.status === 'True').length;
    const { min, max } = group.scaling;
    if (ready < min) {
      failures.push({
        kind: 'NodeGroup',
        name: group.name,
        message: `node group ${group.name} has ${ready} Ready of ${members.length} node(s), fewer than its minimum ${min}`,
      });
    }
    if (members.length > max) {
      failures.push({ kind: 'NodeGroup', name: group.name, message: `node group ${group.name} has ${members.length} nodes, more than its maximum ${max}` });
    }
  }
  for (const pod of observed.pods) {
    const phase = (pod.status as { phase?: unknown } | undefined)?.phase;
    // A completed pod (a Job's) is done, not unhealthy.
    if (phase === 'Succeeded') continue;
    const ready = readyCondition(pod);
    if (phase === 'Running' && ready?.status === 'True') continue;
    const name = `${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
    failures.push({ kind: 'Pod', name, message: `pod ${name} is not Ready (phase ${typeof phase === 'string' ? phase : 'unknown'}${reasonText(ready)})` });
  }
  for (const addon of spec.addons) {
    const found = observed.addons[addon.name];
    if (found === undefined) continue;
    if (found === null) {
      failures.push({ kind: 'Addon', name: addon.name, message: `add-on ${addon.name} is not installed` });
      continue;
    }
    if (found.status !== 'ACTIVE')
      failures.push({ kind: 'Addon', name: addon.name, message: `add-on ${addon.name} is ${found.status ?? 'of unknown status'}, not ACTIVE` });
    for (const issue of found.health?.issues ?? []) {
      const resources = issue.resourceIds?.length ? ` (${issue.resourceIds.join(', ')})` : '';
      failures.push({
        kind: 'Addon',
        name: addon.name,
        message: `add-on ${addon.name}: ${issue.code ?? 'issue'}: ${issue.message ?? 'no message'}${resources}`,
      });
    }
  }
  return {
    cluster: spec.name,
    region: spec.region,
    status: failures.length === 0 ? 'Validated' : 'Unhealthy',
    failures,
    checked: { nodeGroups: spec.nodeGroups.length, nodes: observed.nodes.length, pods: observed.pods.length, addons: spec.addons.length },
  };
}

/**
 * Reads the cluster (nodes, the pods of `namespaces`, each spec add-on) and assesses it. A read that
 * fails (403 without the view access entry, the API unreachable) is a failure naming the read, never
 * a thrown error, so a fleet's other clusters are still validated.
 *
 * @example
 * const report = await validateCluster(spec, { eks, k8s });
 * report.status; // 'Validated'
 */
export async function validateCluster(
  spec: ClusterSpec,
  ports: { eks: Pick<EksReads, 'describeAddon'>; k8s: KubernetesPort },
  namespaces: readonly string[] = SYSTEM_NAMESPACES,
): Promise<ValidationReport> {
  const unread: ValidationFailure[] = [];
  const read = async <T>(name: string, what: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await what();
    } catch (error) {
      unread.push({
        kind: 'Read',
        name,
        message: `cannot read ${name}: ${errorText(error)}`,
        ...(error instanceof KubernetesAccessError ? { denied: true as const } : {}),
      });
      return fallback;
    }
  };
  const nodes = await read('nodes', () => ports.k8s.list('v1', 'Node'), []);
  const pods: KubernetesObject[] = [];
  for (const namespace of namespaces) pods.push(...(await read(`pods in ${namespace}`, () => ports.k8s.list('v1', 'Pod', namespace), [])));
  const addons: Record<string, Addon | null> = {};
  for (const addon of spec.addons) {
    const found = await read(`add-on ${addon.name}`, () => ports.eks.describeAddon(spec.name, addon.name), undefined);
    if (found !== undefined) addons[addon.name] = found;
  }
  return assessCluster(spec, { nodes, pods, addons, unread });
}

/**
 * {@link validateCluster} through a connection made on demand: a cluster whose Kubernetes API
 * cannot be reached (no endpoint yet, DescribeCluster refused) is Unhealthy with that failure, never
 * a thrown error.
 *
 * @example
 * await validateReachable(spec, eks, () => connectToCluster({ clusterName: spec.name, region: spec.region, eks }));
 */
export async function validateReachable(
  spec: ClusterSpec,
  eks: Pick<EksReads, 'describeAddon'>,
  connect: () => Promise<KubernetesPort>,
): Promise<ValidationReport> {
  let k8s: KubernetesPort;
  try {
    k8s = await connect();
  } catch (error) {
    return assessCluster(spec, {
      nodes: [],
      pods: [],
      addons: {},
      unread: [
        {
          kind: 'Read',
          name: 'cluster',
          message: `cannot reach the Kubernetes API: ${errorText(error)}`,
          ...(error instanceof KubernetesAccessError ? { denied: true as const } : {}),
        },
      ],
    });
  }
  return validateCluster(spec, { eks, k8s });
}

/**
 * A report as a person reads it: the status line, then one line per failure.
 *
 * @example
 * renderValidation(report);
 * // 'cluster kops (us-east-1): Unhealthy\n  Node ip-10-0-1-12.ec2.internal: node ... is not Ready (KubeletNotReady: ...)\n'
 */
export function renderValidation(report: ValidationReport): string {
  const { nodeGroups, nodes, pods, addons } = report.checked;
  const checked = `${nodeGroups} node group(s), ${nodes} node(s), ${pods} pod(s), ${addons} add-on(s)`;
  const head = `cluster ${report.cluster} (${report.region}): ${report.status}${report.status === 'Validated' ? ` (${checked})` : ''}\n`;
  return head + report.failures.map((failure) => `  ${failure.kind} ${failure.name}: ${failure.message}\n`).join('');
}

function readyCondition(object: KubernetesObject): Condition | undefined {
  const conditions = (object.status as { conditions?: unknown } | undefined)?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  return (conditions as Condition[]).find((condition) => condition.type === 'Ready');
}

function why(condition: Condition | undefined): string {
  if (condition === undefined) return ' (no Ready condition yet)';
  const reason = typeof condition.reason === 'string' ? condition.reason : `Ready=${String(condition.status)}`;
  return ` (${reason}${typeof condition.message === 'string' ? `: ${condition.message}` : ''})`;
}

function reasonText(condition: Condition | undefined): string {
  if (condition === undefined || typeof condition.reason !== 'string') return '';
  return `, ${condition.reason}${typeof condition.message === 'string' ? `: ${condition.message}` : ''}`;
}
