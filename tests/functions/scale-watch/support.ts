/**
 * What the scale-watch tests share: the kianax example and an inline spec, observations built from
 * a spec as if the cluster matched it, and a simulator that applies a plan's writes to an
 * observation the way EKS and the API server would, so tests can walk several invocations.
 */
import path from 'node:path';
import type { Nodegroup } from '@aws-sdk/client-eks';
import type { ScaleWatchAction } from '../../../functions/scale-watch/actions';
import type { AlarmState, AlarmStateValue, ObservedScaler, RuleObservation } from '../../../functions/scale-watch/observed';
import { scalerKey } from '../../../functions/scale-watch/observed';
import type { RulePlan, Trigger } from '../../../functions/scale-watch/plan';
import { planRule } from '../../../functions/scale-watch/plan';
import { loadSpecs, parseSpec } from '../../../shared/model/cluster-spec/load';
import type { ScalingRuleSpec } from '../../../shared/model/cluster-spec/scaling';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import { minimalSpecYaml, parseSpecOrThrow } from '../../../testing/specs';

export const NOW = new Date('2026-11-22T12:00:00Z');
export const EXAMPLES = path.join(__dirname, '../../../examples');
export const KIANAX = path.join(EXAMPLES, 'kianax');
export const MINUTE = 60_000;
export const ALARM_NAME = 'kianax-general-ng-cpu-high';

export async function kianax(): Promise<ClusterSpec> {
  const [loaded] = await loadSpecs([path.join(KIANAX, 'cluster.yaml')]);
  if (!loaded) throw new Error('no kianax spec');
  return loaded.spec;
}

export function ruleOf(spec: ClusterSpec, name?: string): ScalingRuleSpec {
  const rule = name === undefined ? spec.scalingRules[0] : spec.scalingRules.find((candidate) => candidate.name === name);
  if (!rule) throw new Error(`no rule ${name ?? '(first)'}`);
  return rule;
}

const BASE = `\n${minimalSpecYaml({
  name: 'shop',
  region: 'eu-west-1',
  nodeGroups: [
    { name: 'web-ng', min: 2, max: 4 },
    { name: 'batch-ng', min: 1, max: 3 },
  ],
})}alarms:
  - name: shop-cpu-high
    metric: { namespace: ContainerInsights, name: node_cpu_utilization, dimensions: { ClusterName: shop } }
    threshold: 75
  - name: shop-memory-high
    metric: { namespace: ContainerInsights, name: node_memory_utilization, dimensions: { ClusterName: shop } }
    threshold: 80
`;

/** The inline `shop` cluster with these scaling rules (YAML list items, indented two spaces). */
export function shopWith(rules: string): ClusterSpec {
  return parseSpecOrThrow(`${BASE}scalingRules:\n${rules}`);
}

