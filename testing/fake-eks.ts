/**
 * A hand-written fake of the EKS port that behaves like EKS across invocations: writes move
 * resources into CREATING / UPDATING and start updates, `settle()` lets the time pass that EKS
 * needs, and EKS's own refusals come back as the typed errors the SDK adapter (shared/adapters/aws/eks.ts)
 * would raise, with the SDK exception as `cause`. Every call is recorded, so a test can assert the
 * order of writes and count reads.
 *
 * Modelled on aws/aws-cdk's cluster-resource-handler test mocks, with state instead of canned
 * answers: a plan that EKS would refuse is refused here too.
 *
 * EKS Auto Mode: CreateCluster and UpdateClusterConfig take computeConfig,
 * kubernetesNetworkConfig.elasticLoadBalancing and storageConfig.blockStorage together, all
 * enabled or all disabled, else InvalidParameterException with EKS's own message (quoted from
 * the AWS CLI in kubernetes-sigs/cluster-api-provider-aws#5278); Auto Mode on create needs
 * bootstrapSelfManagedAddons false (Terraform AWS provider docs, aws_eks_cluster) and an
 * authentication mode with the EKS API; the node role cannot change while compute is enabled
 * (ComputeConfigRequest.nodeRoleArn in the SDK model); a request that changes nothing answers
 * "The type for cluster update was not provided." (terraform-aws-modules/terraform-aws-eks#3457).
 *
 * Pod Identity associations (EKS API Reference, CreatePodIdentityAssociation): one per namespace
 * and service account (a second answers ResourceInUseException, which the adapter reads as done);
 * a repeated `clientRequestToken` answers the association it made first, creating nothing;
 * ListPodIdentityAssociations shows a new association only after `settle()` ("associations are
 * eventually consistent, and may take several seconds to be effective"), DescribePodIdentityAssociation
 * at once. The fake does not model a token reused with other parameters.
 *
 * @example
 * const eks = new FakeEks();
 * eks.seedFromSpec(spec); // a cluster already converged on the spec
 * eks.changeNodegroup(spec.name, 'jobs-ng', (group) => { group.scalingConfig = { ...group.scalingConfig, maxSize: 20 }; });
 * await reconcileCluster(spec, { eksFor: () => eks, now: () => NOW, logger }, { mode: 'apply' });
 * eks.settle();
 * eks.writes().map((call) => call.name); // ['UpdateNodegroupConfig']
 */
