/**
 * Step 7 of provision's plan, access entries: those missing are created with their policies; the
 * Kubernetes groups, user name, policies, policy scopes and tags of the others are corrected.
 */
import type { AssociatedAccessPolicy } from '@aws-sdk/client-eks';
import type { TargetId } from '../../../shared/model/plan/plan';
import type { AccessEntrySpec, ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import { regionPartition } from '../../../shared/model/cluster-spec/aws-regions';
import type { ProvisionAction } from '../actions';
import type { ObservedAccessEntry, ObservedState } from '../observed';
import { diffSet, diffValue, sameSet } from './compare';
import { planTags } from './tags';

/**
 * Creates each access entry of the spec that is missing (waiting for `after`) and corrects the others;
 * an entry listed but not described this run is left for the hourly check.
 *
 * @example
 * planAccessEntries(spec, EMPTY_ACCOUNT, ['cluster/kianax']).map((action) => action.kind);
 * // ['CreateAccessEntry', 'AssociateAccessPolicy', ...]
 */
export function planAccessEntries(spec: ClusterSpec, observed: ObservedState, after: readonly TargetId[]): ProvisionAction[] {
  return spec.accessEntries.flatMap((entry) => {
    const current = observed.accessEntries[entry.principalArn];
    // Listed but not described this run: it exists, and its detail is compared on the hourly check.
    if (current === undefined && observed.listedAccessEntries.includes(entry.principalArn)) return [];
    if (current === undefined) return createAccessEntry(spec, entry, after);
    return updateAccessEntry(spec, entry, current);
  });
}

/**
 * An access entry, waiting for `after`, and the association of each of its policies after it.
 *
 * @example
 * createAccessEntry(spec, entry, []).map((action) => action.kind); // ['CreateAccessEntry', 'AssociateAccessPolicy'] for one policy
 */
export function createAccessEntry(spec: ClusterSpec, entry: AccessEntrySpec, after: readonly TargetId[]): ProvisionAction[] {
  const create: ProvisionAction = {
    kind: 'CreateAccessEntry',
    classification: 'create',
    target: { kind: 'access-entry', name: entry.principalArn },
    reason: 'access entry does not exist',
    changes: entry.kubernetesGroups.length > 0 ? [{ field: 'kubernetesGroups', to: entry.kubernetesGroups }] : [],
    request: {
      clusterName: spec.name,
      principalArn: entry.principalArn,
      type: 'STANDARD',
      kubernetesGroups: entry.kubernetesGroups,
      ...(entry.username ? { username: entry.username } : {}),
      tags: entry.tags,
    },
    ...(after.length > 0 ? { after } : {}),
  };
  return [create, ...entry.accessPolicies.map((policy) => associatePolicy(spec, entry, policy, 'access policy is not associated'))];
}

function updateAccessEntry(spec: ClusterSpec, entry: AccessEntrySpec, current: ObservedAccessEntry): ProvisionAction[] {
  const actions: ProvisionAction[] = [];
  const changes = [
    ...diffSet('kubernetesGroups', current.entry.kubernetesGroups, entry.kubernetesGroups),
    ...(entry.username === undefined ? [] : diffValue('username', current.entry.username, entry.username)),
  ];
  if (changes.length > 0) {
    actions.push({
      kind: 'UpdateAccessEntry',
      classification: 'update',
      target: { kind: 'access-entry', name: entry.principalArn },
      reason: 'access entry differs from the spec',
      changes,
      request: {
        clusterName: spec.name,
        principalArn: entry.principalArn,
        kubernetesGroups: entry.kubernetesGroups,
        ...(entry.username ? { username: entry.username } : {}),
      },
    });
  }
  const wanted = new Map(entry.accessPolicies.map((policy) => [accessPolicyArn(policy.policy, spec.region), policy]));
  for (const [policyArn, policy] of wanted) {
    const associated = current.policies.find((other) => other.policyArn === policyArn);
    if (associated === undefined) {
      actions.push(associatePolicy(spec, entry, policy, 'access policy is not associated'));
    } else if (!sameScope(associated, policy.namespaces)) {
      actions.push(
        associatePolicy(
          spec,
          entry,
          policy,
          'access policy scope differs from the spec',
          scopeLabel(associated.accessScope?.type, associated.accessScope?.namespaces),
        ),
      );
    }
  }
  for (const associated of current.policies) {
    if (associated.policyArn === undefined || wanted.has(associated.policyArn)) continue;
    actions.push({
      kind: 'DisassociateAccessPolicy',
      classification: 'update',
      target: { kind: 'access-policy', name: `${entry.principalArn}/${policyName(associated.policyArn)}` },
      reason: 'access policy is associated but not in the spec',
      changes: [{ field: 'scope', from: scopeLabel(associated.accessScope?.type, associated.accessScope?.namespaces) }],
      request: { clusterName: spec.name, principalArn: entry.principalArn, policyArn: associated.policyArn },
    });
  }
  actions.push(...planTags(`access-entry/${entry.principalArn}`, current.entry.accessEntryArn, entry.tags, current.entry.tags));
  return actions;
}

function associatePolicy(
  spec: ClusterSpec,
  entry: AccessEntrySpec,
  policy: AccessEntrySpec['accessPolicies'][number],
  reason: string,
  from?: string,
): ProvisionAction {
  const policyArn = accessPolicyArn(policy.policy, spec.region);
  const to = scopeLabel(policy.namespaces ? 'namespace' : 'cluster', policy.namespaces);
  return {
    kind: 'AssociateAccessPolicy',
    classification: from === undefined ? 'create' : 'update',
    target: { kind: 'access-policy', name: `${entry.principalArn}/${policyName(policyArn)}` },
    reason,
    changes: [{ field: 'scope', ...(from === undefined ? {} : { from }), to }],
    request: {
      clusterName: spec.name,
      principalArn: entry.principalArn,
      policyArn,
      accessScope: policy.namespaces ? { type: 'namespace', namespaces: policy.namespaces } : { type: 'cluster' },
    },
    after: [`access-entry/${entry.principalArn}`],
  };
}

function sameScope(associated: AssociatedAccessPolicy, namespaces: readonly string[] | undefined): boolean {
  const type = associated.accessScope?.type ?? 'cluster';
  if (namespaces === undefined) return type === 'cluster';
  return type === 'namespace' && sameSet(associated.accessScope?.namespaces, namespaces);
}

function scopeLabel(type: string | undefined, namespaces: readonly string[] | undefined): string {
  return type === 'namespace' ? `namespaces ${[...(namespaces ?? [])].sort().join(', ')}` : 'cluster';
}

/**
 * `AmazonEKSViewPolicy` -> `arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy`, in the Region's partition.
 *
 * @example
 * accessPolicyArn('AmazonEKSViewPolicy', 'cn-north-1'); // 'arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'
 */
export function accessPolicyArn(policy: string, region: string): string {
  if (policy.startsWith('arn:')) return policy;
  return `arn:${partitionOf(region)}:eks::aws:cluster-access-policy/${policy}`;
}

/**
 * The ARN partition of a Region.
 *
 * @example
 * partitionOf('us-gov-west-1'); // 'aws-us-gov'
 * partitionOf('us-iso-east-1'); // 'aws-iso'
 */
export function partitionOf(region: string): string {
  // The SDK's own partition list (the spec loader refuses a Region it does not know).
  return regionPartition(region) ?? 'aws';
}

/**
 * The last segment of a policy ARN: what `access-policy/<principal>/<policy>` targets are named by.
 *
 * @example
 * policyName('arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'); // 'AmazonEKSViewPolicy'
 */
export function policyName(policyArn: string): string {
  return policyArn.slice(policyArn.lastIndexOf('/') + 1);
}
