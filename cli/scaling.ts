/**
 * Each scaling rule's state as a person asks for it: per target, the spec's values or the override
 * recorded on it (and until when), and what the next scheduled run would do. Read through
 * scale-watch's own observe, record readers and planner; offline, from the spec alone.
 */
import type { ObservePorts } from '../functions/scale-watch/observe';
import { observeRule } from '../functions/scale-watch/observe';
import type { RuleObservation } from '../functions/scale-watch/observed';
import { scalerKey } from '../functions/scale-watch/observed';
import { planRule } from '../functions/scale-watch/plan';
import type { BoundsRecord, RecordReading } from '../functions/scale-watch/records';
import { readNodeGroupRecord, readReplicaRecord } from '../functions/scale-watch/records';
import { ClusterUnavailableError, KubernetesUnreachableError } from '../shared/ports/kubernetes-errors';
import { targetId } from '../shared/model/plan/plan';
import type { ScalingRuleSpec, StepSpec } from '../shared/model/cluster-spec/scaling';
import type { ClusterSpec } from '../shared/model/cluster-spec/schema';
import { oneLine } from './output';

export type TargetStateKind = 'spec' | 'overridden' | 'expired' | 'malformed' | 'missing';

export interface TargetState {
  /** `nodegroup/general-ng`, `hpa/kianax/kianax-api`. */
  target: string;
  state: TargetStateKind;
  /** One line: `at spec values (max 5)`, `overridden: max 7 until ... (alarm ...)`. */
  text: string;
  /** When an active override ends. */
  expires?: string;
  /** How each bound moves on ALARM, from the spec: `maxSize +2 up to 9`. */
  moves: string[];
}

export interface RuleView {
  cluster: string;
  region: string;
  rule: string;
  /** The alarm, or `prefix*`. */
  alarm: string;
  /** `OK since ...`, as CloudWatch reports it (live only). */
  alarmState?: string;
  targets: TargetState[];
  /** What the next scheduled run would do (live only): its decision and the actions that write. */
  next?: { decision: string; reason: string; actions: string[] };
  /** Live, but the cluster's Kubernetes API cannot be reached (not created yet, say): the view is the spec's. */
  unreachable?: string;
  /** Why the rule could not be read (live only). */
  error?: string;
}

/**
 * A rule seen from the spec alone (offline): no override can be recorded on an empty account.
 *
 * @example
 * offlineRuleView(spec, spec.scalingRules[0]).targets[0].text; // 'at spec values (min 2, max 5)'
 */
export function offlineRuleView(spec: ClusterSpec, rule: ScalingRuleSpec): RuleView {
  const targets = [
    ...rule.nodeGroups.map((target): TargetState => {
      const group = spec.nodeGroups.find((candidate) => candidate.name === target.name);
      const values = group === undefined ? '' : ` (min ${group.scaling.min}, max ${group.scaling.max})`;
      return { target: `nodegroup/${target.name}`, state: 'spec', text: `at spec values${values}`, moves: nodeGroupMoves(target) };
    }),
    ...rule.hpas.map((target): TargetState => ({
      target: `hpa/${scalerKey(target)}`,
      state: 'spec',
      text: "at the manifest's values",
      moves: hpaMoves(target),
    })),
  ];
  return { ...base(spec, rule), targets };
}

/**
 * A rule as the cluster and CloudWatch hold it now, and what the next scheduled run would do.
 * A rule that cannot be read (CloudWatch, EKS or the Kubernetes API unreachable) carries the error.
 *
 * @example
 * const view = await liveRuleView(spec, rule, { eks, cloudWatch, kubernetes }, new Date());
 */
export async function liveRuleView(spec: ClusterSpec, rule: ScalingRuleSpec, ports: ObservePorts, now: Date): Promise<RuleView> {
  let observed: RuleObservation;
  try {
    observed = await observeRule(spec, rule, ports);
  } catch (error) {
    if (error instanceof ClusterUnavailableError || error instanceof KubernetesUnreachableError)
      return { ...offlineRuleView(spec, rule), unreachable: oneLine(error) };
    return { ...offlineRuleView(spec, rule), targets: [], error: oneLine(error) };
  }
  return ruleViewOf(spec, rule, observed, now);
}

