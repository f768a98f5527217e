import {
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
  InvalidParameterException,
  InvalidRequestException,
  NotFoundException,
  ResourceInUseException,
  ResourceNotFoundException,
  TagResourceCommand,
  UnsupportedAvailabilityZoneException,
  UntagResourceCommand,
  UpdateAccessEntryCommand,
  UpdateAddonCommand,
  UpdateClusterConfigCommand,
  UpdateClusterVersionCommand,
  UpdateNodegroupConfigCommand,
  UpdateNodegroupVersionCommand,
  UpdatePodIdentityAssociationCommand,
  paginateListAccessEntries,
  paginateListAssociatedAccessPolicies,
  paginateListNodegroups,
  paginateListPodIdentityAssociations,
  paginateListUpdates,
} from '@aws-sdk/client-eks';
import type {
  AccessEntry,
  Addon,
  AssociatedAccessPolicy,
  Cluster,
  DescribeUpdateCommandInput,
  ListUpdatesCommandInput,
  Nodegroup,
  PodIdentityAssociation,
  PodIdentityAssociationSummary,
  Update,
} from '@aws-sdk/client-eks';
import { EksPilotError, RequestRejectedError, ResourceBusyError, ThrottledError, UpstreamError } from '../../errors';
import { awsClient } from './clients';
import { isThrottling } from './throttling';
import type { EksPort, EksReadName, EksWrite, EksWriteKind, EksWriteResult } from '../../ports/eks';

/** Every EKS API action the adapter calls, as named in CloudTrail and in error messages. */
type EksAction = EksWriteKind | EksReadName;

/** What the write commands answer, as far as the adapter reads it. */
interface WriteOutput {
  $metadata: unknown;
  update?: Update;
}

// Rule: a Create*'s 409 ResourceInUseException is "already done" only if its message says the resource exists, else busy.
const ALREADY_EXISTS: Partial<Record<EksWriteKind, RegExp>> = {
  CreateCluster: /already exists/i, // "Cluster already exists with name: payments"
  CreateNodegroup: /already exists/i, // "NodeGroup already exists with name workers and cluster name payments"
  CreateAddon: /already exists/i, // "Addon already exists."
  CreateAccessEntry: /already in use on this cluster|already exists/i, // "The specified access entry resource is already in use on this cluster."
};

// EKS refuses work on a cluster still creating or updating with 400 InvalidRequestException "Cluster 'payments' is not in ACTIVE status": wait, don't page a
// person.
const NOT_ACTIVE = /is not in ACTIVE status/i;

/**
 * Creates whose every 409 means the resource is there: CreatePodIdentityAssociation answers
 * ResourceInUseException when the namespace and service account have an association already (one
 * per pair; the one a lost response made, or someone else's, which the next run's observe compares).
 */
const IN_USE_IS_DONE: ReadonlySet<EksWriteKind> = new Set<EksWriteKind>(['CreatePodIdentityAssociation']);

/** Writes whose "not found" answer means the thing to remove is gone already. */
const GONE_IS_DONE: ReadonlySet<EksWriteKind> = new Set<EksWriteKind>([
  'DeleteNodegroup',
  'DisassociateAccessPolicy',
  'DeletePodIdentityAssociation',
  'UntagResource',
]);

/**
 * {@link EksPort} over the AWS SDK v3 EKS client: reads answer `null` or `[]` for "not found" and
 * follow every page; writes send the plan's request as is and turn SDK exceptions into the typed
 * errors of shared/errors.ts.
 *
 * @example
 * import { EKSClient } from '@aws-sdk/client-eks';
 *
 * const eks = new EksAdapter(new EKSClient({ region: 'eu-west-1' }));
 * const cluster = await eks.describeCluster('payments'); // null when there is no such cluster
 * const { updateId } = await eks.execute({ kind: 'UpdateClusterVersion', request: { name: 'payments', version: '1.31' } });
 */
export class EksAdapter implements EksPort {
  private readonly client: EKSClient;

  constructor(client: EKSClient) {
    this.client = client;
  }

  async describeCluster(name: string): Promise<Cluster | null> {
    const output = await this.read('DescribeCluster', name, () => this.client.send(new DescribeClusterCommand({ name })));
    return output === null ? null : (output.cluster ?? null);
  }

  async describeNodegroup(clusterName: string, nodegroupName: string): Promise<Nodegroup | null> {
    const output = await this.read('DescribeNodegroup', clusterName, () => this.client.send(new DescribeNodegroupCommand({ clusterName, nodegroupName })));
    return output === null ? null : (output.nodegroup ?? null);
  }

