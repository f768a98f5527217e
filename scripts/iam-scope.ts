/**
 * What the functions' roles may touch, derived from the specs when `serverless package` runs
 * (scripts/serverless-local.cjs serves it as the `${specs:...}` variables of serverless.yml): the
 * specs' clusters, node groups and add-ons by Region and account, the cluster and node roles
 * provision passes to EKS, the alarms scale-watch keeps, the NAT gateways eip-manager adds addresses
 * to, the Pod Identity associations and the roles they give pods, and the cross-account roles the
 * functions assume. Each list may be widened by a parameter
 * ({@link IamWidening}); a list left empty drops its statement from the template.
 *
 * A cluster with `assumeRoleArn` is managed through that role only: its own resources are granted
 * by the assumed role's policy in the other account, and this stack's roles get `sts:AssumeRole`
 * on it and nothing else for it.
 */
import type { ClusterSpec } from '../shared/model/cluster-spec/schema';

/** What a deployment adds to the specs' lists (the `serverless.yml` parameters, comma-separated). */
export interface IamWidening {
  /** `clusterNames`: clusters in any Region and account of the partition (`*` for every one). */
  clusterNames: readonly string[];
  /** `passRoleArns`: further IAM roles provision may pass to EKS. */
  passRoleArns: readonly string[];
  /** `assumeRoleArns`: further roles the functions may assume. */
  assumeRoleArns: readonly string[];
  /** `alarmPrefix`: alarms under this prefix scale-watch hears and may create or update. */
  alarmPrefixes: readonly string[];
  /** `natGatewayIds`: further NAT gateways (any Region and account) eip-manager may add addresses to. */
  natGatewayIds: readonly string[];
  /** `kmsKeyArns`: the customer managed keys the webhook secret and the workloads' secrets are encrypted with. */
  kmsKeyArns: readonly string[];
  /** `driftTopicArn`: the topic provision tells of new drift (not a widening: the only source). */
  driftTopicArns: readonly string[];
  /** `scaleTopicArn`: the topic scale-watch tells of the bounds it moves (the only source). */
  scaleTopicArns: readonly string[];
  /** `notifyTopicArn`: the topic deploy-worker, eip-manager and scale-watch tell of their events (the only source). */
  notifyTopicArns: readonly string[];
  /** `githubToken`: where deploy-worker reads its GitHub token (`ssm:<name>` or `secretsmanager:<id>`); none, no read is granted. */
  githubTokens: readonly string[];
}

/** One entry of an EventBridge pattern's list: an exact value or a content filter. */
export type PatternEntry = string | { prefix: string } | { exists: boolean };

