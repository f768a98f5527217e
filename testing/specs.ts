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
