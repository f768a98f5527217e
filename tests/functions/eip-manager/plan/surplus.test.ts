import type { Address } from '@aws-sdk/client-ec2';
import { EMPTY_ACCOUNT } from '../../../../functions/eip-manager/observed';
import { planPools } from '../../../../functions/eip-manager/plan';
import { NOW, specWith } from '../../../../testing/eip-manager';
import { address, allocationId, CLUSTER, EGRESS, label, node, observed, writes } from './support';

describe('planPools with more addresses than count', () => {
  const CLAIM = { 'eks-pilot/claim': 'run-1' };
  const nodes = [node(1), node(2)];
  type Case = [string, Address[], string[] | null, { releases: number[]; kept: number[]; surplus: number }];

  it.each<Case>([
    [
      'releases a claimed, unattached, never published surplus address at once, even under policy never',
      [address(1, { pool: 'egress', on: nodes[0] }), address(2, { pool: 'egress', on: nodes[1] }), address(3, { pool: 'egress', tags: CLAIM })],
      [allocationId(1), allocationId(2)],
      { releases: [3], kept: [], surplus: 0 },
    ],
    [
      'keeps a surplus address that is published, and names it',
      [address(1, { pool: 'egress', on: nodes[0] }), address(2, { pool: 'egress', on: nodes[1] }), address(3, { pool: 'egress', tags: CLAIM })],
      [allocationId(1), allocationId(2), allocationId(3)],
      { releases: [], kept: [3], surplus: 1 },
    ],
    [
      'keeps every surplus address when the allow-list was not read',
      [address(1, { pool: 'egress', on: nodes[0] }), address(2, { pool: 'egress', on: nodes[1] }), address(3, { pool: 'egress', tags: CLAIM })],
      null,
      { releases: [], kept: [3], surplus: 1 },
    ],
    [
      'keeps a surplus address without a claim tag (allocated before claims, maybe known some other way)',
      [address(1, { pool: 'egress', on: nodes[0] }), address(2, { pool: 'egress', on: nodes[1] }), address(3, { pool: 'egress' })],
      [],
      { releases: [], kept: [3], surplus: 1 },
    ],
    [
      'keeps an attached surplus address and releases the free claimed one',
      [
        address(1, { pool: 'egress', on: nodes[0] }),
        address(2, { pool: 'egress', on: nodes[1], tags: CLAIM }),
        address(3, { pool: 'egress', tags: CLAIM }),
        address(4, { pool: 'egress', tags: CLAIM, onInterface: 'eni-0elsewhere' }),
      ],
      [allocationId(1)],
      { releases: [3], kept: [4], surplus: 1 },
    ],
    [
      'counts an adopted address first and keeps the attached one beyond count',
      [
        address(1, { pool: 'egress', on: nodes[0] }),
        address(2, { pool: 'egress', on: nodes[1] }),
        address(3, { tags: { ...CLAIM, 'partner-allowlist': 'yes' } }),
      ],
      [],
      { releases: [], kept: [2], surplus: 1 },
    ],
  ])('%s', (_label, addresses, published, expected) => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 2
    attachTo: { nodeGroup: prod-ng }
    adopt: { tags: { partner-allowlist: "yes" } }
`);

    // Act
    const plan = planPools(spec, { ...observed(addresses, nodes), published: { egress: published } }, { now: NOW });

    // Assess
    const releases = writes(plan.actions).filter((action) => action.kind === 'ReleaseAddress');
    expect(releases.map((action) => action.request)).toEqual(expected.releases.map((n) => ({ AllocationId: allocationId(n) })));
    expect(releases.map((action) => ('rule' in action ? action.rule : undefined))).toEqual(expected.releases.map(() => 'surplus'));
    const [view] = plan.pools;
    expect(view?.surplus).toBe(expected.surplus);
    expect(view?.surplusKept.map((kept) => kept.allocationId).sort()).toEqual(expected.kept.map(allocationId).sort());
    expect(writes(plan.actions).filter((action) => action.kind === 'AssociateAddress')).toEqual([]);
  });

  it('tells a person what to do with surplus it keeps: raise count, or take it off allow-lists and release it by hand', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const addresses = [address(1, { pool: 'egress', on: nodes[0] }), address(2, { pool: 'egress', on: nodes[1] }), address(3, { pool: 'egress' })];

    // Act
    const plan = planPools(spec, { ...observed(addresses, nodes), published: { egress: [allocationId(1), allocationId(2), allocationId(3)] } }, { now: NOW });

    // Assess
    expect(plan.actions.filter((action) => action.kind === 'Note').map((action) => action.reason)).toEqual([
      `198.51.100.3 is beyond the pool's count (pool egress holds 3 of 2) and is published in ${plan.pools[0]?.parameter ?? ''}: eip-manager never releases it on its own. ` +
        `Raise count to 3 to keep it, or take it off partners' allow-lists, then release it by hand (aws ec2 release-address --allocation-id ${allocationId(3)})`,
    ]);
  });

  it('does not offer a surplus address it releases to a node that waits', () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 1
    attachTo: { nodeGroup: prod-ng }
`);
    const addresses = [address(1, { pool: 'egress', on: nodes[0] }), address(3, { pool: 'egress', tags: CLAIM })];

    // Act
    const plan = planPools(spec, { ...observed(addresses, nodes), published: { egress: [allocationId(1)] } }, { now: NOW });

    // Assess
    expect(writes(plan.actions).map(label)).toEqual([`ReleaseAddress elastic-ip/${allocationId(3)}`]);
    expect(plan.pools[0]).toMatchObject({ surplus: 0, unserved: 1 });
  });

  it('writes the run claim into every AllocateAddress request, next to the pool tags', () => {
    // Prepare
    const spec = specWith(EGRESS);

    // Act
    const plan = planPools(spec, EMPTY_ACCOUNT, { now: NOW, claim: 'run-7' });

    // Assess
    const allocations = writes(plan.actions).filter((action) => action.kind === 'AllocateAddress');
    expect(allocations).toHaveLength(2);
    for (const action of allocations) {
      expect(action.request).toMatchObject({
        TagSpecifications: [
          {
            ResourceType: 'elastic-ip',
            Tags: expect.arrayContaining([
              { Key: 'eks-pilot/claim', Value: 'run-7' },
              { Key: 'eks-pilot/pool', Value: 'egress' },
              { Key: 'eks-pilot/cluster', Value: CLUSTER },
            ]) as unknown,
          },
        ],
      });
    }
  });
});
