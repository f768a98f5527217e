import {
  AccessDeniedException,
  AssociateAccessPolicyCommand,
  AssociateEncryptionConfigCommand,
  BadRequestException,
  CreateAccessEntryCommand,
  CreateAddonCommand,
  CreateClusterCommand,
  CreateNodegroupCommand,
  CreatePodIdentityAssociationCommand,
  DeleteNodegroupCommand,
  DeletePodIdentityAssociationCommand,
  DescribeAccessEntryCommand,
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribePodIdentityAssociationCommand,
  DescribeUpdateCommand,
  DisassociateAccessPolicyCommand,
  EKSClient,
  EKSServiceException,
  InvalidParameterException,
  InvalidRequestException,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
  ListNodegroupsCommand,
  ListPodIdentityAssociationsCommand,
  ListUpdatesCommand,
  NotFoundException,
  ResourceInUseException,
  ResourceNotFoundException,
  ServerException,
  TagResourceCommand,
  ThrottlingException,
  UnsupportedAvailabilityZoneException,
  UntagResourceCommand,
  UpdateAccessEntryCommand,
  UpdateAddonCommand,
  UpdateClusterConfigCommand,
  UpdateClusterVersionCommand,
  UpdateNodegroupConfigCommand,
  UpdateNodegroupVersionCommand,
  UpdatePodIdentityAssociationCommand,
} from '@aws-sdk/client-eks';
import type { ListUpdatesCommandInput } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { awsClient, resetAwsClients } from '../../../../shared/adapters/aws/clients';
import { EksAdapter, createEksPort } from '../../../../shared/adapters/aws/eks';
import type { EksWrite, EksWriteKind, EksWriteResult } from '../../../../shared/ports/eks';
import { EksPilotError, RequestRejectedError, ResourceBusyError, ThrottledError, UpstreamError } from '../../../../shared/errors';
import { rejectionOf } from '../../../../testing/rejection';

const CLUSTER = 'payments';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/payments-admin';
const NODEGROUP_ARN = 'arn:aws:eks:eu-west-1:123456789012:nodegroup/payments/workers/0ec1f4d2-5c2f-8a1b-4a2e-9c3f1e7d6b5a';
const POLICY_ARN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy';
const metadata = { httpStatusCode: 409, requestId: '11b219b7-c960-4ad1-a645-e6b4cfe049ec' };

const eksMock = mockClient(EKSClient);

