import type { Address, Instance, InstanceStateName, NatGateway } from '@aws-sdk/client-ec2';
import type { EipAction, EipWriteAction } from '../../../functions/eip-manager/actions';
import { isWrite } from '../../../functions/eip-manager/actions';
import { poolMembership } from '../../../functions/eip-manager/members';
import type { ObservedPools } from '../../../functions/eip-manager/observed';
import { EMPTY_ACCOUNT } from '../../../functions/eip-manager/observed';
import { mayRelease, planPools } from '../../../functions/eip-manager/plan';
import { planStatus } from '../../../shared/plan/plan';
import { financialMove, NOW, specWith } from './support';

const HOUR = 3_600_000;
const CLUSTER = 'payments';

const EGRESS = `
  - name: egress
    count: 2
    attachTo: { nodeGroup: prod-ng }
`;

function allocationId(n: number): string {
  return `eipalloc-${n.toString(16).padStart(17, '0')}`;
}

/** A running node of prod-ng, launched `n` minutes after 08:00, with its primary interface eni-<n>. */
function node(n: number, state: InstanceStateName = 'running'): Instance {
  const privateIp = `10.0.0.${String(n)}`;
  return {
    InstanceId: `i-${n.toString(16).padStart(17, '0')}`,
    State: { Name: state },
    LaunchTime: new Date(Date.parse('2026-11-22T08:00:00Z') + n * 60_000),
    Tags: [
      { Key: 'eks:cluster-name', Value: CLUSTER },
      { Key: 'eks:nodegroup-name', Value: 'prod-ng' },
    ],
    NetworkInterfaces: [
      {
        NetworkInterfaceId: `eni-${n.toString(16).padStart(17, '0')}`,
        PrivateIpAddress: privateIp,
        PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: privateIp }],
        Attachment: { DeviceIndex: 0 },
      },
      { NetworkInterfaceId: `eni-1${n.toString(16).padStart(16, '0')}`, PrivateIpAddress: `10.1.0.${String(n)}`, Attachment: { DeviceIndex: 1 } },
    ],
  };
}

interface AddressOptions {
  pool?: string;
  cluster?: string;
  tags?: Record<string, string>;
  on?: Instance;
  onInterface?: string;
}

/** An address `n` (public IP 198.51.100.<n>), tagged for a pool of `payments` unless told otherwise, optionally on a node. */
function address(n: number, options: AddressOptions = {}): Address {
  const tags = { ...(options.pool === undefined ? {} : { 'eks-pilot/cluster': options.cluster ?? CLUSTER, 'eks-pilot/pool': options.pool }), ...options.tags };
  const eni = options.on?.NetworkInterfaces?.[0];
  return {
    AllocationId: allocationId(n),
    PublicIp: `198.51.100.${String(n)}`,
    Domain: 'vpc',
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    ...(eni
      ? { AssociationId: `eipassoc-${String(n)}`, NetworkInterfaceId: eni.NetworkInterfaceId, PrivateIpAddress: eni.PrivateIpAddress, InstanceId: options.on?.InstanceId }
      : {}),
    ...(options.onInterface ? { AssociationId: `eipassoc-${String(n)}`, NetworkInterfaceId: options.onInterface, PrivateIpAddress: '10.9.9.9' } : {}),
  };
}

function observed(addresses: Address[], instances: Instance[] = [], pool = 'egress', natGateways: Record<string, NatGateway> | null = {}): ObservedPools {
  return { addresses, instances: { [pool]: instances }, natGateways };
}

function label(action: EipAction): string {
  return `${action.kind} ${action.target.kind}/${action.target.name}`;
}

function writes(actions: readonly EipAction[]): EipWriteAction[] {
  return actions.filter(isWrite);
}

