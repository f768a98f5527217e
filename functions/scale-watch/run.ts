/**
 * Orchestration for scale-watch: observe one rule through its ports, plan, execute the plan in
 * order, report. Never waits for EKS: a node group that is busy (ResourceInUseException) is left
 * for the next scheduled run, which reads the override recorded on the node group and finishes the
 * move; so an alarm event is never failed, and never retried, for a busy node group.
 */
import type { CloudWatchAlarmsPort } from '../../shared/ports/cloudwatch';
import type { EksPort } from '../../shared/ports/eks';
import { EksPilotError, errorFacts, errorText, isTransient, UpstreamError } from '../../shared/errors';
import type { Phrases } from '../../shared/reconcile/execute';
import { executePlan } from '../../shared/reconcile/execute';
import type { KubernetesPort } from '../../shared/ports/kubernetes';
import { KubernetesConflictError } from '../../shared/ports/kubernetes-errors';
import type { Change, Plan, TargetId } from '../../shared/model/plan/plan';
import { targetId } from '../../shared/model/plan/plan';
import type { ScalingRuleSpec } from '../../shared/model/cluster-spec/scaling';
import type { RunLogger } from '../../shared/reconcile/run-logger';
import type { Mode, Status } from '../../shared/reconcile/status';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import type { ScaleWatchAction, ScaleWatchWrite } from './actions';
import type { AlarmAction } from './alarms';
import { planAlarms } from './alarms';
import { isWrite, movesBounds } from './actions';
import { observeRule } from './observe';
import type { Decision, RulePlan, Trigger } from './plan';
import { planRule } from './plan';

/** The field manager scale-watch's merge patches are recorded under (`managedFields`). */
export const FIELD_MANAGER = 'eks-pilot-scale-watch';

/**
 * The suite's one status vocabulary (shared/reconcile/status.ts): a rule whose moves went through
 * (or had none to make, or whose event was ignored: see `decision`) is Converged; one that would
 * move in plan mode is Drifted.
 */
export type RuleStatus = Status;

export interface BoundChange {
  target: TargetId;
  field: string;
  from?: unknown;
  to?: unknown;
}

export interface RuleReport {
  cluster: string;
  region: string;
  rule: string;
  mode: Mode;
  /** `alarm <name> <state> at <time>`, `schedule` or `reset`. */
  trigger: string;
  /** The plan's decision; `failed` when the rule could not be observed at all. */
  decision: Decision['kind'] | 'failed';
  status: RuleStatus;
  /** Why, in one line: the decision's reason. */
  summary: string;
  /** The alarm the decision rests on, when there is one. */
  alarm?: string;
  executed: { kind: ScaleWatchWrite['kind']; target: TargetId }[];
  /** Every bound that moved (apply) or would move (plan), with its old and new value. */
  boundChanges: BoundChange[];
  deferred: { target: TargetId; kind: string; reason: string }[];
  blocked: { target: TargetId; kind: string; reason: string }[];
  plan?: RulePlan;
}

export interface ScaleWatchDeps {
  /** The EKS port for a cluster: its Region, through its assume-role when it has one. */
  eksFor(spec: ClusterSpec): Pick<EksPort, 'describeNodegroup' | 'execute'>;
  cloudWatchFor(spec: ClusterSpec): Pick<CloudWatchAlarmsPort, 'describeAlarms'>;
  /** The cluster's Kubernetes API; only called for rules that move HPAs. */
  kubernetesFor(spec: ClusterSpec): Promise<KubernetesPort>;
  now(): Date;
  logger: RunLogger;
}

/**
 * Observes, plans and (in apply mode) executes one rule of one cluster.
 *
 * @example
 * const report = await runRule(spec, rule, { kind: 'alarm', alarmName: 'kianax-general-ng-cpu-high', state: 'ALARM', at }, deps, 'apply');
 * report.boundChanges; // [{ target: 'nodegroup/general-ng', field: 'scaling.maxSize', from: 5, to: 7 }, ...]
 */
