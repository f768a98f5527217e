/**
 * What provision found in the account for one cluster spec, in the EKS API's own shapes. Offline
 * planning, and a cluster that does not exist yet, both observe an empty account.
 */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type {
  AccessEntry,
  Addon,
  AssociatedAccessPolicy,
  Cluster,
  Nodegroup,
  PodIdentityAssociation,
  PodIdentityAssociationSummary,
  Update,
} from '@aws-sdk/client-eks';

export interface ObservedAccessEntry {
  entry: AccessEntry;
  policies: AssociatedAccessPolicy[];
}

/** A Pod Identity association of the cluster: what the listing says, and its detail (roleArn, tags) unless an add-on owns it. */
export interface ObservedPodIdentity {
  summary: PodIdentityAssociationSummary;
  /** Absent for one an add-on owns (`summary.ownerArn`): provision never reads or touches those. */
  association?: PodIdentityAssociation;
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
  /**
   * The spec's access entries that exist but whose detail this run did not read (the scheduled
   * check reads it once an hour, {@link ACCESS_ENTRY_DETAIL_CHECK}): known to exist, not compared.
   */
  listedAccessEntries: string[];
  /** Updates in progress on the cluster and its node groups (read only while something is UPDATING). */
  updatesInProgress: Update[];
  /**
   * Every Pod Identity association of the cluster; [] when the spec has no `podIdentities`. Absent
   * when this run did not read them (a scheduled run outside the hourly check, on a cluster more
   * than an hour old): nothing about them is then planned.
   */
  podIdentities?: ObservedPodIdentity[];
  /**
   * The Auto Scaling groups of the spec's node groups (as EKS names them), by name, with their
   * tags. Absent when the run reads no Auto Scaling (a caller without the port): the Cluster
   * Autoscaler tags are then not planned.
   */
  autoScalingGroups?: Record<string, AutoScalingGroup>;
}

export const EMPTY_ACCOUNT: ObservedState = Object.freeze({
  cluster: null,
  nodeGroups: {},
  unlistedNodeGroups: [],
  addons: {},
  accessEntries: {},
  listedAccessEntries: [],
  updatesInProgress: [],
  podIdentities: [],
  autoScalingGroups: {},
});

/**
 * When a scheduled drift check reads each access entry's detail (DescribeAccessEntry and
 * ListAssociatedAccessPolicies, two reads per entry): in the run scheduled in the first five
 * minutes of each UTC hour. Every other scheduled run lists the entries only (one read), so a
 * missing entry is still found within five minutes, and a changed one within the hour. Manual
 * plans and applies, and the CLI, always read the detail.
 */
export const ACCESS_ENTRY_DETAIL_CHECK = 'the scheduled run in the first five minutes of each UTC hour';

/**
 * Whether a scheduled run at `scheduledAt` (the EventBridge event's `time`) reads the access entries' detail.
 *
 * @example
 * accessEntryDetailDue(new Date('2026-11-22T12:00:00Z')); // true
 * accessEntryDetailDue(new Date('2026-11-22T12:05:00Z')); // false
 */
export function accessEntryDetailDue(scheduledAt: Date): boolean {
  return Number.isNaN(scheduledAt.getTime()) || scheduledAt.getUTCMinutes() < 5;
}
