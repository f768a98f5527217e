/**
 * The Kubernetes layer deploy and scale-watch share: connect, then apply / get / patch / list.
 *
 * @example
 * import { connectToCluster, KubernetesConflictError } from './';
 *
 * const k8s = await connectToCluster({ clusterName: 'payments', region: 'eu-west-1', eks });
 * await k8s.patch('keda.sh/v1alpha1', 'ScaledObject', 'shop', 'web', { spec: { maxReplicaCount: 12 } }, { fieldManager: 'eks-pilot-scale-watch' });
 */
export { connectToCluster } from './connect';
export type { ClusterAccess, ClusterReader, ConnectOptions } from './connect';
export type { ApplyOptions, KubernetesObject, KubernetesPort, KubernetesTarget, ObjectMeta, PatchOptions } from '../../ports/kubernetes';
export { KubernetesAdapter, APPLY_PATCH, MERGE_PATCH, LIST_PAGE_SIZE } from './adapter';
export { KubernetesHttpClient, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS } from './client';
export type { BearerTokenSource, KubernetesEndpoint, KubernetesHttpClientOptions, KubernetesHttpRequest, KubernetesHttpResponse } from './client';
export { CLUSTER_ID_HEADER, EKS_TOKEN_PREFIX, EKS_TOKEN_REUSE_MS, EksTokenCache, PRESIGN_EXPIRES_SECONDS, createEksToken, stsEndpoint } from './eks-token';
export type { AwsCredentials, AwsCredentialsProvider, EksTokenCacheOptions, EksTokenRequest } from './eks-token';
export { loadKubeconfig } from './kubeconfig';
export type { KubeconfigTarget } from './kubeconfig';
export { KNOWN_KINDS, resourceFor, resourcePath } from '../../ports/kubernetes-resources';
export type { ResolvedResource, ResourceType } from '../../ports/kubernetes-resources';
export {
  ClusterUnavailableError,
  InvalidObjectError,
  KubeconfigError,
  KubernetesAccessError,
  KubernetesCallError,
  KubernetesConflictError,
  KubernetesNotFoundError,
  KubernetesUnreachableError,
  UnsupportedKindError,
} from '../../ports/kubernetes-errors';
export type { KubernetesCallContext } from '../../ports/kubernetes-errors';
