/**
 * The `platform` section of a cluster spec: cluster-scoped components (namespaces, controllers
 * such as Cluster Autoscaler and ingress-nginx) that deploy applies before any workload, with a
 * role of their own. The workloads keep their namespace-scoped access; the platform's role needs a
 * cluster-scoped access entry, because its manifests create Namespaces, ClusterRoles,
 * ClusterRoleBindings, IngressClasses and webhook configurations, which no namespace-scoped policy
 * covers. Its schema sits in schema.ts (it takes the IAM role ARN rule); the cross-field checks are
 * here.
 */
import * as z from 'zod';

export { PLATFORM_LABEL } from './runtime';
import { dnsLabel, manifestsFolder } from './workloads';

export const platformComponentSchema = z.strictObject({
  name: dnsLabel.describe('Component name, unique in the cluster (cluster-autoscaler, ingress-nginx, namespaces, ...): the label on what it applies.'),
  manifests: manifestsFolder.describe(
    'Folder of Kubernetes manifests, relative to the spec file and inside its folder, as for a workload. Every container image must be pinned to a version or a digest (not `latest`).',
  ),
  serviceAccounts: z
    .array(
      z.strictObject({
        namespace: dnsLabel.describe('Namespace of the service account.'),
        name: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'expected a Kubernetes object name')
          .describe('Service account name.'),
      }),
    )
    .default([])
    .describe(
      "Service accounts of the component that call AWS. Each gets its IAM role through an EKS Pod Identity association in the spec's `podIdentities` (namespace, serviceAccount, roleArn).",
    ),
});

export type PlatformComponentSpec = z.output<typeof platformComponentSchema>;

type PathSegment = string | number;

/**
 * Cross-field checks of `platform`, run from the cluster's `checkCluster` on input that may be
 * malformed: unique component names; an access entry for the platform's role with a cluster-scoped
 * policy (or Kubernetes groups the user binds); and, where the spec has `podIdentities`, one for
 * every service account a component names.
 *
 * @example
 * platformProblems({ platform: { roleArn, components: [] }, accessEntries: [] });
 * // [{ path: ['platform', 'roleArn'], message: 'platform components are applied cluster-wide: ...' }]
 */
export function platformProblems(fields: Record<string, unknown>): { path: PathSegment[]; message: string }[] {
  const platform = fields.platform;
  if (typeof platform !== 'object' || platform === null) return [];
  const { roleArn, components } = platform as { roleArn?: unknown; components?: unknown };
  const problems: { path: PathSegment[]; message: string }[] = [];
  const list = Array.isArray(components) ? (components as unknown[]) : [];
  const seen = new Map<string, number>();
  list.forEach((item, index) => {
    const name = (item as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, index);
    else problems.push({ path: ['platform', 'components', index, 'name'], message: `duplicate component name "${name}" (first at components[${first}])` });
  });
  if (typeof roleArn === 'string') {
    const entries = Array.isArray(fields.accessEntries) ? (fields.accessEntries as unknown[]) : [];
    const entry = entries.find((item) => (item as { principalArn?: unknown } | null)?.principalArn === roleArn) as
      { accessPolicies?: unknown; kubernetesGroups?: unknown } | undefined;
    const policies = Array.isArray(entry?.accessPolicies) ? (entry.accessPolicies as { namespaces?: unknown }[]) : [];
    const groups = Array.isArray(entry?.kubernetesGroups) ? (entry.kubernetesGroups as unknown[]) : [];
    const clusterScoped = policies.some((policy) => policy.namespaces === undefined) || groups.length > 0;
    if (!clusterScoped) {
      problems.push({
        path: ['platform', 'roleArn'],
        message: `platform components are applied cluster-wide: accessEntries needs an entry for ${roleArn} with a cluster-scoped access policy (AmazonEKSClusterAdminPolicy, no namespaces) or Kubernetes groups you bind${entry === undefined ? '' : '; its entry has only namespace-scoped policies'}`,
      });
    }
  }
  const identities = fields.podIdentities;
  if (Array.isArray(identities)) {
    list.forEach((item, index) => {
      const accounts = (item as { serviceAccounts?: unknown } | null)?.serviceAccounts;
      if (!Array.isArray(accounts)) return;
      (accounts as { namespace?: unknown; name?: unknown }[]).forEach((account, accountIndex) => {
        const covered = (identities as { namespace?: unknown; serviceAccount?: unknown }[]).some(
          (identity) => identity.namespace === account.namespace && identity.serviceAccount === account.name,
        );
        if (!covered && typeof account.name === 'string' && typeof account.namespace === 'string') {
          problems.push({
            path: ['platform', 'components', index, 'serviceAccounts', accountIndex],
            message: `no podIdentities entry gives ${account.namespace}/${account.name} an IAM role: add { namespace: ${account.namespace}, serviceAccount: ${account.name}, roleArn: ... }`,
          });
        }
      });
    });
  }
  return problems;
}
