/**
 * The EKS access policies an access entry may name, as the EKS User Guide lists them ("Review
 * access policy permissions", https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html,
 * read 2026-12-01 with its change log up to "Add AmazonEKSSecretReaderPolicy", November 6, 2025).
 * `aws eks list-access-policies` gives the live list; EKS adds policies now and then, so a name
 * missing here is added here, with the date.
 */

/** Policies a customer's access entry may be associated with. */
export const EKS_ACCESS_POLICIES = [
  'AmazonAIOpsAssistantPolicy',
  'AmazonARCRegionSwitchScalingPolicy',
  'AmazonEKSAdminPolicy',
  'AmazonEKSAdminViewPolicy',
  'AmazonEKSAutoNodePolicy',
  'AmazonEKSClusterAdminPolicy',
  'AmazonEKSEditPolicy',
  'AmazonEKSLoadBalancingClusterPolicy',
  'AmazonEKSLoadBalancingPolicy',
  'AmazonEKSNetworkingClusterPolicy',
  'AmazonEKSNetworkingPolicy',
  'AmazonEKSSecretReaderPolicy',
  'AmazonEKSViewPolicy',
] as const;

/** Policies the guide marks "designated for AWS service-linked roles only and cannot be used with customer-managed roles". */
export const SERVICE_LINKED_ONLY_POLICIES = [
  'AmazonEKSBlockStorageClusterPolicy',
  'AmazonEKSBlockStoragePolicy',
  'AmazonEKSClusterInsightsPolicy',
  'AmazonEKSComputeClusterPolicy',
  'AmazonEKSComputePolicy',
  'AmazonEKSHybridPolicy',
] as const;

const POLICY_ARN = /^arn:aws[\w-]*:eks::aws:cluster-access-policy\/([A-Za-z0-9]+)$/;

/**
 * Why an access entry's `policy` (a name, or its ARN) is not one EKS has for it, or undefined.
 *
 * @example
 * accessPolicyProblem('AmazonEKSViewPolicy'); // undefined
 * accessPolicyProblem('AmazonEKSReadOnlyPolicy'); // 'no EKS access policy "AmazonEKSReadOnlyPolicy" ...'
 */
export function accessPolicyProblem(policy: string): string | undefined {
  const name = policy.startsWith('arn:') ? POLICY_ARN.exec(policy)?.[1] : policy;
  if (name === undefined) return 'expected an EKS access policy such as AmazonEKSClusterAdminPolicy, or its ARN arn:aws:eks::aws:cluster-access-policy/<name>';
  if ((EKS_ACCESS_POLICIES as readonly string[]).includes(name)) return undefined;
  if ((SERVICE_LINKED_ONLY_POLICIES as readonly string[]).includes(name)) {
    return `${name} is designated for AWS service-linked roles only and cannot be associated with an access entry of yours`;
  }
  return `no EKS access policy "${name.slice(0, 128)}": expected one of ${EKS_ACCESS_POLICIES.join(', ')} (EKS User Guide, "Review access policy permissions")`;
}