/** The error a promise rejects with; fails the test if it resolves or rejects with a non-Error. */
/** One write of every kind, with the response EKS gives it and what execute() should make of it. */
const writes: { write: EksWrite; response: object; result: EksWriteResult }[] = [
  {
    write: {
      kind: 'CreateCluster',
      request: { name: CLUSTER, version: '1.31', roleArn: ROLE_ARN, resourcesVpcConfig: { subnetIds: ['subnet-0a1', 'subnet-0b2'] } },
    },
    response: { cluster: { name: CLUSTER, status: 'CREATING' } },
    result: {},
  },
  {
    write: { kind: 'UpdateClusterConfig', request: { name: CLUSTER, logging: { clusterLogging: [{ types: ['api', 'audit'], enabled: true }] } } },
    response: { update: { id: 'upd-config', status: 'InProgress', type: 'LoggingUpdate' } },
    result: { updateId: 'upd-config' },
  },
  {
    write: { kind: 'UpdateClusterVersion', request: { name: CLUSTER, version: '1.32' } },
    response: { update: { id: 'upd-version', status: 'InProgress', type: 'VersionUpdate' } },
    result: { updateId: 'upd-version' },
  },
  {
    write: {
      kind: 'AssociateEncryptionConfig',
      request: {
        clusterName: CLUSTER,
        encryptionConfig: [{ provider: { keyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd' } }],
      },
    },
    response: { update: { id: 'upd-encryption', status: 'InProgress', type: 'AssociateEncryptionConfig' } },
    result: { updateId: 'upd-encryption' },
  },
  {
    write: {
      kind: 'CreateNodegroup',
      request: {
        clusterName: CLUSTER,
        nodegroupName: 'workers',
        nodeRole: 'arn:aws:iam::123456789012:role/payments-nodes',
        subnets: ['subnet-0a1'],
        scalingConfig: { minSize: 2, desiredSize: 3, maxSize: 6 },
      },
    },
    response: { nodegroup: { nodegroupName: 'workers', status: 'CREATING' } },
    result: {},
  },
  {
    write: { kind: 'UpdateNodegroupConfig', request: { clusterName: CLUSTER, nodegroupName: 'workers', scalingConfig: { minSize: 2, maxSize: 8 } } },
    response: { update: { id: 'upd-ng-config', status: 'InProgress', type: 'ConfigUpdate' } },
    result: { updateId: 'upd-ng-config' },
  },
  {
    write: { kind: 'UpdateNodegroupVersion', request: { clusterName: CLUSTER, nodegroupName: 'workers', version: '1.32' } },
    response: { update: { id: 'upd-ng-version', status: 'InProgress', type: 'VersionUpdate' } },
    result: { updateId: 'upd-ng-version' },
  },
  {
    write: { kind: 'DeleteNodegroup', request: { clusterName: CLUSTER, nodegroupName: 'legacy' } },
    response: { nodegroup: { nodegroupName: 'legacy', status: 'DELETING' } },
    result: {},
  },
  {
    write: { kind: 'CreateAddon', request: { clusterName: CLUSTER, addonName: 'vpc-cni', addonVersion: 'v1.19.2-eksbuild.1' } },
    response: { addon: { addonName: 'vpc-cni', status: 'CREATING' } },
    result: {},
  },
  {
    write: { kind: 'UpdateAddon', request: { clusterName: CLUSTER, addonName: 'vpc-cni', addonVersion: 'v1.19.3-eksbuild.1', resolveConflicts: 'PRESERVE' } },
    response: { update: { id: 'upd-addon', status: 'InProgress', type: 'AddonUpdate' } },
    result: { updateId: 'upd-addon' },
  },
  {
    write: { kind: 'CreateAccessEntry', request: { clusterName: CLUSTER, principalArn: ROLE_ARN, type: 'STANDARD' } },
    response: { accessEntry: { clusterName: CLUSTER, principalArn: ROLE_ARN } },
    result: {},
  },
  {
    write: { kind: 'UpdateAccessEntry', request: { clusterName: CLUSTER, principalArn: ROLE_ARN, kubernetesGroups: ['payments-admins'] } },
    response: { accessEntry: { clusterName: CLUSTER, principalArn: ROLE_ARN } },
    result: {},
  },
  {
    write: {
      kind: 'AssociateAccessPolicy',
      request: { clusterName: CLUSTER, principalArn: ROLE_ARN, policyArn: POLICY_ARN, accessScope: { type: 'namespace', namespaces: ['payments'] } },
    },
    response: { clusterName: CLUSTER, principalArn: ROLE_ARN },
    result: {},
  },
  {
    write: { kind: 'DisassociateAccessPolicy', request: { clusterName: CLUSTER, principalArn: ROLE_ARN, policyArn: POLICY_ARN } },
    response: {},
    result: {},
  },
  {
    write: {
      kind: 'CreatePodIdentityAssociation',
      request: {
        clusterName: CLUSTER,
        namespace: 'shop',
        serviceAccount: 'orders',
        roleArn: ROLE_ARN,
        clientRequestToken: 'token-1',
        tags: { 'eks-pilot/managed': 'true' },
      },
    },
    response: { association: { associationId: 'a-0123456789abcdefg', namespace: 'shop', serviceAccount: 'orders', roleArn: ROLE_ARN } },
    result: {},
  },
  {
    write: { kind: 'UpdatePodIdentityAssociation', request: { clusterName: CLUSTER, associationId: 'a-0123456789abcdefg', roleArn: ROLE_ARN } },
    response: { association: { associationId: 'a-0123456789abcdefg', roleArn: ROLE_ARN } },
    result: {},
  },
  {
    write: { kind: 'DeletePodIdentityAssociation', request: { clusterName: CLUSTER, associationId: 'a-0123456789abcdefg' } },
    response: { association: { associationId: 'a-0123456789abcdefg' } },
    result: {},
  },
  {
    write: { kind: 'TagResource', request: { resourceArn: NODEGROUP_ARN, tags: { team: 'payments' } } },
    response: {},
    result: {},
  },
  {
    write: { kind: 'UntagResource', request: { resourceArn: NODEGROUP_ARN, tagKeys: ['legacy'] } },
    response: {},
    result: {},
  },
];

// A Record over every kind, so a kind added to the port fails the typecheck until it is tested here.
const commandOf: Record<EksWriteKind, new (input: never) => object> = {
  CreateCluster: CreateClusterCommand,
  UpdateClusterConfig: UpdateClusterConfigCommand,
  UpdateClusterVersion: UpdateClusterVersionCommand,
  AssociateEncryptionConfig: AssociateEncryptionConfigCommand,
  CreateNodegroup: CreateNodegroupCommand,
  UpdateNodegroupConfig: UpdateNodegroupConfigCommand,
  UpdateNodegroupVersion: UpdateNodegroupVersionCommand,
  DeleteNodegroup: DeleteNodegroupCommand,
  CreateAddon: CreateAddonCommand,
  UpdateAddon: UpdateAddonCommand,
  CreateAccessEntry: CreateAccessEntryCommand,
  UpdateAccessEntry: UpdateAccessEntryCommand,
  AssociateAccessPolicy: AssociateAccessPolicyCommand,
  DisassociateAccessPolicy: DisassociateAccessPolicyCommand,
  CreatePodIdentityAssociation: CreatePodIdentityAssociationCommand,
  UpdatePodIdentityAssociation: UpdatePodIdentityAssociationCommand,
  DeletePodIdentityAssociation: DeletePodIdentityAssociationCommand,
  TagResource: TagResourceCommand,
  UntagResource: UntagResourceCommand,
};

/** The table row of one kind, for the error tests. */
function writeOf(kind: EksWriteKind): EksWrite {
  const row = writes.find((candidate) => candidate.write.kind === kind);
  if (row === undefined) throw new Error(`no sample write of kind ${kind}`);
  return row.write;
}

describe('EksAdapter', () => {
  let eks: EksAdapter;

  beforeEach(() => {
    eksMock.reset();
    eks = new EksAdapter(new EKSClient({ region: 'eu-west-1' }));
  });

  describe('reads', () => {
    it('returns the cluster DescribeCluster finds', async () => {
      // Prepare
      eksMock.on(DescribeClusterCommand, { name: CLUSTER }).resolves({ cluster: { name: CLUSTER, version: '1.31', status: 'ACTIVE' } });

      // Act
      const cluster = await eks.describeCluster(CLUSTER);

      // Assess
      expect(cluster).toEqual({ name: CLUSTER, version: '1.31', status: 'ACTIVE' });
      expect(eksMock).toHaveReceivedCommandWith(DescribeClusterCommand, { name: CLUSTER });
    });

    it('returns null for a cluster that does not exist', async () => {
      // Prepare
      eksMock.on(DescribeClusterCommand).rejects(new ResourceNotFoundException({ message: 'No cluster found for name: payments.', $metadata: {} }));

      // Act
      const cluster = await eks.describeCluster(CLUSTER);

      // Assess
      expect(cluster).toBeNull();
    });

    it('returns the node group DescribeNodegroup finds', async () => {
      // Prepare
      eksMock.on(DescribeNodegroupCommand).resolves({ nodegroup: { nodegroupName: 'workers', status: 'ACTIVE' } });

      // Act
      const nodegroup = await eks.describeNodegroup(CLUSTER, 'workers');

      // Assess
      expect(nodegroup).toEqual({ nodegroupName: 'workers', status: 'ACTIVE' });
      expect(eksMock).toHaveReceivedCommandWith(DescribeNodegroupCommand, { clusterName: CLUSTER, nodegroupName: 'workers' });
    });

    it('returns null for a node group that does not exist', async () => {
      // Prepare
      eksMock.on(DescribeNodegroupCommand).rejects(new ResourceNotFoundException({ message: 'No node group found for name: workers.', $metadata: {} }));

      // Act
      const nodegroup = await eks.describeNodegroup(CLUSTER, 'workers');

      // Assess
      expect(nodegroup).toBeNull();
    });

    it('returns the add-on DescribeAddon finds', async () => {
      // Prepare
      eksMock.on(DescribeAddonCommand).resolves({ addon: { addonName: 'vpc-cni', addonVersion: 'v1.19.2-eksbuild.1', status: 'ACTIVE' } });

      // Act
      const addon = await eks.describeAddon(CLUSTER, 'vpc-cni');

      // Assess
      expect(addon).toEqual({ addonName: 'vpc-cni', addonVersion: 'v1.19.2-eksbuild.1', status: 'ACTIVE' });
      expect(eksMock).toHaveReceivedCommandWith(DescribeAddonCommand, { clusterName: CLUSTER, addonName: 'vpc-cni' });
    });

    it('returns null for an add-on that is not installed', async () => {
      // Prepare
      eksMock.on(DescribeAddonCommand).rejects(new ResourceNotFoundException({ message: 'No addon: vpc-cni found in cluster: payments', $metadata: {} }));

      // Act
      const addon = await eks.describeAddon(CLUSTER, 'vpc-cni');

      // Assess
      expect(addon).toBeNull();
    });

    it('returns the access entry DescribeAccessEntry finds', async () => {
      // Prepare
      eksMock.on(DescribeAccessEntryCommand).resolves({ accessEntry: { clusterName: CLUSTER, principalArn: ROLE_ARN, type: 'STANDARD' } });

      // Act
      const entry = await eks.describeAccessEntry(CLUSTER, ROLE_ARN);

      // Assess
      expect(entry).toEqual({ clusterName: CLUSTER, principalArn: ROLE_ARN, type: 'STANDARD' });
      expect(eksMock).toHaveReceivedCommandWith(DescribeAccessEntryCommand, { clusterName: CLUSTER, principalArn: ROLE_ARN });
    });

    it('returns null for an access entry that does not exist', async () => {
      // Prepare
      eksMock
        .on(DescribeAccessEntryCommand)
        .rejects(new ResourceNotFoundException({ message: 'The specified principalArn could not be found.', $metadata: {} }));

      // Act
      const entry = await eks.describeAccessEntry(CLUSTER, ROLE_ARN);

      // Assess
      expect(entry).toBeNull();
    });

    it('returns the update DescribeUpdate finds', async () => {
      // Prepare
      eksMock.on(DescribeUpdateCommand).resolves({ update: { id: 'upd-1', status: 'Successful', type: 'VersionUpdate' } });

      // Act
      const update = await eks.describeUpdate({ name: CLUSTER, updateId: 'upd-1', nodegroupName: 'workers' });

      // Assess
      expect(update).toEqual({ id: 'upd-1', status: 'Successful', type: 'VersionUpdate' });
      expect(eksMock).toHaveReceivedCommandWith(DescribeUpdateCommand, { name: CLUSTER, updateId: 'upd-1', nodegroupName: 'workers' });
    });

    it('returns null for an update that does not exist', async () => {
      // Prepare
      eksMock.on(DescribeUpdateCommand).rejects(new ResourceNotFoundException({ message: 'No update found for ID: upd-1', $metadata: {} }));

      // Act
      const update = await eks.describeUpdate({ name: CLUSTER, updateId: 'upd-1' });

      // Assess
      expect(update).toBeNull();
    });

    it('lists the node groups of every page', async () => {
      // Prepare
      eksMock
        .on(ListNodegroupsCommand)
        .resolvesOnce({ nodegroups: ['workers', 'batch'], nextToken: 'page-2' })
        .resolvesOnce({ nodegroups: ['gpu'] });

      // Act
      const names = await eks.listNodegroups(CLUSTER);

      // Assess
      expect(names).toEqual(['workers', 'batch', 'gpu']);
      expect(eksMock).toHaveReceivedCommandTimes(ListNodegroupsCommand, 2);
      expect(eksMock).toHaveReceivedNthSpecificCommandWith(2, ListNodegroupsCommand, { clusterName: CLUSTER, nextToken: 'page-2' });
    });

    it('lists no node groups for a cluster that does not exist', async () => {
      // Prepare
      eksMock.on(ListNodegroupsCommand).rejects(new ResourceNotFoundException({ message: 'No cluster found for name: payments.', $metadata: {} }));

      // Act
      const names = await eks.listNodegroups(CLUSTER);

      // Assess
      expect(names).toEqual([]);
    });

    it('lists the access entries of every page', async () => {
      // Prepare
      const other = 'arn:aws:iam::123456789012:role/payments-viewer';
      eksMock
        .on(ListAccessEntriesCommand)
        .resolvesOnce({ accessEntries: [ROLE_ARN], nextToken: 'page-2' })
        .resolvesOnce({ accessEntries: [other] });

      // Act
      const arns = await eks.listAccessEntries(CLUSTER);

      // Assess
      expect(arns).toEqual([ROLE_ARN, other]);
      expect(eksMock).toHaveReceivedNthSpecificCommandWith(2, ListAccessEntriesCommand, { clusterName: CLUSTER, nextToken: 'page-2' });
    });

    it('lists the Pod Identity associations of every page', async () => {
      // Prepare
      const first = { associationId: 'a-0000000000000000a', namespace: 'kube-system', serviceAccount: 'cluster-autoscaler' };
      const second = { associationId: 'a-0000000000000000b', namespace: 'shop', serviceAccount: 'orders' };
      eksMock
        .on(ListPodIdentityAssociationsCommand)
        .resolvesOnce({ associations: [first], nextToken: 'page-2' })
        .resolvesOnce({ associations: [second] });

      // Act
      const associations = await eks.listPodIdentityAssociations(CLUSTER);

      // Assess
      expect(associations).toEqual([first, second]);
      expect(eksMock).toHaveReceivedNthSpecificCommandWith(2, ListPodIdentityAssociationsCommand, { clusterName: CLUSTER, nextToken: 'page-2' });
    });

    it('returns the association DescribePodIdentityAssociation finds, and null for one that is gone', async () => {
      // Prepare
      const association = { associationId: 'a-0000000000000000a', roleArn: ROLE_ARN, tags: { 'eks-pilot/managed': 'true' } };
      eksMock.on(DescribePodIdentityAssociationCommand, { associationId: 'a-0000000000000000a' }).resolves({ association });
      eksMock
        .on(DescribePodIdentityAssociationCommand, { associationId: 'a-0000000000000000b' })
        .rejects(new ResourceNotFoundException({ message: 'No Pod Identity Association found', $metadata: { httpStatusCode: 404 } }));

      // Act
      const found = await eks.describePodIdentityAssociation(CLUSTER, 'a-0000000000000000a');
      const gone = await eks.describePodIdentityAssociation(CLUSTER, 'a-0000000000000000b');

      // Assess
      expect(found).toEqual(association);
      expect(gone).toBeNull();
      expect(eksMock).toHaveReceivedCommandWith(DescribePodIdentityAssociationCommand, { clusterName: CLUSTER, associationId: 'a-0000000000000000a' });
    });

    it('lists no access entries for a cluster that does not exist', async () => {
      // Prepare
      eksMock.on(ListAccessEntriesCommand).rejects(new ResourceNotFoundException({ message: 'No cluster found for name: payments.', $metadata: {} }));

      // Act
      const arns = await eks.listAccessEntries(CLUSTER);

      // Assess
      expect(arns).toEqual([]);
    });

    it('lists the associated access policies of every page', async () => {
      // Prepare
      const view = { policyArn: POLICY_ARN, accessScope: { type: 'cluster' as const } };
      const edit = {
        policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy',
        accessScope: { type: 'namespace' as const, namespaces: ['payments'] },
      };
      eksMock
        .on(ListAssociatedAccessPoliciesCommand)
        .resolvesOnce({ associatedAccessPolicies: [view], nextToken: 'page-2' })
        .resolvesOnce({ associatedAccessPolicies: [edit] });

      // Act
      const policies = await eks.listAssociatedAccessPolicies(CLUSTER, ROLE_ARN);

      // Assess
      expect(policies).toEqual([view, edit]);
      expect(eksMock).toHaveReceivedNthSpecificCommandWith(2, ListAssociatedAccessPoliciesCommand, {
        clusterName: CLUSTER,
        principalArn: ROLE_ARN,
        nextToken: 'page-2',
      });
    });

    it('lists no associated access policies for an access entry that does not exist', async () => {
      // Prepare
      eksMock
        .on(ListAssociatedAccessPoliciesCommand)
        .rejects(new ResourceNotFoundException({ message: 'The specified principalArn could not be found.', $metadata: {} }));

      // Act
      const policies = await eks.listAssociatedAccessPolicies(CLUSTER, ROLE_ARN);

      // Assess
      expect(policies).toEqual([]);
    });

    it('lists the update ids of every page for one node group', async () => {
      // Prepare
      eksMock
        .on(ListUpdatesCommand)
        .resolvesOnce({ updateIds: ['upd-1'], nextToken: 'page-2' })
        .resolvesOnce({ updateIds: ['upd-2', 'upd-3'] });

      // Act
      const ids = await eks.listUpdates({ name: CLUSTER, nodegroupName: 'workers' });

      // Assess
      expect(ids).toEqual(['upd-1', 'upd-2', 'upd-3']);
      expect(eksMock).toHaveReceivedNthSpecificCommandWith(2, ListUpdatesCommand, { name: CLUSTER, nodegroupName: 'workers', nextToken: 'page-2' });
    });

    it('leaves the caller’s listUpdates input untouched while paging', async () => {
      // Prepare
      const input: ListUpdatesCommandInput = { name: CLUSTER };
      eksMock
        .on(ListUpdatesCommand)
        .resolvesOnce({ updateIds: ['upd-1'], nextToken: 'page-2' })
        .resolvesOnce({ updateIds: [] });

      // Act
      await eks.listUpdates(input);

      // Assess
      expect(input).toEqual({ name: CLUSTER });
    });

    it('lists no updates for a cluster that does not exist', async () => {
      // Prepare
      eksMock.on(ListUpdatesCommand).rejects(new ResourceNotFoundException({ message: 'No cluster found for name: payments.', $metadata: {} }));

      // Act
      const ids = await eks.listUpdates({ name: CLUSTER });

      // Assess
      expect(ids).toEqual([]);
    });

    it('turns a read failure other than not found into a typed error naming the action', async () => {
      // Prepare
      const thrown = new ServerException({ message: 'Internal failure', $metadata: { httpStatusCode: 500 } });
      eksMock.on(DescribeClusterCommand).rejects(thrown);

      // Act
      const error = await rejectionOf(eks.describeCluster(CLUSTER));

      // Assess
      expect(error.constructor).toBe(UpstreamError);
      expect(error.message).toBe('DescribeCluster failed: ServerException: Internal failure');
      expect(error).toHaveProperty('context', { action: 'DescribeCluster', cluster: CLUSTER });
      expect(error.cause).toBe(thrown);
    });

    it('reports a listing throttled past the SDK retries as throttled', async () => {
      // Prepare
      eksMock.on(ListNodegroupsCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }));

      // Act
      const error = await rejectionOf(eks.listNodegroups(CLUSTER));

      // Assess
      expect(error).toBeInstanceOf(ThrottledError);
      expect(error).toHaveProperty('context', { action: 'ListNodegroups', cluster: CLUSTER });
    });
  });

  describe('execute', () => {
    it('has a sample write for every write kind', () => {
      // Prepare
      const expected = Object.keys(commandOf).sort();

      // Act
      const sampled = writes.map(({ write }) => write.kind).sort();

      // Assess
      expect(sampled).toEqual(expected);
    });

    it.each(writes)('sends $write.kind with exactly the planned request', async ({ write, response, result }) => {
      // Prepare
      eksMock.onAnyCommand().resolves(response);

      // Act
      const outcome = await eks.execute(write);

      // Assess
      expect(outcome).toEqual(result);
      expect(eksMock.calls()).toHaveLength(1);
      const [command] = eksMock.call(0).args;
      expect(command).toBeInstanceOf(commandOf[write.kind]);
      expect(command.input).toEqual(write.request);
    });

    it('refuses a write kind it does not know without calling EKS', async () => {
      // Prepare
      const unknown = { kind: 'DeleteCluster', request: { name: CLUSTER } } as unknown as EksWrite;

      // Act
      const error = await rejectionOf(eks.execute(unknown));

      // Assess
      expect(error).toBeInstanceOf(EksPilotError);
      expect(error).not.toBeInstanceOf(UpstreamError);
      expect(eksMock).not.toHaveReceivedAnyCommand();
    });

    // The messages EKS sends, as quoted in public issue trackers (terraform-aws-eks, aws-cdk, crossplane).
    it.each([
      { kind: 'CreateCluster' as const, message: 'Cluster already exists with name: payments' },
      { kind: 'CreateNodegroup' as const, message: 'NodeGroup already exists with name workers and cluster name payments' },
      { kind: 'CreateAddon' as const, message: 'Addon already exists.' },
      { kind: 'CreateAccessEntry' as const, message: 'The specified access entry resource is already in use on this cluster.' },
      { kind: 'CreatePodIdentityAssociation' as const, message: 'The specified resource is in use.' },
    ])('treats $kind of a resource that already exists as done', async ({ kind, message }) => {
      // Prepare
      eksMock.onAnyCommand().rejects(new ResourceInUseException({ message, clusterName: CLUSTER, $metadata: metadata }));

      // Act
      const outcome = await eks.execute(writeOf(kind));

      // Assess
      expect(outcome).toEqual({ alreadyDone: true });
    });

    it.each([
      { kind: 'CreateNodegroup' as const, message: 'Cannot CreateNodegroup because cluster payments currently has update 0585fedb in progress' },
      { kind: 'CreateAddon' as const, message: 'Cannot CreateAddon because cluster payments currently has update 0585fedb in progress' },
      { kind: 'CreateAccessEntry' as const, message: 'Cannot CreateAccessEntry because cluster payments currently has update 0585fedb in progress' },
      { kind: 'CreateCluster' as const, message: 'An update is already in progress' },
    ])('reports $kind answering 409 for a busy cluster as busy, not done', async ({ kind, message }) => {
      // Prepare
      const thrown = new ResourceInUseException({ message, clusterName: CLUSTER, $metadata: metadata });
      eksMock.onAnyCommand().rejects(thrown);

      // Act
      const error = await rejectionOf(eks.execute(writeOf(kind)));

      // Assess
      expect(error).toBeInstanceOf(ResourceBusyError);
      expect(error.message).toBe(`${kind} refused while the resource is busy: ${message}`);
      expect(error).toHaveProperty('context', { action: kind, cluster: CLUSTER });
      expect(error.cause).toBe(thrown);
    });

    it.each(['UpdateClusterVersion', 'UpdateNodegroupVersion', 'UpdateAddon'] as const)('reports %s while another update runs as busy', async (kind) => {
      // Prepare
      const message = 'Cannot VersionUpdate because cluster payments currently has update cd26335b in progress';
      eksMock.onAnyCommand().rejects(new ResourceInUseException({ message, clusterName: CLUSTER, $metadata: metadata }));

      // Act
      const error = await rejectionOf(eks.execute(writeOf(kind)));

      // Assess
      expect(error).toBeInstanceOf(ResourceBusyError);
      expect(error).toHaveProperty('context', { action: kind, cluster: CLUSTER });
    });

    it('reports a write on a cluster that is not ACTIVE yet as busy', async () => {
      // Prepare
      const message = "Cluster 'payments' is not in ACTIVE status";
      eksMock.on(CreateNodegroupCommand).rejects(new InvalidRequestException({ message, clusterName: CLUSTER, $metadata: { httpStatusCode: 400 } }));

      // Act
      const error = await rejectionOf(eks.execute(writeOf('CreateNodegroup')));

      // Assess
      expect(error).toBeInstanceOf(ResourceBusyError);
    });

    it.each(['DeleteNodegroup', 'DisassociateAccessPolicy', 'DeletePodIdentityAssociation', 'UntagResource'] as const)(
      'treats %s of something already gone (ResourceNotFoundException) as done',
      async (kind) => {
        // Prepare
        eksMock
          .onAnyCommand()
          .rejects(new ResourceNotFoundException({ message: 'The specified resource could not be found.', $metadata: { httpStatusCode: 404 } }));

        // Act
        const outcome = await eks.execute(writeOf(kind));

        // Assess
        expect(outcome).toEqual({ alreadyDone: true });
      },
    );

    it('treats UntagResource of a resource that is gone (NotFoundException, what the tagging API throws) as done', async () => {
      // Prepare
      eksMock.on(UntagResourceCommand).rejects(new NotFoundException({ message: 'Resource not found', $metadata: { httpStatusCode: 404 } }));

      // Act
      const outcome = await eks.execute(writeOf('UntagResource'));

      // Assess
      expect(outcome).toEqual({ alreadyDone: true });
    });

    it('reports TagResource on a resource that is gone as a failure, with the cluster taken from the ARN', async () => {
      // Prepare
      eksMock.on(TagResourceCommand).rejects(new NotFoundException({ message: 'Resource not found', $metadata: { httpStatusCode: 404 } }));

      // Act
      const error = await rejectionOf(eks.execute(writeOf('TagResource')));

      // Assess
      expect(error.constructor).toBe(UpstreamError);
      expect(error).toHaveProperty('context', { action: 'TagResource', cluster: CLUSTER });
    });

    it('reports an update of a node group that does not exist as a failure, not as done', async () => {
      // Prepare
      eksMock
        .on(UpdateNodegroupConfigCommand)
        .rejects(new ResourceNotFoundException({ message: 'No node group found for name: workers.', $metadata: { httpStatusCode: 404 } }));

      // Act
      const error = await rejectionOf(eks.execute(writeOf('UpdateNodegroupConfig')));

      // Assess
      expect(error.constructor).toBe(UpstreamError);
      expect(error.message).toBe('UpdateNodegroupConfig failed: ResourceNotFoundException: No node group found for name: workers.');
    });

    it.each([
      ['a ThrottlingException', new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } })],
      [
        'an error the SDK flags as throttling',
        Object.assign(new EKSServiceException({ name: 'SlowDown', $fault: 'client', message: 'Slow down', $metadata: { httpStatusCode: 400 } }), {
          $retryable: { throttling: true },
        }),
      ],
      [
        'a TooManyRequestsException',
        new EKSServiceException({ name: 'TooManyRequestsException', $fault: 'client', message: 'Too many requests', $metadata: { httpStatusCode: 429 } }),
      ],
    ])('reports %s that outlived the SDK retries as throttled', async (_label, thrown) => {
      // Prepare
      eksMock.on(UpdateClusterConfigCommand).rejects(thrown);

      // Act
      const error = await rejectionOf(eks.execute(writeOf('UpdateClusterConfig')));

      // Assess
      expect(error).toBeInstanceOf(ThrottledError);
      expect(error.message).toBe("UpdateClusterConfig throttled after the SDK's retries");
      expect(error).toHaveProperty('context', { action: 'UpdateClusterConfig', cluster: CLUSTER });
      expect(error.cause).toBe(thrown);
    });

    it.each([
      [
        'InvalidParameterException',
        new InvalidParameterException({ message: 'Requested Nodegroup release version 1.32 is invalid.', $metadata: { httpStatusCode: 400 } }),
      ],
      ['InvalidRequestException', new InvalidRequestException({ message: 'Only one type of update can be allowed.', $metadata: { httpStatusCode: 400 } })],
      [
        'UnsupportedAvailabilityZoneException',
        new UnsupportedAvailabilityZoneException({
          message: 'Cannot create cluster because us-east-1e does not have capacity.',
          $metadata: { httpStatusCode: 400 },
        }),
      ],
      ['BadRequestException', new BadRequestException({ message: 'Tag keys must not start with aws:', $metadata: { httpStatusCode: 400 } })],
    ])('reports %s as a rejected request naming the action and the service message', async (_name, thrown) => {
      // Prepare
      eksMock.on(UpdateNodegroupVersionCommand).rejects(thrown);

      // Act
      const error = await rejectionOf(eks.execute(writeOf('UpdateNodegroupVersion')));

      // Assess
      expect(error).toBeInstanceOf(RequestRejectedError);
      expect(error.message).toBe(`UpdateNodegroupVersion rejected: ${thrown.message}`);
      expect(error).toHaveProperty('context', { action: 'UpdateNodegroupVersion', cluster: CLUSTER });
      expect(error.cause).toBe(thrown);
    });

    it.each([
      ['an AccessDeniedException', new AccessDeniedException({ message: 'not authorized to perform eks:CreateCluster', $metadata: { httpStatusCode: 403 } })],
      ['a ServerException', new ServerException({ message: 'Internal failure', $metadata: { httpStatusCode: 500 } })],
      ['a network error', new Error('socket hang up')],
    ])('reports %s as an upstream failure naming the action, without the request', async (_label, thrown) => {
      // Prepare
      eksMock.on(CreateClusterCommand).rejects(thrown);

      // Act
      const error = await rejectionOf(eks.execute(writeOf('CreateCluster')));

      // Assess
      expect(error.constructor).toBe(UpstreamError);
      expect(error.message).toMatch(/^CreateCluster failed: /);
      expect(error.message).not.toContain(ROLE_ARN);
      expect(error).toHaveProperty('context', { action: 'CreateCluster', cluster: CLUSTER });
      expect(error.cause).toBe(thrown);
    });
  });
});

describe('createEksPort', () => {
  beforeEach(() => {
    eksMock.reset();
    resetAwsClients();
  });

  afterEach(() => {
    resetAwsClients();
  });

  it.each([
    ['the function’s own role', { region: 'eu-west-1' }],
    ['an assumed role', { region: 'eu-west-1', assumeRoleArn: 'arn:aws:iam::123456789012:role/eks-pilot' }],
  ])('talks to EKS through the shared factory’s client for %s', async (_label, options) => {
    // Prepare
    eksMock.on(DescribeClusterCommand).resolves({ cluster: { name: CLUSTER } });

    // Act
    const eks = createEksPort(options);
    await eks.describeCluster(CLUSTER);

    // Assess
    expect(eks).toBeInstanceOf(EksAdapter);
    expect(eksMock).toHaveReceivedCommandWith(DescribeClusterCommand, { name: CLUSTER });
    // The factory caches one client per region and role, so this is the instance the adapter used.
    expect(eksMock.call(0).thisValue).toBe(awsClient(EKSClient, options));
  });
});
