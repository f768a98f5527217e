import { durationMs } from '../../../shared/model/cluster-spec/eip-pools';
import { parseSpec } from '../../../shared/model/cluster-spec/load';
import { specWith } from '../../../testing/eip-manager';
import { minimalSpecYaml } from '../../../testing/specs';

const BASE = `${minimalSpecYaml({ name: 'payments', region: 'sa-east-1', nodeGroups: [{ name: 'prod-ng', min: 2, max: 4 }] })}elasticIpPools:\n`;

function issuesOf(pools: string): string[] {
  const parsed = parseSpec(`${BASE}${pools}`, 'cluster.yaml');
  return parsed.ok ? [] : parsed.issues.map((issue) => `${String(issue.line)} ${issue.path}: ${issue.message}`);
}

describe('the elasticIpPools section of a spec', () => {
  it('applies the defaults: release never, no adoption, no extra tags', () => {
    // Act
    const [pool] = specWith(`
  - name: egress
    count: 2
    attachTo: { nodeGroup: prod-ng }
`).elasticIpPools;

    // Assess
    expect(pool).toEqual({
      name: 'egress',
      count: 2,
      attachTo: { nodeGroup: 'prod-ng' },
      adopt: { tags: {}, allocationIds: [] },
      release: { policy: 'never' },
      tags: {},
    });
  });

  it('defaults to no pools', () => {
    expect(specWith('  []').elasticIpPools).toEqual([]);
  });

  it.each([
    [
      'a node group the spec does not have',
      '  - { name: egress, count: 1, attachTo: { nodeGroup: jobs-ng } }\n',
      '14 elasticIpPools[0].attachTo.nodeGroup: no node group "jobs-ng" in nodeGroups (the spec has prod-ng)',
    ],
    [
      'a NAT gateway pool moving from a node group the spec does not have',
      '  - { name: egress, count: 1, attachTo: { natGatewayId: nat-0123456789abcdef0, moveFrom: { nodeGroup: jobs-ng } } }\n',
      '14 elasticIpPools[0].attachTo.moveFrom.nodeGroup: no node group "jobs-ng" in nodeGroups (the spec has prod-ng)',
    ],
    [
      'two pools with one name',
      '  - { name: egress, count: 1, attachTo: { reservedFor: load-balancer } }\n  - { name: egress, count: 1, attachTo: { reservedFor: load-balancer } }\n',
      '15 elasticIpPools[1].name: duplicate pool name "egress" (first at elasticIpPools[0])',
    ],
    [
      'two pools on one node group',
      '  - { name: a, count: 1, attachTo: { nodeGroup: prod-ng } }\n  - { name: b, count: 1, attachTo: { nodeGroup: prod-ng } }\n',
      '15 elasticIpPools[1].attachTo.nodeGroup: node group "prod-ng" already has a pool (elasticIpPools[0]); a node\'s primary private IP holds one Elastic IP',
    ],
    [
      'one address adopted by two pools',
      '  - { name: a, count: 1, attachTo: { reservedFor: load-balancer }, adopt: { allocationIds: [eipalloc-0123456789abcdef0] } }\n' +
        '  - { name: b, count: 1, attachTo: { reservedFor: load-balancer }, adopt: { allocationIds: [eipalloc-0123456789abcdef0] } }\n',
      '15 elasticIpPools[1].adopt.allocationIds[0]: eipalloc-0123456789abcdef0 is already adopted by elasticIpPools[0]; an address belongs to one pool',
    ],
    [
      'afterUnused without unusedFor',
      '  - { name: a, count: 1, attachTo: { reservedFor: load-balancer }, release: { policy: afterUnused } }\n',
      '14 elasticIpPools[0].release.unusedFor: release policy afterUnused needs unusedFor, e.g. 7d',
    ],
    [
      'unusedFor under policy never',
      '  - { name: a, count: 1, attachTo: { reservedFor: load-balancer }, release: { unusedFor: 7d } }\n',
      '14 elasticIpPools[0].release.unusedFor: unusedFor only applies to release policy afterUnused',
    ],
    [
      'two kinds of attachment at once',
      '  - { name: a, count: 1, attachTo: { nodeGroup: prod-ng, reservedFor: load-balancer } }\n',
      '14 elasticIpPools[0].attachTo: expected exactly one of the allowed forms; see docs/spec-reference.md',
    ],
    [
      'a count of zero',
      '  - { name: a, count: 0, attachTo: { reservedFor: load-balancer } }\n',
      '14 elasticIpPools[0].count: Too small: expected number to be >=1',
    ],
    [
      'a misspelt field',
      '  - { name: a, count: 1, atachTo: { reservedFor: load-balancer } }\n',
      '14 elasticIpPools[0].atachTo: unknown field "atachTo" (did you mean "attachTo"?)',
    ],
  ])('rejects %s, naming the line and the field', (_case, pools, message) => {
    // Act
    const issues = issuesOf(pools);

    // Assess
    expect(issues).toContain(message);
  });

  it.each([
    ['30m', 1_800_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
  ])('reads the duration %s as %i ms', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });
});
