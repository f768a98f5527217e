/**
 * The narrow EKS capability provision (and later scale-watch) works against. The SDK adapter in
 * eks.ts is the only implementation that talks to AWS; tests use a recording fake.
 *
 * Reads return `null` (or an empty list) for "not found", never throw for it. Writes take the SDK's
 * own request shapes, so a plan's request is sent exactly as printed. A write that finds its work
 * already done resolves `{ alreadyDone: true }` (an idempotent side effect), and the adapter turns
 * the SDK's exceptions into the typed errors of shared/errors.ts: ResourceBusyError (409
 * ResourceInUseException: one update at a time), ThrottledError (throttling that outlived the SDK's
 * retries), RequestRejectedError (InvalidParameter/InvalidRequest: the request itself is wrong).
 */
import type {
  AccessEntry,
  Addon,
  AssociateAccessPolicyCommandInput,
  AssociateEncryptionConfigCommandInput,
  AssociatedAccessPolicy,
  Cluster,
  CreateAccessEntryCommandInput,
  CreateAddonCommandInput,
  CreateClusterCommandInput,
  CreateNodegroupCommandInput,
  CreatePodIdentityAssociationCommandInput,
  DeleteNodegroupCommandInput,
  DeletePodIdentityAssociationCommandInput,
  DescribeUpdateCommandInput,
  DisassociateAccessPolicyCommandInput,
  ListUpdatesCommandInput,
  Nodegroup,
  PodIdentityAssociation,
  PodIdentityAssociationSummary,
  TagResourceCommandInput,
  UntagResourceCommandInput,
  Update,
  UpdateAccessEntryCommandInput,
  UpdateAddonCommandInput,
  UpdateClusterConfigCommandInput,
  UpdateClusterVersionCommandInput,
  UpdateNodegroupConfigCommandInput,
  UpdateNodegroupVersionCommandInput,
  UpdatePodIdentityAssociationCommandInput,
} from '@aws-sdk/client-eks';

/** Every mutating EKS call this suite makes, keyed by API action, with the SDK's request type. */
export type EksWrite =
  | { kind: 'CreateCluster'; request: CreateClusterCommandInput }
  | { kind: 'UpdateClusterConfig'; request: UpdateClusterConfigCommandInput }
  | { kind: 'UpdateClusterVersion'; request: UpdateClusterVersionCommandInput }
  | { kind: 'AssociateEncryptionConfig'; request: AssociateEncryptionConfigCommandInput }
  | { kind: 'CreateNodegroup'; request: CreateNodegroupCommandInput }
  | { kind: 'UpdateNodegroupConfig'; request: UpdateNodegroupConfigCommandInput }
  | { kind: 'UpdateNodegroupVersion'; request: UpdateNodegroupVersionCommandInput }
  | { kind: 'DeleteNodegroup'; request: DeleteNodegroupCommandInput }
  | { kind: 'CreateAddon'; request: CreateAddonCommandInput }
  | { kind: 'UpdateAddon'; request: UpdateAddonCommandInput }
  | { kind: 'CreateAccessEntry'; request: CreateAccessEntryCommandInput }
  | { kind: 'UpdateAccessEntry'; request: UpdateAccessEntryCommandInput }
  | { kind: 'AssociateAccessPolicy'; request: AssociateAccessPolicyCommandInput }
  | { kind: 'DisassociateAccessPolicy'; request: DisassociateAccessPolicyCommandInput }
  | { kind: 'CreatePodIdentityAssociation'; request: CreatePodIdentityAssociationCommandInput }
  | { kind: 'UpdatePodIdentityAssociation'; request: UpdatePodIdentityAssociationCommandInput }
  | { kind: 'DeletePodIdentityAssociation'; request: DeletePodIdentityAssociationCommandInput }
  | { kind: 'TagResource'; request: TagResourceCommandInput }
  | { kind: 'UntagResource'; request: UntagResourceCommandInput };

export type EksWriteKind = EksWrite['kind'];

export interface EksWriteResult {
  /** The EKS update id, for the calls that start an update (UpdateClusterConfig, UpdateNodegroupVersion, ...). */
  updateId?: string;
  /** The call found its work done already (e.g. CreateAccessEntry for an entry that exists). */
  alreadyDone?: boolean;
}

export interface EksReads {
  describeCluster(name: string): Promise<Cluster | null>;
  describeNodegroup(clusterName: string, nodegroupName: string): Promise<Nodegroup | null>;
  /** Every node group name of the cluster, all pages. */
  listNodegroups(clusterName: string): Promise<string[]>;
  describeAddon(clusterName: string, addonName: string): Promise<Addon | null>;
  /** Every access entry principal ARN of the cluster, all pages. */
  listAccessEntries(clusterName: string): Promise<string[]>;
  describeAccessEntry(clusterName: string, principalArn: string): Promise<AccessEntry | null>;
  /** Every policy associated with the principal's entry, all pages; [] when the entry does not exist. */
  listAssociatedAccessPolicies(clusterName: string, principalArn: string): Promise<AssociatedAccessPolicy[]>;
  /** Every Pod Identity association of the cluster, all pages, as ListPodIdentityAssociations summarises them. */
  listPodIdentityAssociations(clusterName: string): Promise<PodIdentityAssociationSummary[]>;
  describePodIdentityAssociation(clusterName: string, associationId: string): Promise<PodIdentityAssociation | null>;
  /** Update ids, all pages, of the cluster or (with nodegroupName / addonName) of one node group or add-on. */
  listUpdates(input: ListUpdatesCommandInput): Promise<string[]>;
  describeUpdate(input: DescribeUpdateCommandInput): Promise<Update | null>;
}

export interface EksWrites {
  execute(write: EksWrite): Promise<EksWriteResult>;
}

export type EksPort = EksReads & EksWrites;

/** The read actions of the port, named as EKS names them (in CloudTrail and in error messages). */
export type EksReadName =
  | 'DescribeCluster'
  | 'DescribeNodegroup'
  | 'ListNodegroups'
  | 'DescribeAddon'
  | 'ListAccessEntries'
  | 'DescribeAccessEntry'
  | 'ListAssociatedAccessPolicies'
  | 'ListPodIdentityAssociations'
  | 'DescribePodIdentityAssociation'
  | 'ListUpdates'
  | 'DescribeUpdate';
