/**
 * Where scale-watch keeps what it raised, when, and until when: on the objects it moved, so the
 * record survives cold starts and the owners of those objects' desired state see it.
 *
 * - Managed node groups: the override tags of shared/overrides.ts, which provision's drift check
 *   reads (an active override's bounds are desired; an expired one is drift).
 * - HPAs and KEDA ScaledObjects: annotations with the same meaning, plus the values the object had
 *   before the first step (the manifest's), which the return restores.
 *
 * The override source names the alarm and the instant of the step, `alarm/<name>@<ISO 8601>`:
 * scale-watch reads the instant back for its cooldown and to recognise a duplicate or stale event.
 */
import type { OverrideReading, ScalingOverride } from '../../shared/overrides';
import { OVERRIDE_TAG_KEYS, overrideTags, readOverride } from '../../shared/overrides';

/** The annotations on an HPA or ScaledObject that record a replica override. */
export const REPLICA_OVERRIDE_ANNOTATION = {
  minReplicas: 'eks-pilot/override-min-replicas',
  maxReplicas: 'eks-pilot/override-max-replicas',
  expires: 'eks-pilot/override-expires',
  source: 'eks-pilot/override-source',
  /** The minReplicas (KEDA: minReplicaCount) before the first step; '' when the field was unset. */
  specMinReplicas: 'eks-pilot/spec-min-replicas',
  /** The maxReplicas (KEDA: maxReplicaCount) before the first step; '' when the field was unset. */
  specMaxReplicas: 'eks-pilot/spec-max-replicas',
} as const;

export const REPLICA_OVERRIDE_ANNOTATION_KEYS: readonly string[] = Object.values(REPLICA_OVERRIDE_ANNOTATION);

/** What a step records, on a node group or a scaler alike. */
export interface BoundsRecord {
  min?: number;
  max?: number;
  expires: Date;
  /** The alarm that drove the last step. */
  alarm: string;
  /** When the last step was taken: the alarm transition's instant, or the scheduled run's. */
  stepAt?: Date;
}

/** A replica override also keeps the values to return to (`null`: the field was unset). */
export interface ReplicaRecord extends BoundsRecord {
  specMin?: number | null;
  specMax?: number | null;
}

/** The recorded override of one target as of `now`. */
export type RecordReading<R extends BoundsRecord> =
  | { kind: 'none' }
  | { kind: 'active' | 'expired'; record: R }
  /** Keys present but unreadable: treated as no override; the next write replaces or removes them. */
  | { kind: 'malformed'; reason: string };

/**
 * `alarm/kianax-cpu-high@2026-11-22T12:00:00.000Z`
 *
 * @example
 * overrideSource('kianax-general-ng-cpu-high', new Date('2026-11-22T12:00:00Z'));
 */
export function overrideSource(alarm: string, stepAt: Date): string {
  // EKS tag values take letters, digits, spaces and _ . : / = + - @ only.
  return `alarm/${alarm.replace(/[^\w.:/=+@ -]/g, '_')}@${stepAt.toISOString()}`;
}

/**
 * The alarm and step instant of a source this module wrote; `{}` for any other text.
 *
 * @example
 * parseSource('alarm/kianax-cpu@2026-11-22T12:00:00.000Z'); // { alarm: 'kianax-cpu', stepAt: Date }
 */
export function parseSource(source: string): { alarm?: string; stepAt?: Date } {
  const match = /^alarm\/(.+)@(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)$/.exec(source);
  if (match === null) return {};
  const stepAt = new Date(match[2] ?? '');
  return Number.isNaN(stepAt.getTime()) ? {} : { alarm: match[1] ?? '', stepAt };
}

/**
 * The override a node group's tags record, through shared/overrides.ts.
 *
 * @example
 * readNodeGroupRecord(nodegroup.tags, now); // { kind: 'active', record: { max: 7, expires, alarm, stepAt } }
 */
export function readNodeGroupRecord(tags: Readonly<Record<string, string>> | undefined, now: Date): RecordReading<BoundsRecord> {
  return fromOverride(readOverride(tags, now));
}

/**
 * The tags that record `record` on a node group (shared/overrides.ts `overrideTags`).
 *
 * @example
 * nodeGroupRecordTags({ max: 7, expires, alarm: 'kianax-cpu', stepAt }); // { 'eks-pilot/override-max-size': '7', ... }
 */
export function nodeGroupRecordTags(record: BoundsRecord): Record<string, string> {
  const override: ScalingOverride = {
    ...(record.min === undefined ? {} : { minSize: record.min }),
    ...(record.max === undefined ? {} : { maxSize: record.max }),
    expires: record.expires,
    source: record.stepAt === undefined ? `alarm/${record.alarm}` : overrideSource(record.alarm, record.stepAt),
  };
  return overrideTags(override);
}

/**
 * The override tags present on a node group, whatever their state.
 *
 * @example
 * presentOverrideTags(nodegroup.tags); // only the eks-pilot/override-* keys
 */