/** Every allocation id a write action of the plan sends or names. */
function touched(actions: readonly EipAction[]): string[] {
  return writes(actions).flatMap((action) => {
    switch (action.kind) {
      case 'AllocateAddress':
        return [];
      case 'AssociateAddress':
      case 'AssociateNatGatewayAddress':
      case 'DisassociateAddress':
      case 'ReleaseAddress':
      case 'CreateTags':
      case 'DeleteTags':
        return 'slot' in action.address ? [] : [action.address.allocationId];
      default:
        throw new Error(`unexpected ${(action satisfies never as EipAction).kind}`);
    }
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('planPools against an empty account', () => {
  it('allocates what each financial-move pool lacks, tagged with the cluster and the pool, and attaches nothing yet', async () => {
    // Prepare
    const spec = await financialMove();

    // Act
    const plan = planPools(spec, EMPTY_ACCOUNT, { now: NOW });

    // Assess
    expect(plan.actions.map(label)).toEqual([
      'AllocateAddress eip-pool/egress',
      'AllocateAddress eip-pool/egress',
      'AllocateAddress eip-pool/ingress',
      'AllocateAddress eip-pool/ingress',
    ]);
    expect(plan.actions[0]).toMatchObject({
      classification: 'create',
      slot: 'egress#1',
      request: {
        Domain: 'vpc',
        TagSpecifications: [
          {
            ResourceType: 'elastic-ip',
            Tags: [
              { Key: 'eks-pilot/cluster', Value: 'financial-move' },
              { Key: 'eks-pilot/pool', Value: 'egress' },
            ],
          },
        ],
      },
    });
    expect(plan.pools.map((pool) => [pool.name, pool.attachTo, pool.parameter, pool.toAllocate])).toEqual([
      ['egress', 'node group prod-ng', '/eks-pilot/dev/sa-east-1/financial-move/eip-pools/egress', 2],
      ['ingress', 'reserved for a load balancer', '/eks-pilot/dev/sa-east-1/financial-move/eip-pools/ingress', 2],
    ]);
    expect(planStatus(plan)).toBe('changes');
  });

  it('adds the pool\'s own tags to what it allocates, the eks-pilot tags winning', () => {
    // Prepare
    const spec = specWith(`${EGRESS}    tags: { team: payments, eks-pilot/pool: spoofed }\n`);

    // Act
    const [allocate] = planPools(spec, EMPTY_ACCOUNT, { now: NOW }).actions;

    // Assess
    expect(allocate?.request).toEqual({
      Domain: 'vpc',
      TagSpecifications: [
        {
          ResourceType: 'elastic-ip',
          Tags: [
            { Key: 'team', Value: 'payments' },
            { Key: 'eks-pilot/pool', Value: 'egress' },
            { Key: 'eks-pilot/cluster', Value: 'payments' },
          ],
        },
      ],
    });
  });
});

describe('planPools for a node group pool', () => {
  it('associates free addresses with running nodes that hold none, oldest node first, never allowing reassociation', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const [newer, older] = [node(9), node(2)];
    const state = observed([address(1, { pool: 'egress' }), address(2, { pool: 'egress' })], [newer, older]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(plan.actions.map(label)).toEqual([`AssociateAddress instance/${older.InstanceId ?? ''}`, `AssociateAddress instance/${newer.InstanceId ?? ''}`]);
    expect(plan.actions[0]?.request).toEqual({
      AllocationId: allocationId(1),
      NetworkInterfaceId: older.NetworkInterfaces?.[0]?.NetworkInterfaceId,
      PrivateIpAddress: '10.0.0.2',
      AllowReassociation: false,
    });
    expect(plan.actions.every((action) => action.kind !== 'AssociateAddress' || action.request.AllowReassociation === false)).toBe(true);
  });

  it('allocates what the pool lacks and associates the new address by its slot', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const state = observed([address(1, { pool: 'egress' })], [node(1), node(2)]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(plan.actions.map((action) => [action.kind, 'address' in action ? action.address : undefined])).toEqual([
      ['AllocateAddress', undefined],
      ['AssociateAddress', { allocationId: allocationId(1), publicIp: '198.51.100.1' }],
      ['AssociateAddress', { slot: 'egress#1' }],
    ]);
    expect(plan.actions[2]?.request).not.toHaveProperty('AllocationId');
  });

  it('does not associate an address the instance already holds: a converged pool plans nothing', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const [first, second] = [node(1), node(2)];
    const state = observed([address(1, { pool: 'egress', on: first }), address(2, { pool: 'egress', on: second })], [first, second]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(plan.actions).toEqual([]);
    expect(planStatus(plan)).toBe('no-changes');
    expect(plan.pools[0]).toMatchObject({ targets: 2, unserved: 0, toAllocate: 0 });
    expect(plan.pools[0]?.held.map((held) => held.state)).toEqual(['attached', 'attached']);
  });

  it('takes the address back from a node that is shutting down and gives it to the node replacing it', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const [kept, leaving, replacement] = [node(1), node(2, 'shutting-down'), node(3)];
    const state = observed([address(1, { pool: 'egress', on: kept }), address(2, { pool: 'egress', on: leaving })], [kept, leaving, replacement]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(plan.actions.map(label)).toEqual([`DisassociateAddress instance/${leaving.InstanceId ?? ''}`, `AssociateAddress instance/${replacement.InstanceId ?? ''}`]);
    expect(plan.actions[0]?.request).toEqual({ AssociationId: 'eipassoc-2' });
    expect(plan.actions[1]).toMatchObject({ address: { allocationId: allocationId(2) } });
    expect(plan.pools[0]?.toAllocate).toBe(0);
  });

  it('leaves an address on a stopped node where it is, and says so', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const stopped = node(1, 'stopped');
    const state = observed([address(1, { pool: 'egress', on: stopped }), address(2, { pool: 'egress' })], [stopped]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(writes(plan.actions)).toEqual([]);
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'Note', reason: 'holds 198.51.100.1 while stopped: kept there' })]);
  });

  it.each([
    ['keeps the address on an interrupted node when no node waits', [] as number[], [] as string[]],
    ['gives the interrupted node\'s address to a node that would otherwise wait', [3], ['DisassociateAddress', 'AssociateAddress']],
  ])('%s', (_case, others, kinds) => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 1
    attachTo: { nodeGroup: prod-ng }
`);
    const interrupted = node(2);
    const nodes = [interrupted, ...others.map((n) => node(n))];
    const state = observed([address(1, { pool: 'egress', on: interrupted })], nodes);

    // Act
    const plan = planPools(spec, state, { now: NOW, leaving: [interrupted.InstanceId ?? ''] });

    // Assess
    expect(writes(plan.actions).map((action) => action.kind)).toEqual(kinds);
    expect(plan.actions.some((action) => action.kind === 'AssociateAddress' && action.instanceId === interrupted.InstanceId)).toBe(false);
  });

  it('leaves alone a node whose primary IP holds an address from outside the pool', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const bastion = node(1);
    const state = observed([address(7, { tags: { owner: 'ops' }, on: bastion }), address(1, { pool: 'egress' }), address(2, { pool: 'egress' })], [bastion]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(writes(plan.actions)).toEqual([]);
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'Note', reason: 'holds 198.51.100.7, an address outside pool egress: left alone' })]);
  });

  it('does not count an address on a node\'s secondary private IP as the node\'s, and leaves it there', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const target = node(1);
    const secondary = { ...address(1, { pool: 'egress', on: target }), PrivateIpAddress: '10.0.0.201' };
    const state = observed([secondary, address(2, { pool: 'egress' })], [target]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(plan.pools[0]?.held.map((held) => held.state)).toEqual(['elsewhere', 'free']);
    expect(writes(plan.actions).map((action) => [action.kind, 'address' in action ? action.address : undefined])).toEqual([
      ['AssociateAddress', { allocationId: allocationId(2), publicIp: '198.51.100.2' }],
    ]);
  });

  it('notes the running nodes a pool is too small for', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const nodes = [node(1), node(2), node(3)];
    const state = observed([address(1, { pool: 'egress', on: nodes[0] }), address(2, { pool: 'egress', on: nodes[1] })], nodes);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(writes(plan.actions)).toEqual([]);
    expect(plan.pools[0]).toMatchObject({ targets: 3, unserved: 1 });
    expect(plan.actions.map((action) => action.reason)).toEqual(['1 running instance(s) of node group prod-ng hold no address: the pool holds 2']);
  });

  it('leaves an address of the pool that sits on something else where it is, and never allocates to replace it', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const state = observed([address(1, { pool: 'egress', onInterface: 'eni-0ffffffffffffffff' }), address(2, { pool: 'egress' })], [node(1), node(2)]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(touched(plan.actions)).toEqual([allocationId(2)]);
    expect(plan.actions.filter((action) => action.kind === 'AllocateAddress')).toEqual([]);
    expect(plan.pools[0]?.held.find((held) => held.allocationId === allocationId(1))?.state).toBe('elsewhere');
    expect(plan.pools[0]?.unserved).toBe(1);
  });

  it('names the interface an address sits on when EC2 answers an empty instance id', () => {
    // Prepare
    const elsewhere = { ...address(1, { pool: 'egress', onInterface: 'eni-0ffffffffffffffff' }), InstanceId: '' };
    const state = observed([elsewhere, address(2, { pool: 'egress' })], [node(1)]);

    // Act
    const plan = planPools(specWith(EGRESS), state, { now: NOW });

    // Assess
    expect(plan.pools[0]?.held.find((held) => held.allocationId === allocationId(1))).toMatchObject({ state: 'elsewhere', attachedTo: 'eni-0ffffffffffffffff' });
    expect(plan.actions.map((action) => action.reason)).toContain('198.51.100.1 is associated with eni-0ffffffffffffffff, not a target of pool egress: left alone');
  });
});

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
    const state = observed([{ ...outside, Tags: [...(outside.Tags ?? []), { Key: 'eks-pilot/unused-since', Value: '2026-01-01T00:00:00Z' }] }], [node(1), node(2), node(3)]);

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

describe('planPools adopting existing addresses', () => {
  it('adopts the addresses partners know by tag and allocates nothing new', () => {
    // Prepare
    const spec = specWith(`${EGRESS}    adopt: { tags: { partner-allowlist: payments-egress } }\n`);
    const known = [address(20, { tags: { 'partner-allowlist': 'payments-egress' } }), address(21, { tags: { 'partner-allowlist': 'payments-egress' } })];

    // Act
    const plan = planPools(spec, observed(known, [node(1), node(2)]), { now: NOW });

    // Assess
    expect(plan.actions.filter((action) => action.kind === 'AllocateAddress')).toEqual([]);
    // First the adoption marks the IAM role associates by, then the associations.
    expect(touched(plan.actions)).toEqual([allocationId(20), allocationId(21), allocationId(20), allocationId(21)]);
    expect(writes(plan.actions).slice(0, 2).map((action) => action.request)).toEqual([20, 21].map((n) => ({ Resources: [allocationId(n)], Tags: [{ Key: 'eks-pilot/adopted-by', Value: 'payments/egress' }] })));
    expect(plan.pools[0]?.held.map((held) => [held.publicIp, held.adopted])).toEqual([
      ['198.51.100.20', true],
      ['198.51.100.21', true],
    ]);
  });

  it('gives an address claimed by two pools to the one adopting it by allocation id, and notes it', () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 1
    attachTo: { nodeGroup: prod-ng }
    adopt: { tags: { team: payments } }
  - name: ingress
    count: 1
    attachTo: { reservedFor: load-balancer }
    adopt: { allocationIds: [${allocationId(30)}] }
`);

    // Act
    const plan = planPools(spec, observed([address(30, { tags: { team: 'payments' } })]), { now: NOW });

    // Assess
    expect(plan.pools.map((pool) => [pool.name, pool.held.map((held) => held.allocationId)])).toEqual([
      ['egress', []],
      ['ingress', [allocationId(30)]],
    ]);
    expect(plan.actions.find((action) => action.kind === 'Note')?.reason).toBe('198.51.100.30 also matches pool egress; it belongs to pool ingress');
  });
});

