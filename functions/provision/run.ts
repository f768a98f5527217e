/**
 * Orchestration for provision: observe through the EKS port, plan, execute the first safe steps,
 * report. Never waits for EKS: long operations finish across invocations driven by the schedule.
 */
import { randomUUID } from 'node:crypto';
import type { AutoScalingPort } from '../../shared/ports/autoscaling';
import type { LeaseOutcome, LeasePort } from '../../shared/ports/lease';
import type { EksPort } from '../../shared/ports/eks';
import { clip, errorFacts, errorText, RequestRejectedError, UnknownTargetError } from '../../shared/errors';
import type { Phrases } from '../../shared/reconcile/execute';
import { executePlan } from '../../shared/reconcile/execute';
import { acquireOrGiveBack } from '../../shared/reconcile/lease';
import { finishReport, runFleet } from '../../shared/reconcile/fleet';
import type { Plan, TargetId } from '../../shared/model/plan/plan';
import { planStatus, targetId } from '../../shared/model/plan/plan';
import type { RunLogger } from '../../shared/reconcile/run-logger';
import type { Mode, Status } from '../../shared/reconcile/status';
import { statusOfFailure } from '../../shared/reconcile/status';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import type { ProvisionAction, ProvisionWriteAction } from './actions';
import { isAutoScalingWrite, isWrite } from './actions';
import { observe } from './observe';
import { planCluster, specTargets, targetFits } from './plan';
import type { ValidationReport } from './validate';

/** The suite's one status vocabulary (shared/reconcile/status.ts). */
export type ClusterStatus = Status;

export interface ExecutedAction {
  kind: ProvisionWriteAction['kind'];
  target: TargetId;
  updateId?: string;
  alreadyDone?: boolean;
}

export interface ClusterReport {
  cluster: string;
  region: string;
  source?: string;
  mode: Mode;
  status: ClusterStatus;
  /** One line a person reads first: what it waits for, which fields drifted, or why it is blocked. */
  summary: string;
  /** `target field` of every planned change, e.g. `nodegroup/jobs-ng scaling.max`. */
  drift: string[];
  executed: ExecutedAction[];
  /** Actions left for a later run, with why. */
  deferred: { target: TargetId; kind: string; reason: string }[];
  /** Actions EKS refused, or that cannot be done without a person. */
  blocked: { target: TargetId; kind: string; reason: string }[];
  plan?: Plan<ProvisionAction>;
  /** After an apply that converged, when the deps validate: whether the cluster is usable (validate.ts). */
  validation?: ValidationReport;
}

export interface ProvisionDeps {
  /** The EKS port for a cluster: its Region, through its assume-role when it has one. */
  eksFor(spec: ClusterSpec): EksPort;
  /** Validates a cluster once an apply converged it (read-only; see validate.ts). Absent: no validation. */
  validate?(spec: ClusterSpec): Promise<ValidationReport>;
  /**
   * The Auto Scaling port for a cluster (same Region and role), where the Cluster Autoscaler tags of
   * its node groups' Auto Scaling groups are read and written. Absent (a caller that only reads
   * EKS): those tags are neither read nor planned.
   */
  autoScalingFor?(spec: ClusterSpec): AutoScalingPort;
  now(): Date;
  logger: RunLogger;
  /** The per-cluster lease an apply with writes takes (see {@link PROVISION_LEASE_MS}). Absent: no lease (a test, a read-only caller). */
  lease?: ProvisionLeaseDeps;
}

/** Where provision's per-cluster lease lives and who takes it. */
export interface ProvisionLeaseDeps {
  /** The lease store of a cluster (its Region and account, the table the rebuild and eip-manager's pools use). */
  leaseFor(spec: ClusterSpec): LeasePort;
  /** Who this run is, for the run that finds the lease taken: `lambda eks-pilot-prod-provision (request 7c1f...)`. */
  holder: string;
  /** This run's owner id, unique per run. Default a random UUID. */
  owner?: () => string;
}

