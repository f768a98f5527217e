import type { Address } from '@aws-sdk/client-ec2';
import { poolMembership } from '../../../../functions/eip-manager/members';
import { EMPTY_ACCOUNT } from '../../../../functions/eip-manager/observed';
import { mayRelease, planPools } from '../../../../functions/eip-manager/plan';
import { NOW, specWith } from '../../../../testing/eip-manager';
import { address, allocationId, CLUSTER, HOUR, node, observed } from './support';

describe('planPools release policies', () => {
  const OLD = '2026-11-01T00:00:00Z';
  const RECENT = '2026-11-22T11:30:00Z';

  it.each<[string, string, Address[], string[]]>([
    [
      'never releases under policy never, however old and surplus',
      'release: { policy: never }',
      [address(1, { pool: 'egress', tags: { 'eks-pilot/unused-since': OLD } }), address(2, { pool: 'egress' })],
      [],
    ],
    [
      'never releases under the default policy',
      '',
      [address(1, { pool: 'egress', tags: { 'eks-pilot/unused-since': OLD } }), address(2, { pool: 'egress' })],
      [],
    ],
    [
      'releases a surplus address the pool allocated, unused for longer than unusedFor',
      'release: { policy: afterUnused, unusedFor: 7d }',
      [address(1, { pool: 'egress', tags: { 'eks-pilot/unused-since': OLD } }), address(2, { pool: 'egress', tags: { 'eks-pilot/unused-since': RECENT } })],
      ['ReleaseAddress'],
    ],
    [
      'keeps a surplus address unused for less than unusedFor',
      'release: { policy: afterUnused, unusedFor: 7d }',
      [address(1, { pool: 'egress', tags: { 'eks-pilot/unused-since': RECENT } }), address(2, { pool: 'egress', tags: { 'eks-pilot/unused-since': RECENT } })],
      [],
    ],
    [
      'never releases an adopted address, however old',
      'release: { policy: afterUnused, unusedFor: 1h }\n    adopt: { tags: { partner: known } }',
      [address(1, { tags: { partner: 'known', 'eks-pilot/unused-since': OLD } }), address(2, { tags: { partner: 'known', 'eks-pilot/unused-since': OLD } })],
      [],
    ],
    [
      'releases nothing while the pool holds no more than count',
      'release: { policy: afterUnused, unusedFor: 1h }',
      [address(1, { pool: 'egress', tags: { 'eks-pilot/unused-since': OLD } })],
      [],
    ],
  ])('%s', (_case, release, addresses, kinds) => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 1
    attachTo: { nodeGroup: prod-ng }
    ${release}
`);

    // Act
    const plan = planPools(spec, observed(addresses), { now: NOW });

    // Assess
    expect(plan.actions.filter((action) => action.kind === 'ReleaseAddress').map((action) => action.kind)).toEqual(kinds);
    if (kinds.length > 0)
      expect(plan.actions.find((action) => action.kind === 'ReleaseAddress')).toMatchObject({
        classification: 'delete',
        request: { AllocationId: allocationId(1) },
      });
  });

  it('marks an unattached address of an afterUnused pool with since when, and clears the mark once the address is attached', () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 2
    attachTo: { nodeGroup: prod-ng }
    release: { policy: afterUnused, unusedFor: 1d }
`);
    const busy = node(1);
    const state = observed([address(1, { pool: 'egress', on: busy, tags: { 'eks-pilot/unused-since': RECENT } }), address(2, { pool: 'egress' })], [busy]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(plan.actions.map((action) => [action.kind, action.target.name, action.request])).toEqual([
      ['CreateTags', allocationId(2), { Resources: [allocationId(2)], Tags: [{ Key: 'eks-pilot/unused-since', Value: NOW.toISOString() }] }],
      ['DeleteTags', allocationId(1), { Resources: [allocationId(1)], Tags: [{ Key: 'eks-pilot/unused-since' }] }],
    ]);
  });

  it('writes the unused-since mark at allocation for an address that stays unattached, and never under policy never', () => {
    // Prepare
    const afterUnused = specWith(`
  - name: spare
    count: 1
    attachTo: { reservedFor: load-balancer }
    release: { policy: afterUnused, unusedFor: 1d }
`);
    const never = specWith(`
  - name: spare
    count: 1
    attachTo: { reservedFor: load-balancer }
`);

    // Act
    const [marked] = planPools(afterUnused, EMPTY_ACCOUNT, { now: NOW }).actions;
    const [plain] = planPools(never, EMPTY_ACCOUNT, { now: NOW }).actions;

    // Assess
    expect(JSON.stringify(marked?.request)).toContain('eks-pilot/unused-since');
    expect(JSON.stringify(plain?.request)).not.toContain('eks-pilot/unused-since');
  });

  it.each<[boolean, string, string, Address]>([
    [
      true,
      'an old, free, pool-allocated address under afterUnused',
      'afterUnused, unusedFor: 1h',
      address(1, { pool: 'egress', tags: { 'eks-pilot/unused-since': '2026-11-22T10:00:00Z' } }),
    ],
    [false, 'any address under never', 'never', address(1, { pool: 'egress', tags: { 'eks-pilot/unused-since': '2026-01-01T00:00:00Z' } })],
    [
      false,
      'an attached address',
      'afterUnused, unusedFor: 1h',
      address(1, { pool: 'egress', on: node(1), tags: { 'eks-pilot/unused-since': '2026-01-01T00:00:00Z' } }),
    ],
    [
      false,
      'an address whose mark is not a date',
      'afterUnused, unusedFor: 1h',
      address(1, { pool: 'egress', tags: { 'eks-pilot/unused-since': 'last tuesday' } }),
    ],
    [false, 'an address without a mark', 'afterUnused, unusedFor: 1h', address(1, { pool: 'egress' })],
    [
      false,
      'an address of another cluster',
      'afterUnused, unusedFor: 1h',
      address(1, { pool: 'egress', cluster: 'other', tags: { 'eks-pilot/unused-since': '2026-01-01T00:00:00Z' } }),
    ],
  ])('mayRelease answers %s for %s', (allowed, _case, policy, candidate) => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 1
    attachTo: { nodeGroup: prod-ng }
    release: { policy: ${policy} }
`);
    const [pool] = spec.elasticIpPools;
    if (!pool) throw new Error('no pool');

    // Act
    const result = mayRelease(pool, poolMembership(CLUSTER, spec.elasticIpPools, [candidate]).get(candidate.AllocationId ?? ''), candidate, NOW);

    // Assess
    expect(result).toBe(allowed);
  });

  it('releases the longest unused first, and no more than the surplus', () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 1
    attachTo: { reservedFor: load-balancer }
    release: { policy: afterUnused, unusedFor: 1h }
`);
    const addresses = [3, 1, 2].map((n) =>
      address(n, { pool: 'egress', tags: { 'eks-pilot/unused-since': new Date(NOW.getTime() - n * 10 * HOUR).toISOString() } }),
    );

    // Act
    const plan = planPools(spec, observed(addresses), { now: NOW });

    // Assess
    expect(plan.pools[0]?.toRelease).toEqual([allocationId(3), allocationId(2)]);
  });
});