/** Parses a spec text; the issues as `path: message` lines when it does not validate. */
export function issuesOf(rules: string, extra = ''): string[] {
  const parsed = parseSpec(`${BASE}${extra}scalingRules:\n${rules}`, 'inline.yaml');
  return parsed.ok ? [] : parsed.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

export function nodegroupArn(spec: ClusterSpec, name: string): string {
  return `arn:aws:eks:${spec.region}:111122223333:nodegroup/${spec.name}/${name}/00000000-0000-4000-8000-000000000001`;
}

/** A node group as EKS describes it when it matches the spec. */
export function nodegroupFromSpec(spec: ClusterSpec, name: string): Nodegroup {
  const group = spec.nodeGroups.find((candidate) => candidate.name === name);
  if (!group) throw new Error(`no node group ${name}`);
  return {
    nodegroupName: name,
    clusterName: spec.name,
    nodegroupArn: nodegroupArn(spec, name),
    status: 'ACTIVE',
    scalingConfig: { minSize: group.scaling.min, maxSize: group.scaling.max, desiredSize: group.scaling.desired ?? group.scaling.min },
    tags: { ...group.tags },
  };
}

/** An HPA (or, with `keda`, the ScaledObject that owns it) holding these bounds. */
export function scaler(namespace: string, name: string, bounds: { min?: number; max?: number }, keda?: string): ObservedScaler {
  return keda === undefined
    ? { via: 'hpa', apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace, name, min: bounds.min, max: bounds.max, annotations: {} }
    : { via: 'keda', apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', namespace, name: keda, min: bounds.min, max: bounds.max, annotations: {} };
}

/** The cluster matching the spec: node groups at their bounds, HPAs at min 2 / max 10 (the kianax manifests). */
export function observationFor(spec: ClusterSpec, rule: ScalingRuleSpec, alarms: AlarmState[] = []): RuleObservation {
  return {
    alarms,
    nodeGroups: Object.fromEntries(rule.nodeGroups.map((target) => [target.name, nodegroupFromSpec(spec, target.name)])),
    scalers: Object.fromEntries(rule.hpas.map((target) => [scalerKey(target), scaler(target.namespace, target.name, { min: 2, max: 10 })])),
  };
}

export function alarmState(value: AlarmStateValue, since: Date, alarmName = ALARM_NAME): AlarmState {
  return { alarmName, value, since };
}

export function alarmEvent(state: AlarmStateValue, at: Date, alarmName = ALARM_NAME): Trigger {
  return { kind: 'alarm', alarmName, state, at };
}

export function minutes(from: Date, count: number): Date {
  return new Date(from.getTime() + count * MINUTE);
}

/**
 * Applies a plan's writes to the observation as EKS and the API server would (all of them
 * succeed; node group bounds change at once), and returns the new observation. The alarm state
 * follows the trigger when it is an alarm event.
 */
export function applyPlan(observed: RuleObservation, plan: RulePlan, trigger?: Trigger): RuleObservation {
  const next = structuredClone(observed);
  if (trigger?.kind === 'alarm') {
    next.alarms = [...next.alarms.filter((alarm) => alarm.alarmName !== trigger.alarmName), alarmState(trigger.state, trigger.at, trigger.alarmName)];
  }
  for (const action of plan.actions) apply(next, action);
  return next;
}

function apply(observed: RuleObservation, action: ScaleWatchAction): void {
  const groupNamed = (arn: string | undefined): Nodegroup => {
    const group = Object.values(observed.nodeGroups).find((candidate) => candidate?.nodegroupArn === arn);
    if (!group) throw new Error(`no node group ${arn ?? ''}`);
    return group;
  };
  switch (action.kind) {
    case 'TagResource': {
      const group = groupNamed(action.request.resourceArn);
      group.tags = { ...group.tags, ...action.request.tags };
      return;
    }
    case 'UntagResource': {
      const group = groupNamed(action.request.resourceArn);
      const removed = new Set(action.request.tagKeys);
      group.tags = Object.fromEntries(Object.entries(group.tags ?? {}).filter(([key]) => !removed.has(key)));
      return;
    }
    case 'UpdateNodegroupConfig': {
      const group = observed.nodeGroups[action.request.nodegroupName ?? ''];
      if (!group) throw new Error('no node group');
      group.scalingConfig = { ...group.scalingConfig, ...action.request.scalingConfig };
      return;
    }
    case 'PatchScaler': {
      const found = Object.values(observed.scalers).find(
        (candidate) => candidate?.name === action.request.name && candidate.namespace === action.request.namespace,
      );
      if (!found) throw new Error('no scaler');
      const { spec = {}, metadata } = action.request.patch;
      for (const [field, value] of Object.entries(spec)) {
        const bound = /^min/.test(field) ? 'min' : 'max';
        found[bound] = value ?? undefined;
      }
      const annotations = { ...found.annotations, ...metadata?.annotations };
      found.annotations = Object.fromEntries(Object.entries(annotations).filter((entry): entry is [string, string] => entry[1] !== null));
      return;
    }
    case 'Hold':
    case 'Wait':
    case 'Refuse':
      return;
    default:
      throw new Error(`unknown action ${(action satisfies never as ScaleWatchAction).kind}`);
  }
}

/** Plans, applies, and returns both: one invocation of the rule. */
export function step(
  spec: ClusterSpec,
  rule: ScalingRuleSpec,
  observed: RuleObservation,
  trigger: Trigger,
  now: Date,
): { plan: RulePlan; observed: RuleObservation } {
  const plan = planRule(spec, rule, observed, trigger, now);
  return { plan, observed: applyPlan(observed, plan, trigger) };
}

/** The bounds a person reads: node group min/max and each HPA's min/max. */
export function boundsOf(observed: RuleObservation): Record<string, string> {
  return {
    ...Object.fromEntries(
      Object.entries(observed.nodeGroups).map(([name, group]) => [name, `${String(group?.scalingConfig?.minSize)}-${String(group?.scalingConfig?.maxSize)}`]),
    ),
    ...Object.fromEntries(Object.entries(observed.scalers).map(([key, found]) => [key, `${String(found?.min)}-${String(found?.max)}`])),
  };
}

export function kinds(plan: RulePlan): string[] {
  return plan.actions.map((action) => `${action.kind} ${action.target.kind}/${action.target.name}`);
}