/**
 * How long provision's per-cluster lease lasts: the function's timeout (300 s) and a minute, so a
 * run that dies holding it (killed at its timeout, before `finally`) keeps the others off the
 * cluster for at most the next scheduled run. A run never holds it longer than it runs: it is
 * released in `finally`.
 */
export const PROVISION_LEASE_MS = 6 * 60_000;

/**
 * The lease key of a cluster's apply.
 *
 * @example
 * provisionLeaseKey(spec); // 'provision/us-east-1/kianax'
 */
export function provisionLeaseKey(spec: Pick<ClusterSpec, 'name' | 'region'>): string {
  return `provision/${spec.region}/${spec.name}`;
}

export interface ReconcileOptions {
  mode: Mode;
  /** Restrict execution to these targets (`nodegroup/jobs-ng`); the plan still shows everything. */
  only?: readonly string[];
  source?: string;
  /**
   * false: list the access entries without reading their detail, and leave the node groups' Auto
   * Scaling groups unread (a scheduled run off the hour). Default true.
   */
  accessEntryDetail?: boolean;
}

/** Synchronous in EKS: done when the call returns, so later actions may depend on them in the same run. */
const SYNCHRONOUS = new Set<string>([
  'CreateAccessEntry',
  'UpdateAccessEntry',
  'AssociateAccessPolicy',
  'DisassociateAccessPolicy',
  'CreatePodIdentityAssociation',
  'UpdatePodIdentityAssociation',
  'DeletePodIdentityAssociation',
  'TagResource',
  'UntagResource',
  'CreateOrUpdateTags',
  'DeleteTags',
]);

/**
 * Reconciles one cluster. Errors reading the account become a Blocked or InProgress report, never
 * a thrown error, so one cluster cannot stop a fleet. A transient failure ({@link isTransient}:
 * throttling, a 5xx, the network, EKS busy) is InProgress, retried by the next run; Blocked is
 * kept for what a person must fix.
 *
 * @example
 * const report = await reconcileCluster(spec, deps, { mode: 'plan' });
 * report.status; // 'Drifted'
 */
export async function reconcileCluster(spec: ClusterSpec, deps: ProvisionDeps, options: ReconcileOptions): Promise<ClusterReport> {
  const base = { cluster: spec.name, region: spec.region, ...(options.source ? { source: options.source } : {}), mode: options.mode };
  const eks = deps.eksFor(spec);
  // The Cluster Autoscaler tags are read with the access entries' detail: hourly on the schedule, on every manual run.
  const autoScaling = (options.accessEntryDetail ?? true) ? deps.autoScalingFor?.(spec) : undefined;
  const ports = { eks, ...(autoScaling === undefined ? {} : { autoScaling }) };
  const planned = await observeAndPlan(spec, ports, deps, options, base);
  if (!('actions' in planned)) return planned;
  const writes = planned.actions.some((action) => isWrite(action) && isSelected(action, options.only));
  if (options.mode !== 'apply' || !writes || deps.lease === undefined) return carryOut(spec, planned, ports, deps, options, base);

  // Only a run with writes to send takes the cluster's lease; under it, the cluster is read and planned again, fresh.
  const { lease: leaseDeps } = deps;
  const leases = leaseDeps.leaseFor(spec);
  const owner = leaseDeps.owner?.() ?? randomUUID();
  const request = { key: provisionLeaseKey(spec), owner, holder: leaseDeps.holder, now: deps.now(), durationMs: PROVISION_LEASE_MS };
  const facts = { cluster: spec.name, region: spec.region, lease: request.key };
  let taken: LeaseOutcome;
  try {
    // The write may have landed with its answer lost: what may be ours is given back, so the next run is not kept off.
    taken = await acquireOrGiveBack(leases, request);
  } catch (error) {
    const status = statusOfFailure(error);
    deps.logger.error('provision lease not taken', { ...facts, status, error: errorFacts(error) });
    const report: ClusterReport = { ...base, status, summary: '', drift: driftOf(planned), executed: [], deferred: [], blocked: [], plan: planned };
    return finish(report, status, `not applied: the cluster's lease could not be taken (${errorText(error)}); the next run tries again`, deps);
  }
  if (!taken.acquired) {
    const held = taken.heldBy;
    const by = held === null ? 'another run' : `${held.holder}, lease until ${held.expiresAt.toISOString()}`;
    deps.logger.warn('cluster skipped: provision lease held', { ...facts, heldBy: held?.holder, until: held?.expiresAt.toISOString() });
    const report: ClusterReport = {
      ...base,
      status: 'InProgress',
      summary: '',
      drift: driftOf(planned),
      executed: [],
      deferred: [],
      blocked: [],
      plan: planned,
    };
    return finish(report, 'InProgress', `skipped: another provision run holds the cluster (${by}); it applies the changes`, deps);
  }
  try {
    const fresh = await observeAndPlan(spec, ports, deps, options, base);
    return 'actions' in fresh ? await carryOut(spec, fresh, ports, deps, options, base) : fresh;
  } finally {
    await leases.release(taken.lease).catch((error: unknown) => {
      deps.logger.warn('provision lease not released; it expires', { ...facts, error: errorFacts(error) });
    });
  }
}