/** The view of an observation: pure. */
export function ruleViewOf(spec: ClusterSpec, rule: ScalingRuleSpec, observed: RuleObservation, now: Date): RuleView {
  const targets: TargetState[] = [
    ...rule.nodeGroups.map((target): TargetState => {
      const id = `nodegroup/${target.name}`;
      const found = observed.nodeGroups[target.name] ?? null;
      if (found === null) return { target: id, state: 'missing', text: 'does not exist in EKS', moves: nodeGroupMoves(target) };
      const scaling = found.scalingConfig ?? {};
      const values = `min ${String(scaling.minSize ?? '?')}, max ${String(scaling.maxSize ?? '?')}`;
      return { target: id, ...stateOf(readNodeGroupRecord(found.tags, now), values), moves: nodeGroupMoves(target) };
    }),
    ...rule.hpas.map((target): TargetState => {
      const found = observed.scalers[scalerKey(target)] ?? null;
      if (found === null)
        return { target: `hpa/${scalerKey(target)}`, state: 'missing', text: 'the HPA (or its ScaledObject) does not exist', moves: hpaMoves(target) };
      const id = `${found.via === 'keda' ? 'scaledobject' : 'hpa'}/${found.namespace}/${found.name}`;
      const values = `min ${String(found.min ?? 'unset')}, max ${String(found.max ?? 'unset')}`;
      return { target: id, ...stateOf(readReplicaRecord(found.annotations, now), values), moves: hpaMoves(target) };
    }),
  ];
  const plan = planRule(spec, rule, observed, { kind: 'schedule' }, now);
  const writes = plan.actions.filter((action) => action.classification !== 'no-op' && action.classification !== 'forbidden');
  const refused = plan.actions.filter((action) => action.classification === 'forbidden');
  const [alarm] = [...observed.alarms].sort((a, b) => b.since.getTime() - a.since.getTime());
  return {
    ...base(spec, rule),
    ...(alarm === undefined ? {} : { alarmState: `${alarm.alarmName} ${alarm.value} since ${alarm.since.toISOString()}` }),
    targets,
    next: {
      decision: plan.decision.kind,
      reason: plan.decision.reason,
      actions: [...writes, ...refused].map((action) => `${action.kind} ${targetId(action.target)}: ${action.reason}`),
    },
  };
}

function base(spec: ClusterSpec, rule: ScalingRuleSpec): Pick<RuleView, 'cluster' | 'region' | 'rule' | 'alarm'> {
  return { cluster: spec.name, region: spec.region, rule: rule.name, alarm: rule.alarm ?? `${rule.alarmPrefix ?? ''}*` };
}

function stateOf(reading: RecordReading<BoundsRecord>, values: string): Pick<TargetState, 'state' | 'text' | 'expires'> {
  switch (reading.kind) {
    case 'none':
      return { state: 'spec', text: `at spec values (${values})` };
    case 'active': {
      const expires = reading.record.expires.toISOString();
      return { state: 'overridden', text: `overridden: ${recordBounds(reading.record)} until ${expires} (alarm ${reading.record.alarm})`, expires };
    }
    case 'expired':
      return { state: 'expired', text: `override expired at ${reading.record.expires.toISOString()} (${values}): the spec's values come back on the next run` };
    case 'malformed':
      return { state: 'malformed', text: `override record unreadable (${reading.reason}): treated as none (${values})` };
    default:
      throw new Error(`unknown record reading ${(reading satisfies never as { kind: string }).kind}`);
  }
}

function recordBounds(record: BoundsRecord): string {
  return [record.min === undefined ? undefined : `min ${record.min}`, record.max === undefined ? undefined : `max ${record.max}`].filter(Boolean).join(', ');
}

function nodeGroupMoves(target: ScalingRuleSpec['nodeGroups'][number]): string[] {
  return [move('minSize', target.minSize), move('maxSize', target.maxSize)].filter((item) => item !== undefined);
}

function hpaMoves(target: ScalingRuleSpec['hpas'][number]): string[] {
  return [move('minReplicas', target.minReplicas), move('maxReplicas', target.maxReplicas)].filter((item) => item !== undefined);
}

function move(field: string, step: StepSpec | undefined): string | undefined {
  if (step === undefined) return undefined;
  const by = step.add !== undefined ? `${step.add >= 0 ? '+' : ''}${step.add}` : `x${String(step.multiply)}`;
  const limit = step.ceiling !== undefined ? ` up to ${step.ceiling}` : step.floor !== undefined ? ` down to ${step.floor}` : '';
  return `${field} ${by}${limit}`;
}

/**
 * The rules section of a cluster, as text.
 *
 * @example
 * renderRules(spec, views);
 * // Scaling rules of kianax (eu-west-1)
 * //   general-ng-cpu (alarm kianax-general-ng-cpu-high)
 * //     nodegroup/general-ng: at spec values (min 2, max 5); on ALARM maxSize +2 up to 9
 */
export function renderRules(spec: Pick<ClusterSpec, 'name' | 'region'>, views: readonly RuleView[]): string {
  const lines = [`Scaling rules of ${spec.name} (${spec.region})`];
  if (views.length === 0) lines.push('  None: the spec has no scalingRules.');
  for (const view of views) {
    lines.push(`  ${view.rule} (alarm ${view.alarm})${view.alarmState ? `: ${view.alarmState}` : ''}`);
    if (view.error !== undefined) {
      lines.push(`    unreadable: ${view.error}`);
      continue;
    }
    if (view.unreachable !== undefined) lines.push(`    cluster unreachable (${view.unreachable}); shown from the spec:`);
    for (const target of view.targets)
      lines.push(`    ${target.target}: ${target.text}${target.moves.length > 0 ? `; on ALARM ${target.moves.join(', ')}` : ''}`);
    if (view.next !== undefined) {
      lines.push(`    next scheduled run: ${view.next.decision}: ${view.next.reason}`);
      for (const action of view.next.actions) lines.push(`      ${action}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
