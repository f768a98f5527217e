/**
 * eip-manager's packaged bundle against moto's EC2, SSM and DynamoDB: financial-move's egress pool
 * adopts the address partners already know, allocates what it lacks, attaches one to each prod-ng
 * node it finds by tag, publishes the pool to SSM, follows a node's termination to its
 * replacement, and never touches an address outside its pool. Two applies started at the same
 * instant (two processes, as two deployments would be) end with exactly count addresses per pool:
 * the pool leases in DynamoDB let one write at a time.
 */
import {
  AllocateAddressCommand,
  DescribeAddressesCommand,
  DisassociateAddressCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { Address } from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbLeases } from '../../shared/adapters/aws/dynamodb-lease';
import terminatedTemplate from '../../events/eip-manager/instance-terminated.json';
import runningTemplate from '../../events/eip-manager/instance-running.json';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Statement } from '../../testing/iam-policy';
import { allows } from '../../testing/iam-policy';
import { invokeFunction } from './support/lambda';
import { PACKAGE_DIR } from './support/package';
import type { Moto } from './support/moto';
import { startMoto } from './support/moto';
import { specFile } from './support/specs';

const REGION = 'sa-east-1';
let moto: Moto;
let ec2: EC2Client;
let ssm: SSMClient;

beforeAll(async () => {
  moto = await startMoto();
  const config = moto.clientConfig(REGION);
  ec2 = new EC2Client(config);
  ssm = new SSMClient(config);
});
// A failed test leaves no addresses or leases for the next one.
afterEach(async () => {
  await moto.reset();
});
afterAll(async () => {
  ec2.destroy();
  ssm.destroy();
  await moto.stop();
});

async function eipManager(event: unknown): Promise<unknown> {
  const { result } = await invokeFunction('eip-manager', event, {
    region: REGION,
    env: { ...moto.env, EKS_PILOT_SPECS: specFile('financial-move') },
    // One spec: the schedule reconciles it in its own invocation and never sends to the fleet queue.
    refs: { EipManagerFleetQueue: `${moto.endpoint}/123456789012/eks-pilot-dev-eip-manager-fleet` },
  });
  return result;
}

interface Node {
  instanceId: string;
  /** Its primary network interface, where the pool's address goes. */
  eni: string;
}

/** A prod-ng node as EKS launches it: tagged with its cluster and node group. */
async function launchNode(): Promise<Node> {
  const output = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      InstanceType: 't3.large',
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [
            { Key: 'eks:cluster-name', Value: 'financial-move' },
            { Key: 'eks:nodegroup-name', Value: 'prod-ng' },
          ],
        },
      ],
    }),
  );
  const instance = output.Instances?.[0];
  return {
    instanceId: instance?.InstanceId ?? '',
    eni: instance?.NetworkInterfaces?.find((eni) => eni.Attachment?.DeviceIndex === 0)?.NetworkInterfaceId ?? '',
  };
}

// moto reports `InstanceId: ""` for an address associated through a network interface (EC2 names
// the instance too), so the test follows the interface.
const enis = (pool: readonly Address[]): string[] => pool.map((address) => address.NetworkInterfaceId ?? '').sort();

async function addresses(): Promise<Address[]> {
  return (await ec2.send(new DescribeAddressesCommand({}))).Addresses ?? [];
}

const tag = (address: Address, key: string): string | undefined => address.Tags?.find((candidate) => candidate.Key === key)?.Value;
const inPool = (address: Address): boolean => tag(address, 'eks-pilot/pool') === 'egress' || tag(address, 'partner-allowlist') === 'financial-move-egress';

/** The sample EventBridge event, about this node. */
function stateChange(template: typeof runningTemplate, node: Node, state: string): unknown {
  return {
    ...template,
    region: REGION,
    resources: [`arn:aws:ec2:${REGION}:123456789012:instance/${node.instanceId}`],
    detail: { 'instance-id': node.instanceId, state },
  };
}

const parameterName = (pool: string): string => `/eks-pilot/dev/sa-east-1/financial-move/eip-pools/${pool}`;

async function published(pool = 'egress'): Promise<string> {
  const parameter = await ssm.send(new GetParameterCommand({ Name: parameterName(pool) }));
  return parameter.Parameter?.Value ?? '';
}