type ReportBase = Pick<ClusterReport, 'cluster' | 'region' | 'source' | 'mode'>;
type ProvisionPorts = { eks: EksPort; autoScaling?: AutoScalingPort };

/** Reads the cluster and plans it; a failed read is the report (InProgress when transient, else Blocked). */
async function observeAndPlan(
  spec: ClusterSpec,
  ports: ProvisionPorts,
  deps: ProvisionDeps,
  options: ReconcileOptions,
  base: ReportBase,
): Promise<Plan<ProvisionAction> | ClusterReport> {
  try {
    const now = deps.now();
    const observeOptions = {
      accessEntryDetail: options.accessEntryDetail ?? true,
      now,
      ...(ports.autoScaling === undefined ? {} : { autoScaling: ports.autoScaling }),
    };
    return planCluster(spec, await observe(ports.eks, spec, observeOptions), {
      now,
      ...(options.source ? { source: options.source } : {}),
    });
  } catch (error) {
    // Throttling, a 5xx, the network or EKS busy: the next run reads again; anything else needs a person.
    const status = statusOfFailure(error);
    const summary = `could not read the cluster: ${errorText(error)}`;
    deps.logger.error('cluster observation failed', { cluster: spec.name, region: spec.region, status, error: errorFacts(error) });
    return { ...base, status, summary, drift: [], executed: [], deferred: [], blocked: [] };
  }
}

