/**
 * Reads what the plan needs and no more: a missing cluster costs one call; node groups and add-ons
 * are described by the names the spec gives (no listing), and updates are listed only while
 * something is UPDATING. A converged cluster costs reads only.
 */
import type { AutoScalingReads } from '../../shared/ports/autoscaling';
import type { EksReads } from '../../shared/ports/eks';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import type { ObservedAccessEntry, ObservedPodIdentity, ObservedState } from './observed';
import { EMPTY_ACCOUNT } from './observed';
import { autoScalingGroupsOf } from './plan/autoscaler';

/**
 * A cluster younger than this is still being built (its platform components and their Pod Identity
 * associations follow it), so every run reads its associations, not only the hourly one.
 */
export const YOUNG_CLUSTER_MS = 60 * 60 * 1000;

/**
 * What a run reads beyond the minimum. `accessEntryDetail: false` (a scheduled run outside the
 * hourly check) lists the access entries without describing them, and skips the Pod Identity
 * associations unless the cluster is less than {@link YOUNG_CLUSTER_MS} old.
 */
export interface ObserveOptions {
  accessEntryDetail?: boolean;
  /** The run's clock, for a cluster's age (default: now). */
  now?: Date;
  /** Where the node groups' Auto Scaling groups are read (one DescribeAutoScalingGroups for all of them). Absent: not read. */
  autoScaling?: AutoScalingReads;
}

export async function observe(eks: EksReads, spec: ClusterSpec, options: ObserveOptions = {}): Promise<ObservedState> {
  const cluster = await eks.describeCluster(spec.name);
  if (cluster === null) return EMPTY_ACCOUNT;
  if (cluster.status === 'CREATING') return { ...EMPTY_ACCOUNT, cluster };

  const [nodeGroups, unlistedNodeGroups, addons, { accessEntries, listedAccessEntries }, podIdentities] = await Promise.all([
    describeEach(
      spec.nodeGroups.map((group) => group.name),
      (name) => eks.describeNodegroup(spec.name, name),
    ),
    spec.pruneNodeGroups
      ? eks.listNodegroups(spec.name).then((names) => names.filter((name) => !spec.nodeGroups.some((group) => group.name === name)))
      : Promise.resolve([]),
    describeEach(
      spec.addons.map((addon) => addon.name),
      (name) => eks.describeAddon(spec.name, name),
    ),
    observeAccessEntries(eks, spec, options.accessEntryDetail ?? true),
    readsPodIdentities(spec, cluster.createdAt, options) ? observePodIdentities(eks, spec) : Promise.resolve(undefined),
  ]);

  const updating = [
    ...(cluster.status === 'UPDATING' ? [{ nodegroupName: undefined }] : []),
    ...Object.values(nodeGroups)
      .filter((group) => group.status === 'UPDATING')
      .map((group) => ({ nodegroupName: group.nodegroupName })),
  ];
  const updatesInProgress = (
    await Promise.all(
      updating.map(async ({ nodegroupName }) => {
        const scope = { name: spec.name, ...(nodegroupName ? { nodegroupName } : {}) };
        const ids = await eks.listUpdates(scope);
        const updates = await Promise.all(ids.map((updateId) => eks.describeUpdate({ ...scope, updateId })));
        return updates.filter((update) => update?.status === 'InProgress');
      }),
    )
  )
    .flat()
    .filter((update) => update !== null);

  const base = {
    cluster,
    nodeGroups,
    unlistedNodeGroups,
    addons,
    accessEntries,
    listedAccessEntries,
    updatesInProgress,
    ...(podIdentities === undefined ? {} : { podIdentities }),
  };
  if (options.autoScaling === undefined) return base;
  const names = Object.values(nodeGroups).flatMap(autoScalingGroupsOf);
  const groups = await options.autoScaling.describeAutoScalingGroups(names);
  const byName = groups.flatMap((group) => (group.AutoScalingGroupName ? [[group.AutoScalingGroupName, group] as const] : []));
  return { ...base, autoScalingGroups: Object.fromEntries(byName) };
}

