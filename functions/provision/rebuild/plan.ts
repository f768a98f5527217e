/**
 * The rebuild of a cluster, pure: given what one run observed (provision's own report on the
 * cluster, the platform's apply, each workload's restore as the durable release store records it,
 * the pools' state), which phase the rebuild is in, what to do now, and what it waits for. No SDK,
 * no clock, no I/O; rebuild/run.ts observes, carries the plan out and reports it.
 *
 * Phases, in order: `cluster` (provision recreates the cluster, its add-ons and node groups from
 * the spec across runs, and the rebuild waits until the report says Converged and validate.ts says
 * Validated: Ready nodes within each node group's bounds, Ready kube-system pods, add-ons ACTIVE
 * without health issues; a read the API refuses stops it for a person, naming the access it
 * needs), `platform` (deploy-worker applies the spec's platform components, asked every run until
 * they applied; a component that cannot be applied blocks the rebuild here, named, and no workload
 * is restored without its namespaces and controllers), `workloads` (each workload's restore is
 * asked of deploy-worker once, then watched in the store until it succeeded, failed or was
 * refused), `pools` (eip-manager re-attaches the Elastic IP pools from the addresses they hold and
 * adopt; asked from the time the nodes are up, alongside the platform and the workloads), `done`.
 */
import type { Status } from '../../../shared/reconcile/status';
import { worstStatus } from '../../../shared/reconcile/status';
import type { ValidationFailure, ValidationStatus } from '../validate';

/** What a validation the API refused needs: the reads are nodes (cluster-scoped), kube-system pods and DescribeAddon. */
export const VALIDATION_ACCESS =
  "the role provision reads the cluster as (its own, or the spec's assumeRoleArn) needs an access entry with AmazonEKSAdminViewPolicy at cluster scope: " +
  "EKS gives the principal that created the cluster a cluster-admin entry; if it was removed, add one to the spec's accessEntries";

/** A workload's restore as its release record shows it (absent: not made yet). */
export interface RestoreSeen {
  revision: number;
  result: string;
  reason?: string;
  /** The images it runs, for the report. */
  images?: Record<string, string>;
}

export interface WorkloadSeen {
  workload: string;
  /** The newest succeeded release before the rebuild, when the store has one. */
  lastSucceeded?: number;
  restore?: RestoreSeen;
}

export interface RebuildObservation {
  /** provision's report of this run's reconcile (apply) of the cluster, and its validation once it converged. */
  cluster: { status: Status; summary: string; validation?: { status: ValidationStatus; failures: readonly ValidationFailure[] } };
  /** Whether the spec has platform components to apply before the workloads. */
  hasPlatform: boolean;
  /** The platform's apply: this run's answer, or the journal's once it applied (undefined: not applied yet). */
  platform?: { status: Status; summary: string };
  /** Read once the cluster has converged; empty before. */
  workloads: readonly WorkloadSeen[];
  /** eip-manager's answer this run (undefined: not asked yet, or the spec has no pools). */
  pools?: { status: Status; summary: string };
  /** Whether the spec has Elastic IP pools to re-attach. */
  hasPools: boolean;
}

export type RebuildPhase = 'cluster' | 'platform' | 'workloads' | 'pools' | 'done';

export type RebuildAction =
  { kind: 'ApplyPlatform'; reason: string } | { kind: 'QueueRestore'; workload: string; reason: string } | { kind: 'ReattachPools'; reason: string };

export interface RebuildPlan {
  phase: RebuildPhase;
  status: Status;
  summary: string;
  actions: RebuildAction[];
  /** What a later run waits for, one line each. */
  waiting: string[];
  /** Workloads restored (succeeded), with the release. */
  restored: { workload: string; revision: number }[];
  /** Workloads not restored, and why (refused by policy, failed rollout). */
  notRestored: { workload: string; reason: string }[];
  finished: boolean;
}

/** A restore's result that ends it. */
const ENDED = new Set(['succeeded', 'failed', 'rolled-back', 'refused', 'superseded']);

/**
 * Plans one run of a rebuild from what it observed.
 *
 * @example
 * planRebuild({ cluster: { status: 'InProgress', summary: 'cluster kianax is CREATING' }, hasPlatform: false, workloads: [], hasPools: false });
 * // { phase: 'cluster', status: 'InProgress', waiting: ['cluster: cluster kianax is CREATING'], actions: [], finished: false, ... }
 */