/** Reports the plan (plan mode) or executes it (apply) and reports what it came to. */
async function carryOut(
  spec: ClusterSpec,
  plan: Plan<ProvisionAction>,
  ports: ProvisionPorts,
  deps: ProvisionDeps,
  options: ReconcileOptions,
  base: ReportBase,
): Promise<ClusterReport> {
  const drift = driftOf(plan);
  const refusals = plan.actions.filter((action) => action.classification === 'forbidden');
  const report: ClusterReport = { ...base, status: 'Converged', summary: '', drift, executed: [], deferred: [], blocked: [], plan };

  if (refusals.length > 0) {
    report.blocked = refusals.map((action) => ({ target: targetId(action.target), kind: action.kind, reason: action.reason }));
    return finish(report, 'Blocked', `refused: ${refusals.map((action) => action.reason).join('; ')}`, deps);
  }
  const waits = plan.actions.filter((action) => action.kind === 'Wait');
  if (options.mode === 'plan') {
    if (planStatus(plan) === 'changes') return finish(report, 'Drifted', `drift: ${drift.join(', ')}`, deps);
    if (waits.length > 0) return finish(report, 'InProgress', waits.map((action) => action.reason).join('; '), deps);
    return finish(report, 'Converged', 'matches the spec', deps);
  }

  await execute(plan, ports, options.only, report, deps);
  if (report.blocked.length > 0) {
    return finish(report, 'Blocked', report.blocked.map((item) => `${item.target}: ${item.reason}`).join('; '), deps);
  }
  const pending = [
    ...waits.map((action) => action.reason),
    ...report.executed.filter((item) => !SYNCHRONOUS.has(item.kind)).map((item) => `${item.kind} ${item.target} started`),
  ];
  const later = report.deferred.length > 0 ? [`${report.deferred.length} action(s) wait for a later run`] : [];
  // Drift `only` left alone is still drift: the cluster has not converged.
  const leftAlone = [
    ...new Set(plan.actions.filter((action) => isWrite(action) && !isSelected(action, options.only)).map((action) => targetId(action.target))),
  ];
  const untouched = leftAlone.length > 0 ? [`left alone (not in only): ${leftAlone.join(', ')}`] : [];
  if (pending.length > 0 || later.length > 0) return finish(report, 'InProgress', [...pending, ...later, ...untouched].join('; '), deps);
  const applied = report.executed.length > 0 ? `applied ${report.executed.length} action(s)` : undefined;
  if (untouched.length > 0) return finish(report, 'Drifted', [applied ?? 'applied nothing', ...untouched].join('; '), deps);
  // Converged says the account matches the spec; validation says whether the cluster serves (kops validate cluster).
  if (deps.validate !== undefined) report.validation = await deps.validate(spec);
  const validated =
    report.validation === undefined ? '' : `; ${report.validation.status}${report.validation.failures.map((failure) => `; ${failure.message}`).join('')}`;
  return finish(report, 'Converged', `${applied ?? 'matches the spec'}${validated}`, deps);
}

function isSelected(action: ProvisionAction, only: readonly string[] | undefined): boolean {
  return only === undefined || only.includes(targetId(action.target));
}

/** How provision's reports word the executor's failures. */
const PHRASES: Phrases = {
  busy: () => 'EKS is busy with another update (ResourceInUseException)',
  throttled: () => ({ reason: 'throttled by EKS; the next run retries', stop: 'EKS throttled' }),
  unavailable: (error) => ({ reason: `EKS did not answer (${errorText(error)}); the next run retries`, stop: 'EKS did not answer' }),
  notSent: (stop) => `not sent: ${stop} this run`,
  logMessage: (kind, error) => {
    switch (kind) {
      case 'busy':
        return undefined;
      case 'throttled':
        return 'eks throttled; stopping this run';
      case 'unavailable':
        return 'eks call failed for now; stopping this run';
      case 'rejected':
        return error instanceof RequestRejectedError ? 'eks rejected the request' : 'eks call failed';
      default:
        throw new Error(`unknown failure ${kind satisfies never as string}`);
    }
  },
};

/**
 * Runs the plan's actions through the shared executor (shared/reconcile/execute.ts): one in-flight
 * operation per target, `after` waits on a target's every write; ReplaceNodegroup is blocked.
 */
async function execute(
  plan: Plan<ProvisionAction>,
  ports: { eks: EksPort; autoScaling?: AutoScalingPort },
  only: readonly string[] | undefined,
  report: ClusterReport,
  deps: ProvisionDeps,
): Promise<void> {
  const cluster = plan.subject.cluster;
  await executePlan<ProvisionAction, ProvisionWriteAction, Awaited<ReturnType<EksPort['execute']>>>(plan.actions, {
    isWrite,
    stance: (action) => (action.kind === 'Wait' ? 'wait' : action.kind === 'Refuse' || action.kind === 'ReplaceNodegroup' ? 'refuse' : 'note'),
    send: (action) => {
      if (!isAutoScalingWrite(action)) return ports.eks.execute(action);
      // Planned only from what the port read, so a plan with these always has the port.
      if (ports.autoScaling === undefined) throw new Error(`${action.kind} planned without an Auto Scaling port`);
      return ports.autoScaling.execute(action);
    },
    settles: (action) => SYNCHRONOUS.has(action.kind),
    selected: (action) => isSelected(action, only),
    phrases: PHRASES,
    logger: deps.logger,
    facts: () => ({ cluster }),
    onDone: (action, answer) => {
      const result = answer === 'already-done' ? { alreadyDone: true } : answer;
      const target = targetId(action.target);
      report.executed.push({ kind: action.kind, target, ...result });
      deps.logger.info('eks action applied', { cluster, action: action.kind, target, reason: action.reason, ...result });
    },
    onDeferred: (action, reason) => report.deferred.push({ target: targetId(action.target), kind: action.kind, reason }),
    onBlocked: (action, reason) => report.blocked.push({ target: targetId(action.target), kind: action.kind, reason }),
  });
}