/** Every list the roles and the alarm rule name; see serverless.yml for which statement takes which. */
export interface IamScope {
  clusterArns: string[];
  /** Every node group of the clusters: provision lists, describes and may prune them. */
  nodegroupArns: string[];
  /** The node groups the scaling rules move (scale-watch). */
  scaledNodegroupArns: string[];
  /**
   * The Auto Scaling groups EKS makes for the specs' node groups (`eks-<node group>-<id>`), whose
   * Cluster Autoscaler tags provision writes; the statement also requires the group's
   * `eks:cluster-name` tag to be one of {@link IamScope.clusterNames}.
   */
  autoScalingGroupArns: string[];
  /** The clusters' names, own and widened: the `aws:ResourceTag/eks:cluster-name` values of the Auto Scaling statement. */
  clusterNames: string[];
  addonArns: string[];
  accessEntryArns: string[];
  /** The clusters with `podIdentities` and their associations (`podidentityassociation/<cluster>/*`): provision lists, creates, updates, deletes them. */
  podIdentityArns: string[];
  /** Cluster, node (managed node groups and Auto Mode) and add-on roles, passed to eks.amazonaws.com. */
  passRoleArns: string[];
  /** The specs' `podIdentities` roles, passed to pods.eks.amazonaws.com (EKS User Guide, "Assign an IAM role to a Kubernetes service account"). */
  podRoleArns: string[];
  assumeRoleArns: string[];
  /** The specs' `platform.roleArn`s: deploy-worker signs the platform components' token as them. */
  platformRoleArns: string[];
  /** The specs' `encryptionKeyArn`s (CreateCluster asks KMS for a grant through EKS). */
  encryptionKeyArns: string[];
  /** The alarms scale-watch creates or updates: the specs' `alarms`, and the `alarmPrefix` widening. */
  alarmArns: string[];
  /** The scale-watch alarm rule's `detail.alarmName` list: the alarms the rules name or prefix. */
  alarmNamePattern: PatternEntry[];
  natGatewayArns: string[];
  kmsKeyArns: string[];
  driftTopicArns: string[];
  scaleTopicArns: string[];
  notifyTopicArns: string[];
  /** The GitHub token's SSM parameter, under the stage's `/eks-pilot/<stage>/github-token*` names, when `githubToken` names one. */
  githubTokenParameterArns: string[];
  /** The GitHub token's secret, under the stage's `eks-pilot/<stage>/github-token*` names, when `githubToken` names one. */
  githubTokenSecretArns: string[];
  /** The Secrets Manager secrets the workloads' Secrets are rendered from (deploy-worker). */
  workloadSecretArns: string[];
  /** The SSM SecureString parameters the workloads' Secrets are rendered from (deploy-worker). */
  workloadParameterArns: string[];
  /** `kms:ViaService` values for decrypting secrets: SSM and Secrets Manager in each Region secrets are read in. */
  secretServices: string[];
}

/** Never matches an alarm event (each has an alarmName): the rule stays, hearing nothing. */
export const NO_ALARMS: PatternEntry = { exists: false };

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/** `arn:<partition>:iam::<account>:role/<name>` -> its partition and account. */
function partitionAndAccount(roleArn: string): { partition: string; account: string } {
  const [, partition = 'aws', , , account = '*'] = roleArn.split(':');
  return { partition, account };
}

/**
 * The roles' scope for a set of specs and a deployment's widening. Throws when a spec would have the
 * functions assume one of this stack's own roles (`<service>-<stage>-*`).
 *
 * @example
 * iamScopeOf([spec], NO_WIDENING, { service: 'eks-pilot', stage: 'dev', region: 'us-east-1' }).clusterArns;
 * // ['arn:aws:eks:sa-east-1:111122223333:cluster/financial-move']
 */
