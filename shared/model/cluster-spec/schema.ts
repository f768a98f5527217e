/**
 * The cluster spec: one YAML document per EKS cluster, validated by this schema, which is also the
 * source of the TypeScript types and of docs/spec-reference.md (generated from the descriptions
 * below by `npm run docs:spec`). Every object is strict: an unknown key is an error, so a typo
 * never silently drops a setting. Defaults are applied here, before any comparison, so a plan
 * never reports drift between "unset" and "the default".
 *
 * Enumerations are the EKS API's (./eks-enums.ts, checked against the EKS SDK's model by a test),
 * held as plain values so loading a spec loads no AWS client.
 */
import * as z from 'zod';
import { MANAGED_TAG } from './runtime';

export { MANAGED_TAG } from './runtime';
import { regionProblem } from './aws-regions';
import { accessPolicyProblem } from './eks-access-policies';
import { autoscalerTagProblems } from './autoscaler-tags';
import { AMI_TYPES, AUTHENTICATION_MODES, CAPACITY_TYPES, LOG_TYPES, RESOLVE_CONFLICTS, TAINT_EFFECTS } from './eks-enums';
import { checkElasticIpPools, elasticIpPoolSchema } from './eip-pools';
import { alarmSchema, checkScalingRules, scalingRuleSchema } from './scaling';
import { checkWorkloads, workloadsSchema } from './workloads';
import { checkEnvironments, environmentsSchema } from './environments';
import { platformComponentSchema, platformProblems } from './platform';

/**
 * Cross-field checks run even when other fields already failed (zod skips refinements after an
 * error by default), so a user sees every problem in one pass. Their input may therefore be
 * malformed, and they read it defensively.
 */
const always = { when: () => true };

const ACCOUNT = String.raw`\d{12}`;
const PARTITION = String.raw`aws(?:-cn|-us-gov|-iso|-iso-b)?`;
const IAM_PATH_NAME = String.raw`[\w+=,.@/-]+`;

const iamRoleArn = z
  .string()
  .regex(new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:role/${IAM_PATH_NAME}$`), 'expected an IAM role ARN, arn:aws:iam::<12-digit account>:role/<name>');

const principalArn = z.string().superRefine((arn, ctx) => {
  if (/^arn:[\w-]+:sts::\d{12}:assumed-role\//.test(arn)) {
    ctx.addIssue({
      code: 'custom',
      message: 'an access entry takes the IAM role ARN (arn:aws:iam::<account>:role/<name>), not an assumed-role session ARN',
    });
  } else if (!new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:(role|user)/${IAM_PATH_NAME}$`).test(arn)) {
    ctx.addIssue({ code: 'custom', message: 'expected an IAM role or user ARN, arn:aws:iam::<12-digit account>:role/<name>' });
  }
});

/** Kubernetes label and taint keys: optional DNS prefix, then a name of at most 63 characters. */
const labelKey = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    'expected a Kubernetes label key, [prefix/]name with name at most 63 characters',
  );
