/**
 * The scaling-override protocol: scale-watch raises bounds for a while when an alarm fires, and
 * records the override on the object it moved, so the owner of that object's desired state sees it
 * and does not undo it while it lasts. One protocol, two carriers:
 *
 * - Managed node groups (read by provision's drift check): four tags, written in one TagResource
 *   call together with the UpdateNodegroupConfig that applied the override.
 *
 *     eks-pilot/override-min-size   the minSize in force while the override lasts (optional)
 *     eks-pilot/override-max-size   the maxSize in force while the override lasts (optional)
 *     eks-pilot/override-expires    ISO 8601 UTC instant after which the spec's bounds apply again
 *     eks-pilot/override-source     who set it, e.g. `alarm/orders-cpu-high` (for people and logs)
 *
 * - HPAs and KEDA ScaledObjects (read by deploy's apply and drift check): annotations with the same
 *   meaning, written in the same merge patch that moves `minReplicas`/`maxReplicas` (KEDA:
 *   `minReplicaCount`/`maxReplicaCount`), plus the values to restore when the override ends:
 *
 *     eks-pilot/override-min-replicas   the minimum in force while the override lasts (optional)
 *     eks-pilot/override-max-replicas   the maximum in force while the override lasts (optional)
 *     eks-pilot/override-expires        as above
 *     eks-pilot/override-source         as above
 *     eks-pilot/spec-min-replicas       the minimum to restore ('' : leave the field unset)
 *     eks-pilot/spec-max-replicas       the maximum to restore ('' : leave the field unset)
 *
 *   Deploy applies an active override's bounds instead of the manifest's and writes the manifest's
 *   values into the spec-* annotations, so the end of the override restores the current manifest.
 *
 * scale-watch writes the source as `alarm/<name>@<ISO 8601>` ({@link overrideSource}) and reads the
 * step's instant back ({@link parseSource}) for its cooldown and to recognise a stale event.
 *
 * While `expires` is in the future the override's bounds are desired. Once it has passed, the
 * override is drift: provision puts a node group's spec bounds back and removes the tags;
 * scale-watch restores a scaler's spec-* values and removes the annotations, and deploy applies the
 * manifest as is. A record that cannot be read (malformed) counts as no override. The record lives
 * on the resource, so it survives cold starts and is visible in the console.
 */

// ---- Managed node groups -----------------------------------------------------------------------

/** The tags on a managed node group that record an override. */
export const OVERRIDE_TAG = {
  minSize: 'eks-pilot/override-min-size',
  maxSize: 'eks-pilot/override-max-size',
  expires: 'eks-pilot/override-expires',
  source: 'eks-pilot/override-source',
} as const;

export const OVERRIDE_TAG_KEYS: readonly string[] = Object.values(OVERRIDE_TAG);

export interface ScalingOverride {
  minSize?: number;
  maxSize?: number;
  expires: Date;
  source: string;
}

export type OverrideReading =
  | { kind: 'none' }
  | { kind: 'active'; override: ScalingOverride }
  | { kind: 'expired'; override: ScalingOverride }
  /** Tags are present but unreadable: treated as absent for bounds, and cleaned up. */
  | { kind: 'malformed'; reason: string };

/**
 * Reads the override on a node group's tags as of `now`.
 *
 * @example
 * readOverride({ 'eks-pilot/override-max-size': '20', 'eks-pilot/override-expires': '2026-11-22T12:00:00Z', 'eks-pilot/override-source': 'alarm/x' }, now);
 */
export function readOverride(tags: Readonly<Record<string, string>> | undefined, now: Date): OverrideReading {
  if (!tags || !OVERRIDE_TAG_KEYS.some((key) => key in tags)) return { kind: 'none' };
  const expires = new Date(tags[OVERRIDE_TAG.expires] ?? '');
  if (Number.isNaN(expires.getTime())) return { kind: 'malformed', reason: `${OVERRIDE_TAG.expires} is not an ISO 8601 time` };
  const minSize = readCount(tags[OVERRIDE_TAG.minSize]);
  const maxSize = readCount(tags[OVERRIDE_TAG.maxSize]);
  if (minSize === null || maxSize === null) return { kind: 'malformed', reason: 'a size tag is not a whole number' };
  if (minSize === undefined && maxSize === undefined) return { kind: 'malformed', reason: 'neither size tag is set' };
  const override: ScalingOverride = {
    ...(minSize === undefined ? {} : { minSize }),
    ...(maxSize === undefined ? {} : { maxSize }),
    expires,
    source: tags[OVERRIDE_TAG.source] ?? 'unknown',
  };
  return expires.getTime() > now.getTime() ? { kind: 'active', override } : { kind: 'expired', override };
}

/** The tags that record an override; the writer sends them with TagResource. */
export function overrideTags(override: ScalingOverride): Record<string, string> {
  return {
    ...(override.minSize === undefined ? {} : { [OVERRIDE_TAG.minSize]: String(override.minSize) }),
    ...(override.maxSize === undefined ? {} : { [OVERRIDE_TAG.maxSize]: String(override.maxSize) }),
    [OVERRIDE_TAG.expires]: override.expires.toISOString(),
    [OVERRIDE_TAG.source]: override.source,
  };
}

// ---- HPAs and KEDA ScaledObjects ----------------------------------------------------------------

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
 * The alarm and step instant of a source {@link overrideSource} wrote; `{}` for any other text.
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
  if (min === null || max === null || specMin === false || specMax === false)
    return { kind: 'malformed', reason: 'a replica annotation is not a whole number' };
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
    ...specReplicaAnnotations(record),
  };
}

/**
 * The spec-* annotations alone: the values the end of an override restores (`null`: unset the field).
 * Deploy writes them with the manifest's values when it applies during an override.
 *
 * @example
 * specReplicaAnnotations({ specMax: 10 }); // { 'eks-pilot/spec-max-replicas': '10' }
 * specReplicaAnnotations({ specMin: null }); // { 'eks-pilot/spec-min-replicas': '' }
 */
export function specReplicaAnnotations(values: Pick<ReplicaRecord, 'specMin' | 'specMax'>): Record<string, string> {
  return {
    ...(values.specMin === undefined ? {} : { [REPLICA_OVERRIDE_ANNOTATION.specMinReplicas]: values.specMin === null ? '' : String(values.specMin) }),
    ...(values.specMax === undefined ? {} : { [REPLICA_OVERRIDE_ANNOTATION.specMaxReplicas]: values.specMax === null ? '' : String(values.specMax) }),
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