export function iamScopeOf(specs: readonly ClusterSpec[], widening: IamWidening, stack: { service: string; stage: string; region: string }): IamScope {
  const own = specs.filter((spec) => spec.assumeRoleArn === undefined);
  const eks = (spec: ClusterSpec, resource: string): string => {
    const { partition, account } = partitionAndAccount(spec.roleArn);
    return `arn:${partition}:eks:${spec.region}:${account}:${resource}`;
  };
  const anyEks = (resource: string): string => `arn:aws:eks:*:*:${resource}`;

  const ownRolePrefix = `${stack.service}-${stack.stage}-`;
  const assumeRoleArns = sorted([...specs.flatMap((spec) => (spec.assumeRoleArn === undefined ? [] : [spec.assumeRoleArn])), ...widening.assumeRoleArns]);
  for (const arn of assumeRoleArns) {
    const roleName =
      arn
        .slice(arn.indexOf(':role/') + ':role/'.length)
        .split('/')
        .pop() ?? '';
    if (roleName.startsWith(ownRolePrefix) || roleName === '*') {
      throw new Error(`assumeRoleArn ${arn} names one of this stack's own roles (${ownRolePrefix}*): the functions never assume their own roles`);
    }
  }

  const alarmArns = own.flatMap((spec) => {
    const { partition, account } = partitionAndAccount(spec.roleArn);
    return spec.alarms.map((alarm) => `arn:${partition}:cloudwatch:${spec.region}:${account}:alarm:${alarm.name}`);
  });
  const alarmNames = sorted(
    specs.flatMap((spec) => [
      ...spec.alarms.map((alarm) => alarm.name),
      ...spec.scalingRules.flatMap((rule) => (rule.alarm === undefined ? [] : [rule.alarm])),
    ]),
  );
  const alarmPrefixes = sorted([
    ...specs.flatMap((spec) => spec.scalingRules.flatMap((rule) => (rule.alarmPrefix === undefined ? [] : [rule.alarmPrefix]))),
    ...widening.alarmPrefixes,
  ]);
  const alarmNamePattern: PatternEntry[] = [...alarmNames, ...alarmPrefixes.map((prefix) => ({ prefix }))];

  return {
    clusterArns: sorted([...own.map((spec) => eks(spec, `cluster/${spec.name}`)), ...widening.clusterNames.map((name) => anyEks(`cluster/${name}`))]),
    nodegroupArns: sorted([
      ...own.map((spec) => eks(spec, `nodegroup/${spec.name}/*/*`)),
      ...widening.clusterNames.map((name) => anyEks(`nodegroup/${name}/*/*`)),
    ]),
    scaledNodegroupArns: sorted([
      ...own.flatMap((spec) => spec.scalingRules.flatMap((rule) => rule.nodeGroups.map((group) => eks(spec, `nodegroup/${spec.name}/${group.name}/*`)))),
      ...widening.clusterNames.map((name) => anyEks(`nodegroup/${name}/*/*`)),
    ]),
    autoScalingGroupArns: sorted([
      ...own.flatMap((spec) => {
        const { partition, account } = partitionAndAccount(spec.roleArn);
        return spec.nodeGroups.map(
          (group) => `arn:${partition}:autoscaling:${spec.region}:${account}:autoScalingGroup:*:autoScalingGroupName/eks-${group.name}-*`,
        );
      }),
      ...(widening.clusterNames.length > 0 ? ['arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/eks-*'] : []),
    ]),
    clusterNames: sorted([...own.map((spec) => spec.name), ...widening.clusterNames]),
    addonArns: sorted([
      ...own.flatMap((spec) => spec.addons.map((addon) => eks(spec, `addon/${spec.name}/${addon.name}/*`))),
      ...widening.clusterNames.map((name) => anyEks(`addon/${name}/*/*`)),
    ]),
    accessEntryArns: sorted([
      ...own.filter((spec) => spec.accessEntries.length > 0).map((spec) => eks(spec, `access-entry/${spec.name}/*`)),
      ...widening.clusterNames.map((name) => anyEks(`access-entry/${name}/*`)),
    ]),
    podIdentityArns: sorted(
      own
        .filter((spec) => spec.podIdentities !== undefined)
        .flatMap((spec) => [eks(spec, `cluster/${spec.name}`), eks(spec, `podidentityassociation/${spec.name}/*`)]),
    ),
    passRoleArns: sorted([
      ...own.flatMap((spec) => [
        spec.roleArn,
        ...spec.nodeGroups.map((group) => group.nodeRoleArn),
        ...(spec.computeConfig?.nodeRoleArn === undefined ? [] : [spec.computeConfig.nodeRoleArn]),
        ...spec.addons.flatMap((addon) => (addon.serviceAccountRoleArn === undefined ? [] : [addon.serviceAccountRoleArn])),
      ]),
      ...widening.passRoleArns,
    ]),
    podRoleArns: sorted(own.flatMap((spec) => (spec.podIdentities ?? []).map((identity) => identity.roleArn))),
    assumeRoleArns,
    platformRoleArns: sorted(specs.flatMap((spec) => (spec.platform === undefined ? [] : [spec.platform.roleArn]))),
    encryptionKeyArns: sorted(own.flatMap((spec) => (spec.encryptionKeyArn === undefined ? [] : [spec.encryptionKeyArn]))),
    alarmArns: sorted([...alarmArns, ...widening.alarmPrefixes.map((prefix) => `arn:aws:cloudwatch:*:*:alarm:${prefix}*`)]),
    alarmNamePattern: alarmNamePattern.length > 0 ? alarmNamePattern : [NO_ALARMS],
    natGatewayArns: sorted([
      ...own.flatMap((spec) => {
        const { partition, account } = partitionAndAccount(spec.roleArn);
        return spec.elasticIpPools.flatMap((pool) =>
          'natGatewayId' in pool.attachTo ? [`arn:${partition}:ec2:${spec.region}:${account}:natgateway/${pool.attachTo.natGatewayId}`] : [],
        );
      }),
      ...widening.natGatewayIds.map((id) => `arn:aws:ec2:*:*:natgateway/${id}`),
    ]),
    ...workloadSourceArns(specs),
    kmsKeyArns: sorted(widening.kmsKeyArns),
    driftTopicArns: sorted(widening.driftTopicArns),
    scaleTopicArns: sorted(widening.scaleTopicArns),
    notifyTopicArns: sorted(widening.notifyTopicArns),
    ...githubTokenArns(widening.githubTokens, stack.stage),
    secretServices: sorted(
      [stack.region, ...specs.map((spec) => spec.region)].flatMap((region) => [`ssm.${region}.amazonaws.com`, `secretsmanager.${region}.amazonaws.com`]),
    ),
  };
}

