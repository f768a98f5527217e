import type { Address } from '@aws-sdk/client-ec2';
import { planPools } from '../../../../functions/eip-manager/plan';
import { NOW, specWith } from '../../../../testing/eip-manager';
import { address, allocationId, EGRESS, node, observed, touched } from './support';

describe('planPools never touches an address outside its pools', () => {
  it.each<[string, Address]>([
    ['an untagged free address', address(50)],
    ['an address of the same pool name in another cluster', address(51, { pool: 'egress', cluster: 'other-cluster' })],
    ['an address tagged for a pool the spec no longer lists', address(52, { pool: 'retired' })],
    ['a free address with partner tags the spec does not adopt', address(53, { tags: { 'partner-allowlist': 'someone-else' } })],
    ['an address on another network interface', address(54, { onInterface: 'eni-0eeeeeeeeeeeeeeee' })],
  ])('does not plan a write on %s, even with nodes waiting and a release policy that releases', (_case, outside) => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 1
    attachTo: { nodeGroup: prod-ng }
    adopt: { tags: { partner-allowlist: payments } }
    release: { policy: afterUnused, unusedFor: 1h }
`);
    const state = observed(
      [{ ...outside, Tags: [...(outside.Tags ?? []), { Key: 'eks-pilot/unused-since', Value: '2026-01-01T00:00:00Z' }] }],
      [node(1), node(2), node(3)],
    );

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(touched(plan.actions)).not.toContain(outside.AllocationId);
    expect(plan.actions.filter((action) => action.kind === 'AllocateAddress')).toHaveLength(1);
  });

  it('shows an address tagged for a pool the spec no longer lists as a note, and nothing else', () => {
    // Prepare
    const spec = specWith(EGRESS);

    // Act
    const plan = planPools(spec, observed([address(52, { pool: 'retired' })]), { now: NOW });

    // Assess
    expect(plan.actions.filter((action) => action.target.name === allocationId(52))).toEqual([
      expect.objectContaining({
        kind: 'Note',
        classification: 'no-op',
        reason: '198.51.100.52 is tagged for pool retired, which the spec does not list: left alone (eip-manager never releases an address outside its pools)',
      }),
    ]);
  });
});