export function planRebuild(observation: RebuildObservation): RebuildPlan {
  const empty = { actions: [], restored: [], notRestored: [] };
  const { cluster } = observation;
  if (cluster.status === 'Blocked') {
    return {
      ...empty,
      phase: 'cluster',
      status: 'Blocked',
      summary: `cluster: ${cluster.summary}`,
      waiting: [`a person: ${cluster.summary}`],
      finished: false,
    };
  }
  if (cluster.status !== 'Converged') {
    return {
      ...empty,
      phase: 'cluster',
      status: 'InProgress',
      summary: `cluster: ${cluster.summary}`,
      waiting: [`cluster: ${cluster.summary}`],
      finished: false,
    };
  }

  // Converged says the account matches the spec; the workloads wait until the cluster also serves.
  const validation = cluster.validation;
  if (validation?.status !== 'Validated') {
    const failures = validation?.failures ?? [{ kind: 'Read' as const, name: 'cluster', message: 'not validated yet' }];
    const denied = failures.filter((failure) => failure.denied === true);
    if (denied.length > 0) {
      const why = `validation refused (${denied.map((failure) => failure.message).join('; ')}): ${VALIDATION_ACCESS}`;
      return {
        ...empty,
        phase: 'cluster',
        status: 'Blocked',
        summary: `cluster: converged, not validated: ${why}`,
        waiting: [`a person: ${why}`],
        finished: false,
      };
    }
    return {
      ...empty,
      phase: 'cluster',
      status: 'InProgress',
      summary: `cluster: converged, not validated yet: ${failures.map((failure) => failure.message).join('; ')}`,
      waiting: failures.map((failure) => `validate: ${failure.message}`),
      finished: false,
    };
  }

  // The nodes are up: the pools are re-attached while the platform and the workloads go on, every run until eip-manager answers Converged.
  const poolsDone = !observation.hasPools || observation.pools?.status === 'Converged';
  const poolsBlocked = observation.pools?.status === 'Blocked';
  const poolActions: RebuildAction[] = poolsDone
    ? []
    : [{ kind: 'ReattachPools', reason: 'attach the Elastic IP pools to the new nodes from the addresses they hold and adopt' }];
  const poolWaiting = poolsDone ? [] : [observation.pools === undefined ? 'pools: re-attach asked' : `pools: ${observation.pools.summary}`];

  // No workload is restored before its namespaces and controllers are there: the platform first, asked every run until it applied.
  if (observation.hasPlatform && observation.platform?.status !== 'Converged') {
    const { platform } = observation;
    const blocked = platform?.status === 'Blocked';
    const line = platform === undefined ? 'platform: apply asked' : `platform: ${platform.summary}`;
    const waiting = [blocked ? `a person: ${line}` : line, ...poolWaiting];
    return {
      ...empty,
      phase: 'platform',
      status: blocked || poolsBlocked ? 'Blocked' : 'InProgress',
      summary: `platform: ${platform === undefined ? 'applying the platform components before the workloads' : `not applied (${platform.summary})`}${poolWaiting.map((line) => `; ${line}`).join('')}`,
      actions: [{ kind: 'ApplyPlatform', reason: 'apply the platform components (namespaces, controllers) before the workloads' }, ...poolActions],
      waiting,
      finished: false,
    };
  }

  const actions: RebuildAction[] = [];
  const waiting: string[] = [];
  const restored: RebuildPlan['restored'] = [];
  const notRestored: RebuildPlan['notRestored'] = [];
  for (const seen of observation.workloads) {
    const { restore } = seen;
    if (restore === undefined) {
      const what = seen.lastSucceeded === undefined ? "the manifests' images (no successful release recorded)" : `release ${seen.lastSucceeded}`;
      actions.push({ kind: 'QueueRestore', workload: seen.workload, reason: `restore ${seen.workload} at ${what}` });
      waiting.push(`workload ${seen.workload}: restore asked`);
    } else if (!ENDED.has(restore.result)) {
      waiting.push(`workload ${seen.workload}: release ${restore.revision} ${restore.result}`);
    } else if (restore.result === 'succeeded') {
      restored.push({ workload: seen.workload, revision: restore.revision });
    } else {
      notRestored.push({ workload: seen.workload, reason: `release ${restore.revision} ${restore.result}${restore.reason ? `: ${restore.reason}` : ''}` });
    }
  }
  actions.push(...poolActions);
  waiting.push(...poolWaiting);
  const workloadsDone = observation.workloads.every((seen) => seen.restore !== undefined && ENDED.has(seen.restore.result));
  const phase: RebuildPhase = !workloadsDone ? 'workloads' : !poolsDone ? 'pools' : 'done';
  const finished = phase === 'done';
  const status: Status = finished
    ? notRestored.length > 0
      ? 'Blocked'
      : 'Converged'
    : worstStatus([poolsBlocked ? 'Blocked' : 'InProgress', notRestored.length > 0 ? 'Blocked' : 'InProgress']);
  const parts = [
    `${restored.length} of ${observation.workloads.length} workload(s) restored`,
    ...notRestored.map((item) => `${item.workload} not restored (${item.reason})`),
    ...(finished ? [] : waiting),
  ];
  return { phase, status, summary: `${phase}: ${parts.join('; ')}`, actions, waiting, restored, notRestored, finished };
}