interface Answer {
  reports: { cluster: string; status: string; pools: { pool: string; status: string; held: number; surplus: number }[] }[];
}

it('ends two applies started at the same instant on empty pools with exactly count addresses per pool, one per node, all published (ten pairs)', async () => {
  const overlapped: boolean[] = [];
  for (let pair = 1; pair <= 10; pair += 1) {
    // Prepare: an empty account with two prod-ng nodes
    await moto.reset();
    const nodes = [await launchNode(), await launchNode()];

    // Act
    const answers = (await Promise.all([0, 1].map(() => eipManager({ mode: 'apply', cluster: 'financial-move' })))) as Answer[];

    // Assess
    const all = await addresses();
    for (const pool of ['egress', 'ingress']) {
      const members = all.filter((address) => tag(address, 'eks-pilot/pool') === pool);
      expect({ pair, pool, held: members.length }).toEqual({ pair, pool, held: 2 });
      const list = JSON.parse(await published(pool)) as { allocationIds: string[] };
      expect(list.allocationIds.sort()).toEqual(members.map((address) => address.AllocationId ?? '').sort());
    }
    const egress = all.filter((address) => tag(address, 'eks-pilot/pool') === 'egress');
    expect(enis(egress)).toEqual(nodes.map((node) => node.eni).sort());
    expect(all.filter((address) => address.NetworkInterfaceId).length).toBe(new Set(all.map((address) => address.NetworkInterfaceId).filter(Boolean)).size);
    expect(all.every((address) => tag(address, 'eks-pilot/claim') !== undefined)).toBe(true);
    const statuses = answers.flatMap((answer) => answer.reports.map((report) => report.status));
    // Each run may have found one pool's lease taken (both InProgress, each having filled the other
    // pool): what matters is that the pools are whole and that the next run finds nothing to do.
    expect(statuses.every((status) => status === 'Converged' || status === 'InProgress')).toBe(true);
    const next = (await eipManager({ mode: 'apply', cluster: 'financial-move' })) as Answer;
    expect(next.reports.map((report) => report.status)).toEqual(['Converged']);
    expect((await addresses()).map((address) => address.AllocationId).sort()).toEqual(all.map((address) => address.AllocationId).sort());
    overlapped.push(statuses.includes('InProgress'));
  }
  process.stdout.write(`e2e: ${overlapped.filter(Boolean).length} of ${overlapped.length} pairs overlapped (one run found the lease taken)\n`);
  // The two processes did run at the same time: at least one pair met at the lease.
  expect(overlapped).toContain(true);
});

it('gives each lease to exactly one of four writers racing for it, the table created by whichever comes first (100 keys)', async () => {
  // The pools' guard itself, as the bundles reach it (moto's DynamoDB behind the one-at-a-time front).
  const clients = [0, 1, 2, 3].map(() => new DynamoDBClient({ ...moto.clientConfig(REGION), endpoint: moto.env.AWS_ENDPOINT_URL_DYNAMODB ?? moto.endpoint }));
  try {
    const writers = clients.map((client) => new DynamoDbLeases(client, 'eks-pilot-leases'));
    const now = new Date();
    const winners: number[] = [];
    for (let key = 0; key < 100; key += 1) {
      const outcomes = await Promise.all(
        writers.map((writer, index) => writer.acquire({ key: `race/${key}`, owner: `writer-${index}`, holder: 'e2e', now, durationMs: 60_000 })),
      );
      winners.push(outcomes.filter((outcome) => outcome.acquired).length);
      const losers = outcomes.flatMap((outcome) => (outcome.acquired ? [] : [outcome.heldBy?.owner]));
      expect(new Set(losers).size).toBeLessThanOrEqual(1);
    }
    expect(winners.filter((count) => count !== 1)).toEqual([]);
  } finally {
    for (const client of clients) client.destroy();
  }
});