describe('planPools release policies', () => {
  const OLD = '2026-11-01T00:00:00Z';
  const RECENT = '2026-11-22T11:30:00Z';

  it.each<[string, string, Address[], string[]]>([
    ['never releases under policy never, however old and surplus', 'release: { policy: never }', [address(1, { pool: 'egress', tags: { 'eks-pilot/unused-since': OLD } }), address(2, { pool: 'egress' })], []],
    ['never releases under the default policy', '', [address(1, { pool: 'egress', tags: { 'eks-pilot/unused-since': OLD } }), address(2, { pool: 'egress' })], []],
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
    if (kinds.length > 0) expect(plan.actions.find((action) => action.kind === 'ReleaseAddress')).toMatchObject({ classification: 'delete', request: { AllocationId: allocationId(1) } });
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
    [true, 'an old, free, pool-allocated address under afterUnused', 'afterUnused, unusedFor: 1h', address(1, { pool: 'egress', tags: { 'eks-pilot/unused-since': '2026-11-22T10:00:00Z' } })],
    [false, 'any address under never', 'never', address(1, { pool: 'egress', tags: { 'eks-pilot/unused-since': '2026-01-01T00:00:00Z' } })],
    [false, 'an attached address', 'afterUnused, unusedFor: 1h', address(1, { pool: 'egress', on: node(1), tags: { 'eks-pilot/unused-since': '2026-01-01T00:00:00Z' } })],
    [false, 'an address whose mark is not a date', 'afterUnused, unusedFor: 1h', address(1, { pool: 'egress', tags: { 'eks-pilot/unused-since': 'last tuesday' } })],
    [false, 'an address without a mark', 'afterUnused, unusedFor: 1h', address(1, { pool: 'egress' })],
    [false, 'an address of another cluster', 'afterUnused, unusedFor: 1h', address(1, { pool: 'egress', cluster: 'other', tags: { 'eks-pilot/unused-since': '2026-01-01T00:00:00Z' } })],
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
    const addresses = [3, 1, 2].map((n) => address(n, { pool: 'egress', tags: { 'eks-pilot/unused-since': new Date(NOW.getTime() - n * 10 * HOUR).toISOString() } }));

    // Act
    const plan = planPools(spec, observed(addresses), { now: NOW });

    // Assess
    expect(plan.pools[0]?.toRelease).toEqual([allocationId(3), allocationId(2)]);
  });
});