  async listNodegroups(clusterName: string): Promise<string[]> {
    const names = await this.read('ListNodegroups', clusterName, async () => {
      const found: string[] = [];
      for await (const page of paginateListNodegroups({ client: this.client }, { clusterName })) {
        found.push(...(page.nodegroups ?? []));
      }
      return found;
    });
    return names ?? [];
  }

  async describeAddon(clusterName: string, addonName: string): Promise<Addon | null> {
    const output = await this.read('DescribeAddon', clusterName, () => this.client.send(new DescribeAddonCommand({ clusterName, addonName })));
    return output === null ? null : (output.addon ?? null);
  }

  async listAccessEntries(clusterName: string): Promise<string[]> {
    const arns = await this.read('ListAccessEntries', clusterName, async () => {
      const found: string[] = [];
      for await (const page of paginateListAccessEntries({ client: this.client }, { clusterName })) {
        found.push(...(page.accessEntries ?? []));
      }
      return found;
    });
    return arns ?? [];
  }

  async describeAccessEntry(clusterName: string, principalArn: string): Promise<AccessEntry | null> {
    const output = await this.read('DescribeAccessEntry', clusterName, () => this.client.send(new DescribeAccessEntryCommand({ clusterName, principalArn })));
    return output === null ? null : (output.accessEntry ?? null);
  }

  async listAssociatedAccessPolicies(clusterName: string, principalArn: string): Promise<AssociatedAccessPolicy[]> {
    const policies = await this.read('ListAssociatedAccessPolicies', clusterName, async () => {
      const found: AssociatedAccessPolicy[] = [];
      const pages = paginateListAssociatedAccessPolicies({ client: this.client }, { clusterName, principalArn });
      for await (const page of pages) {
        found.push(...(page.associatedAccessPolicies ?? []));
      }
      return found;
    });
    return policies ?? [];
  }

  async listPodIdentityAssociations(clusterName: string): Promise<PodIdentityAssociationSummary[]> {
    const associations = await this.read('ListPodIdentityAssociations', clusterName, async () => {
      const found: PodIdentityAssociationSummary[] = [];
      for await (const page of paginateListPodIdentityAssociations({ client: this.client }, { clusterName })) {
        found.push(...(page.associations ?? []));
      }
      return found;
    });
    return associations ?? [];
  }

  async describePodIdentityAssociation(clusterName: string, associationId: string): Promise<PodIdentityAssociation | null> {
    const output = await this.read('DescribePodIdentityAssociation', clusterName, () =>
      this.client.send(new DescribePodIdentityAssociationCommand({ clusterName, associationId })),
    );
    return output === null ? null : (output.association ?? null);
  }

  async listUpdates(input: ListUpdatesCommandInput): Promise<string[]> {
    const ids = await this.read('ListUpdates', input.name, async () => {
      const found: string[] = [];
      // A copy: the paginator writes nextToken into the input object it is given.
      for await (const page of paginateListUpdates({ client: this.client }, { ...input })) {
        found.push(...(page.updateIds ?? []));
      }
      return found;
    });
    return ids ?? [];
  }

  async describeUpdate(input: DescribeUpdateCommandInput): Promise<Update | null> {
    const output = await this.read('DescribeUpdate', input.name, () => this.client.send(new DescribeUpdateCommand(input)));
    return output === null ? null : (output.update ?? null);
  }

  async execute(write: EksWrite): Promise<EksWriteResult> {
    // Built outside the try: an unknown kind is a bug here, not an upstream failure.
    const send = this.sender(write);
    try {
      const output = await send();
      const updateId = output.update?.id;
      return updateId === undefined ? {} : { updateId };
    } catch (error) {
      if (isAlreadyDone(write.kind, error)) return { alreadyDone: true };
      throw toEksError(write.kind, clusterOf(write), error);
    }
  }