export async function runRule(spec: ClusterSpec, rule: ScalingRuleSpec, trigger: Trigger, deps: ScaleWatchDeps, mode: Mode): Promise<RuleReport> {
  const eks = deps.eksFor(spec);
  let kubernetes: Promise<KubernetesPort> | undefined;
  const k8s = (): Promise<KubernetesPort> => (kubernetes ??= deps.kubernetesFor(spec));
  const observed = await observeRule(spec, rule, { eks, cloudWatch: deps.cloudWatchFor(spec), kubernetes: k8s });
  const now = deps.now();
  const plan = planRule(spec, rule, observed, trigger, now);
  const decision = plan.decision;
  const report: RuleReport = {
    cluster: spec.name,
    region: spec.region,
    rule: rule.name,
    mode,
    trigger: describeTrigger(trigger),
    decision: decision.kind,
    status: 'Converged',
    summary: decision.reason,
    ...(decision.kind !== 'ignore' && decision.state ? { alarm: decision.state.alarmName } : {}),
    executed: [],
    boundChanges: [],
    deferred: [],
    blocked: [],
    plan,
  };
  const facts = { cluster: spec.name, rule: rule.name, trigger: report.trigger, decision: decision.kind, reason: decision.reason };
  if (decision.kind === 'ignore') {
    deps.logger.info('alarm event ignored', facts);
    report.status = 'Converged';
    return report;
  }
  if (mode === 'plan') {
    report.boundChanges = plan.actions.filter(movesBounds).flatMap((action) => boundChangesOf(action));
    report.blocked = plan.actions
      .filter((action) => action.kind === 'Refuse')
      .map((action) => ({ target: targetId(action.target), kind: action.kind, reason: action.reason }));
    report.status = plan.actions.some(isWrite) ? 'Drifted' : 'Converged';
    deps.logger.info('rule planned', { ...facts, actions: plan.actions.length });
    return report;
  }
  await execute(plan, eks, k8s, report, deps);
  report.status =
    report.blocked.length > 0 ? 'Blocked' : report.deferred.length > 0 || plan.actions.some((action) => action.kind === 'Wait') ? 'InProgress' : 'Converged';
  const line = { ...facts, status: report.status, executed: report.executed.length, deferred: report.deferred.length };
  if (report.status === 'Blocked') deps.logger.warn('rule reconciled', { ...line, blocked: report.blocked });
  else deps.logger.info('rule reconciled', line);
  return report;
}

/** How scale-watch's reports word the executor's failures: whatever was left, the next scheduled run finishes. */
const PHRASES: Phrases = {
  busy: (error) =>
    error instanceof KubernetesConflictError
      ? 'the object changed under us (409); the next scheduled run retries'
      : 'EKS is busy with another update of the node group (ResourceInUseException); the next scheduled run finishes the move',
  throttled: () => ({ reason: 'throttled; the next scheduled run retries', stop: 'throttled' }),
  unavailable: (error) => ({ reason: `no answer (${errorText(error)}); the next scheduled run retries`, stop: 'no answer' }),
  notSent: (stop) => `not sent: ${stop} earlier in this run; the next scheduled run sends it`,
  logMessage: (kind, error) => {
    switch (kind) {
      case 'busy':
        return error instanceof KubernetesConflictError
          ? 'kubernetes conflict; left for the next scheduled run'
          : 'node group busy; left for the next scheduled run';
      case 'throttled':
        return 'throttled; stopping this run';
      case 'unavailable':
        return 'scale action failed for now; stopping this run';
      case 'rejected':
        return 'scale action failed';
      default:
        throw new Error(`unknown failure ${kind satisfies never as string}`);
    }
  },
};

/**
 * Runs the plan's writes through the shared executor (shared/reconcile/execute.ts). Every write
 * counts as done once EKS or the Kubernetes API accepts it: the override record follows the bounds
 * in the same run. A Wait is listed as deferred, a Refuse as blocked.
 */
async function execute(
  plan: RulePlan,
  eks: Pick<EksPort, 'execute'>,
  k8s: () => Promise<KubernetesPort>,
  report: RuleReport,
  deps: ScaleWatchDeps,
): Promise<void> {
  const alarm = report.alarm;
  const where = { cluster: plan.subject.cluster, rule: plan.rule };
  await executePlan<ScaleWatchAction, ScaleWatchWrite, unknown>(plan.actions, {
    isWrite,
    stance: (action) => (action.kind === 'Wait' ? 'wait' : action.kind === 'Refuse' ? 'refuse' : 'note'),
    send: (action) => send(action, eks, k8s),
    reportWaits: true,
    phrases: PHRASES,
    logger: deps.logger,
    facts: () => where,
    onDone: (action) => {
      const target = targetId(action.target);
      report.executed.push({ kind: action.kind, target });
      const facts = { ...where, alarm, action: action.kind, target, reason: action.reason };
      if (movesBounds(action)) {
        for (const change of boundChangesOf(action)) {
          report.boundChanges.push(change);
          deps.logger.info('bounds changed', { ...facts, field: change.field, from: change.from, to: change.to });
        }
      } else {
        deps.logger.info('override record written', { ...facts, changes: action.changes });
      }
    },
    onDeferred: (action, reason) => report.deferred.push({ target: targetId(action.target), kind: action.kind, reason }),
    onBlocked: (action, reason) => report.blocked.push({ target: targetId(action.target), kind: action.kind, reason }),
  });
}