it('keeps the egress pool whole on the nodes it finds by tag, and follows a node that is replaced', async () => {
  // Prepare: two nodes, the address partners allow-list already, and someone else's address
  const nodes = [await launchNode(), await launchNode()];
  const known = await ec2.send(
    new AllocateAddressCommand({
      Domain: 'vpc',
      TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: 'partner-allowlist', Value: 'financial-move-egress' }] }],
    }),
  );
  const foreign = await ec2.send(
    new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: 'team', Value: 'other' }] }] }),
  );

  // Act
  await eipManager({ mode: 'apply', cluster: 'financial-move', pools: ['egress'] });

  // Assess: two addresses in the pool (the known one adopted, one allocated), one on each node
  const pool = (await addresses()).filter(inPool);
  expect(pool).toHaveLength(2);
  expect(pool.map((address) => address.AllocationId)).toContain(known.AllocationId);
  expect(enis(pool)).toEqual(nodes.map((node) => node.eni).sort());
  const allocated = pool.find((address) => address.AllocationId !== known.AllocationId);
  expect(allocated && tag(allocated, 'eks-pilot/cluster')).toBe('financial-move');
  const list = await published();
  for (const address of pool) expect(list).toContain(address.PublicIp ?? 'missing');
  const untouched = (await addresses()).find((address) => address.AllocationId === foreign.AllocationId);
  expect(untouched).toMatchObject({ Tags: [{ Key: 'team', Value: 'other' }] });
  expect(untouched?.AssociationId).toBeUndefined();

  // A second apply on a whole pool changes nothing.
  const before = JSON.stringify(await addresses());
  await eipManager({ mode: 'apply', cluster: 'financial-move', pools: ['egress'] });
  expect(JSON.stringify(await addresses())).toBe(before);

  // A node is terminated and its replacement starts: the address moves to the new node, the list stays.
  const [gone, kept] = nodes as [Node, Node];
  const freed = pool.find((address) => address.NetworkInterfaceId === gone.eni)?.AllocationId;
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone.instanceId] }));
  // EC2 disassociates the address when it deletes a terminated instance's primary interface; moto
  // keeps the association, so the test does what EC2 would.
  const stale = (await addresses()).find((address) => address.AllocationId === freed);
  if (stale?.AssociationId) await ec2.send(new DisassociateAddressCommand({ AssociationId: stale.AssociationId }));
  await eipManager(stateChange(terminatedTemplate, gone, 'terminated'));
  const replacement = await launchNode();
  await eipManager(stateChange(runningTemplate, replacement, 'running'));

  const after = (await addresses()).filter(inPool);
  expect(after.map((address) => address.AllocationId).sort()).toEqual(pool.map((address) => address.AllocationId).sort());
  expect(after.find((address) => address.AllocationId === freed)?.NetworkInterfaceId).toBe(replacement.eni);
  expect(enis(after)).toEqual([kept.eni, replacement.eni].sort());
  expect(await published()).toBe(list);
});

it('packages a role that denies associating, disassociating or untagging an address without the pool tags', () => {
  // Prepare: the role as serverless package wrote it
  const template = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'cloudformation-template-update-stack.json'), 'utf8')) as {
    Resources: { EipManagerRole: { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } } };
  };
  const statements = template.Resources.EipManagerRole.Properties.Policies.flatMap((policy) => policy.PolicyDocument.Statement);
  const arn = `arn:aws:ec2:${REGION}:123456789012:elastic-ip/eipalloc-0a1b2c3d4e5f60718`;
  const eni = { arn: `arn:aws:ec2:${REGION}:123456789012:network-interface/eni-0a1b2c3d4e5f60718` };
  const foreign = { arn, context: { 'aws:ResourceTag/team': 'other' } };
  const pooled = { arn, context: { 'aws:ResourceTag/eks-pilot/cluster': 'financial-move', 'aws:ResourceTag/eks-pilot/pool': 'egress' } };

  // Act
  const verdicts = {
    associateForeign: allows(statements, { action: 'ec2:AssociateAddress', resources: [foreign, eni], context: {} }),
    disassociateForeign: allows(statements, { action: 'ec2:DisassociateAddress', resources: [foreign, eni], context: {} }),
    untagAll: allows(statements, { action: 'ec2:DeleteTags', resources: [pooled], context: {} }),
    untagPartner: allows(statements, { action: 'ec2:DeleteTags', resources: [foreign], context: { 'aws:TagKeys': ['team'] } }),
    associatePooled: allows(statements, { action: 'ec2:AssociateAddress', resources: [pooled, eni], context: {} }),
  };

  // Assess
  expect(verdicts).toEqual({ associateForeign: false, disassociateForeign: false, untagAll: false, untagPartner: false, associatePooled: true });
});
