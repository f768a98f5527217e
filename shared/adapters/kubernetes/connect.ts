import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { EksReads } from '../../ports/eks';
import { DEFAULT_SESSION_NAME } from '../aws/clients';
import { UpstreamError } from '../../errors';
import type { AwsEndpoints } from '../../config';
import { KubernetesAdapter } from './adapter';
import { KubernetesHttpClient } from './client';
import type { BearerTokenSource, KubernetesHttpClientOptions } from './client';
import { EksTokenCache } from './eks-token';
import type { AwsCredentialsProvider } from './eks-token';
import { ClusterUnavailableError } from '../../ports/kubernetes-errors';
import { loadKubeconfig } from './kubeconfig';
import type { KubernetesPort } from '../../ports/kubernetes';

/** What connecting needs of the EKS port: DescribeCluster only. `EksAdapter` is one. */
export type ClusterReader = Pick<EksReads, 'describeCluster'>;

/** The endpoint and CA as DescribeCluster answers them (`cluster.endpoint`, `cluster.certificateAuthority.data`). */
export interface ClusterAccess {
  endpoint: string;
  /** Base64 of the PEM CA bundle, exactly as EKS returns it. */
  certificateAuthorityData: string;
}

export interface ConnectOptions {
  /** The EKS cluster: named in the token's `x-k8s-aws-id`, in errors and in logs. */
  clusterName: string;
  /** The cluster's region: where its STS endpoint and signing scope are. */
  region: string;
  /** Endpoint and CA when the caller has them already; else `eks` is asked. */
  cluster?: ClusterAccess;
  /** Asked for the endpoint and CA (DescribeCluster) when `cluster` is not given. */
  eks?: ClusterReader;
  /** Who signs the token. Default: the function's own credentials (the Node provider chain), or `assumeRoleArn`'s. */
  credentials?: AwsCredentialsProvider;
  /** IAM role to assume for the token (the role the cluster's access entry names); used when `credentials` is not given. */
  assumeRoleArn?: string;
  /** Shared token cache (one per container); default a new one for this connection. */
  tokens?: EksTokenCache;
  /** Clock for token dates and reuse; default `() => new Date()`. */
  now?: () => Date;
  /** The settings' `KUBECONFIG` (one path, or several joined by the path delimiter); when set and not empty, it wins over EKS. */
  kubeconfig?: string;
  /** The settings' configured AWS endpoints, which the STS host of the token follows; default none. */
  endpoints?: AwsEndpoints;
  /** Per-request timeout and answer size limit. */
  http?: KubernetesHttpClientOptions;
}

/**
 * Connects to a cluster's Kubernetes API and returns the narrow {@link KubernetesPort}.
 *
 * - `KUBECONFIG` set (non-empty): its current context wins over EKS, for local use against any
 *   cluster (kind, minikube); server, CA and token or client certificate come from the file, and
 *   nothing is asked of AWS. Exec plugins and auth-providers are refused (KubeconfigError).
 * - Otherwise EKS: the endpoint and CA from `cluster` or DescribeCluster, and a bearer token made as
 *   aws-iam-authenticator makes it (a presigned STS GetCallerIdentity URL, see eks-token.ts), reused
 *   for under 14 minutes and re-signed once after a 401.
 *
 * Build it once per container and cluster in the composition root (like an SDK client): it holds a
 * kept-alive connection and the token cache.
 *
 * @throws ClusterUnavailableError when DescribeCluster finds no cluster, or one without an endpoint yet.
 * @throws KubeconfigError when `KUBECONFIG` cannot be used.
 * @example
 * import { EKSClient } from '@aws-sdk/client-eks';
 * import { EksAdapter } from '../aws/eks';
 *
 * const eks = new EksAdapter(awsClient(EKSClient, { region: 'eu-west-1' }));
 * const k8s = await connectToCluster({ clusterName: 'payments', region: 'eu-west-1', eks });
 * await k8s.apply(deployment, { fieldManager: 'eks-pilot-deploy', force: true });
 * const hpa = await k8s.get('autoscaling/v2', 'HorizontalPodAutoscaler', 'shop', 'web'); // null when absent
 */
export async function connectToCluster(options: ConnectOptions): Promise<KubernetesPort> {
  const kubeconfig = options.kubeconfig;
  if (kubeconfig !== undefined && kubeconfig !== '') {
    const target = await loadKubeconfig(kubeconfig);
    const token = target.token;
    const auth: BearerTokenSource | undefined = token === undefined ? undefined : { token: () => Promise.resolve(token) };
    const client = new KubernetesHttpClient(target.endpoint, auth, options.http);
    return new KubernetesAdapter(
      client,
      { cluster: target.contextName, server: target.endpoint.server, via: 'kubeconfig' },
      `Check the credentials and RBAC of context "${target.contextName}" in ${target.file} (KUBECONFIG overrides EKS).`,
    );
  }

  const { clusterName, region } = options;
  const access = options.cluster ?? (await describe(options));
  const now = options.now ?? (() => new Date());
  const tokens =
    options.tokens ??
    new EksTokenCache({
      region,
      credentials: options.credentials ?? defaultCredentials(options),
      now,
      ...(options.endpoints ? { endpoints: options.endpoints } : {}),
    });
  const auth: BearerTokenSource = {
    token: async () => {
      try {
        return await tokens.token(clusterName);
      } catch (error) {
        throw new UpstreamError(`cannot sign an EKS token for cluster ${clusterName}: no usable AWS credentials`, {
          cause: error,
          context: { cluster: clusterName, region },
        });
      }
    },
    invalidate: () => {
      tokens.invalidate(clusterName);
    },
  };
  const endpoint = {
    cluster: clusterName,
    server: access.endpoint,
    caData: Buffer.from(access.certificateAuthorityData, 'base64').toString('utf8'),
  };
  const client = new KubernetesHttpClient(endpoint, auth, options.http);
  const role = options.assumeRoleArn ?? "the function's IAM role";
  return new KubernetesAdapter(
    client,
    { cluster: clusterName, server: access.endpoint, via: 'eks' },
    `The EKS access entry for ${role} may be missing on cluster ${clusterName}, or its access policy may not cover this namespace or verb.`,
  );
}

async function describe(options: ConnectOptions): Promise<ClusterAccess> {
  const { clusterName, region, eks } = options;
  if (eks === undefined) {
    throw new TypeError('connectToCluster needs the cluster endpoint and CA (`cluster`) or a DescribeCluster reader (`eks`)');
  }
  const cluster = await eks.describeCluster(clusterName);
  if (cluster === null) {
    throw new ClusterUnavailableError(`EKS cluster ${clusterName} not found in ${region}`, { context: { cluster: clusterName, region } });
  }
  const endpoint = cluster.endpoint;
  const certificateAuthorityData = cluster.certificateAuthority?.data;
  if (endpoint === undefined || endpoint === '' || certificateAuthorityData === undefined || certificateAuthorityData === '') {
    throw new ClusterUnavailableError(`EKS cluster ${clusterName} in ${region} has no API endpoint or CA yet (status ${cluster.status ?? 'unknown'})`, {
      context: { cluster: clusterName, region, status: cluster.status },
    });
  }
  return { endpoint, certificateAuthorityData };
}

function defaultCredentials(options: ConnectOptions): AwsCredentialsProvider {
  if (options.assumeRoleArn === undefined) return fromNodeProviderChain();
  return fromTemporaryCredentials({
    params: { RoleArn: options.assumeRoleArn, RoleSessionName: DEFAULT_SESSION_NAME },
    clientConfig: { region: options.region },
  });
}