/**
 * The workloads' Secret sources, read with the function's own role in each cluster's Region (so in
 * any cluster's, assumed or not). A secret named without an ARN gets Secrets Manager's six-character
 * suffix as `-??????`, as the Secrets Manager user guide advises for policies ("ARN of a secret":
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html).
 *
 * @example
 * workloadSourceArns([spec]).workloadSecretArns; // ['arn:aws:secretsmanager:sa-east-1:*:secret:eks-pilot/prod/workers-secret-??????']
 */
function workloadSourceArns(specs: readonly ClusterSpec[]): Pick<IamScope, 'workloadSecretArns' | 'workloadParameterArns'> {
  const secrets: string[] = [];
  const parameters: string[] = [];
  for (const spec of specs) {
    const { partition } = partitionAndAccount(spec.roleArn);
    for (const source of spec.workloads.flatMap((workload) => workload.secrets)) {
      if (source.secretsManager !== undefined) {
        secrets.push(
          source.secretsManager.startsWith('arn:')
            ? source.secretsManager
            : `arn:${partition}:secretsmanager:${spec.region}:*:secret:${source.secretsManager}-??????`,
        );
      }
      for (const name of Object.values(source.ssm ?? {})) parameters.push(`arn:${partition}:ssm:${spec.region}:*:parameter${name}`);
    }
  }
  return { workloadSecretArns: sorted(secrets), workloadParameterArns: sorted(parameters) };
}

/**
 * The GitHub token's read, only when `githubToken` is set and only of the kind it names (an SSM
 * parameter or a Secrets Manager secret), scoped to the stage's own `github-token` names whatever
 * the parameter says: a token elsewhere is not readable (serverless.yml documents those names).
 *
 * @example
 * githubTokenArns(['ssm:/eks-pilot/dev/github-token'], 'dev').githubTokenParameterArns; // ['arn:aws:ssm:*:*:parameter/eks-pilot/dev/github-token*']
 */
function githubTokenArns(places: readonly string[], stage: string): Pick<IamScope, 'githubTokenParameterArns' | 'githubTokenSecretArns'> {
  const kinds = new Set(places.map((place) => /^(ssm|secretsmanager):/.exec(place.trim())?.[1]));
  return {
    githubTokenParameterArns: kinds.has('ssm') ? [`arn:aws:ssm:*:*:parameter/eks-pilot/${stage}/github-token*`] : [],
    githubTokenSecretArns: kinds.has('secretsmanager') ? [`arn:aws:secretsmanager:*:*:secret:eks-pilot/${stage}/github-token*`] : [],
  };
}

/**
 * A comma-separated parameter as a list: `'a, b'` -> `['a', 'b']`, `''` -> `[]`.
 *
 * @example
 * listParameter('arn:aws:iam::1:role/a,arn:aws:iam::1:role/b'); // two ARNs
 */
export function listParameter(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
