/**
 * Step 7 of provision's plan, Pod Identity associations: one per namespace and service account.
 * Missing ones are created (tagged `eks-pilot/managed: "true"`, with a client request token EKS
 * answers a repeat of with the association it made first), a changed role is updated, and those
 * eks-pilot created that the spec no longer lists are deleted. An association eks-pilot did not
 * create (no tag) or that an add-on owns is never changed or deleted.
 */
import { createHash } from 'node:crypto';
import type { TargetId } from '../../../shared/model/plan/plan';
import type { ClusterSpec, PodIdentitySpec } from '../../../shared/model/cluster-spec/schema';
import { MANAGED_TAG } from '../../../shared/model/cluster-spec/runtime';
import type { ProvisionAction } from '../actions';
import type { ObservedPodIdentity, ObservedState } from '../observed';
import { planTags } from './tags';

/** `pod-identity/<namespace>/<serviceAccount>`: what a plan and `only` name an association by. */
export function podIdentityTarget(namespace: string | undefined, serviceAccount: string | undefined): TargetId {
  return `pod-identity/${namespace ?? ''}/${serviceAccount ?? ''}`;
}

/**
 * Whether eks-pilot created the association (its tag says so, and no add-on owns it).
 *
 * @example
 * managedByEksPilot({ summary: {}, association: { tags: { 'eks-pilot/managed': 'true' } } }); // true
 */
export function managedByEksPilot(observed: ObservedPodIdentity): boolean {
  return observed.summary.ownerArn === undefined && observed.association?.tags?.[MANAGED_TAG] === 'true';
}

/**
 * The plan for the spec's Pod Identity associations; none when the spec has no `podIdentities`, or
 * this run did not read them. New ones wait for `after`.
 *
 * @example
 * planPodIdentities(spec, EMPTY_ACCOUNT, []).map((action) => action.kind); // ['CreatePodIdentityAssociation', ...]
 */
export function planPodIdentities(spec: ClusterSpec, observed: ObservedState, after: readonly TargetId[]): ProvisionAction[] {
  const associations = observed.podIdentities;
  if (spec.podIdentities === undefined || associations === undefined) return [];
  const byKey = new Map(associations.map((found) => [`${found.summary.namespace ?? ''}/${found.summary.serviceAccount ?? ''}`, found]));
  const wanted = new Set(spec.podIdentities.map((identity) => `${identity.namespace}/${identity.serviceAccount}`));
  const actions = spec.podIdentities.flatMap((identity) => {
    const found = byKey.get(`${identity.namespace}/${identity.serviceAccount}`);
    return found === undefined ? [createPodIdentity(spec, identity, after)] : updatePodIdentity(spec, identity, found);
  });
  for (const found of associations) {
    const key = `${found.summary.namespace ?? ''}/${found.summary.serviceAccount ?? ''}`;
    if (wanted.has(key) || !managedByEksPilot(found) || found.summary.associationId === undefined) continue;
    actions.push({
      kind: 'DeletePodIdentityAssociation',
      classification: 'delete',
      target: { kind: 'pod-identity', name: key },
      reason: 'eks-pilot created this Pod Identity association and the spec no longer lists it',
      changes: [{ field: 'roleArn', from: found.association?.roleArn }],
      request: { clusterName: spec.name, associationId: found.summary.associationId },
    });
  }
  return actions;
}

/**
 * The CreatePodIdentityAssociation of one association of the spec, waiting for `after`.
 *
 * @example
 * createPodIdentity(spec, { namespace: 'shop', serviceAccount: 'orders', roleArn, tags: {} }, []).request.tags; // { 'eks-pilot/managed': 'true' }
 */
export function createPodIdentity(spec: ClusterSpec, identity: PodIdentitySpec, after: readonly TargetId[]): ProvisionAction {
  return {
    kind: 'CreatePodIdentityAssociation',
    classification: 'create',
    target: { kind: 'pod-identity', name: `${identity.namespace}/${identity.serviceAccount}` },
    reason: 'Pod Identity association does not exist',
    changes: [{ field: 'roleArn', to: identity.roleArn }],
    request: {
      clusterName: spec.name,
      namespace: identity.namespace,
      serviceAccount: identity.serviceAccount,
      roleArn: identity.roleArn,
      clientRequestToken: requestToken(spec.name, identity),
      tags: { ...identity.tags, [MANAGED_TAG]: 'true' },
    },
    ...(after.length > 0 ? { after } : {}),
  };
}

function updatePodIdentity(spec: ClusterSpec, identity: PodIdentitySpec, found: ObservedPodIdentity): ProvisionAction[] {
  const target = { kind: 'pod-identity', name: `${identity.namespace}/${identity.serviceAccount}` };
  const refuse = (reason: string, from: unknown): ProvisionAction[] => [
    { kind: 'Refuse', classification: 'forbidden', target, reason, changes: [{ field: 'roleArn', from, to: identity.roleArn }] },
  ];
  if (found.summary.ownerArn !== undefined) {
    return refuse(
      `an add-on owns this Pod Identity association (${found.summary.ownerArn}); change it through the add-on, or drop it from podIdentities`,
      undefined,
    );
  }
  const association = found.association;
  // Listed but gone when described: the next run reads it again.
  if (association === undefined || found.summary.associationId === undefined) return [];
  if (!managedByEksPilot(found)) {
    if (association.roleArn === identity.roleArn) return [];
    return refuse(
      `eks-pilot did not create this Pod Identity association (no ${MANAGED_TAG} tag) and will not change it: delete it, or tag it ${MANAGED_TAG}=true to hand it over`,
      association.roleArn,
    );
  }
  const actions: ProvisionAction[] = [];
  if (association.roleArn !== identity.roleArn) {
    actions.push({
      kind: 'UpdatePodIdentityAssociation',
      classification: 'update',
      target,
      reason: 'Pod Identity association role differs from the spec',
      changes: [{ field: 'roleArn', from: association.roleArn, to: identity.roleArn }],
      request: { clusterName: spec.name, associationId: found.summary.associationId, roleArn: identity.roleArn },
    });
  }
  actions.push(...planTags(podIdentityTarget(identity.namespace, identity.serviceAccount), association.associationArn, identity.tags, association.tags));
  return actions;
}

/**
 * The same token for the same association on every run: a create whose answer was lost and is sent
 * again gets the association EKS made the first time instead of a second one. UUID-shaped, as the
 * SDK's own tokens are.
 */
function requestToken(cluster: string, identity: PodIdentitySpec): string {
  const hex = createHash('sha256').update(`eks-pilot\n${cluster}\n${identity.namespace}\n${identity.serviceAccount}\n${identity.roleArn}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