  /** The SDK call for one write, with the plan's request passed through untouched. */
  private sender(write: EksWrite): () => Promise<WriteOutput> {
    switch (write.kind) {
      case 'CreateCluster':
        return () => this.client.send(new CreateClusterCommand(write.request));
      case 'UpdateClusterConfig':
        return () => this.client.send(new UpdateClusterConfigCommand(write.request));
      case 'UpdateClusterVersion':
        return () => this.client.send(new UpdateClusterVersionCommand(write.request));
      case 'AssociateEncryptionConfig':
        return () => this.client.send(new AssociateEncryptionConfigCommand(write.request));
      case 'CreateNodegroup':
        return () => this.client.send(new CreateNodegroupCommand(write.request));
      case 'UpdateNodegroupConfig':
        return () => this.client.send(new UpdateNodegroupConfigCommand(write.request));
      case 'UpdateNodegroupVersion':
        return () => this.client.send(new UpdateNodegroupVersionCommand(write.request));
      case 'DeleteNodegroup':
        return () => this.client.send(new DeleteNodegroupCommand(write.request));
      case 'CreateAddon':
        return () => this.client.send(new CreateAddonCommand(write.request));
      case 'UpdateAddon':
        return () => this.client.send(new UpdateAddonCommand(write.request));
      case 'CreateAccessEntry':
        return () => this.client.send(new CreateAccessEntryCommand(write.request));
      case 'UpdateAccessEntry':
        return () => this.client.send(new UpdateAccessEntryCommand(write.request));
      case 'AssociateAccessPolicy':
        return () => this.client.send(new AssociateAccessPolicyCommand(write.request));
      case 'DisassociateAccessPolicy':
        return () => this.client.send(new DisassociateAccessPolicyCommand(write.request));
      case 'CreatePodIdentityAssociation':
        return () => this.client.send(new CreatePodIdentityAssociationCommand(write.request));
      case 'UpdatePodIdentityAssociation':
        return () => this.client.send(new UpdatePodIdentityAssociationCommand(write.request));
      case 'DeletePodIdentityAssociation':
        return () => this.client.send(new DeletePodIdentityAssociationCommand(write.request));
      case 'TagResource':
        return () => this.client.send(new TagResourceCommand(write.request));
      case 'UntagResource':
        return () => this.client.send(new UntagResourceCommand(write.request));
      default: {
        const unknown: never = write;
        throw new EksPilotError('unknown EKS write kind', { context: { kind: (unknown as { kind?: unknown }).kind } });
      }
    }
  }

  /** Runs a read (all pages of a listing included); `null` when EKS answers ResourceNotFoundException, a typed error for anything else. */
  private async read<T>(action: EksAction, cluster: string | undefined, call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return null;
      throw toEksError(action, cluster, error);
    }
  }
}

/**
 * Builds the production {@link EksPort}: an {@link EksAdapter} over the EKS client the shared
 * factory caches per region and role.
 *
 * @example
 * const eks = createEksPort({ region: 'eu-west-1', assumeRoleArn: 'arn:aws:iam::123456789012:role/eks-pilot' });
 * const names = await eks.listNodegroups('payments');
 */
export function createEksPort(options: { region: string; assumeRoleArn?: string }): EksAdapter {
  return new EksAdapter(awsClient(EKSClient, options));
}

/**
 * Whether a failed write found its work done already: a Create* whose resource exists (see
 * {@link ALREADY_EXISTS}), or a removal whose target is gone.
 */
function isAlreadyDone(kind: EksWriteKind, error: unknown): boolean {
  if (error instanceof ResourceInUseException) {
    return IN_USE_IS_DONE.has(kind) || (ALREADY_EXISTS[kind]?.test(error.message) ?? false);
  }
  // TagResource/UntagResource answer NotFoundException; the EKS-specific actions ResourceNotFoundException.
  if (error instanceof ResourceNotFoundException || error instanceof NotFoundException) {
    return GONE_IS_DONE.has(kind);
  }
  return false;
}

/** Turns whatever an SDK call threw into the suite's typed errors, keeping the original as `cause`. */
function toEksError(action: EksAction, cluster: string | undefined, error: unknown): UpstreamError {
  const options = { cause: error, context: { action, cluster } };
  if (error instanceof ResourceInUseException || (error instanceof InvalidRequestException && NOT_ACTIVE.test(error.message))) {
    return new ResourceBusyError(`${action} refused while the resource is busy: ${error.message}`, options);
  }
  if (isThrottling(error)) {
    return new ThrottledError(`${action} throttled after the SDK's retries`, options);
  }
  if (
    error instanceof InvalidParameterException ||
    error instanceof InvalidRequestException ||
    error instanceof UnsupportedAvailabilityZoneException ||
    error instanceof BadRequestException
  ) {
    return new RequestRejectedError(`${action} rejected: ${error.message}`, options);
  }
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new UpstreamError(`${action} failed: ${detail}`, options);
}

/** The cluster a write concerns, for error context: from its name field, or from the resource ARN of Tag/UntagResource. */
function clusterOf(write: EksWrite): string | undefined {
  const request: { name?: string; clusterName?: string; resourceArn?: string } = write.request;
  if (request.clusterName !== undefined) return request.clusterName;
  if (request.name !== undefined) return request.name;
  // arn:aws:eks:<region>:<account>:<type>/<cluster>[/...] for clusters, node groups, add-ons, access entries, ...
  const resource = request.resourceArn?.split(':').slice(5).join(':');
  return resource?.split('/')[1];
}
