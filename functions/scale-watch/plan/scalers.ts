/** An HPA's (or its ScaledObject's) action: one patch of its replica bounds and its record annotations. */
import type { Change } from '../../../shared/model/plan/plan';
import type { ScalerPatch, ScaleWatchAction } from '../actions';
import type { BoundsRecord, ReplicaRecord } from '../records';
import { presentReplicaAnnotations, replicaRecordAnnotations } from '../records';
import { describeRecord, reasonFor } from './reasons';
import { missingReason, split } from './targets';
import type { Decision, ScalerTarget } from './types';

/**
 * The patch that brings an HPA or ScaledObject to the record `next` (none: its values before the first step).
 *
 * @example
 * scalerPatchActions(target, record, decision).map((action) => action.request.patch); // [{ metadata: { annotations: {...} }, spec: { minReplicas: 4 } }]
 */
export function scalerPatchActions(target: ScalerTarget, next: BoundsRecord | undefined, decision: Exclude<Decision, { kind: 'ignore' }>): ScaleWatchAction[] {
  const current = target.reading.kind === 'active' || target.reading.kind === 'expired' ? target.reading.record : undefined;
  const wantsMove = next !== undefined || current !== undefined || target.reading.kind === 'malformed';
  if (!wantsMove) return [];
  const scaler = target.observed;
  if (scaler === null) return [{ kind: 'Refuse', classification: 'forbidden', target: split(target.id), reason: missingReason(target), changes: [] }];
  const replica: ReplicaRecord | undefined = next;
  const [minField, maxField] = scaler.via === 'keda' ? ['minReplicaCount', 'maxReplicaCount'] : ['minReplicas', 'maxReplicas'];
  const fields: Record<string, number | null> = {};
  const changes: Change[] = [];
  const set = (field: string, from: number | undefined, to: number | null): void => {
    if ((from ?? null) === to) return;
    fields[field] = to;
    changes.push({ field: `spec.${field}`, from, to: to ?? undefined });
  };
  if (replica !== undefined) {
    if (replica.min !== undefined) set(minField, scaler.min, replica.min);
    if (replica.max !== undefined) set(maxField, scaler.max, replica.max);
  } else if (current !== undefined) {
    // Back to the values the object had before the first step (unset stays unset).
    if (current.specMin !== undefined) set(minField, scaler.min, current.specMin);
    if (current.specMax !== undefined) set(maxField, scaler.max, current.specMax);
  }
  const present = presentReplicaAnnotations(scaler.annotations);
  const wanted = replica === undefined ? {} : replicaRecordAnnotations(replica);
  const annotations: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(wanted)) if (present[key] !== value) annotations[key] = value;
  for (const key of Object.keys(present)) if (!(key in wanted)) annotations[key] = null;
  const recordChanged = Object.keys(annotations).length > 0;
  if (!recordChanged && changes.length === 0) return [];
  if (recordChanged) changes.push({ field: 'override', from: describeRecord(current), to: describeRecord(replica) });
  const request: ScalerPatch = {
    apiVersion: scaler.apiVersion,
    kind: scaler.kind,
    namespace: scaler.namespace,
    name: scaler.name,
    patch: {
      ...(recordChanged ? { metadata: { annotations } } : {}),
      ...(Object.keys(fields).length > 0 ? { spec: fields } : {}),
    },
  };
  const via = scaler.via === 'keda' ? ` (through ScaledObject ${scaler.name}, which owns HPA ${target.spec.name})` : '';
  return [{ kind: 'PatchScaler', classification: 'update', target: split(target.id), reason: `${reasonFor(decision, next)}${via}`, changes, request }];
}