import {
  EKSServiceException,
  InvalidParameterException,
  InvalidRequestException,
  LogType,
  NotFoundException,
  ResourceInUseException,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-eks';
import type {
  AccessEntry,
  Addon,
  AssociatedAccessPolicy,
  Cluster,
  DescribeUpdateCommandInput,
  ListUpdatesCommandInput,
  Logging,
  Nodegroup,
  PodIdentityAssociation,
  PodIdentityAssociationSummary,
  Taint,
  Update,
  UpdateParam,
  UpdateType,
} from '@aws-sdk/client-eks';
import type { EksPort, EksReadName, EksWrite, EksWriteKind, EksWriteResult } from '../shared/ports/eks';
import { RequestRejectedError, ResourceBusyError, ThrottledError, UpstreamError } from '../shared/errors';
import type { ClusterSpec } from '../shared/model/cluster-spec/schema';
import { MANAGED_TAG } from '../shared/model/cluster-spec/schema';

export interface FakeReadCall {
  kind: 'read';
  name: EksReadName;
  input: unknown;
  outcome: 'ok' | 'failed';
  error?: Error;
}

export interface FakeWriteCall {
  kind: 'write';
  name: EksWriteKind;
  input: EksWrite['request'];
  /** Status of the cluster the request names when the call arrived (absent when there was no such cluster). */
  clusterStatus?: string;
  outcome: 'ok' | 'already-done' | 'failed';
  error?: Error;
}

export type FakeCall = FakeReadCall | FakeWriteCall;

/** A failure to inject: what EKS answers through the adapter, or any error to throw as is. */
/** `unavailable`: a 503 that outlived the SDK's retries, as the adapter passes it on (an UpstreamError over the SDK's exception). */
export type Failure = 'busy' | 'throttled' | 'rejected' | 'unavailable' | Error;

export interface FakeEksOptions {
  /** Region put in the ARNs the fake makes. */
  region?: string;
  /**
   * The principal that calls CreateCluster. EKS gives it an admin access entry when the cluster
   * uses access entries (bootstrapClusterCreatorAdminPermissions defaults to true); null: none.
   */
  creatorArn?: string | null;
}

interface Tracked<T> {
  value: T;
  /** Changes EKS has accepted but not yet made visible: applied by `settle()`. */
  pending: (() => void)[];
}

interface TrackedAccessEntry {
  entry: AccessEntry;
  policies: Map<string, AssociatedAccessPolicy>;
}

interface ScopedUpdate {
  update: Update;
  nodegroupName?: string;
  addonName?: string;
}

interface TrackedPodIdentity {
  association: PodIdentityAssociation;
  /** ListPodIdentityAssociations shows it (false until `settle()` for one just created). */
  listed: boolean;
}

interface ClusterRecord {
  cluster: Tracked<Cluster>;
  nodegroups: Map<string, Tracked<Nodegroup>>;
  addons: Map<string, Tracked<Addon>>;
  accessEntries: Map<string, TrackedAccessEntry>;
  /** By association id. */
  podIdentities: Map<string, TrackedPodIdentity>;
  /** CreatePodIdentityAssociation's clientRequestToken -> the association id it made. */
  podIdentityTokens: Map<string, string>;
  updates: ScopedUpdate[];
}

/** A Pod Identity association to seed: someone else's when `managed` is not true. */
export interface SeedPodIdentity {
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  tags?: Record<string, string>;
  /** Set: the association belongs to an add-on (EKS's `ownerArn`). */
  ownerArn?: string;
}

/** EKS's answer to an Auto Mode request that is not all on or all off (the AWS CLI's message, kubernetes-sigs/cluster-api-provider-aws#5278). */
const AUTO_MODE_TOGETHER =
  'For EKS Auto Mode, please ensure that all required configs, including computeConfig, kubernetesNetworkConfig, and blockStorage are all either fully enabled or fully disabled.';

const ALL_LOG_TYPES: readonly string[] = Object.values(LogType);
const AUTH_MODES = ['CONFIG_MAP', 'API_AND_CONFIG_MAP', 'API'] as const;
const CREATED_AT = new Date('2026-01-05T09:00:00Z');
/** The AMI build date in the release versions the fake hands out. */
const AMI_BUILD = '20261101';

/** A fake {@link EksPort} holding the clusters of one account. See the module comment. */
export class FakeEks implements EksPort {
  /** Every call, in order, including the ones that failed. */
  readonly calls: FakeCall[] = [];

  private readonly clusters = new Map<string, ClusterRecord>();
  private readonly faults: { name: string; failure: Failure; remaining: number }[] = [];
  private readonly region: string;
  private readonly creatorArn: string | null;
  private sequence = 0;

  constructor(options: FakeEksOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.creatorArn = options.creatorArn === undefined ? 'arn:aws:iam::000011112222:role/eks-pilot-provision' : options.creatorArn;
  }

  // ---- what tests read --------------------------------------------------------------------------

  writes(): FakeWriteCall[] {
    return this.calls.filter((call): call is FakeWriteCall => call.kind === 'write');
  }

  reads(): FakeReadCall[] {
    return this.calls.filter((call): call is FakeReadCall => call.kind === 'read');
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  /** The cluster as DescribeCluster would answer now (a copy), or undefined. */
  /** The names of the clusters the fake holds. */
  clusterNames(): string[] {
    return [...this.clusters.keys()];
  }

  cluster(name: string): Cluster | undefined {
    return copy(this.clusters.get(name)?.cluster.value);
  }

  nodegroup(clusterName: string, name: string): Nodegroup | undefined {
    return copy(this.clusters.get(clusterName)?.nodegroups.get(name)?.value);
  }

  addon(clusterName: string, name: string): Addon | undefined {
    return copy(this.clusters.get(clusterName)?.addons.get(name)?.value);
  }

  accessEntry(clusterName: string, principalArn: string): { entry: AccessEntry; policies: AssociatedAccessPolicy[] } | undefined {
    const found = this.clusters.get(clusterName)?.accessEntries.get(principalArn);
    return found === undefined ? undefined : copy({ entry: found.entry, policies: [...found.policies.values()] });
  }

  /** Every Pod Identity association of the cluster as DescribePodIdentityAssociation answers it (copies), listed or not yet. */
  podIdentities(clusterName: string): PodIdentityAssociation[] {
    return copy([...(this.clusters.get(clusterName)?.podIdentities.values() ?? [])].map((tracked) => tracked.association));
  }

  /** Every update of the cluster, its node groups and add-ons, oldest first. */
  updates(clusterName: string): Update[] {
    return copy((this.clusters.get(clusterName)?.updates ?? []).map((scoped) => scoped.update));
  }

  // ---- what tests arrange -----------------------------------------------------------------------

  /**
   * Puts in the account what a cluster created to this spec and settled looks like, written from
   * the spec directly (not through the planner), so a planner that shows false drift is caught.
   * Node groups run the spec's version; seed `{ ...spec, version: '1.29' }` for an older cluster.
   */
  seedFromSpec(spec: ClusterSpec): void {
    const account = accountOf(spec.roleArn);
    const arn = `arn:${partitionOf(spec.region)}:eks:${spec.region}:${account}:cluster/${spec.name}`;
    const record = this.newRecord({
      name: spec.name,
      arn,
      status: 'ACTIVE',
      version: spec.version,
      platformVersion: 'eks.12',
      endpoint: `https://${hex(this.next(), 32).toUpperCase()}.gr7.${spec.region}.eks.amazonaws.com`,
      roleArn: spec.roleArn,
      createdAt: CREATED_AT,
      resourcesVpcConfig: {
        subnetIds: [...spec.vpc.subnetIds],
        securityGroupIds: [...spec.vpc.securityGroupIds],
        clusterSecurityGroupId: `sg-${hex(this.next(), 17)}`,
        vpcId: `vpc-${hex(this.next(), 17)}`,
        endpointPublicAccess: spec.vpc.endpointPublicAccess,
        endpointPrivateAccess: spec.vpc.endpointPrivateAccess,
        // EKS reports 0.0.0.0/0 when the public endpoint is off.
        publicAccessCidrs: spec.vpc.endpointPublicAccess ? [...spec.vpc.publicAccessCidrs] : ['0.0.0.0/0'],
      },
      logging: loggingOf(new Set(spec.logging)),
      accessConfig: { authenticationMode: spec.authenticationMode, bootstrapClusterCreatorAdminPermissions: true },
      ...(spec.encryptionKeyArn ? { encryptionConfig: [{ provider: { keyArn: spec.encryptionKeyArn } }] } : {}),
      ...autoModeOf(spec),
      tags: { ...spec.tags },
    });
    for (const group of spec.nodeGroups) {
      record.nodegroups.set(group.name, {
        pending: [],
        value: {
          nodegroupName: group.name,
          clusterName: spec.name,
          nodegroupArn: this.arnFor(record, 'nodegroup', group.name),
          status: 'ACTIVE',
          version: spec.version,
          releaseVersion: group.releaseVersion ?? releaseFor(spec.version),
          capacityType: group.capacityType,
          instanceTypes: [...group.instanceTypes],
          amiType: group.amiType,
          diskSize: group.diskSize,
          subnets: [...(group.subnetIds ?? spec.vpc.subnetIds)],
          nodeRole: group.nodeRoleArn,
          scalingConfig: { minSize: group.scaling.min, maxSize: group.scaling.max, desiredSize: group.scaling.desired ?? group.scaling.min },
          labels: { ...group.labels },
          taints: group.taints.map((taint) => ({ key: taint.key, ...(taint.value === undefined ? {} : { value: taint.value }), effect: taint.effect })),
          updateConfig: { ...group.updateConfig },
          health: { issues: [] },
          createdAt: CREATED_AT,
          modifiedAt: CREATED_AT,
          tags: { ...group.tags },
        },
      });
      withAutoScalingGroup(record.nodegroups.get(group.name)?.value);
    }
    for (const addon of spec.addons) {
      record.addons.set(addon.name, {
        pending: [],
        value: {
          addonName: addon.name,
          clusterName: spec.name,
          addonArn: this.arnFor(record, 'addon', addon.name),
          status: 'ACTIVE',
          addonVersion: addon.version ?? defaultAddonVersion(spec.version),
          ...(addon.configurationValues ? { configurationValues: JSON.stringify(addon.configurationValues) } : {}),
          ...(addon.serviceAccountRoleArn ? { serviceAccountRoleArn: addon.serviceAccountRoleArn } : {}),
          health: { issues: [] },
          createdAt: CREATED_AT,
          modifiedAt: CREATED_AT,
          tags: { ...addon.tags },
        },
      });
    }
    if (spec.authenticationMode !== 'CONFIG_MAP' && this.creatorArn !== null) this.addCreatorEntry(record);
    for (const entry of spec.accessEntries) {
      const policies = new Map<string, AssociatedAccessPolicy>();
      for (const policy of entry.accessPolicies) {
        const policyArn = policy.policy.startsWith('arn:') ? policy.policy : `arn:${partitionOf(spec.region)}:eks::aws:cluster-access-policy/${policy.policy}`;
        policies.set(policyArn, {
          policyArn,
          accessScope: policy.namespaces ? { type: 'namespace', namespaces: [...policy.namespaces] } : { type: 'cluster', namespaces: [] },
          associatedAt: CREATED_AT,
          modifiedAt: CREATED_AT,
        });
      }
      record.accessEntries.set(entry.principalArn, {
        entry: this.newAccessEntry(record, entry.principalArn, entry.kubernetesGroups, entry.username, entry.tags),
        policies,
      });
    }
    for (const identity of spec.podIdentities ?? []) {
      this.addPodIdentity(record, { ...identity, tags: { ...identity.tags, [MANAGED_TAG]: 'true' } }, true);
    }
  }

  /** An association made outside provision (another tool, an add-on): listed at once, no call recorded. Returns its id. */
  seedPodIdentity(clusterName: string, seed: SeedPodIdentity): string {
    return this.addPodIdentity(this.record(clusterName), { tags: {}, ...seed }, true).associationId ?? '';
  }

  /** Someone changed an association outside provision. */
  changePodIdentity(clusterName: string, associationId: string, change: (association: PodIdentityAssociation) => void): void {
    const found = this.record(clusterName).podIdentities.get(associationId);
    if (found === undefined) throw new Error(`fake EKS: no association ${associationId} in ${clusterName}`);
    change(found.association);
  }

  /**
   * The cluster is gone with everything in it (its node groups, add-ons, access entries and updates),
   * as after a DeleteCluster that finished or a disaster: DescribeCluster answers not found. No call recorded.
   */
  deleteCluster(name: string): void {
    if (!this.clusters.delete(name)) throw new Error(`fake EKS: no cluster ${name}`);
  }

  /** Someone changed the cluster outside provision (console, CLI): visible at once, no call recorded. */
  changeCluster(name: string, change: (cluster: Cluster) => void): void {
    change(this.record(name).cluster.value);
  }

  changeNodegroup(clusterName: string, name: string, change: (nodegroup: Nodegroup) => void): void {
    const group = this.record(clusterName).nodegroups.get(name);
    if (group === undefined) throw new Error(`fake EKS: no node group ${name} in ${clusterName}`);
    change(group.value);
  }

  changeAddon(clusterName: string, name: string, change: (addon: Addon) => void): void {
    const addon = this.record(clusterName).addons.get(name);
    if (addon === undefined) throw new Error(`fake EKS: no add-on ${name} in ${clusterName}`);
    change(addon.value);
  }

  /** The next `times` calls named `name` (a read or write action, e.g. `UpdateNodegroupConfig`) fail. */
  failNext(name: EksReadName | EksWriteKind, failure: Failure, times = 1): void {
    this.faults.push({ name, failure, remaining: times });
  }

  /**
   * Time passes: every CREATING / UPDATING cluster, node group and add-on becomes ACTIVE with its
   * pending changes applied, deleting node groups are gone, and in-progress updates succeed.
   */
  settle(): void {
    for (const record of this.clusters.values()) {
      settleTracked(record.cluster, ['CREATING', 'UPDATING', 'PENDING']);
      for (const [name, group] of record.nodegroups) {
        if (group.value.status === 'DELETING') record.nodegroups.delete(name);
        else settleTracked(group, ['CREATING', 'UPDATING']);
      }
      for (const addon of record.addons.values()) settleTracked(addon, ['CREATING', 'UPDATING']);
      for (const identity of record.podIdentities.values()) identity.listed = true;
      for (const { update } of record.updates) if (update.status === 'InProgress') update.status = 'Successful';
    }
  }

  // ---- EksReads ---------------------------------------------------------------------------------

  describeCluster(name: string): Promise<Cluster | null> {
    return this.read('DescribeCluster', { name }, () => copy(this.clusters.get(name)?.cluster.value) ?? null);
  }

  describeNodegroup(clusterName: string, nodegroupName: string): Promise<Nodegroup | null> {
    return this.read(
      'DescribeNodegroup',
      { clusterName, nodegroupName },
      () => copy(this.clusters.get(clusterName)?.nodegroups.get(nodegroupName)?.value) ?? null,
    );
  }

  listNodegroups(clusterName: string): Promise<string[]> {
    return this.read('ListNodegroups', { clusterName }, () => [...(this.clusters.get(clusterName)?.nodegroups.keys() ?? [])]);
  }

  describeAddon(clusterName: string, addonName: string): Promise<Addon | null> {
    return this.read('DescribeAddon', { clusterName, addonName }, () => copy(this.clusters.get(clusterName)?.addons.get(addonName)?.value) ?? null);
  }

  listAccessEntries(clusterName: string): Promise<string[]> {
    return this.read('ListAccessEntries', { clusterName }, () => [...(this.clusters.get(clusterName)?.accessEntries.keys() ?? [])]);
  }

  describeAccessEntry(clusterName: string, principalArn: string): Promise<AccessEntry | null> {
    return this.read(
      'DescribeAccessEntry',
      { clusterName, principalArn },
      () => copy(this.clusters.get(clusterName)?.accessEntries.get(principalArn)?.entry) ?? null,
    );
  }

  listAssociatedAccessPolicies(clusterName: string, principalArn: string): Promise<AssociatedAccessPolicy[]> {
    return this.read('ListAssociatedAccessPolicies', { clusterName, principalArn }, () =>
      copy([...(this.clusters.get(clusterName)?.accessEntries.get(principalArn)?.policies.values() ?? [])]),
    );
  }

  listPodIdentityAssociations(clusterName: string): Promise<PodIdentityAssociationSummary[]> {
    return this.read('ListPodIdentityAssociations', { clusterName }, () =>
      [...(this.clusters.get(clusterName)?.podIdentities.values() ?? [])]
        .filter((tracked) => tracked.listed)
        .map(({ association }) => ({
          clusterName: association.clusterName,
          namespace: association.namespace,
          serviceAccount: association.serviceAccount,
          associationArn: association.associationArn,
          associationId: association.associationId,
          ...(association.ownerArn === undefined ? {} : { ownerArn: association.ownerArn }),
        })),
    );
  }

  describePodIdentityAssociation(clusterName: string, associationId: string): Promise<PodIdentityAssociation | null> {
    return this.read(
      'DescribePodIdentityAssociation',
      { clusterName, associationId },
      () => copy(this.clusters.get(clusterName)?.podIdentities.get(associationId)?.association) ?? null,
    );
  }

  listUpdates(input: ListUpdatesCommandInput): Promise<string[]> {
    return this.read('ListUpdates', { ...input }, () =>
      (this.clusters.get(input.name ?? '')?.updates ?? [])
        .filter((scoped) => scoped.nodegroupName === input.nodegroupName && scoped.addonName === input.addonName)
        .map((scoped) => scoped.update.id ?? ''),
    );
  }

  describeUpdate(input: DescribeUpdateCommandInput): Promise<Update | null> {
    return this.read('DescribeUpdate', { ...input }, () => {
      const scoped = this.clusters
        .get(input.name ?? '')
        ?.updates.find(
          (candidate) => candidate.update.id === input.updateId && candidate.nodegroupName === input.nodegroupName && candidate.addonName === input.addonName,
        );
      return copy(scoped?.update) ?? null;
    });
  }

  // ---- EksWrites --------------------------------------------------------------------------------

  execute(write: EksWrite): Promise<EksWriteResult> {
    const clusterName = clusterNameOf(write);
    const call: FakeWriteCall = { kind: 'write', name: write.kind, input: copy(write.request), outcome: 'ok' };
    const status = clusterName === undefined ? undefined : this.clusters.get(clusterName)?.cluster.value.status;
    if (status !== undefined) call.clusterStatus = status;
    this.calls.push(call);
    try {
      this.injectFault(write.kind, clusterName);
      const result = this.apply(write);
      if (result.alreadyDone) call.outcome = 'already-done';
      return Promise.resolve(result);
    } catch (error) {
      call.outcome = 'failed';
      if (error instanceof Error) call.error = error;
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  // ---- how EKS applies each write ---------------------------------------------------------------

  private apply(write: EksWrite): EksWriteResult {
    switch (write.kind) {
      case 'CreateCluster':
        return this.createCluster(write.request);
      case 'UpdateClusterConfig':
        return this.updateClusterConfig(write.request);
      case 'UpdateClusterVersion':
        return this.updateClusterVersion(write.request);
      case 'AssociateEncryptionConfig':
        return this.associateEncryptionConfig(write.request);
      case 'CreateNodegroup':
        return this.createNodegroup(write.request);
      case 'UpdateNodegroupConfig':
        return this.updateNodegroupConfig(write.request);
      case 'UpdateNodegroupVersion':
        return this.updateNodegroupVersion(write.request);
      case 'DeleteNodegroup':
        return this.deleteNodegroup(write.request);
      case 'CreateAddon':
        return this.createAddon(write.request);
      case 'UpdateAddon':
        return this.updateAddon(write.request);
      case 'CreateAccessEntry':
        return this.createAccessEntry(write.request);
      case 'UpdateAccessEntry':
        return this.updateAccessEntry(write.request);
      case 'AssociateAccessPolicy':
        return this.associateAccessPolicy(write.request);
      case 'DisassociateAccessPolicy':
        return this.disassociateAccessPolicy(write.request);
      case 'CreatePodIdentityAssociation':
        return this.createPodIdentityAssociation(write.request);
      case 'UpdatePodIdentityAssociation':
        return this.updatePodIdentityAssociation(write.request);
      case 'DeletePodIdentityAssociation':
        return this.deletePodIdentityAssociation(write.request);
      case 'TagResource':
        return this.tagResource(write.request);
      case 'UntagResource':
        return this.untagResource(write.request);
      default: {
        const unknown: never = write;
        throw new Error(`fake EKS: unknown write ${JSON.stringify(unknown)}`);
      }
    }
  }

  private createCluster(request: Extract<EksWrite, { kind: 'CreateCluster' }>['request']): EksWriteResult {
    const action = 'CreateCluster';
    const name = request.name ?? '';
    if (this.clusters.has(name)) return { alreadyDone: true };
    const vpc = request.resourcesVpcConfig ?? {};
    if ((vpc.subnetIds ?? []).length < 2) throw rejected(action, name, 'Subnets specified must be in at least two different AZs');
    if (vpc.endpointPublicAccess === false && vpc.endpointPrivateAccess === false) {
      throw rejected(action, name, 'At least one of endpointPublicAccess and endpointPrivateAccess must be true');
    }
    const mode = request.accessConfig?.authenticationMode ?? 'CONFIG_MAP';
    const autoMode = checkAutoModeRequest(action, name, request);
    if (autoMode === true) {
      if (request.bootstrapSelfManagedAddons !== false) {
        throw rejected(action, name, 'EKS Auto Mode requires bootstrapSelfManagedAddons to be false');
      }
      if (mode === 'CONFIG_MAP') {
        throw rejected(action, name, "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to enable EKS Auto Mode.");
      }
    }
    const enabled = new Set((request.logging?.clusterLogging ?? []).filter((setup) => setup.enabled).flatMap((setup) => setup.types ?? []));
    const record = this.newRecord({
      name,
      arn: `arn:${partitionOf(this.region)}:eks:${this.region}:${accountOf(request.roleArn ?? '')}:cluster/${name}`,
      status: 'CREATING',
      version: request.version ?? '1.33',
      platformVersion: 'eks.1',
      roleArn: request.roleArn,
      createdAt: CREATED_AT,
      resourcesVpcConfig: {
        subnetIds: [...(vpc.subnetIds ?? [])],
        securityGroupIds: [...(vpc.securityGroupIds ?? [])],
        clusterSecurityGroupId: `sg-${hex(this.next(), 17)}`,
        vpcId: `vpc-${hex(this.next(), 17)}`,
        endpointPublicAccess: vpc.endpointPublicAccess ?? true,
        endpointPrivateAccess: vpc.endpointPrivateAccess ?? false,
        publicAccessCidrs: vpc.endpointPublicAccess === false ? ['0.0.0.0/0'] : [...(vpc.publicAccessCidrs ?? ['0.0.0.0/0'])],
      },
      logging: loggingOf(enabled),
      accessConfig: {
        authenticationMode: mode,
        bootstrapClusterCreatorAdminPermissions: request.accessConfig?.bootstrapClusterCreatorAdminPermissions ?? true,
      },
      ...(request.encryptionConfig?.length ? { encryptionConfig: request.encryptionConfig.map((config) => ({ provider: { ...config.provider } })) } : {}),
      ...(autoMode === undefined ? {} : autoModeResponse(request)),
      tags: { ...(request.tags ?? {}) },
    });
    record.cluster.pending.push(() => {
      record.cluster.value.endpoint = `https://${hex(this.next(), 32).toUpperCase()}.gr7.${this.region}.eks.amazonaws.com`;
    });
    if (mode !== 'CONFIG_MAP' && this.creatorArn !== null && request.accessConfig?.bootstrapClusterCreatorAdminPermissions !== false) {
      this.addCreatorEntry(record);
    }
    return {};
  }

  private updateClusterConfig(request: Extract<EksWrite, { kind: 'UpdateClusterConfig' }>['request']): EksWriteResult {
    const action = 'UpdateClusterConfig';
    const name = request.name ?? '';
    const record = this.clusterReadyFor(action, name);
    const cluster = record.cluster.value;
    const vpc = request.resourcesVpcConfig;
    const kinds = [
      request.logging !== undefined && 'logging',
      vpc !== undefined &&
        (vpc.endpointPublicAccess !== undefined || vpc.endpointPrivateAccess !== undefined || vpc.publicAccessCidrs !== undefined) &&
        'endpoint access',
      vpc !== undefined && (vpc.subnetIds !== undefined || vpc.securityGroupIds !== undefined) && 'subnets and security groups',
      request.accessConfig !== undefined && 'access config',
      request.upgradePolicy !== undefined && 'upgrade policy',
      request.zonalShiftConfig !== undefined && 'zonal shift',
      // Auto Mode's three capabilities travel in one request: one kind of update.
      (request.kubernetesNetworkConfig !== undefined || request.computeConfig !== undefined || request.storageConfig !== undefined) && 'auto mode',
      request.remoteNetworkConfig !== undefined && 'remote network config',
    ].filter((kind): kind is string => kind !== false);
    if (kinds.length > 1) throw rejected(action, name, `Only one type of update can be allowed. (asked for ${kinds.join(', ')})`);
    if (kinds.length === 0) throw rejected(action, name, 'No changes needed: the request updates nothing');

    if (request.logging !== undefined) {
      const setups = request.logging.clusterLogging ?? [];
      const turnOn = setups.filter((setup) => setup.enabled).flatMap((setup) => setup.types ?? []);
      const turnOff = new Set<string>(setups.filter((setup) => !setup.enabled).flatMap((setup) => setup.types ?? []));
      const both = turnOn.filter((type) => turnOff.has(type));
      if (both.length > 0) throw rejected(action, name, `Log types ${both.join(', ')} are both enabled and disabled in the request`);
      const enabled = enabledLogTypes(cluster.logging);
      const next = new Set([...[...enabled].filter((type) => !turnOff.has(type)), ...turnOn]);
      if (next.size === enabled.size && [...next].every((type) => enabled.has(type))) {
        throw rejected(action, name, 'No changes needed for the logging config provided');
      }
      return this.startClusterUpdate(record, 'LoggingUpdate', [{ type: 'ClusterLogging', value: JSON.stringify(request.logging.clusterLogging) }], () => {
        cluster.logging = loggingOf(next);
      });
    }

    if (vpc !== undefined && kinds[0] === 'endpoint access') {
      const current = cluster.resourcesVpcConfig ?? {};
      const publicAccess = vpc.endpointPublicAccess ?? current.endpointPublicAccess ?? true;
      const privateAccess = vpc.endpointPrivateAccess ?? current.endpointPrivateAccess ?? false;
      const cidrs = publicAccess ? (vpc.publicAccessCidrs ?? current.publicAccessCidrs ?? ['0.0.0.0/0']) : ['0.0.0.0/0'];
      if (!publicAccess && !privateAccess) throw rejected(action, name, 'At least one of endpointPublicAccess and endpointPrivateAccess must be true');
      if (publicAccess === current.endpointPublicAccess && privateAccess === current.endpointPrivateAccess && sameSet(cidrs, current.publicAccessCidrs ?? [])) {
        throw rejected(
          action,
          name,
          `Cluster is already at the desired configuration with endpointPrivateAccess: ${String(privateAccess)} , endpointPublicAccess: ${String(publicAccess)}, and Public Endpoint Restrictions: [${cidrs.join(', ')}]`,
        );
      }
      const params: UpdateParam[] = [
        { type: 'EndpointPublicAccess', value: String(publicAccess) },
        { type: 'EndpointPrivateAccess', value: String(privateAccess) },
        { type: 'PublicAccessCidrs', value: JSON.stringify(cidrs) },
      ];
      return this.startClusterUpdate(record, 'EndpointAccessUpdate', params, () => {
        cluster.resourcesVpcConfig = {
          ...cluster.resourcesVpcConfig,
          endpointPublicAccess: publicAccess,
          endpointPrivateAccess: privateAccess,
          publicAccessCidrs: [...cidrs],
        };
      });
    }

    if (vpc !== undefined) {
      const subnetIds = vpc.subnetIds ?? cluster.resourcesVpcConfig?.subnetIds ?? [];
      const securityGroupIds = vpc.securityGroupIds ?? cluster.resourcesVpcConfig?.securityGroupIds ?? [];
      if (subnetIds.length < 2) throw rejected(action, name, 'Subnets specified must be in at least two different AZs');
      const params: UpdateParam[] = [
        { type: 'Subnets', value: JSON.stringify(subnetIds) },
        { type: 'SecurityGroups', value: JSON.stringify(securityGroupIds) },
      ];
      return this.startClusterUpdate(record, 'VpcConfigUpdate', params, () => {
        cluster.resourcesVpcConfig = { ...cluster.resourcesVpcConfig, subnetIds: [...subnetIds], securityGroupIds: [...securityGroupIds] };
      });
    }

    if (request.accessConfig !== undefined) {
      const from = cluster.accessConfig?.authenticationMode ?? 'CONFIG_MAP';
      const to = request.accessConfig.authenticationMode ?? from;
      if (AUTH_MODES.indexOf(to) < AUTH_MODES.indexOf(from)) {
        throw rejected(action, name, `Unsupported authentication mode update from ${from} to ${to}`, 'InvalidRequestException');
      }
      if (to === from) throw rejected(action, name, `Cluster already has authentication mode ${from}`, 'InvalidRequestException');
      return this.startClusterUpdate(record, 'AccessConfigUpdate', [{ type: 'AuthenticationMode', value: to }], () => {
        cluster.accessConfig = { ...cluster.accessConfig, authenticationMode: to };
      });
    }

    if (kinds[0] === 'auto mode') return this.updateAutoMode(record, request);

    return this.startClusterUpdate(record, 'ConfigUpdate', [], () => undefined);
  }

  private updateAutoMode(record: ClusterRecord, request: Extract<EksWrite, { kind: 'UpdateClusterConfig' }>['request']): EksWriteResult {
    const action = 'UpdateClusterConfig';
    const cluster = record.cluster.value;
    const name = cluster.name ?? '';
    const enabled = checkAutoModeRequest(action, name, request);
    if (enabled === undefined) throw rejected(action, name, AUTO_MODE_TOGETHER);
    const current = cluster.computeConfig ?? {};
    if (enabled && current.enabled === true && request.computeConfig?.nodeRoleArn !== undefined && request.computeConfig.nodeRoleArn !== current.nodeRoleArn) {
      throw rejected(action, name, 'The node role of EKS Auto Mode cannot be changed after the compute capability is enabled.');
    }
    if (enabled && (cluster.accessConfig?.authenticationMode ?? 'CONFIG_MAP') === 'CONFIG_MAP') {
      throw rejected(action, name, "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to enable EKS Auto Mode.");
    }
    const next = autoModeResponse(request);
    const unchanged =
      (current.enabled ?? false) === enabled &&
      (!enabled || (sameSet(next.computeConfig.nodePools ?? [], current.nodePools ?? []) && next.computeConfig.nodeRoleArn === current.nodeRoleArn));
    if (unchanged) throw rejected(action, name, 'The type for cluster update was not provided.');
    const params: UpdateParam[] = [
      { type: 'ComputeConfig', value: JSON.stringify(request.computeConfig) },
      { type: 'KubernetesNetworkConfig', value: JSON.stringify(request.kubernetesNetworkConfig) },
      { type: 'StorageConfig', value: JSON.stringify(request.storageConfig) },
    ];
    return this.startClusterUpdate(record, 'AutoModeUpdate', params, () => {
      cluster.computeConfig = next.computeConfig;
      cluster.kubernetesNetworkConfig = { ...cluster.kubernetesNetworkConfig, ...next.kubernetesNetworkConfig };
      cluster.storageConfig = next.storageConfig;
    });
  }

  private updateClusterVersion(request: Extract<EksWrite, { kind: 'UpdateClusterVersion' }>['request']): EksWriteResult {
    const action = 'UpdateClusterVersion';
    const name = request.name ?? '';
    const record = this.clusterReadyFor(action, name);
    const cluster = record.cluster.value;
    const from = cluster.version ?? '';
    const to = request.version ?? '';
    if (minorOf(to) !== minorOf(from) + 1) throw rejected(action, name, `Unsupported Kubernetes minor version update from ${from} to ${to}`);
    const lagging = [...record.nodegroups.values()].filter((group) => minorOf(group.value.version ?? from) < minorOf(from));
    if (lagging.length > 0) {
      const names = lagging.map((group) => group.value.nodegroupName ?? '?').join(', ');
      throw rejected(action, name, `Nodegroups [${names}] must be updated to match cluster version ${from} before updating cluster version`);
    }
    const params: UpdateParam[] = [
      { type: 'Version', value: to },
      { type: 'PlatformVersion', value: 'eks.1' },
    ];
    return this.startClusterUpdate(record, 'VersionUpdate', params, () => {
      cluster.version = to;
      cluster.platformVersion = 'eks.1';
    });
  }

  private associateEncryptionConfig(request: Extract<EksWrite, { kind: 'AssociateEncryptionConfig' }>['request']): EksWriteResult {
    const action = 'AssociateEncryptionConfig';
    const name = request.clusterName ?? '';
    const record = this.clusterReadyFor(action, name);
    const cluster = record.cluster.value;
    if (cluster.encryptionConfig?.length) throw rejected(action, name, 'Encryption is already enabled on the cluster', 'InvalidRequestException');
    const config = (request.encryptionConfig ?? []).map((item) => ({ provider: { ...item.provider } }));
    return this.startClusterUpdate(record, 'AssociateEncryptionConfig', [{ type: 'EncryptionConfig', value: JSON.stringify(config) }], () => {
      cluster.encryptionConfig = config;
    });
  }

  private createNodegroup(request: Extract<EksWrite, { kind: 'CreateNodegroup' }>['request']): EksWriteResult {
    const action = 'CreateNodegroup';
    const clusterName = request.clusterName ?? '';
    const name = request.nodegroupName ?? '';
    const record = this.existing(action, clusterName);
    if (record.nodegroups.has(name)) return { alreadyDone: true };
    this.clusterReadyFor(action, clusterName);
    const clusterVersion = record.cluster.value.version ?? '';
    const version = request.version ?? clusterVersion;
    if (minorOf(version) > minorOf(clusterVersion)) {
      throw rejected(action, clusterName, `Requested Nodegroup version ${version} is higher than the cluster version ${clusterVersion}`);
    }
    if (request.releaseVersion !== undefined && !request.releaseVersion.startsWith(`${version}.`)) {
      throw rejected(action, clusterName, `Requested release version ${request.releaseVersion} is not valid for kubernetes version ${version}`);
    }
    const scaling = { minSize: 1, maxSize: 2, desiredSize: 2, ...request.scalingConfig };
    checkScaling(action, clusterName, scaling);
    checkUpdateConfig(action, clusterName, request.updateConfig);
    if (!request.subnets?.length) throw rejected(action, clusterName, 'Subnets are required');
    if (!request.nodeRole) throw rejected(action, clusterName, 'nodeRole is required');
    record.nodegroups.set(name, {
      pending: [],
      value: {
        nodegroupName: name,
        clusterName,
        nodegroupArn: this.arnFor(record, 'nodegroup', name),
        status: 'CREATING',
        version,
        releaseVersion: request.releaseVersion ?? releaseFor(version),
        capacityType: request.capacityType ?? 'ON_DEMAND',
        instanceTypes: [...(request.instanceTypes ?? ['t3.medium'])],
        amiType: request.amiType ?? (minorOf(version) >= 30 ? 'AL2023_x86_64_STANDARD' : 'AL2_x86_64'),
        diskSize: request.diskSize ?? 20,
        subnets: [...request.subnets],
        nodeRole: request.nodeRole,
        scalingConfig: scaling,
        labels: { ...(request.labels ?? {}) },
        taints: (request.taints ?? []).map((taint) => ({ ...taint })),
        updateConfig: { ...(request.updateConfig ?? { maxUnavailable: 1 }) },
        health: { issues: [] },
        createdAt: CREATED_AT,
        modifiedAt: CREATED_AT,
        tags: { ...(request.tags ?? {}) },
      },
    });
    withAutoScalingGroup(record.nodegroups.get(name)?.value);
    return {};
  }

  private updateNodegroupConfig(request: Extract<EksWrite, { kind: 'UpdateNodegroupConfig' }>['request']): EksWriteResult {
    const action = 'UpdateNodegroupConfig';
    const clusterName = request.clusterName ?? '';
    const group = this.nodegroupReadyFor(action, clusterName, request.nodegroupName ?? '');
    const current = group.value;
    if (!request.scalingConfig && !request.labels && !request.taints && !request.updateConfig && !request.nodeRepairConfig) {
      throw rejected(action, clusterName, 'No changes needed: the request updates nothing');
    }
    const scaling = { ...current.scalingConfig, ...request.scalingConfig };
    checkScaling(action, clusterName, scaling);
    const addLabels = request.labels?.addOrUpdateLabels ?? {};
    const removeLabels = request.labels?.removeLabels ?? [];
    const clash = removeLabels.filter((key) => key in addLabels);
    if (clash.length > 0) throw rejected(action, clusterName, `Labels ${clash.join(', ')} are both added and removed`);
    const addTaints = request.taints?.addOrUpdateTaints ?? [];
    const removeTaints = request.taints?.removeTaints ?? [];
    if (addTaints.some((taint) => removeTaints.some((other) => sameTaintKey(taint, other)))) {
      throw rejected(action, clusterName, 'A taint is both added and removed');
    }
    checkUpdateConfig(action, clusterName, request.updateConfig);
    const params: UpdateParam[] = [
      ...(request.scalingConfig?.minSize === undefined ? [] : [{ type: 'MinSize' as const, value: String(request.scalingConfig.minSize) }]),
      ...(request.scalingConfig?.maxSize === undefined ? [] : [{ type: 'MaxSize' as const, value: String(request.scalingConfig.maxSize) }]),
      ...(request.scalingConfig?.desiredSize === undefined ? [] : [{ type: 'DesiredSize' as const, value: String(request.scalingConfig.desiredSize) }]),
      ...(Object.keys(addLabels).length > 0 ? [{ type: 'LabelsToAdd' as const, value: JSON.stringify(addLabels) }] : []),
      ...(removeLabels.length > 0 ? [{ type: 'LabelsToRemove' as const, value: JSON.stringify(removeLabels) }] : []),
      ...(addTaints.length > 0 ? [{ type: 'TaintsToAdd' as const, value: JSON.stringify(addTaints) }] : []),
      ...(removeTaints.length > 0 ? [{ type: 'TaintsToRemove' as const, value: JSON.stringify(removeTaints) }] : []),
    ];
    return this.startNodegroupUpdate(clusterName, group, 'ConfigUpdate', params, () => {
      current.scalingConfig = scaling;
      current.labels = Object.fromEntries(Object.entries({ ...current.labels, ...addLabels }).filter(([key]) => !removeLabels.includes(key)));
      const kept = (current.taints ?? []).filter((taint) => ![...removeTaints, ...addTaints].some((other) => sameTaintKey(taint, other)));
      current.taints = [...kept, ...addTaints.map((taint) => ({ ...taint }))];
      if (request.updateConfig) current.updateConfig = { ...request.updateConfig };
    });
  }

  private updateNodegroupVersion(request: Extract<EksWrite, { kind: 'UpdateNodegroupVersion' }>['request']): EksWriteResult {
    const action = 'UpdateNodegroupVersion';
    const clusterName = request.clusterName ?? '';
    const name = request.nodegroupName ?? '';
    const group = this.nodegroupReadyFor(action, clusterName, name);
    const current = group.value;
    const clusterVersion = this.record(clusterName).cluster.value.version ?? '';
    const from = current.version ?? clusterVersion;
    const to = request.version ?? from;
    if (minorOf(to) > minorOf(clusterVersion)) {
      throw rejected(action, clusterName, `Requested Nodegroup version ${to} is higher than the cluster version ${clusterVersion}`);
    }
    if (minorOf(to) < minorOf(from)) throw rejected(action, clusterName, `Nodegroup ${name} cannot be downgraded from ${from} to ${to}`);
    if (to === from && request.releaseVersion === undefined) {
      throw rejected(action, clusterName, `Nodegroup ${name} is already at Kubernetes version ${from}; name a newer version or a releaseVersion`);
    }
    if (request.releaseVersion !== undefined && !request.releaseVersion.startsWith(`${to}.`)) {
      throw rejected(action, clusterName, `Requested release version ${request.releaseVersion} is not valid for kubernetes version ${to}`);
    }
    if (to === from && request.releaseVersion === current.releaseVersion) {
      throw rejected(action, clusterName, `Nodegroup ${name} is already at release version ${current.releaseVersion ?? '?'}`);
    }
    const release = request.releaseVersion ?? releaseFor(to);
    const params: UpdateParam[] = [
      { type: 'Version', value: to },
      { type: 'ReleaseVersion', value: release },
    ];
    return this.startNodegroupUpdate(clusterName, group, 'VersionUpdate', params, () => {
      current.version = to;
      current.releaseVersion = release;
    });
  }

  private deleteNodegroup(request: Extract<EksWrite, { kind: 'DeleteNodegroup' }>['request']): EksWriteResult {
    const action = 'DeleteNodegroup';
    const clusterName = request.clusterName ?? '';
    const group = this.clusters.get(clusterName)?.nodegroups.get(request.nodegroupName ?? '');
    if (group === undefined || group.value.status === 'DELETING') return { alreadyDone: true };
    this.nodegroupReadyFor(action, clusterName, request.nodegroupName ?? '');
    group.value.status = 'DELETING';
    return {};
  }

  private createAddon(request: Extract<EksWrite, { kind: 'CreateAddon' }>['request']): EksWriteResult {
    const action = 'CreateAddon';
    const clusterName = request.clusterName ?? '';
    const name = request.addonName ?? '';
    const record = this.existing(action, clusterName);
    if (record.addons.has(name)) return { alreadyDone: true };
    this.clusterReadyFor(action, clusterName);
    if (request.resolveConflicts === 'PRESERVE') throw rejected(action, clusterName, 'ResolveConflicts PRESERVE is not supported when creating an add-on');
    checkConfiguration(action, clusterName, request.configurationValues);
    record.addons.set(name, {
      pending: [],
      value: {
        addonName: name,
        clusterName,
        addonArn: this.arnFor(record, 'addon', name),
        status: 'CREATING',
        addonVersion: request.addonVersion ?? defaultAddonVersion(record.cluster.value.version ?? ''),
        ...(request.configurationValues === undefined ? {} : { configurationValues: request.configurationValues }),
        ...(request.serviceAccountRoleArn === undefined ? {} : { serviceAccountRoleArn: request.serviceAccountRoleArn }),
        health: { issues: [] },
        createdAt: CREATED_AT,
        modifiedAt: CREATED_AT,
        tags: { ...(request.tags ?? {}) },
      },
    });
    return {};
  }

  private updateAddon(request: Extract<EksWrite, { kind: 'UpdateAddon' }>['request']): EksWriteResult {
    const action = 'UpdateAddon';
    const clusterName = request.clusterName ?? '';
    const name = request.addonName ?? '';
    const record = this.existing(action, clusterName);
    const addon = record.addons.get(name);
    if (addon === undefined) throw notFound(action, clusterName, `No addon: ${name} found in cluster: ${clusterName}`);
    this.clusterReadyFor(action, clusterName);
    if (addon.value.status === 'CREATING' || addon.value.status === 'UPDATING' || addon.value.status === 'DELETING') {
      throw busy(action, clusterName, `Addon ${name} is currently ${addon.value.status}`);
    }
    checkConfiguration(action, clusterName, request.configurationValues);
    const params: UpdateParam[] = [
      ...(request.addonVersion === undefined ? [] : [{ type: 'AddonVersion' as const, value: request.addonVersion }]),
      ...(request.configurationValues === undefined ? [] : [{ type: 'ConfigurationValues' as const, value: request.configurationValues }]),
      ...(request.serviceAccountRoleArn === undefined ? [] : [{ type: 'ServiceAccountRoleArn' as const, value: request.serviceAccountRoleArn }]),
      ...(request.resolveConflicts === undefined ? [] : [{ type: 'ResolveConflicts' as const, value: request.resolveConflicts }]),
    ];
    addon.value.status = 'UPDATING';
    addon.pending.push(() => {
      if (request.addonVersion !== undefined) addon.value.addonVersion = request.addonVersion;
      if (request.configurationValues !== undefined) addon.value.configurationValues = request.configurationValues;
      if (request.serviceAccountRoleArn !== undefined) addon.value.serviceAccountRoleArn = request.serviceAccountRoleArn;
    });
    return { updateId: this.recordUpdate(record, 'AddonUpdate', params, { addonName: name }) };
  }

  private createAccessEntry(request: Extract<EksWrite, { kind: 'CreateAccessEntry' }>['request']): EksWriteResult {
    const action = 'CreateAccessEntry';
    const clusterName = request.clusterName ?? '';
    const record = this.existing(action, clusterName);
    const principalArn = request.principalArn ?? '';
    if (record.accessEntries.has(principalArn)) return { alreadyDone: true };
    this.checkAccessEntriesAllowed(action, record);
    const system = (request.kubernetesGroups ?? []).filter((group) => group.startsWith('system:'));
    if (system.length > 0) throw rejected(action, clusterName, `kubernetesGroups must not start with system: (${system.join(', ')})`);
    if (!/^arn:[\w-]+:iam::\d{12}:(role|user)\//.test(principalArn)) {
      throw rejected(action, clusterName, `The specified principalArn is invalid: ${principalArn}`);
    }
    record.accessEntries.set(principalArn, {
      entry: this.newAccessEntry(record, principalArn, request.kubernetesGroups ?? [], request.username, request.tags ?? {}),
      policies: new Map(),
    });
    return {};
  }

  private updateAccessEntry(request: Extract<EksWrite, { kind: 'UpdateAccessEntry' }>['request']): EksWriteResult {
    const action = 'UpdateAccessEntry';
    const clusterName = request.clusterName ?? '';
    const found = this.existing(action, clusterName).accessEntries.get(request.principalArn ?? '');
    if (found === undefined) throw notFound(action, clusterName, `The specified access entry resource could not be found: ${request.principalArn ?? ''}`);
    const system = (request.kubernetesGroups ?? []).filter((group) => group.startsWith('system:'));
    if (system.length > 0) throw rejected(action, clusterName, `kubernetesGroups must not start with system: (${system.join(', ')})`);
    if (request.kubernetesGroups !== undefined) found.entry.kubernetesGroups = [...request.kubernetesGroups];
    if (request.username !== undefined) found.entry.username = request.username;
    found.entry.modifiedAt = CREATED_AT;
    return {};
  }

  private associateAccessPolicy(request: Extract<EksWrite, { kind: 'AssociateAccessPolicy' }>['request']): EksWriteResult {
    const action = 'AssociateAccessPolicy';
    const clusterName = request.clusterName ?? '';
    const found = this.existing(action, clusterName).accessEntries.get(request.principalArn ?? '');
    if (found === undefined) throw notFound(action, clusterName, `The specified access entry resource could not be found: ${request.principalArn ?? ''}`);
    const policyArn = request.policyArn ?? '';
    if (!/^arn:[\w-]+:eks::aws:cluster-access-policy\/\w+$/.test(policyArn))
      throw rejected(action, clusterName, `The specified policyArn is invalid: ${policyArn}`);
    const scope = request.accessScope ?? {};
    if (scope.type === 'namespace' && !scope.namespaces?.length) throw rejected(action, clusterName, 'A namespace access scope needs at least one namespace');
    if (scope.type === 'cluster' && scope.namespaces?.length) throw rejected(action, clusterName, 'A cluster access scope takes no namespaces');
    const existing = found.policies.get(policyArn);
    found.policies.set(policyArn, {
      policyArn,
      accessScope: { type: scope.type ?? 'cluster', namespaces: [...(scope.namespaces ?? [])] },
      associatedAt: existing?.associatedAt ?? CREATED_AT,
      modifiedAt: CREATED_AT,
    });
    return {};
  }

  private disassociateAccessPolicy(request: Extract<EksWrite, { kind: 'DisassociateAccessPolicy' }>['request']): EksWriteResult {
    const found = this.clusters.get(request.clusterName ?? '')?.accessEntries.get(request.principalArn ?? '');
    if (found === undefined || !found.policies.delete(request.policyArn ?? '')) return { alreadyDone: true };
    return {};
  }

  private createPodIdentityAssociation(request: Extract<EksWrite, { kind: 'CreatePodIdentityAssociation' }>['request']): EksWriteResult {
    const action = 'CreatePodIdentityAssociation';
    const clusterName = request.clusterName ?? '';
    const record = this.existing(action, clusterName);
    const token = request.clientRequestToken;
    if (token !== undefined && record.podIdentityTokens.has(token)) return {};
    if (record.cluster.value.status === 'CREATING') throw busy(action, clusterName, `Cluster '${clusterName}' is CREATING`);
    if (!request.namespace || !request.serviceAccount) throw rejected(action, clusterName, 'namespace and serviceAccount are required');
    if (!/^arn:[\w-]+:iam::\d{12}:role\//.test(request.roleArn ?? ''))
      throw rejected(action, clusterName, `The specified roleArn is invalid: ${request.roleArn ?? ''}`);
    const taken = [...record.podIdentities.values()].some(
      ({ association }) => association.namespace === request.namespace && association.serviceAccount === request.serviceAccount,
    );
    // EKS: ResourceInUseException; the adapter reads it as done (shared/adapters/aws/eks.ts, IN_USE_IS_DONE).
    if (taken) return { alreadyDone: true };
    const created = this.addPodIdentity(
      record,
      { namespace: request.namespace, serviceAccount: request.serviceAccount, roleArn: request.roleArn ?? '', tags: { ...(request.tags ?? {}) } },
      false,
    );
    if (token !== undefined) record.podIdentityTokens.set(token, created.associationId ?? '');
    return {};
  }

  private updatePodIdentityAssociation(request: Extract<EksWrite, { kind: 'UpdatePodIdentityAssociation' }>['request']): EksWriteResult {
    const action = 'UpdatePodIdentityAssociation';
    const clusterName = request.clusterName ?? '';
    const found = this.existing(action, clusterName).podIdentities.get(request.associationId ?? '');
    if (found === undefined) throw notFound(action, clusterName, `No Pod Identity Association found for id: ${request.associationId ?? ''}.`);
    if (request.roleArn !== undefined && !/^arn:[\w-]+:iam::\d{12}:role\//.test(request.roleArn)) {
      throw rejected(action, clusterName, `The specified roleArn is invalid: ${request.roleArn}`);
    }
    if (request.roleArn !== undefined) found.association.roleArn = request.roleArn;
    found.association.modifiedAt = CREATED_AT;
    return {};
  }

  private deletePodIdentityAssociation(request: Extract<EksWrite, { kind: 'DeletePodIdentityAssociation' }>['request']): EksWriteResult {
    const record = this.clusters.get(request.clusterName ?? '');
    if (record === undefined || !record.podIdentities.delete(request.associationId ?? '')) return { alreadyDone: true };
    return {};
  }

  private tagResource(request: Extract<EksWrite, { kind: 'TagResource' }>['request']): EksWriteResult {
    const action = 'TagResource';
    const resourceArn = request.resourceArn ?? '';
    const tagged = this.taggable(resourceArn);
    if (tagged === undefined) {
      const cause = new NotFoundException({ message: `Resource ${resourceArn} was not found`, $metadata: {} });
      throw new UpstreamError(`${action} failed: ${cause.name}: ${cause.message}`, { cause, context: { action, cluster: clusterOfArn(resourceArn) } });
    }
    const reserved = Object.keys(request.tags ?? {}).filter((key) => key.startsWith('aws:'));
    if (reserved.length > 0)
      throw rejected(action, clusterOfArn(resourceArn), `Tag keys with the aws: prefix are reserved (${reserved.join(', ')})`, 'BadRequestException');
    tagged.tags = { ...tagged.tags, ...request.tags };
    return {};
  }

  private untagResource(request: Extract<EksWrite, { kind: 'UntagResource' }>['request']): EksWriteResult {
    const tagged = this.taggable(request.resourceArn ?? '');
    if (tagged === undefined) return { alreadyDone: true };
    const removed = new Set(request.tagKeys ?? []);
    tagged.tags = Object.fromEntries(Object.entries(tagged.tags ?? {}).filter(([key]) => !removed.has(key)));
    return {};
  }

  // ---- EKS's rules ------------------------------------------------------------------------------

  /** A cluster-level change, a node group or an add-on write needs the cluster ACTIVE with no update in flight. */
  private clusterReadyFor(action: EksWriteKind, name: string): ClusterRecord {
    const record = this.existing(action, name);
    const status = record.cluster.value.status;
    if (status !== 'ACTIVE') {
      // EKS answers 400 InvalidRequestException here; the adapter reads it as busy.
      const cause = new InvalidRequestException({ message: `Cluster '${name}' is not in ACTIVE status`, $metadata: {} });
      throw new ResourceBusyError(`${action} refused while the resource is busy: ${cause.message}`, { cause, context: { action, cluster: name } });
    }
    const inFlight = record.updates.find(
      (scoped) => scoped.nodegroupName === undefined && scoped.addonName === undefined && scoped.update.status === 'InProgress',
    );
    if (inFlight !== undefined) throw busy(action, name, `Cluster has update ${inFlight.update.id ?? '?'} in progress`);
    return record;
  }

  private nodegroupReadyFor(action: EksWriteKind, clusterName: string, name: string): Tracked<Nodegroup> {
    const group = this.existing(action, clusterName).nodegroups.get(name);
    if (group === undefined) throw notFound(action, clusterName, `No node group found for name: ${name}.`);
    this.clusterReadyFor(action, clusterName);
    const status = group.value.status;
    if (status !== 'ACTIVE' && status !== 'DEGRADED')
      throw busy(action, clusterName, `Nodegroup ${name} cannot be updated as it is currently not in Active State (${status ?? '?'})`);
    return group;
  }

  private checkAccessEntriesAllowed(action: EksWriteKind, record: ClusterRecord): void {
    const name = record.cluster.value.name ?? '';
    if (record.cluster.value.status === 'CREATING') throw busy(action, name, `Cluster '${name}' is CREATING`);
    if ((record.cluster.value.accessConfig?.authenticationMode ?? 'CONFIG_MAP') === 'CONFIG_MAP') {
      throw rejected(
        action,
        name,
        "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.",
        'InvalidRequestException',
      );
    }
  }

  private startClusterUpdate(record: ClusterRecord, type: UpdateType, params: UpdateParam[], change: () => void): EksWriteResult {
    record.cluster.value.status = 'UPDATING';
    record.cluster.pending.push(change);
    return { updateId: this.recordUpdate(record, type, params, {}) };
  }

  private startNodegroupUpdate(clusterName: string, group: Tracked<Nodegroup>, type: UpdateType, params: UpdateParam[], change: () => void): EksWriteResult {
    group.value.status = 'UPDATING';
    group.pending.push(change, () => {
      group.value.modifiedAt = CREATED_AT;
    });
    return { updateId: this.recordUpdate(this.record(clusterName), type, params, { nodegroupName: group.value.nodegroupName ?? '' }) };
  }

  private recordUpdate(record: ClusterRecord, type: UpdateType, params: UpdateParam[], scope: { nodegroupName?: string; addonName?: string }): string {
    const id = uuid(this.next());
    record.updates.push({ update: { id, type, status: 'InProgress', params, createdAt: CREATED_AT, errors: [] }, ...scope });
    return id;
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private read<T>(name: EksReadName, input: unknown, answer: () => T): Promise<T> {
    const call: FakeReadCall = { kind: 'read', name, input, outcome: 'ok' };
    this.calls.push(call);
    try {
      this.injectFault(name, clusterNameOfInput(input));
      return Promise.resolve(answer());
    } catch (error) {
      call.outcome = 'failed';
      if (error instanceof Error) call.error = error;
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private injectFault(name: EksReadName | EksWriteKind, cluster: string | undefined): void {
    const fault = this.faults.find((candidate) => candidate.name === name && candidate.remaining > 0);
    if (fault === undefined) return;
    fault.remaining -= 1;
    const { failure } = fault;
    if (failure instanceof Error) throw failure;
    switch (failure) {
      case 'busy':
        throw busy(name, cluster, 'Cluster has update in progress');
      case 'throttled': {
        const cause = new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
        throw new ThrottledError(`${name} throttled after the SDK's retries`, { cause, context: { action: name, cluster } });
      }
      case 'rejected':
        throw rejected(name, cluster, 'The request is invalid (injected by the test)');
      case 'unavailable': {
        const cause = new EKSServiceException({
          name: 'ServiceUnavailableException',
          $fault: 'server',
          $metadata: { httpStatusCode: 503 },
          message: 'Service Unavailable',
        });
        throw new UpstreamError(`${name} failed: ServiceUnavailableException: Service Unavailable`, { cause, context: { action: name, cluster } });
      }
      default: {
        const unknown: never = failure;
        throw new Error(`fake EKS: unknown failure ${String(unknown)}`);
      }
    }
  }

  private newRecord(cluster: Cluster): ClusterRecord {
    const record: ClusterRecord = {
      cluster: { value: cluster, pending: [] },
      nodegroups: new Map(),
      addons: new Map(),
      accessEntries: new Map(),
      podIdentities: new Map(),
      podIdentityTokens: new Map(),
      updates: [],
    };
    this.clusters.set(cluster.name ?? '', record);
    return record;
  }

  private record(name: string): ClusterRecord {
    const record = this.clusters.get(name);
    if (record === undefined) throw new Error(`fake EKS: no cluster ${name}`);
    return record;
  }

  private existing(action: EksWriteKind, name: string): ClusterRecord {
    const record = this.clusters.get(name);
    if (record === undefined) throw notFound(action, name, `No cluster found for name: ${name}.`);
    return record;
  }

  private addCreatorEntry(record: ClusterRecord): void {
    if (this.creatorArn === null) return;
    const policyArn = `arn:${partitionOf(this.region)}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`;
    record.accessEntries.set(this.creatorArn, {
      entry: this.newAccessEntry(record, this.creatorArn, [], undefined, {}),
      policies: new Map([[policyArn, { policyArn, accessScope: { type: 'cluster', namespaces: [] }, associatedAt: CREATED_AT, modifiedAt: CREATED_AT }]]),
    });
  }

  private newAccessEntry(
    record: ClusterRecord,
    principalArn: string,
    groups: readonly string[],
    username: string | undefined,
    tags: Record<string, string>,
  ): AccessEntry {
    const [, partition = 'aws', , , account = '', resource = ''] = principalArn.split(':');
    const roleName = resource.slice(resource.lastIndexOf('/') + 1);
    return {
      clusterName: record.cluster.value.name,
      principalArn,
      kubernetesGroups: [...groups],
      accessEntryArn: `${(record.cluster.value.arn ?? '').replace(':cluster/', ':access-entry/')}/${resource.startsWith('role/') ? 'role' : 'user'}/${account}/${roleName}/${hex(this.next(), 8)}`,
      // EKS derives the user name of a role from its session, as the aws-auth ConfigMap did.
      username: username ?? (resource.startsWith('role/') ? `arn:${partition}:sts::${account}:assumed-role/${roleName}/{{SessionName}}` : principalArn),
      type: 'STANDARD',
      createdAt: CREATED_AT,
      modifiedAt: CREATED_AT,
      tags: { ...tags },
    };
  }

  private addPodIdentity(record: ClusterRecord, seed: SeedPodIdentity, listed: boolean): PodIdentityAssociation {
    // EKS association ids: a- and 17 lower-case letters and digits (EKS API Reference, PodIdentityAssociation examples).
    const associationId = `a-${hex(this.next(), 17)}`;
    const clusterArn = record.cluster.value.arn ?? '';
    const association: PodIdentityAssociation = {
      clusterName: record.cluster.value.name,
      namespace: seed.namespace,
      serviceAccount: seed.serviceAccount,
      roleArn: seed.roleArn,
      associationArn: `${clusterArn.replace(':cluster/', ':podidentityassociation/')}/${associationId}`,
      associationId,
      tags: { ...(seed.tags ?? {}) },
      createdAt: CREATED_AT,
      modifiedAt: CREATED_AT,
      ...(seed.ownerArn === undefined ? {} : { ownerArn: seed.ownerArn }),
      disableSessionTags: false,
    };
    record.podIdentities.set(associationId, { association, listed });
    return association;
  }

  private arnFor(record: ClusterRecord, type: 'nodegroup' | 'addon', name: string): string {
    return `${(record.cluster.value.arn ?? '').replace(':cluster/', `:${type}/`)}/${name}/${uuid(this.next())}`;
  }

  /** The tag holder an ARN names: a cluster, node group, add-on, access entry or Pod Identity association. */
  private taggable(resourceArn: string): { tags?: Record<string, string> } | undefined {
    for (const record of this.clusters.values()) {
      if (record.cluster.value.arn === resourceArn) return record.cluster.value;
      for (const group of record.nodegroups.values()) if (group.value.nodegroupArn === resourceArn) return group.value;
      for (const addon of record.addons.values()) if (addon.value.addonArn === resourceArn) return addon.value;
      for (const { entry } of record.accessEntries.values()) if (entry.accessEntryArn === resourceArn) return entry;
      for (const { association } of record.podIdentities.values()) if (association.associationArn === resourceArn) return association;
    }
    return undefined;
  }

  private next(): number {
    this.sequence += 1;
    return this.sequence;
  }
}

// ---- errors, as the adapter raises them ---------------------------------------------------------

function busy(action: string, cluster: string | undefined, message: string): ResourceBusyError {
  const cause = new ResourceInUseException({ message, $metadata: {} });
  return new ResourceBusyError(`${action} refused while the resource is busy: ${message}`, { cause, context: { action, cluster } });
}

function rejected(
  action: string,
  cluster: string | undefined,
  message: string,
  exception: 'InvalidParameterException' | 'InvalidRequestException' | 'BadRequestException' = 'InvalidParameterException',
): RequestRejectedError {
  const cause =
    exception === 'InvalidRequestException'
      ? new InvalidRequestException({ message, $metadata: {} })
      : exception === 'InvalidParameterException'
        ? new InvalidParameterException({ message, $metadata: {} })
        : Object.assign(new Error(message), { name: exception });
  return new RequestRejectedError(`${action} rejected: ${message}`, { cause, context: { action, cluster } });
}

function notFound(action: string, cluster: string | undefined, message: string): UpstreamError {
  const cause = new ResourceNotFoundException({ message, $metadata: {} });
  return new UpstreamError(`${action} failed: ${cause.name}: ${message}`, { cause, context: { action, cluster } });
}

function checkScaling(action: EksWriteKind, cluster: string, scaling: { minSize?: number; maxSize?: number; desiredSize?: number }): void {
  const { minSize = 0, maxSize = 1, desiredSize = minSize } = scaling;
  if (maxSize < 1) throw rejected(action, cluster, `Maximum capacity ${maxSize} must be at least 1`);
  if (minSize > maxSize) throw rejected(action, cluster, `Minimum capacity ${minSize} can't be greater than maximum capacity ${maxSize}`);
  if (minSize > desiredSize) throw rejected(action, cluster, `Minimum capacity ${minSize} can't be greater than desired size ${desiredSize}`);
  if (desiredSize > maxSize) throw rejected(action, cluster, `Desired capacity ${desiredSize} can't be greater than max size ${maxSize}`);
}

function checkUpdateConfig(action: EksWriteKind, cluster: string, config: { maxUnavailable?: number; maxUnavailablePercentage?: number } | undefined): void {
  if (config?.maxUnavailable !== undefined && config.maxUnavailablePercentage !== undefined) {
    throw rejected(action, cluster, 'Only one of maxUnavailable and maxUnavailablePercentage can be set');
  }
}

function checkConfiguration(action: EksWriteKind, cluster: string, configurationValues: string | undefined): void {
  if (configurationValues === undefined) return;
  try {
    JSON.parse(configurationValues);
  } catch (error) {
    throw rejected(action, cluster, `ConfigurationValue provided in request is not supported: ${error instanceof Error ? error.message : String(error)}`);
  }
}

// ---- helpers ------------------------------------------------------------------------------------

type AutoModeRequest = Pick<Extract<EksWrite, { kind: 'CreateCluster' }>['request'], 'computeConfig' | 'kubernetesNetworkConfig' | 'storageConfig'>;

/**
 * Whether the request turns Auto Mode on (true) or off (false), undefined when it names none of the
 * three capabilities; throws EKS's InvalidParameterException when they are not all on or all off.
 */
function checkAutoModeRequest(action: EksWriteKind, cluster: string, request: AutoModeRequest): boolean | undefined {
  const values = [request.computeConfig?.enabled, request.kubernetesNetworkConfig?.elasticLoadBalancing?.enabled, request.storageConfig?.blockStorage?.enabled];
  if (values.every((value) => value === undefined)) return undefined;
  const enabled = values[0];
  if (enabled === undefined || values.some((value) => value !== enabled)) throw rejected(action, cluster, AUTO_MODE_TOGETHER);
  if (enabled && (request.computeConfig?.nodePools ?? []).length > 0 && request.computeConfig?.nodeRoleArn === undefined) {
    throw rejected(action, cluster, 'nodeRoleArn is required when nodePools are specified');
  }
  return enabled;
}

/** DescribeCluster's Auto Mode fields after a request that set them. */
function autoModeResponse(request: AutoModeRequest): Required<Pick<Cluster, 'computeConfig' | 'kubernetesNetworkConfig' | 'storageConfig'>> {
  const enabled = request.computeConfig?.enabled === true;
  return {
    computeConfig: enabled
      ? {
          enabled,
          nodePools: [...(request.computeConfig?.nodePools ?? [])],
          ...(request.computeConfig?.nodeRoleArn === undefined ? {} : { nodeRoleArn: request.computeConfig.nodeRoleArn }),
        }
      : { enabled },
    kubernetesNetworkConfig: { elasticLoadBalancing: { enabled } },
    storageConfig: { blockStorage: { enabled } },
  };
}

/** DescribeCluster's Auto Mode fields for a cluster made to the spec; none when the spec leaves Auto Mode alone. */
function autoModeOf(spec: ClusterSpec): Partial<Pick<Cluster, 'computeConfig' | 'kubernetesNetworkConfig' | 'storageConfig'>> {
  if (spec.computeConfig === undefined) return {};
  return autoModeResponse({
    computeConfig: spec.computeConfig,
    kubernetesNetworkConfig: spec.kubernetesNetworkConfig ?? {},
    storageConfig: spec.storageConfig ?? {},
  });
}

function settleTracked<T extends { status?: string }>(tracked: Tracked<T>, moving: readonly string[]): void {
  if (tracked.value.status === undefined || !moving.includes(tracked.value.status)) return;
  for (const change of tracked.pending.splice(0)) change();
  tracked.value.status = 'ACTIVE';
}

function loggingOf(enabled: ReadonlySet<string>): Logging {
  const on = ALL_LOG_TYPES.filter((type) => enabled.has(type)) as LogType[];
  const off = ALL_LOG_TYPES.filter((type) => !enabled.has(type)) as LogType[];
  return {
    clusterLogging: [...(on.length > 0 ? [{ types: on, enabled: true }] : []), ...(off.length > 0 ? [{ types: off, enabled: false }] : [])],
  };
}

function enabledLogTypes(logging: Logging | undefined): Set<string> {
  return new Set((logging?.clusterLogging ?? []).filter((setup) => setup.enabled).flatMap((setup) => setup.types ?? []));
}

function sameTaintKey(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

/** "1.31" -> 31; NaN for anything else, which no comparison accepts. */
function minorOf(version: string): number {
  const match = /^1\.(\d+)$/.exec(version);
  return match ? Number(match[1]) : Number.NaN;
}

function releaseFor(version: string): string {
  return `${version}.0-${AMI_BUILD}`;
}

function defaultAddonVersion(clusterVersion: string): string {
  return `v1.${String(minorOf(clusterVersion))}.0-eksbuild.1`;
}

function accountOf(arn: string): string {
  return arn.split(':')[4] || '000011112222';
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function clusterNameOf(write: EksWrite): string | undefined {
  const request: { name?: string; clusterName?: string; resourceArn?: string } = write.request;
  return request.clusterName ?? request.name ?? (request.resourceArn === undefined ? undefined : clusterOfArn(request.resourceArn));
}

function clusterNameOfInput(input: unknown): string | undefined {
  const fields = input as { name?: unknown; clusterName?: unknown };
  const name = fields.clusterName ?? fields.name;
  return typeof name === 'string' ? name : undefined;
}

/** arn:aws:eks:<region>:<account>:<type>/<cluster>[/...] -> <cluster>. */
function clusterOfArn(arn: string): string | undefined {
  return arn.split(':').slice(5).join(':').split('/')[1];
}

function hex(seed: number, length: number): string {
  return seed.toString(16).padStart(length, '0').slice(-length);
}

function uuid(seed: number): string {
  return `00000000-0000-4000-8000-${hex(seed, 12)}`;
}

function copy<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

/**
 * EKS names a managed node group's Auto Scaling group `eks-<node group name>-<node group id>`, the
 * id being the last part of the node group's ARN, and reports it in `resources.autoScalingGroups`
 * (EKS API reference, `NodegroupResources`).
 */
function withAutoScalingGroup(group: Nodegroup | undefined): void {
  if (group === undefined) return;
  const id = group.nodegroupArn?.split('/').at(-1) ?? '';
  group.resources = { autoScalingGroups: [{ name: `eks-${group.nodegroupName ?? ''}-${id}` }] };
}