const labelValue = z.string().regex(/^(|[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/, 'expected a Kubernetes label value of at most 63 characters');

/** AWS's tagging rules (EKS and EC2 user guides, "Tag restrictions"). */
export const MAX_TAGS = 50;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const tags = z
  .record(
    z
      .string()
      .min(1)
      .max(128)
      .regex(TAG_TEXT, 'a tag key takes letters, digits, spaces and _ . : / = + - @')
      .refine((key) => !/^aws:/i.test(key), 'the aws: prefix is reserved for AWS'),
    z.string().max(256).regex(TAG_TEXT, 'a tag value takes letters, digits, spaces and _ . : / = + - @'),
  )
  .refine((map) => Object.keys(map).length <= MAX_TAGS, { message: `at most ${String(MAX_TAGS)} tags per resource` })
  .default({})
  .describe(
    'AWS tags on this resource (the cluster, node group, add-on or access entry it sits in). At most 50; keys up to 128 characters, values up to 256, no `aws:` prefix.',
  );

/** `version: 1.30` unquoted is the number 1.3 in YAML; the message says how to write it. */
const kubernetesVersion = z.unknown().transform((value, ctx) => {
  if (typeof value === 'number') {
    ctx.addIssue({
      code: 'custom',
      message: `expected a quoted version such as "1.31"; unquoted, YAML reads it as the number ${String(value)} (1.30 becomes 1.3)`,
    });
    return z.NEVER;
  }
  if (typeof value !== 'string' || !/^1\.\d{2}$/.test(value)) {
    ctx.addIssue({ code: 'custom', message: `expected a Kubernetes minor version such as "1.31", got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return value;
});

const subnetId = z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'expected a subnet id, subnet-<8 to 17 hex digits>');
const securityGroupId = z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'expected a security group id, sg-<8 to 17 hex digits>');
/** An IPv4 CIDR block in canonical form: octets up to 255, a prefix up to 32, no host bits set. */
const cidr = z.string().superRefine((value, ctx) => {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (match === null || octets.some((octet) => octet > 255) || prefix > 32) {
    ctx.addIssue({ code: 'custom', message: 'expected an IPv4 CIDR such as 203.0.113.0/24' });
    return;
  }
  const address = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  const size = 2 ** (32 - prefix);
  const base = address - (address % size);
  if (base !== address) {
    const block = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join('.');
    ctx.addIssue({ code: 'custom', message: `${value} has host bits set: the block is ${block}/${String(prefix)}` });
  }
});

export const vpcSchema = z
  .strictObject({
    subnetIds: z
      .array(subnetId)
      .min(2, 'EKS needs subnets in at least two Availability Zones')
      .describe('Subnets for the control plane network interfaces, in at least two Availability Zones.'),
    securityGroupIds: z
      .array(securityGroupId)
      .max(5)
      .default([])
      .describe('Extra security groups for the control plane network interfaces (EKS adds its own cluster security group).'),
    endpointPublicAccess: z.boolean().default(true).describe('Whether the API server endpoint is reachable from the internet.'),
    endpointPrivateAccess: z
      .boolean()
      .default(true)
      .describe(
        "Whether the API server endpoint is reachable from inside the VPC. Default true (EKS's own default is false), so nodes reach the API server without leaving the VPC.",
      ),
    publicAccessCidrs: z.array(cidr).default(['0.0.0.0/0']).describe('CIDR blocks allowed to reach the public endpoint. The EKS default is 0.0.0.0/0.'),
  })
  .refine((vpc) => vpc.endpointPublicAccess || vpc.endpointPrivateAccess, {
    message: 'endpointPublicAccess and endpointPrivateAccess cannot both be false',
  });

export const addonSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'expected an EKS add-on name such as vpc-cni')
    .describe('EKS add-on name, as `aws eks describe-addon-versions` lists it (vpc-cni, coredns, kube-proxy, metrics-server, ...).'),
  version: z
    .string()
    .regex(/^v?\d+\.\d+\.\d+(-eksbuild\.\d+)?$/, 'expected an add-on version such as v1.19.0-eksbuild.1')
    .optional()
    .describe('Add-on version. Unset: EKS picks the default version for the cluster version on create, and provision leaves it alone after.'),
  configurationValues: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("Add-on configuration, written as YAML; sent to EKS as JSON. Must match the add-on's configuration schema."),
  resolveConflicts: z
    .enum(RESOLVE_CONFLICTS)
    .default('OVERWRITE')
    .describe('What EKS does with fields someone changed in the cluster. Default OVERWRITE: the spec wins. PRESERVE applies to updates only.'),
  serviceAccountRoleArn: iamRoleArn.optional().describe("IAM role for the add-on's service account (IRSA)."),
  tags,
});

const accessPolicy = z.strictObject({
  policy: z
    .string()
    .superRefine((policy, ctx) => {
      const problem = accessPolicyProblem(policy);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe(
      'EKS access policy: AmazonEKSClusterAdminPolicy, AmazonEKSAdminPolicy, AmazonEKSEditPolicy, AmazonEKSViewPolicy, ... or its ARN; one the EKS User Guide lists ("Review access policy permissions"), not one reserved for service-linked roles.',
    ),
  namespaces: z
    .array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a Kubernetes namespace name'))
    .min(1)
    .optional()
    .describe('Namespaces the policy is limited to. Unset: the whole cluster.'),
});

export const accessEntrySchema = z.strictObject({
  principalArn: principalArn.describe('IAM role (or user) ARN the entry grants access to. One entry per principal.'),
  kubernetesGroups: z
    .array(
      z
        .string()
        .min(1)
        .regex(/^(?!system:)/, 'Kubernetes groups starting with system: are reserved and EKS refuses them'),
    )
    .default([])
    .describe('Kubernetes groups the principal belongs to, for your own RBAC bindings. Must not start with system:.'),
  username: z.string().min(1).optional().describe('Kubernetes user name. Unset: EKS derives one from the principal.'),
  accessPolicies: z.array(accessPolicy).default([]).describe('EKS access policies associated with the entry.'),
  tags,
});

const taint = z.strictObject({
  key: labelKey.describe('Taint key, a Kubernetes label key.'),
  value: labelValue.optional().describe('Taint value. Unset: a taint with no value.'),
  effect: z.enum(TAINT_EFFECTS).describe('NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE (EKS spells them this way).'),
});

export const nodeGroupSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,62}$/, 'expected a node group name: letters, digits, - and _, at most 63 characters')
    .describe('Managed node group name, unique in the cluster.'),
  nodeRoleArn: iamRoleArn.describe('IAM role the nodes run as (AmazonEKSWorkerNodePolicy, AmazonEC2ContainerRegistryReadOnly, AmazonEKS_CNI_Policy).'),
  instanceTypes: z
    .array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'expected an EC2 instance type such as t3.medium'))
    .min(1)
    .default(['t3.medium'])
    .describe('EC2 instance types. Several types make sense for SPOT capacity. Default t3.medium.'),
  capacityType: z.enum(CAPACITY_TYPES).default('ON_DEMAND').describe('ON_DEMAND (default), SPOT or CAPACITY_BLOCK.'),
  amiType: z
    .enum(AMI_TYPES)
    .default('AL2023_x86_64_STANDARD')
    .describe('Node AMI family. Default AL2023_x86_64_STANDARD (Amazon Linux 2 AMIs are not published for 1.33 and later).'),
  diskSize: z
    .number()
    .int()
    .min(1)
    .max(16384)
    .default(20)
    .describe("Root volume size in GiB. Default 20, EKS's default for Linux AMIs; set 50 or more for Windows AMI types."),
  labels: z
    .record(labelKey, labelValue)
    .default({})
    .describe(
      "Kubernetes labels put on every node. provision also writes each as a Cluster Autoscaler node-template tag on the group's Auto Scaling group, so a group at 0 nodes can be scaled up for a pod that selects it.",
    ),
  taints: z
    .array(taint)
    .max(50)
    .default([])
    .describe(
      "Kubernetes taints put on every node: key, optional value, effect. provision also writes each as a Cluster Autoscaler node-template tag on the group's Auto Scaling group.",
    ),
  scaling: z
    .strictObject({
      min: z.number().int().min(0).describe('minSize: the fewest nodes.'),
      max: z.number().int().min(1).max(450).describe('maxSize: the most nodes (at most 450 per group in EKS).'),
      desired: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe('desiredSize at creation. Unset: min. After creation the autoscaler owns it; provision only brings it back inside [min, max].'),
    })
    .superRefine(checkScaling, always)
    .describe('Scaling bounds of the group.'),
  updateConfig: z
    .union([
      z.strictObject({ maxUnavailable: z.number().int().min(1).max(100).describe('Nodes a rolling update may take down at once.') }),
      z.strictObject({
        maxUnavailablePercentage: z.number().int().min(1).max(100).describe('Share of the nodes, in percent, a rolling update may take down at once.'),
      }),
    ])
    .default({ maxUnavailable: 1 })
    .describe('How many nodes a rolling update may take down at once: maxUnavailable or maxUnavailablePercentage. Default maxUnavailable 1.'),
  subnetIds: z.array(subnetId).min(1).optional().describe("Subnets the nodes run in. Unset: the cluster's subnets."),
  releaseVersion: z
    .string()
    .min(1)
    .optional()
    .describe("AMI release version. Unset: the latest for the group's Kubernetes version when it is created or upgraded."),
  tags,
});

/** EKS Auto Mode's built-in node pools (EKS User Guide, "Create a cluster with Amazon EKS Auto Mode"). */
export const AUTO_MODE_NODE_POOLS = ['general-purpose', 'system'] as const;
/** The first Kubernetes minor version EKS Auto Mode runs on (EKS User Guide, "Automate cluster infrastructure with EKS Auto Mode"). */
export const AUTO_MODE_MIN_VERSION = '1.29';
/** The add-on that serves Pod Identity credentials on nodes EKS Auto Mode does not run (EKS User Guide, "Set up the Amazon EKS Pod Identity Agent"). */
export const POD_IDENTITY_AGENT = 'eks-pod-identity-agent';

export const computeConfigSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .describe(
        'EKS Auto Mode compute: EKS launches and retires the nodes. Enabled or disabled together with kubernetesNetworkConfig.elasticLoadBalancing and storageConfig.blockStorage. Disabling terminates the instances Auto Mode runs.',
      ),
    nodePools: z
      .array(z.enum(AUTO_MODE_NODE_POOLS))
      .default([...AUTO_MODE_NODE_POOLS])
      .describe('Built-in node pools: general-purpose, system. Default both; [] for none (your own NodePool objects only).'),
    nodeRoleArn: iamRoleArn
      .optional()
      .describe(
        'IAM role of the nodes Auto Mode launches (AmazonEKSWorkerNodeMinimalPolicy, AmazonEC2ContainerRegistryPullOnly). Needed when nodePools lists a pool. Cannot change while Auto Mode compute is enabled.',
      ),
  })
  .describe("EKS Auto Mode compute (the API's computeConfig). Unset: provision leaves Auto Mode as it finds it.");

const capability = (what: string) => z.strictObject({ enabled: z.boolean().describe(`EKS Auto Mode ${what}: the same value as computeConfig.enabled.`) });

export const kubernetesNetworkConfigSchema = z
  .strictObject({
    elasticLoadBalancing: capability('load balancing (ALBs for Ingresses of class eks.amazonaws.com/alb, NLBs for LoadBalancer Services)').describe(
      'EKS Auto Mode load balancing.',
    ),
  })
  .describe("Kubernetes network settings EKS changes in place (the API's kubernetesNetworkConfig): Auto Mode load balancing.");

export const storageConfigSchema = z
  .strictObject({ blockStorage: capability('block storage (EBS volumes for PersistentVolumeClaims)').describe('EKS Auto Mode block storage.') })
  .describe("Storage settings (the API's storageConfig): Auto Mode block storage.");

const dnsLabel = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a Kubernetes namespace name: lower-case letters, digits and -, at most 63 characters');
const dnsSubdomain = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'expected a Kubernetes service account name: lower-case letters, digits, - and ., at most 253 characters',
  );

export const podIdentitySchema = z.strictObject({
  namespace: dnsLabel.describe('Namespace of the service account.'),
  serviceAccount: dnsSubdomain.describe('Service account whose pods get the role. EKS takes one association per namespace and service account.'),
  roleArn: iamRoleArn.describe(
    'IAM role the pods assume. Its trust policy must let pods.eks.amazonaws.com call sts:AssumeRole and sts:TagSession (EKS User Guide, "Create IAM role with trust policy required by EKS Pod Identity").',
  ),
  tags: tags.refine((map) => !(MANAGED_TAG in map), { message: `${MANAGED_TAG} is set by eks-pilot on the associations it creates` }),
});

export const SPEC_API_VERSION = 'eks-pilot/v1';

export const clusterSpecSchema = z
  .strictObject({
    apiVersion: z.literal(SPEC_API_VERSION).describe(`Spec format version. Always ${SPEC_API_VERSION}.`),
    kind: z.literal('Cluster').describe('Always Cluster.'),
    name: z
      .string()
      .regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, 'expected a cluster name: letters, digits, - and _, at most 100 characters')
      .describe('EKS cluster name. Cannot change once created.'),
    region: z
      .string()
      .superRefine((region, ctx) => {
        const problem = regionProblem(region);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe('AWS Region of the cluster: one the AWS SDK lists (us-east-1, sa-east-1, cn-north-1, us-gov-west-1, ...).'),
    version: kubernetesVersion.describe('Kubernetes minor version, quoted: "1.31". Upgrades go one minor version per step.'),
    roleArn: iamRoleArn.describe('IAM role the EKS control plane uses. Cannot change once created.'),
    assumeRoleArn: iamRoleArn.optional().describe("Role the functions assume to manage a cluster in another account. Unset: the functions' own role."),
    vpc: vpcSchema.describe('Control plane networking.'),
    logging: z
      .array(z.enum(LOG_TYPES))
      .default([])
      .describe('Control plane log types sent to CloudWatch Logs: api, audit, authenticator, controllerManager, scheduler. Default none.'),
    authenticationMode: z
      .enum(AUTHENTICATION_MODES)
      .default('API_AND_CONFIG_MAP')
      .describe(
        'How IAM principals authenticate: CONFIG_MAP, API_AND_CONFIG_MAP (default: keeps aws-auth working while access entries take over) or API. Moves one way only.',
      ),
    encryptionKeyArn: z
      .string()
      .regex(
        /^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/,
        'expected a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (EKS reports key ARNs, not aliases)',
      )
      .optional()
      .describe(
        'Your own KMS key for envelope encryption of Kubernetes API data (EKS encrypts with an AWS-owned key otherwise). Cannot be changed or removed once set.',
      ),
    tags,
    addons: z.array(addonSchema).default([]).describe('EKS add-ons.'),
    accessEntries: z.array(accessEntrySchema).default([]).describe('EKS access entries (needs authenticationMode API or API_AND_CONFIG_MAP).'),
    computeConfig: computeConfigSchema.optional(),
    kubernetesNetworkConfig: kubernetesNetworkConfigSchema.optional(),
    storageConfig: storageConfigSchema.optional(),
    podIdentities: z
      .array(podIdentitySchema)
      .optional()
      .describe(
        `EKS Pod Identity associations: an IAM role for the pods of a service account. Needs the ${POD_IDENTITY_AGENT} add-on, or Auto Mode (the agent is built in). Unset: provision reads and changes none; [] deletes those eks-pilot created (tagged ${MANAGED_TAG}: "true"). Associations without the tag are never changed or deleted.`,
      ),
    nodeGroups: z.array(nodeGroupSchema).default([]).describe('EKS managed node groups.'),
    pruneNodeGroups: z
      .boolean()
      .default(false)
      .describe('Delete node groups the spec no longer lists. Default false: provision never deletes what it was not told to.'),
    onDrift: z
      .enum(['report', 'remediate'])
      .default('report')
      .describe('What the scheduled drift check does when the cluster differs from the spec: report (default) or remediate.'),
    elasticIpPools: z
      .array(elasticIpPoolSchema)
      .default([])
      .describe(
        'Elastic IP pools eip-manager keeps whole: allocated, attached to nodes or a NAT gateway (or held for a load balancer), published to SSM, released only when the pool allows.',
      ),
    platform: z
      .strictObject({
        roleArn: iamRoleArn.describe(
          "IAM role deploy-worker assumes to apply the components: give it an access entry with a cluster-scoped policy (AmazonEKSClusterAdminPolicy), since the components create Namespaces, ClusterRoles and webhooks. The workloads keep deploy-worker's own, namespace-scoped entry.",
        ),
        components: z
          .array(platformComponentSchema)
          .min(1)
          .describe('The components, applied in this order, every Namespace of all of them first, on every deploy-worker run before any workload.'),
      })
      .optional()
      .describe(
        'Cluster-scoped components deploy applies before the workloads: the namespaces the workloads live in, and controllers such as Cluster Autoscaler or ingress-nginx, from pinned upstream manifests. Unset: none.',
      ),
    workloads: workloadsSchema,
    environments: environmentsSchema,
    alarms: z
      .array(alarmSchema)
      .default([])
      .describe(
        "CloudWatch metric alarms kept as code: scale-watch's scheduled run creates or updates them (PutMetricAlarm) in the cluster's Region and reports what had drifted.",
      ),
    scalingRules: z
      .array(scalingRuleSchema)
      .default([])
      .describe(
        "What scale-watch moves when an alarm fires: node group and HPA bounds, one step at a time within ceilings, back to the spec's values after the alarm has been OK for the hold time.",
      ),
  })
  .superRefine(checkCluster, always);

/** A cluster spec as written (before defaults). */
export type ClusterSpecInput = z.input<typeof clusterSpecSchema>;
/** A cluster spec with every default applied: what plans compare against. */
export type ClusterSpec = z.output<typeof clusterSpecSchema>;
export type NodeGroupSpec = ClusterSpec['nodeGroups'][number];
export type AddonSpec = ClusterSpec['addons'][number];
export type AccessEntrySpec = ClusterSpec['accessEntries'][number];
export type PodIdentitySpec = NonNullable<ClusterSpec['podIdentities']>[number];

/**
 * Whether the spec turns EKS Auto Mode on (false when it turns it off, undefined when it leaves it alone).
 *
 * @example
 * autoModeWanted({ ...spec, computeConfig: { enabled: true, nodePools: ['system'] } }); // true
 */
export function autoModeWanted(spec: Pick<ClusterSpec, 'computeConfig'>): boolean | undefined {
  return spec.computeConfig?.enabled;
}
export type PlatformSpec = NonNullable<ClusterSpec['platform']>;

function checkScaling(scaling: unknown, ctx: z.RefinementCtx): void {
  const { min, max, desired } = (scaling ?? {}) as Record<string, unknown>;
  if (typeof min !== 'number' || typeof max !== 'number') return;
  if (min > max) ctx.addIssue({ code: 'custom', path: ['min'], message: `min (${min}) must not exceed max (${max})` });
  if (typeof desired === 'number' && (desired < min || desired > max)) {
    ctx.addIssue({ code: 'custom', path: ['desired'], message: `desired (${desired}) must lie within [min, max] = [${min}, ${max}]` });
  }
}

function checkCluster(spec: unknown, ctx: z.RefinementCtx): void {
  const fields = (spec ?? {}) as Record<string, unknown>;
  uniqueBy(fields, 'nodeGroups', 'name', 'node group name', ctx);
  uniqueBy(fields, 'addons', 'name', 'add-on', ctx);
  uniqueBy(fields, 'accessEntries', 'principalArn', 'access entry principal', ctx);
  uniqueBy(fields, 'elasticIpPools', 'name', 'pool name', ctx);
  checkElasticIpPools(fields, ctx);
  checkWorkloads(fields, ctx);
  checkEnvironments(fields, ctx);
  checkScalingRules(fields, ctx);
  checkAutoMode(fields, ctx);
  checkPodIdentities(fields, ctx);
  for (const problem of [...autoscalerTagProblems(fields), ...platformProblems(fields)]) ctx.addIssue({ code: 'custom', ...problem });
  const entries = fields.accessEntries;
  if (fields.authenticationMode === 'CONFIG_MAP' && Array.isArray(entries) && entries.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['authenticationMode'],
      message: 'access entries need authenticationMode API or API_AND_CONFIG_MAP, not CONFIG_MAP',
    });
  }
}

/**
 * EKS's Auto Mode rules that the spec alone can show: the three capabilities set together and to
 * the same value ("must all be enabled or disabled in the same request", EKS User Guide, "Disable
 * EKS Auto Mode"), access entries on, Kubernetes 1.29 or later, a node role for the built-in pools.
 */
function checkAutoMode(fields: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const read = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined);
  const capabilities = [
    { path: ['computeConfig', 'enabled'], value: read(fields.computeConfig, 'enabled') },
    {
      path: ['kubernetesNetworkConfig', 'elasticLoadBalancing', 'enabled'],
      value: read(read(fields.kubernetesNetworkConfig, 'elasticLoadBalancing'), 'enabled'),
    },
    { path: ['storageConfig', 'blockStorage', 'enabled'], value: read(read(fields.storageConfig, 'blockStorage'), 'enabled') },
  ];
  const set = capabilities.filter((capability) => typeof capability.value === 'boolean');
  if (set.length === 0) return;
  const enabled = set[0]?.value === true;
  const together =
    'EKS Auto Mode takes computeConfig.enabled, kubernetesNetworkConfig.elasticLoadBalancing.enabled and storageConfig.blockStorage.enabled together, all true or all false';
  for (const capability of capabilities) {
    if (typeof capability.value !== 'boolean') {
      ctx.addIssue({ code: 'custom', path: capability.path, message: `${together}: set ${capability.path.join('.')}: ${String(enabled)}` });
    } else if (capability.value !== enabled) {
      ctx.addIssue({ code: 'custom', path: capability.path, message: `${together}: ${set[0]?.path.join('.') ?? ''} is ${String(enabled)}` });
    }
  }
  if (!enabled) return;
  if (fields.authenticationMode === 'CONFIG_MAP') {
    ctx.addIssue({
      code: 'custom',
      path: ['authenticationMode'],
      message: 'EKS Auto Mode needs access entries: authenticationMode API or API_AND_CONFIG_MAP, not CONFIG_MAP',
    });
  }
  const version = typeof fields.version === 'string' ? /^1\.(\d+)$/.exec(fields.version) : null;
  if (version && Number(version[1]) < Number(AUTO_MODE_MIN_VERSION.slice(2))) {
    ctx.addIssue({
      code: 'custom',
      path: ['version'],
      message: `EKS Auto Mode runs Kubernetes ${AUTO_MODE_MIN_VERSION} or later, not ${String(fields.version)}`,
    });
  }
  const pools = read(fields.computeConfig, 'nodePools');
  const poolsListed = pools === undefined || (Array.isArray(pools) && pools.length > 0);
  if (poolsListed && read(fields.computeConfig, 'nodeRoleArn') === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['computeConfig'],
      message: 'the built-in node pools need computeConfig.nodeRoleArn, the IAM role of the nodes Auto Mode launches (or nodePools: [] for none)',
    });
  }
}

/** One association per namespace and service account (EKS answers ResourceInUseException to a second); the agent present. */
function checkPodIdentities(fields: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const items = fields.podIdentities;
  if (!Array.isArray(items) || items.length === 0) return;
  const firstIndex = new Map<string, number>();
  items.forEach((item: unknown, index) => {
    const { namespace, serviceAccount } = (item ?? {}) as Record<string, unknown>;
    if (typeof namespace !== 'string' || typeof serviceAccount !== 'string') return;
    const key = `${namespace}/${serviceAccount}`;
    const first = firstIndex.get(key);
    if (first === undefined) firstIndex.set(key, index);
    else {
      ctx.addIssue({
        code: 'custom',
        path: ['podIdentities', index, 'serviceAccount'],
        message: `duplicate pod identity for service account ${key} (first at podIdentities[${first}]): EKS takes one association per namespace and service account`,
      });
    }
  });
  const addons = Array.isArray(fields.addons) ? (fields.addons as unknown[]) : [];
  const agent = addons.some((addon) => (addon as Record<string, unknown> | null)?.name === POD_IDENTITY_AGENT);
  const autoMode = (fields.computeConfig as Record<string, unknown> | undefined)?.enabled === true;
  if (!agent && !autoMode) {
    ctx.addIssue({
      code: 'custom',
      path: ['podIdentities'],
      message: `pod identities need the ${POD_IDENTITY_AGENT} add-on on the nodes: add "- name: ${POD_IDENTITY_AGENT}" under addons (EKS Auto Mode has the agent built in)`,
    });
  }
}

function uniqueBy(fields: Record<string, unknown>, list: string, key: string, what: string, ctx: z.RefinementCtx): void {
  const items = fields[list];
  if (!Array.isArray(items)) return;
  const firstIndex = new Map<unknown, number>();
  items.forEach((item: unknown, index) => {
    const value = (item as Record<string, unknown> | null)?.[key];
    if (typeof value !== 'string') return;
    const first = firstIndex.get(value);
    if (first === undefined) firstIndex.set(value, index);
    else ctx.addIssue({ code: 'custom', path: [list, index, key], message: `duplicate ${what} "${value}" (first at ${list}[${first}])` });
  });
}
