/**
 * What provision found in the account for one cluster spec, in the EKS API's own shapes. Offline
 * planning, and a cluster that does not exist yet, both observe an empty account.
 */
import type { AccessEntry, Addon, AssociatedAccessPolicy, Cluster, Nodegroup, Update } from '@aws-sdk/client-eks';

export interface ObservedAccessEntry {
  entry: AccessEntry;
  policies: AssociatedAccessPolicy[];
}

export interface ObservedState {
  cluster: Cluster | null;
  /** The spec's node groups that exist, by name. */
  nodeGroups: Record<string, Nodegroup>;
  /** Names of node groups in the cluster that the spec does not list (only read when pruning is on). */
  unlistedNodeGroups: string[];
  /** The spec's add-ons that are installed, by name. */
  addons: Record<string, Addon>;
  /** The spec's access entries that exist, by principal ARN, with their associated policies. */
  accessEntries: Record<string, ObservedAccessEntry>;
  /** Updates in progress on the cluster and its node groups (read only while something is UPDATING). */
  updatesInProgress: Update[];
}

export const EMPTY_ACCOUNT: ObservedState = Object.freeze({
  cluster: null,
  nodeGroups: {},
  unlistedNodeGroups: [],
  addons: {},
  accessEntries: {},
  updatesInProgress: [],
});