function finish(report: ClusterReport, status: ClusterStatus, summary: string, deps: ProvisionDeps): ClusterReport {
  return finishReport(report, status, summary, deps.logger, 'cluster reconciled');
}

/**
 * Reconciles a fleet with bounded concurrency. A cluster whose run throws is reported Blocked with
 * the error; the others carry on. An `only` entry that names no target of any of the specs throws
 * {@link UnknownTargetError} before anything is read: a typo must not apply nothing and say Converged.
 */
export async function reconcileFleet(
  specs: readonly { spec: ClusterSpec; file?: string; mode: Mode }[],
  deps: ProvisionDeps,
  options: { only?: readonly string[]; concurrency?: number; accessEntryDetail?: boolean } = {},
): Promise<ClusterReport[]> {
  if (options.only !== undefined)
    checkOnly(
      options.only,
      specs.map(({ spec }) => spec),
    );
  return runFleet(specs, {
    run: ({ spec, file, mode }) =>
      reconcileCluster(spec, deps, {
        mode,
        ...(options.only ? { only: options.only } : {}),
        ...(file ? { source: file } : {}),
        ...(options.accessEntryDetail === undefined ? {} : { accessEntryDetail: options.accessEntryDetail }),
      }),
    failed: (head) => ({ ...head, drift: [], executed: [], deferred: [], blocked: [] }),
    logger: deps.logger,
    failure: 'cluster run failed',
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  });
}

/**
 * Throws {@link UnknownTargetError} naming each `only` entry no spec can plan, with the targets the
 * specs have; one issue per entry, its field `only[<index>]` as the manual invoke spells it.
 *
 * @example
 * checkOnly(['nodegroup/nope'], [spec]); // only names nodegroup/nope, which no spec has; the targets are cluster/kianax, ...
 */
export function checkOnly(only: readonly string[], specs: readonly ClusterSpec[]): void {
  const unknown = only.flatMap((target, index) => (specs.some((spec) => targetFits(spec, target)) ? [] : [{ target: clip(target), index }]));
  if (unknown.length === 0) return;
  const valid = [...new Set(specs.flatMap(specTargets))];
  const pruning = specs.some((spec) => spec.pruneNodeGroups) ? ' (and any nodegroup/<name> pruneNodeGroups may delete)' : '';
  const targets = `the targets are ${valid.join(', ') || 'none'}${pruning}`;
  const names = unknown.map((item) => item.target).join(', ');
  throw new UnknownTargetError(`only names ${names}, which no spec has; ${targets}`, {
    context: { unknown: unknown.map((item) => item.target), clusters: specs.map((spec) => spec.name) },
    issues: unknown.map((item) => ({ field: `only[${item.index}]`, reason: `no spec has the target ${item.target}; ${targets}` })),
  });
}

/** What differs, as a person scans it: a missing or extra resource once, a changed one per field. */
function driftOf(plan: Plan<ProvisionAction>): string[] {
  return plan.actions.flatMap((action) => {
    const target = targetId(action.target);
    switch (action.classification) {
      case 'create':
        return [`${target} missing`];
      case 'delete':
        return [`${target} not in the spec`];
      case 'no-op':
        return [];
      case 'update':
      case 'replace':
      case 'forbidden':
        return action.changes.map((change) => `${target} ${change.field}`);
      default:
        throw new Error(`unknown classification of ${(action satisfies never as ProvisionAction).kind}`);
    }
  });
}