async function send(action: ScaleWatchWrite, eks: Pick<EksPort, 'execute'>, k8s: () => Promise<KubernetesPort>): Promise<void> {
  switch (action.kind) {
    case 'UpdateNodegroupConfig':
      await eks.execute({ kind: 'UpdateNodegroupConfig', request: action.request });
      return;
    case 'TagResource':
      await eks.execute({ kind: 'TagResource', request: action.request });
      return;
    case 'UntagResource':
      await eks.execute({ kind: 'UntagResource', request: action.request });
      return;
    case 'PatchScaler': {
      const { apiVersion, kind, namespace, name, patch } = action.request;
      await (await k8s()).patch(apiVersion, kind, namespace, name, patch, { fieldManager: FIELD_MANAGER });
      return;
    }
    default:
      throw new EksPilotError('unknown scale-watch write', { context: { kind: (action satisfies never as ScaleWatchAction).kind } });
  }
}

function boundChangesOf(action: ScaleWatchAction): BoundChange[] {
  const target = targetId(action.target);
  return action.changes
    .filter((change: Change) => change.field !== 'override')
    .map((change) => ({ target, field: change.field, from: change.from, to: change.to }));
}

export function describeTrigger(trigger: Trigger): string {
  switch (trigger.kind) {
    case 'alarm':
      return `alarm ${trigger.alarmName} ${trigger.state} at ${trigger.at.toISOString()}`;
    case 'schedule':
      return 'schedule';
    case 'reset':
      return 'reset';
    default:
      throw new Error(`unknown trigger ${(trigger satisfies never as Trigger).kind}`);
  }
}

export interface AlarmsReport {
  cluster: string;
  region: string;
  mode: Mode;
  /** InProgress: every failed write failed for now (throttling, a 5xx, the network); the next scheduled run retries. */
  status: Status;
  /** `alarm field` of every difference found, e.g. `alarm/kianax-general-ng-cpu-high threshold`; a missing alarm once. */
  drift: string[];
  written: string[];
  failed: { alarm: string; reason: string }[];
  plan?: Plan<AlarmAction>;
}

/**
 * Alarms as code for one cluster: describes the spec's alarms, plans, and in apply mode creates or
 * updates each one that is missing or drifted with PutMetricAlarm.
 *
 * @example
 * const report = await reconcileAlarms(spec, cloudWatch, 'apply', logger);
 * report.drift; // ['alarm/kianax-general-ng-cpu-high missing']
 */
export async function reconcileAlarms(spec: ClusterSpec, cloudWatch: CloudWatchAlarmsPort, mode: Mode, logger: RunLogger): Promise<AlarmsReport> {
  const base = { cluster: spec.name, region: spec.region, mode };
  if (spec.alarms.length === 0) return { ...base, status: 'Converged', drift: [], written: [], failed: [] };
  const described = await cloudWatch.describeAlarms({ names: spec.alarms.map((alarm) => alarm.name) });
  const plan = planAlarms(spec, described.metricAlarms);
  const drift = plan.actions.flatMap((action) =>
    action.classification === 'create'
      ? [`alarm/${action.target.name} missing`]
      : action.changes.map((change) => `alarm/${action.target.name} ${change.field}`),
  );
  const report: AlarmsReport = { ...base, status: drift.length > 0 ? 'Drifted' : 'Converged', drift, written: [], failed: [], plan };
  if (drift.length > 0) logger.warn('alarm drift', { cluster: spec.name, drift });
  if (mode === 'plan' || drift.length === 0) return report;
  let blocked = false;
  for (const action of plan.actions) {
    try {
      await cloudWatch.putMetricAlarm(action.request);
      report.written.push(action.target.name);
      logger.info(action.classification === 'create' ? 'alarm created' : 'alarm updated', {
        cluster: spec.name,
        alarm: action.target.name,
        changes: action.changes,
      });
    } catch (error) {
      if (!(error instanceof UpstreamError) && !isTransient(error)) throw error;
      report.failed.push({ alarm: action.target.name, reason: error instanceof Error ? error.message : String(error) });
      if (!isTransient(error)) blocked = true;
      logger.error('alarm write failed', { cluster: spec.name, alarm: action.target.name, transient: isTransient(error), error: errorFacts(error) });
    }
  }
  report.status = blocked ? 'Blocked' : report.failed.length > 0 ? 'InProgress' : 'Converged';
  return report;
}
