import {
  OVERRIDE_TAG,
  overrideSource,
  overrideTags,
  parseSource,
  presentReplicaAnnotations,
  readOverride,
  readReplicaRecord,
  REPLICA_OVERRIDE_ANNOTATION,
  replicaRecordAnnotations,
  specReplicaAnnotations,
} from '../../../shared/model/overrides';
import type { ReplicaRecord, ScalingOverride } from '../../../shared/model/overrides';

const NOW = new Date('2026-11-22T12:00:00.000Z');
const LATER = new Date('2026-11-22T13:00:00.000Z');
const EARLIER = new Date('2026-11-22T11:00:00.000Z');

describe('the node-group override protocol (tags)', () => {
  it('reads no override from tags that carry none of its keys', () => {
    // Prepare
    const tags = { team: 'payments' };

    // Act
    const reading = readOverride(tags, NOW);

    // Assess
    expect(reading).toEqual({ kind: 'none' });
    expect(readOverride(undefined, NOW)).toEqual({ kind: 'none' });
  });

  it('reads back, as active, the override its own writer recorded', () => {
    // Prepare
    const override: ScalingOverride = { minSize: 3, maxSize: 20, expires: LATER, source: overrideSource('orders-cpu-high', NOW) };

    // Act
    const reading = readOverride(overrideTags(override), NOW);

    // Assess
    expect(reading).toEqual({ kind: 'active', override });
  });

  it('reads an override whose expiry has passed as expired, keeping its values for clean-up', () => {
    // Prepare
    const tags = overrideTags({ maxSize: 20, expires: EARLIER, source: 'alarm/orders-cpu-high' });

    // Act
    const reading = readOverride(tags, NOW);

    // Assess
    expect(reading).toEqual({ kind: 'expired', override: { maxSize: 20, expires: EARLIER, source: 'alarm/orders-cpu-high' } });
  });

  it.each<[string, Record<string, string>, string]>([
    ['an expiry that is not a time', { [OVERRIDE_TAG.maxSize]: '20', [OVERRIDE_TAG.expires]: 'tomorrow' }, `${OVERRIDE_TAG.expires} is not an ISO 8601 time`],
    ['a size that is not a whole number', { [OVERRIDE_TAG.maxSize]: '2.5', [OVERRIDE_TAG.expires]: LATER.toISOString() }, 'a size tag is not a whole number'],
    ['no size at all', { [OVERRIDE_TAG.expires]: LATER.toISOString() }, 'neither size tag is set'],
  ])('reads tags with %s as malformed, saying why', (_label, tags, reason) => {
    // Act
    const reading = readOverride(tags, NOW);

    // Assess
    expect(reading).toEqual({ kind: 'malformed', reason });
  });

  it('names the source unknown when the source tag is missing', () => {
    // Prepare
    const tags = { [OVERRIDE_TAG.minSize]: '2', [OVERRIDE_TAG.expires]: LATER.toISOString() };

    // Act
    const reading = readOverride(tags, NOW);

    // Assess
    expect(reading).toEqual({ kind: 'active', override: { minSize: 2, expires: LATER, source: 'unknown' } });
  });
});

describe('the override source', () => {
  it('writes only characters EKS takes in a tag value and reads its own text back', () => {
    // Act
    const source = overrideSource('orders cpu>90%', NOW);

    // Assess
    expect(source).toBe('alarm/orders cpu_90_@2026-11-22T12:00:00.000Z');
    expect(parseSource(source)).toEqual({ alarm: 'orders cpu_90_', stepAt: NOW });
  });

  it.each(['alarm/orders-cpu-high', 'set by hand', 'alarm/x@2026-13-45T99:99:99Z'])('reads nothing from a source it did not write: %s', (source) => {
    // Act
    const parsed = parseSource(source);

    // Assess
    expect(parsed).toEqual({});
  });
});

describe('the replica override protocol (annotations)', () => {
  it('reads back, as active, the record its own writer put on an HPA, with the values to restore', () => {
    // Prepare
    const record: ReplicaRecord = { max: 15, expires: LATER, alarm: 'kianax-cpu', stepAt: NOW, specMax: 10, specMin: null };

    // Act
    const reading = readReplicaRecord({ ...replicaRecordAnnotations(record), 'app.kubernetes.io/name': 'web' }, NOW);

    // Assess
    expect(reading).toEqual({ kind: 'active', record });
  });

  it('reads a record past its expiry as expired', () => {
    // Prepare
    const annotations = replicaRecordAnnotations({ min: 2, expires: EARLIER, alarm: 'kianax-cpu' });

    // Act
    const reading = readReplicaRecord(annotations, NOW);

    // Assess
    expect(reading).toEqual({ kind: 'expired', record: { min: 2, expires: EARLIER, alarm: 'alarm/kianax-cpu' } });
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'an expiry that is not a time',
      { [REPLICA_OVERRIDE_ANNOTATION.maxReplicas]: '15', [REPLICA_OVERRIDE_ANNOTATION.expires]: 'soon' },
      `${REPLICA_OVERRIDE_ANNOTATION.expires} is not an ISO 8601 time`,
    ],
    [
      'a spec value that is not a whole number',
      {
        [REPLICA_OVERRIDE_ANNOTATION.maxReplicas]: '15',
        [REPLICA_OVERRIDE_ANNOTATION.specMaxReplicas]: 'ten',
        [REPLICA_OVERRIDE_ANNOTATION.expires]: LATER.toISOString(),
      },
      'a replica annotation is not a whole number',
    ],
    [
      'no bound at all',
      { [REPLICA_OVERRIDE_ANNOTATION.specMaxReplicas]: '10', [REPLICA_OVERRIDE_ANNOTATION.expires]: LATER.toISOString() },
      'neither replica annotation is set',
    ],
  ])('reads annotations with %s as malformed, saying why', (_label, annotations, reason) => {
    // Act
    const reading = readReplicaRecord(annotations, NOW);

    // Assess
    expect(reading).toEqual({ kind: 'malformed', reason });
  });

  it('writes an unset spec value as the empty string and leaves an absent one out', () => {
    // Act
    const annotations = specReplicaAnnotations({ specMin: null, specMax: 10 });

    // Assess
    expect(annotations).toEqual({ [REPLICA_OVERRIDE_ANNOTATION.specMinReplicas]: '', [REPLICA_OVERRIDE_ANNOTATION.specMaxReplicas]: '10' });
    expect(specReplicaAnnotations({})).toEqual({});
  });

  it('keeps only the protocol keys of an object’s annotations', () => {
    // Prepare
    const annotations = { [REPLICA_OVERRIDE_ANNOTATION.maxReplicas]: '15', 'kubectl.kubernetes.io/last-applied-configuration': '{}' };

    // Act
    const present = presentReplicaAnnotations(annotations);

    // Assess
    expect(present).toEqual({ [REPLICA_OVERRIDE_ANNOTATION.maxReplicas]: '15' });
    expect(presentReplicaAnnotations(undefined)).toEqual({});
  });
});
