/**
 * Step 1 of provision's plan: what cannot change in place (the cluster role, the KMS key, the
 * authentication mode backwards, a Kubernetes downgrade) is refused, with the reason.
 */
import type { Cluster } from '@aws-sdk/client-eks';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { ProvisionAction } from '../actions';
import { AUTH_MODE_STEPS, authMode } from './cluster-config';
import { minor } from './version';

/**
 * The refusals of what the spec changes that EKS cannot change in place; none when nothing such
 * differs.
 *
 * @example
 * refuseImmutableChanges({ ...spec, roleArn: 'arn:aws:iam::123456789012:role/other' }, cluster).map((action) => action.reason);
 * // ['the cluster role cannot change in place; a new cluster would be needed']
 */
export function refuseImmutableChanges(spec: ClusterSpec, cluster: Cluster): ProvisionAction[] {
  const refusals: ProvisionAction[] = [];
  const refuse = (field: string, from: unknown, to: unknown, reason: string): void => {
    refusals.push({
      kind: 'Refuse',
      classification: 'forbidden',
      target: { kind: 'cluster', name: spec.name },
      reason,
      changes: [{ field, from, to }],
    });
  };
  if (cluster.roleArn !== undefined && cluster.roleArn !== spec.roleArn) {
    refuse('roleArn', cluster.roleArn, spec.roleArn, 'the cluster role cannot change in place; a new cluster would be needed');
  }
  const keyArn = cluster.encryptionConfig?.[0]?.provider?.keyArn;
  if (keyArn !== undefined && keyArn !== spec.encryptionKeyArn) {
    refuse(
      'encryptionKeyArn',
      keyArn,
      spec.encryptionKeyArn,
      spec.encryptionKeyArn === undefined
        ? 'envelope encryption with your own KMS key cannot be turned off once enabled'
        : 'the envelope encryption KMS key cannot change once set',
    );
  }
  const from = authMode(cluster);
  if (AUTH_MODE_STEPS.indexOf(spec.authenticationMode) < AUTH_MODE_STEPS.indexOf(from)) {
    refuse('authenticationMode', from, spec.authenticationMode, `authentication mode moves one way only (${AUTH_MODE_STEPS.join(' -> ')})`);
  }
  const version = minor(cluster.version);
  if (version !== undefined && minor(spec.version) < version) {
    refuse('version', cluster.version, spec.version, 'EKS cannot downgrade Kubernetes');
  }
  return refusals;
}
