/**
 * Where scale-watch keeps what it raised, when, and until when: on the objects it moved, so the
 * record survives cold starts and the owners of those objects' desired state see it. The protocol
 * itself (tags, annotations, their reader and writer) is shared/model/overrides.ts, which provision and
 * deploy read too; this module adapts the node-group tags to scale-watch's {@link BoundsRecord} and
 * re-exports the replica-override part so scale-watch imports all of it from one place.
 *
 * - Managed node groups: the override tags, which provision's drift check reads (an active
 *   override's bounds are desired; an expired one is drift).
 * - HPAs and KEDA ScaledObjects: annotations with the same meaning, plus the values to restore when
 *   the override ends, which deploy's apply and drift check read.
 */
import type { BoundsRecord, OverrideReading, RecordReading, ScalingOverride } from '../../shared/model/overrides';
import { OVERRIDE_TAG_KEYS, overrideSource, overrideTags, parseSource, readOverride } from '../../shared/model/overrides';

export type { BoundsRecord, RecordReading, ReplicaRecord } from '../../shared/model/overrides';
export {
  REPLICA_OVERRIDE_ANNOTATION,
  REPLICA_OVERRIDE_ANNOTATION_KEYS,
  overrideSource,
  parseSource,
  presentReplicaAnnotations,
  readReplicaRecord,
  replicaRecordAnnotations,
} from '../../shared/model/overrides';

/**
 * The override a node group's tags record, through shared/model/overrides.ts.
 *
 * @example
 * readNodeGroupRecord(nodegroup.tags, now); // { kind: 'active', record: { max: 7, expires, alarm, stepAt } }
 */
export function readNodeGroupRecord(tags: Readonly<Record<string, string>> | undefined, now: Date): RecordReading<BoundsRecord> {
  return fromOverride(readOverride(tags, now));
}

/**
 * The tags that record `record` on a node group (shared/model/overrides.ts `overrideTags`).
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
