/**
 * A node group's actions: its override record in tags and its scaling bounds, record first when
 * raising and bounds first when lowering, so provision never sees raised bounds without a record.
 */
import type { Nodegroup, UpdateNodegroupConfigCommandInput } from '@aws-sdk/client-eks';
import type { Change } from '../../../shared/model/plan/plan';
import type { ClusterSpec, NodeGroupSpec } from '../../../shared/model/cluster-spec/schema';
import type { ScaleWatchAction } from '../actions';
import type { BoundsRecord } from '../records';
import { nodeGroupRecordTags, presentOverrideTags } from '../records';
import { describeRecord, reasonFor } from './reasons';
import { missingReason, recordOf, split } from './targets';
import type { Decision, NodeGroupTarget } from './types';

/**
 * The writes that bring a node group to the record `next` (none: the spec's bounds), or why it cannot move.
 *
 * @example
 * nodeGroupActions(spec, target, record, decision).map((action) => action.kind); // ['TagResource', 'UpdateNodegroupConfig'] on a step
 */
export function nodeGroupActions(
  spec: ClusterSpec,
  target: NodeGroupTarget,
  next: BoundsRecord | undefined,
  decision: Exclude<Decision, { kind: 'ignore' }>,
): ScaleWatchAction[] {
  const targetRef = split(target.id);
  const current = recordOf(target);
  const group = target.group;
  const observed = target.observed;
  const wantsMove = next !== undefined || current !== undefined || target.reading.kind === 'malformed';
  if (!wantsMove) return [];
  if (group === undefined || observed === null) {
    return [{ kind: 'Refuse', classification: 'forbidden', target: targetRef, reason: missingReason(target), changes: [] }];
  }
  const status = observed.status ?? 'ACTIVE';
  switch (status) {
    case 'ACTIVE':
    case 'DEGRADED':
    case 'UPDATING':
      break;
    case 'CREATING':
      return [{ kind: 'Wait', classification: 'no-op', target: targetRef, reason: 'node group is CREATING', changes: [] }];
    case 'DELETING':
    case 'CREATE_FAILED':
    case 'DELETE_FAILED':
      return [{ kind: 'Refuse', classification: 'forbidden', target: targetRef, reason: `node group is ${status}`, changes: [] }];
    default:
      throw new Error(`unknown node group status ${String(status satisfies never)}`);
  }
  const arn = observed.nodegroupArn ?? '';
  const present = presentOverrideTags(observed.tags);
  const wanted = next === undefined ? {} : nodeGroupRecordTags(next);
  const bounds = boundsFor(group, next, observed);
  const actions: ScaleWatchAction[] = [];
  const reason = reasonFor(decision, next);

  const stale = Object.keys(present)
    .filter((key) => !(key in wanted))
    .sort();
  const changedTags = Object.fromEntries(Object.entries(wanted).filter(([key, value]) => present[key] !== value));
  const overrideChange: Change = { field: 'override', from: describeRecord(current), to: describeRecord(next) };
  if (next !== undefined) {
    // Raising: the record first, then the bounds, so provision never sees raised bounds without it.
    if (stale.length > 0) {
      actions.push({
        kind: 'UntagResource',
        classification: 'update',
        target: targetRef,
        reason: 'override tags this record does not use',
        changes: stale.map((key) => ({ field: `tags.${key}`, from: present[key] })),
        request: { resourceArn: arn, tagKeys: stale },
      });
    }
    if (Object.keys(changedTags).length > 0) {
      actions.push({
        kind: 'TagResource',
        classification: 'update',
        target: targetRef,
        reason,
        changes: [overrideChange],
        request: { resourceArn: arn, tags: wanted },
      });
    }
    actions.push(...boundsAction(spec, target, bounds, observed, reason, actions.length > 0));
  } else {
    // Lowering: the bounds first, then the record, once EKS has accepted the bounds.
    const moved = boundsAction(spec, target, bounds, observed, reason, false);
    actions.push(...moved);
    if (Object.keys(present).length > 0) {
      actions.push({
        kind: 'UntagResource',
        classification: 'update',
        target: targetRef,
        reason,
        changes: [overrideChange],
        request: { resourceArn: arn, tagKeys: Object.keys(present).sort() },
        ...(moved.length > 0 ? { after: [target.id] } : {}),
      });
    }
  }
  return actions;
}

interface Bounds {
  minSize: number;
  maxSize: number;
  desiredSize: number;
}

/** The record's bounds (else the spec's); desiredSize is only brought inside them (the autoscaler owns it). */
function boundsFor(group: NodeGroupSpec, record: BoundsRecord | undefined, observed: Nodegroup): Bounds {
  const minSize = record?.min ?? group.scaling.min;
  const maxSize = Math.max(record?.max ?? group.scaling.max, minSize);
  const current = observed.scalingConfig?.desiredSize ?? minSize;
  return { minSize, maxSize, desiredSize: Math.min(Math.max(current, minSize), maxSize) };
}

function boundsAction(
  spec: ClusterSpec,
  target: NodeGroupTarget,
  bounds: Bounds,
  observed: Nodegroup,
  reason: string,
  afterRecord: boolean,
): ScaleWatchAction[] {
  const now = observed.scalingConfig ?? {};
  const changes: Change[] = [
    ...(now.minSize === bounds.minSize ? [] : [{ field: 'scaling.minSize', from: now.minSize, to: bounds.minSize }]),
    ...(now.maxSize === bounds.maxSize ? [] : [{ field: 'scaling.maxSize', from: now.maxSize, to: bounds.maxSize }]),
    ...(now.desiredSize === undefined || now.desiredSize === bounds.desiredSize
      ? []
      : [{ field: 'scaling.desiredSize', from: now.desiredSize, to: bounds.desiredSize }]),
  ];
  if (changes.length === 0) return [];
  const targetRef = split(target.id);
  if (observed.status === 'UPDATING') {
    return [
      { kind: 'Wait', classification: 'no-op', target: targetRef, reason: `node group is UPDATING; its bounds follow on a later run (${reason})`, changes },
    ];
  }
  const request: UpdateNodegroupConfigCommandInput = {
    clusterName: spec.name,
    nodegroupName: target.spec.name,
    scalingConfig: {
      minSize: bounds.minSize,
      maxSize: bounds.maxSize,
      ...(now.desiredSize === undefined || now.desiredSize === bounds.desiredSize ? {} : { desiredSize: bounds.desiredSize }),
    },
  };
  return [
    { kind: 'UpdateNodegroupConfig', classification: 'update', target: targetRef, reason, changes, request, ...(afterRecord ? { after: [target.id] } : {}) },
  ];
}