describe('planPools for a NAT gateway pool', () => {
  const NAT = 'nat-0123456789abcdef0';
  const spec = specWith(`
  - name: nat-egress
    count: 2
    attachTo: { natGatewayId: ${NAT} }
`);

  function nat(state: NatGateway['State'], secondary: string[] = []): NatGateway {
    return {
      NatGatewayId: NAT,
      State: state,
      NatGatewayAddresses: [
        { AllocationId: allocationId(90), IsPrimary: true, Status: 'succeeded' },
        ...secondary.map((id) => ({ AllocationId: id, IsPrimary: false, Status: 'succeeded' as const })),
      ],
    };
  }

  it('associates a free address and a new one as the NAT gateway\'s secondary addresses', () => {
    // Act
    const plan = planPools(spec, observed([address(1, { pool: 'nat-egress' })], [], 'nat-egress', { [NAT]: nat('available') }), { now: NOW });

    // Assess
    expect(plan.actions.map((action) => [action.kind, action.request])).toEqual([
      ['AllocateAddress', expect.anything()],
      ['AssociateNatGatewayAddress', { NatGatewayId: NAT, AllocationIds: [allocationId(1)] }],
      ['AssociateNatGatewayAddress', { NatGatewayId: NAT, AllocationIds: [] }],
    ]);
    expect(plan.actions[2]).toMatchObject({ address: { slot: 'nat-egress#1' } });
  });

  it('counts the addresses already on the NAT gateway as attached and plans nothing more', () => {
    // Act
    const plan = planPools(
      spec,
      observed([address(1, { pool: 'nat-egress', onInterface: 'eni-0abcabcabcabcabca' }), address(2, { pool: 'nat-egress', onInterface: 'eni-0abcabcabcabcabca' })], [], 'nat-egress', {
        [NAT]: nat('available', [allocationId(1), allocationId(2)]),
      }),
      { now: NOW },
    );

    // Assess
    expect(plan.actions).toEqual([]);
    expect(plan.pools[0]?.held.map((held) => held.state)).toEqual(['attached', 'attached']);
  });

  it.each([
    ['missing', undefined, `NAT gateway ${NAT} does not exist in sa-east-1: point pool nat-egress at an existing NAT gateway`],
    ['deleted', 'deleted' as const, `NAT gateway ${NAT} is deleted: point pool nat-egress at an available NAT gateway`],
    ['failed', 'failed' as const, `NAT gateway ${NAT} is failed: point pool nat-egress at an available NAT gateway`],
  ])('refuses a pool whose NAT gateway is %s, and plans nothing else for it', (_case, state, reason) => {
    // Act
    const plan = planPools(spec, observed([], [], 'nat-egress', state === undefined ? {} : { [NAT]: nat(state) }), { now: NOW });

    // Assess
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'Refuse', classification: 'forbidden', reason })]);
    expect(planStatus(plan)).toBe('blocked');
  });

  it('allocates for a pending NAT gateway and associates once it is available', () => {
    // Act
    const plan = planPools(spec, observed([], [], 'nat-egress', { [NAT]: nat('pending') }), { now: NOW });

    // Assess
    expect(plan.actions.map((action) => action.kind)).toEqual(['AllocateAddress', 'AllocateAddress', 'Note']);
  });

  it('assumes the NAT gateway exists when it was not read (the offline plan)', () => {
    // Act
    const plan = planPools(spec, EMPTY_ACCOUNT, { now: NOW });

    // Assess
    expect(plan.actions.map((action) => action.kind)).toEqual(['AllocateAddress', 'AllocateAddress', 'AssociateNatGatewayAddress', 'AssociateNatGatewayAddress']);
    expect(plan.actions[2]?.reason).toContain('(not read: offline plan)');
  });
});