/**
 * Whether this run reads the Pod Identity associations: with the spec's `podIdentities`, on the
 * hourly check, a manual run, or while the cluster is young. A deleted or changed association is
 * found within the hour, as an access entry's changed detail is.
 */
function readsPodIdentities(spec: ClusterSpec, createdAt: Date | undefined, options: ObserveOptions): boolean {
  if (spec.podIdentities === undefined) return false;
  if (options.accessEntryDetail ?? true) return true;
  if (createdAt === undefined) return true;
  return (options.now ?? new Date()).getTime() - new Date(createdAt).getTime() < YOUNG_CLUSTER_MS;
}

/**
 * Every association of the cluster (one listing, all pages) and the detail of each one no add-on
 * owns: the spec's are compared, and only the detail's tags tell which others eks-pilot created.
 * None read when the spec has no `podIdentities`.
 */
async function observePodIdentities(eks: EksReads, spec: ClusterSpec): Promise<ObservedPodIdentity[]> {
  if (spec.podIdentities === undefined) return [];
  const summaries = await eks.listPodIdentityAssociations(spec.name);
  return Promise.all(
    summaries.map(async (summary): Promise<ObservedPodIdentity> => {
      if (summary.ownerArn !== undefined || summary.associationId === undefined) return { summary };
      const association = await eks.describePodIdentityAssociation(spec.name, summary.associationId);
      return association === null ? { summary } : { summary, association };
    }),
  );
}

/**
 * The reads a converged run of `spec` costs: DescribeCluster, one DescribeNodegroup per node group
 * and DescribeAddon per add-on, ListNodegroups when it prunes, the access entries' list (plus two
 * reads each with their detail), and with `podIdentities` and the detail the associations' list
 * and one DescribePodIdentityAssociation each (a cluster under an hour old costs them on every run:
 * see readsPodIdentities). What the fan-out budgets a cluster's run at.
 *
 * @example
 * readsOf(spec, { accessEntryDetail: false }); // 1 + 10 node groups + 2 add-ons + 1 list = 14
 */
export function readsOf(spec: ClusterSpec, options: ObserveOptions = {}): number {
  const entries = spec.accessEntries.length;
  const accessReads = entries === 0 ? 0 : 1 + ((options.accessEntryDetail ?? true) ? 2 * entries : 0);
  const podIdentityReads = spec.podIdentities === undefined || !(options.accessEntryDetail ?? true) ? 0 : 1 + spec.podIdentities.length;
  return 1 + spec.nodeGroups.length + spec.addons.length + (spec.pruneNodeGroups ? 1 : 0) + accessReads + podIdentityReads;
}

async function describeEach<T>(names: readonly string[], describe: (name: string) => Promise<T | null>): Promise<Record<string, T>> {
  const found: Record<string, T> = {};
  const results = await Promise.all(names.map(async (name) => [name, await describe(name)] as const));
  for (const [name, value] of results) if (value !== null) found[name] = value;
  return found;
}

async function observeAccessEntries(
  eks: EksReads,
  spec: ClusterSpec,
  detail: boolean,
): Promise<{ accessEntries: Record<string, ObservedAccessEntry>; listedAccessEntries: string[] }> {
  if (spec.accessEntries.length === 0) return { accessEntries: {}, listedAccessEntries: [] };
  const existing = new Set(await eks.listAccessEntries(spec.name));
  const wanted = spec.accessEntries.map((entry) => entry.principalArn).filter((arn) => existing.has(arn));
  if (!detail) return { accessEntries: {}, listedAccessEntries: wanted };
  const found: Record<string, ObservedAccessEntry> = {};
  await Promise.all(
    wanted.map(async (principalArn) => {
      const [entry, policies] = await Promise.all([
        eks.describeAccessEntry(spec.name, principalArn),
        eks.listAssociatedAccessPolicies(spec.name, principalArn),
      ]);
      if (entry !== null) found[principalArn] = { entry, policies };
    }),
  );
  return { accessEntries: found, listedAccessEntries: [] };
}
