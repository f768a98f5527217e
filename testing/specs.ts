/**
 * The one builder of small cluster specs for tests and the bench: the required fields, a VPC of
 * two subnets and the node groups asked for, as the YAML a user writes, so the loader's file:line
 * messages point at real lines. Add-ons, pools, alarms and rules are appended by the caller.
 */
import { parseSpec } from '../shared/model/cluster-spec/load';
import type { ClusterSpec } from '../shared/model/cluster-spec/schema';

/** A node group of the minimal spec: its name and scaling bounds. */
export interface MinimalNodeGroup {
  name: string;
  min: number;
  max: number;
}

export interface MinimalSpecOptions {
  name: string;
  region: string;
  /** `"1.33"` unless said. */
  version?: string;
  /** The account of the cluster and node roles: `111122223333` unless said. */
  account?: string;
  /** Top-level lines written after `vpc` and before `nodeGroups` (e.g. `logging: [api, audit]`). */
  extra?: readonly string[];
  nodeGroups: readonly MinimalNodeGroup[];
}

/**
 * The YAML of a minimal spec, ending with a newline, so sections can be appended.
 *
 * @example
 * const text = `${minimalSpecYaml({ name: 'payments', region: 'sa-east-1', nodeGroups: [{ name: 'prod-ng', min: 2, max: 4 }] })}elasticIpPools:\n${pools}`;
 */
export function minimalSpecYaml(options: MinimalSpecOptions): string {
  const account = options.account ?? '111122223333';
  return [
    'apiVersion: eks-pilot/v1',
    'kind: Cluster',
    `name: ${options.name}`,
    `region: ${options.region}`,
    `version: "${options.version ?? '1.33'}"`,
    `roleArn: arn:aws:iam::${account}:role/${options.name}-cluster`,
    'vpc:',
    '  subnetIds: [subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2]',
    ...(options.extra ?? []),
    'nodeGroups:',
    ...options.nodeGroups.flatMap((group) => [
      `  - name: ${group.name}`,
      `    nodeRoleArn: arn:aws:iam::${account}:role/${options.name}-node`,
      `    scaling: { min: ${String(group.min)}, max: ${String(group.max)} }`,
    ]),
    '',
  ].join('\n');
}

/**
 * A spec parsed from text that must be valid: the loader's issues become the thrown message.
 *
 * @example
 * const spec = parseSpecOrThrow(minimalSpecYaml({ name: 'shop', region: 'eu-west-1', nodeGroups: [{ name: 'web-ng', min: 2, max: 4 }] }));
 */
export function parseSpecOrThrow(text: string, file = 'inline.yaml'): ClusterSpec {
  const parsed = parseSpec(text, file);
  if (!parsed.ok) throw new Error(parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  return parsed.spec;
}

/** The lines of an EKS Auto Mode spec: the three capabilities on, both built-in node pools, a node role in `account`. */
export function autoModeLines(name: string, account = '111122223333', enabled = true): string[] {
  return [
    'authenticationMode: API',
    'computeConfig:',
    `  enabled: ${String(enabled)}`,
    '  nodePools: [general-purpose, system]',
    `  nodeRoleArn: arn:aws:iam::${account}:role/${name}-auto-node`,
    'kubernetesNetworkConfig:',
    `  elasticLoadBalancing: { enabled: ${String(enabled)} }`,
    'storageConfig:',
    `  blockStorage: { enabled: ${String(enabled)} }`,
  ];
}

/** The lines of a `podIdentities` section: one association per `namespace/serviceAccount`, its role named after the service account. */
export function podIdentityLines(serviceAccounts: readonly string[], account = '111122223333'): string[] {
  return [
    'podIdentities:',
    ...serviceAccounts.flatMap((key) => {
      const [namespace = '', serviceAccount = ''] = key.split('/');
      return [`  - namespace: ${namespace}`, `    serviceAccount: ${serviceAccount}`, `    roleArn: arn:aws:iam::${account}:role/${serviceAccount}-pods`];
    }),
  ];
}

/**
 * A cluster on EKS Auto Mode with two Pod Identity associations and no node groups: the Auto Mode
 * test spec (no example turns Auto Mode on).
 *
 * @example
 * const spec = autoModeSpec();
 * spec.computeConfig?.nodePools; // ['general-purpose', 'system']
 */
export function autoModeSpec(name = 'auto'): ClusterSpec {
  const yaml = minimalSpecYaml({
    name,
    region: 'eu-west-1',
    extra: [...autoModeLines(name), ...podIdentityLines(['kube-system/cluster-autoscaler', 'shop/orders'])],
    nodeGroups: [],
  }).replace('nodeGroups:\n', 'nodeGroups: []\n');
  return parseSpecOrThrow(yaml, `${name}.yaml`);
}