describe('planPools for a pool held for a load balancer', () => {
  it('allocates and never associates, counting an address the load balancer uses as in use', () => {
    // Prepare
    const spec = specWith(`
  - name: ingress
    count: 2
    attachTo: { reservedFor: load-balancer }
`);

    // Act
    const plan = planPools(spec, observed([address(1, { pool: 'ingress', onInterface: 'eni-0elb0elb0elb0elb0' })], [], 'ingress'), { now: NOW });

    // Assess
    expect(plan.actions.map((action) => action.kind)).toEqual(['AllocateAddress']);
    expect(plan.pools[0]?.held).toEqual([expect.objectContaining({ state: 'attached', attachedTo: 'eni-0elb0elb0elb0elb0' })]);
  });
});

describe('planPools as a pure function', () => {
  it('never changes what it observed, and plans the same twice', () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 2
    attachTo: { nodeGroup: prod-ng }
    release: { policy: afterUnused, unusedFor: 1h }
`);
    const leaving = node(2, 'shutting-down');
    const state = deepFreeze(observed([address(1, { pool: 'egress', on: leaving }), address(3, { pool: 'egress' })], [node(1), leaving, node(3)]));

    // Act
    const first = planPools(spec, state, { now: NOW });
    const second = planPools(spec, state, { now: NOW });

    // Assess
    expect(second).toEqual(first);
  });

  it('plans only the pools asked for, and shows no orphan notes then', () => {
    // Prepare
    const spec = specWith(`${EGRESS}
  - name: ingress
    count: 1
    attachTo: { reservedFor: load-balancer }
`);

    // Act
    const plan = planPools(spec, observed([address(52, { pool: 'retired' })]), { now: NOW, pools: ['ingress'] });

    // Assess
    expect(plan.actions.map(label)).toEqual(['AllocateAddress eip-pool/ingress']);
    expect(plan.pools.map((pool) => pool.name)).toEqual(['ingress']);
  });
});

describe('planPools with more addresses than count', () => {
  const CLAIM = { 'eks-pilot/claim': 'run-1' };
  const nodes = [node(1), node(2)];
  type Case = [string, Address[], string[] | null, { releases: number[]; kept: number[]; surplus: number }];

  it.each<Case>([
    ['releases a claimed, unattached, never published surplus address at once, even under policy never', [address(1, { pool: 'egress', on: nodes[0] }), address(2, { pool: 'egress', on: nodes[1] }), address(3, { pool: 'egress', tags: CLAIM })], [allocationId(1), allocationId(2)], { releases: [3], kept: [], surplus: 0 }],
    ['keeps a surplus address that is published, and names it', [address(1, { pool: 'egress', on: nodes[0] }), address(2, { pool: 'egress', on: nodes[1] }), address(3, { pool: 'egress', tags: CLAIM })], [allocationId(1), allocationId(2), allocationId(3)], { releases: [], kept: [3], surplus: 1 }],
    ['keeps every surplus address when the allow-list was not read', [address(1, { pool: 'egress', on: nodes[0] }), address(2, { pool: 'egress', on: nodes[1] }), address(3, { pool: 'egress', tags: CLAIM })], null, { releases: [], kept: [3], surplus: 1 }],
    ['keeps a surplus address without a claim tag (allocated before claims, maybe known some other way)', [address(1, { pool: 'egress', on: nodes[0] }), address(2, { pool: 'egress', on: nodes[1] }), address(3, { pool: 'egress' })], [], { releases: [], kept: [3], surplus: 1 }],
    ['keeps an attached surplus address and releases the free claimed one', [address(1, { pool: 'egress', on: nodes[0] }), address(2, { pool: 'egress', on: nodes[1], tags: CLAIM }), address(3, { pool: 'egress', tags: CLAIM }), address(4, { pool: 'egress', tags: CLAIM, onInterface: 'eni-0elsewhere' })], [allocationId(1)], { releases: [3], kept: [4], surplus: 1 }],
    ['counts an adopted address first and keeps the attached one beyond count', [address(1, { pool: 'egress', on: nodes[0] }), address(2, { pool: 'egress', on: nodes[1] }), address(3, { tags: { ...CLAIM, 'partner-allowlist': 'yes' } })], [], { releases: [], kept: [2], surplus: 1 }],
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
        TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: expect.arrayContaining([{ Key: 'eks-pilot/claim', Value: 'run-7' }, { Key: 'eks-pilot/pool', Value: 'egress' }, { Key: 'eks-pilot/cluster', Value: CLUSTER }]) as unknown }],
      });
    }
  });
});