export function presentOverrideTags(tags: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(tags ?? {}).filter(([key]) => OVERRIDE_TAG_KEYS.includes(key)));
}

/**
 * The override an HPA's or ScaledObject's annotations record, as of `now`.
 *
 * @example
 * readReplicaRecord(hpa.metadata.annotations, now).kind; // 'none' | 'active' | 'expired' | 'malformed'
 */
export function readReplicaRecord(annotations: Readonly<Record<string, string>> | undefined, now: Date): RecordReading<ReplicaRecord> {
  const present = presentReplicaAnnotations(annotations);
  if (Object.keys(present).length === 0) return { kind: 'none' };
  const expires = new Date(present[REPLICA_OVERRIDE_ANNOTATION.expires] ?? '');
  if (Number.isNaN(expires.getTime())) return { kind: 'malformed', reason: `${REPLICA_OVERRIDE_ANNOTATION.expires} is not an ISO 8601 time` };
  const min = readCount(present[REPLICA_OVERRIDE_ANNOTATION.minReplicas]);
  const max = readCount(present[REPLICA_OVERRIDE_ANNOTATION.maxReplicas]);
  const specMin = readSpecCount(present[REPLICA_OVERRIDE_ANNOTATION.specMinReplicas]);
  const specMax = readSpecCount(present[REPLICA_OVERRIDE_ANNOTATION.specMaxReplicas]);
  if (min === null || max === null || specMin === false || specMax === false) return { kind: 'malformed', reason: 'a replica annotation is not a whole number' };
  if (min === undefined && max === undefined) return { kind: 'malformed', reason: 'neither replica annotation is set' };
  const source = present[REPLICA_OVERRIDE_ANNOTATION.source] ?? 'unknown';
  const { alarm, stepAt } = parseSource(source);
  const record: ReplicaRecord = {
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
    expires,
    alarm: alarm ?? source,
    ...(stepAt === undefined ? {} : { stepAt }),
    ...(specMin === undefined ? {} : { specMin }),
    ...(specMax === undefined ? {} : { specMax }),
  };
  return { kind: expires.getTime() > now.getTime() ? 'active' : 'expired', record };
}

/**
 * The annotations that record `record` on an HPA or ScaledObject.
 *
 * @example
 * replicaRecordAnnotations({ max: 15, specMax: 10, expires, alarm: 'kianax-cpu', stepAt }); // { 'eks-pilot/override-max-replicas': '15', ... }
 */
export function replicaRecordAnnotations(record: ReplicaRecord): Record<string, string> {
  return {
    ...(record.min === undefined ? {} : { [REPLICA_OVERRIDE_ANNOTATION.minReplicas]: String(record.min) }),
    ...(record.max === undefined ? {} : { [REPLICA_OVERRIDE_ANNOTATION.maxReplicas]: String(record.max) }),
    [REPLICA_OVERRIDE_ANNOTATION.expires]: record.expires.toISOString(),
    [REPLICA_OVERRIDE_ANNOTATION.source]: record.stepAt === undefined ? `alarm/${record.alarm}` : overrideSource(record.alarm, record.stepAt),
    ...(record.specMin === undefined ? {} : { [REPLICA_OVERRIDE_ANNOTATION.specMinReplicas]: record.specMin === null ? '' : String(record.specMin) }),
    ...(record.specMax === undefined ? {} : { [REPLICA_OVERRIDE_ANNOTATION.specMaxReplicas]: record.specMax === null ? '' : String(record.specMax) }),
  };
}

/**
 * The override annotations present on an HPA or ScaledObject, whatever their state.
 *
 * @example
 * presentReplicaAnnotations(hpa.metadata.annotations); // only the eks-pilot/override-* and spec-* keys
 */
export function presentReplicaAnnotations(annotations: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations ?? {}).filter(([key]) => REPLICA_OVERRIDE_ANNOTATION_KEYS.includes(key)));
}

function fromOverride(reading: OverrideReading): RecordReading<BoundsRecord> {
  switch (reading.kind) {
    case 'none':
      return { kind: 'none' };
    case 'malformed':
      return { kind: 'malformed', reason: reading.reason };
    case 'active':
    case 'expired': {
      const { minSize, maxSize, expires, source } = reading.override;
      const { alarm, stepAt } = parseSource(source);
      return {
        kind: reading.kind,
        record: {
          ...(minSize === undefined ? {} : { min: minSize }),
          ...(maxSize === undefined ? {} : { max: maxSize }),
          expires,
          alarm: alarm ?? source,
          ...(stepAt === undefined ? {} : { stepAt }),
        },
      };
    }
    default:
      throw new Error(`unknown override reading ${(reading satisfies never as OverrideReading).kind}`);
  }
}

function readCount(value: string | undefined): number | undefined | null {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : null;
}

/** '' is "the field was unset"; false for anything unreadable. */
function readSpecCount(value: string | undefined): number | null | undefined | false {
  if (value === undefined) return undefined;
  if (value === '') return null;
  return /^\d+$/.test(value) ? Number(value) : false;
}
