/** The targets of a rule: the node groups and HPAs it names, with what was observed of them. */
import type { TargetId } from '../../../shared/model/plan/plan';
import type { ScalingRuleSpec } from '../../../shared/model/cluster-spec/scaling';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { RuleObservation } from '../observed';
import { scalerKey } from '../observed';
import type { BoundsRecord } from '../records';
import { readNodeGroupRecord, readReplicaRecord } from '../records';
import type { Target } from './types';

/**
 * The rule's node groups, then its HPAs (named by the ScaledObject that owns one), each with the record it carries.
 *
 * @example
 * targetsOf(spec, rule, observed, now).map((target) => target.id); // ['nodegroup/general-ng', 'hpa/prod/task-service']
 */
export function targetsOf(spec: ClusterSpec, rule: ScalingRuleSpec, observed: RuleObservation, now: Date): Target[] {
  const groups: Target[] = rule.nodeGroups.map((target) => {
    const found = observed.nodeGroups[target.name] ?? null;
    return {
      kind: 'nodegroup',
      id: `nodegroup/${target.name}`,
      spec: target,
      group: spec.nodeGroups.find((group) => group.name === target.name),
      observed: found,
      reading: found === null ? { kind: 'none' } : readNodeGroupRecord(found.tags, now),
    };
  });
  const scalers: Target[] = rule.hpas.map((target) => {
    const found = observed.scalers[scalerKey(target)] ?? null;
    const kind = found?.via === 'keda' ? 'scaledobject' : 'hpa';
    return {
      kind: 'scaler',
      id: `${kind}/${target.namespace}/${found?.name ?? target.name}`,
      spec: target,
      observed: found,
      reading: found === null ? { kind: 'none' } : readReplicaRecord(found.annotations, now),
    };
  });
  return [...groups, ...scalers];
}

/**
 * The record the target carries, active or expired; undefined when it has none or one that cannot be read.
 *
 * @example
 * recordOf(target)?.expires; // the override's expiry, active or expired; undefined without a readable record
 */
export function recordOf(target: Target): BoundsRecord | undefined {
  return target.reading.kind === 'active' || target.reading.kind === 'expired' ? target.reading.record : undefined;
}

/**
 * A target id as an action's target: the kind before the first slash, the name after it.
 *
 * @example
 * split('hpa/prod/task-service'); // { kind: 'hpa', name: 'prod/task-service' }
 */
export function split(id: TargetId): { kind: string; name: string } {
  const slash = id.indexOf('/');
  return { kind: id.slice(0, slash), name: id.slice(slash + 1) };
}

/**
 * Why a target the rule names cannot be moved: it is not in the spec, or not in the cluster.
 *
 * @example
 * missingReason(target); // 'node group jobs-ng does not exist in EKS'
 */
export function missingReason(target: Target): string {
  if (target.kind === 'nodegroup')
    return target.group === undefined ? `node group ${target.spec.name} is not in the spec` : `node group ${target.spec.name} does not exist in EKS`;
  return `HPA ${target.spec.namespace}/${target.spec.name} (or the ScaledObject that owns it) does not exist`;
}
