import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsEndpoints } from '../../config';

/** Where a client talks to AWS, and as whom. */
export interface AwsClientOptions {
  region: string;
  /** IAM role to assume for this client (e.g. a per-cluster role); omit to use the function's own role. */
  assumeRoleArn?: string;
  /** Role session name shown in CloudTrail; defaults to {@link DEFAULT_SESSION_NAME}. Only used with `assumeRoleArn`. */
  sessionName?: string;
  /** Client-specific settings merged over the shared ones, e.g. SQS's `useQueueUrlAsEndpoint`. */
  extraConfig?: Readonly<Record<string, string | number | boolean>>;
}

/** The configuration {@link awsClient} hands to an SDK v3 client constructor. */
export interface AwsClientConfig {
  region: string;
  maxAttempts: number;
  retryMode: 'adaptive';
  credentials?: ReturnType<typeof fromTemporaryCredentials>;
}

/** Any SDK v3 client class (`EKSClient`, `EC2Client`, ...). */
export type AwsClientConstructor<TClient> = new (config: AwsClientConfig) => TClient;

/** Attempts per call, the first included; adaptive mode also rate-limits the client after throttling. */
export const MAX_ATTEMPTS = 5;

/** Role session name used when a caller gives none. */
export const DEFAULT_SESSION_NAME = 'eks-pilot';

// Handlers build clients once per cold start; keyed by class identity first, because two packages
// can ship classes with the same name (client-sts and nested-clients both export `STSClient`).
const cache = new Map<object, Map<string, unknown>>();

/**
 * Returns the SDK v3 client of class `Client` for a region and, optionally, an assumed role, built
 * once per container and reused afterwards.
 *
 * Every client gets `retryMode: 'adaptive'` and {@link MAX_ATTEMPTS} attempts. There is no endpoint
 * option on purpose: the SDK reads `AWS_ENDPOINT_URL_<SERVICE_ID>` (e.g. `AWS_ENDPOINT_URL_EKS`), then
 * `AWS_ENDPOINT_URL`, then `endpoint_url` in the shared config file, unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true, so LocalStack and friends need no code here. With
 * `assumeRoleArn`, credentials come from STS AssumeRole in the same region (so that call follows the
 * same endpoint variables), made with the function's own credentials, and are refreshed before they
 * expire.
 *
 * @example
 * import { EKSClient, DescribeClusterCommand } from '@aws-sdk/client-eks';
 *
 * const eks = awsClient(EKSClient, { region: 'eu-west-1', assumeRoleArn: 'arn:aws:iam::123456789012:role/eks-pilot' });
 * await eks.send(new DescribeClusterCommand({ name: 'payments' }));
 */
export function awsClient<TClient>(Client: AwsClientConstructor<TClient>, options: AwsClientOptions): TClient {
  const { region, assumeRoleArn, extraConfig = {} } = options;
  const sessionName = options.sessionName ?? DEFAULT_SESSION_NAME;
  const extraKey = Object.keys(extraConfig).length === 0 ? '' : `|${JSON.stringify(extraConfig)}`;
  const key = (assumeRoleArn === undefined ? region : `${region}|${assumeRoleArn}|${sessionName}`) + extraKey;

  let byKey = cache.get(Client);
  if (byKey === undefined) {
    byKey = new Map();
    cache.set(Client, byKey);
  }
  const cached = byKey.get(key);
  // Safe: the map for `Client` only ever holds instances built by `Client` below.
  if (cached !== undefined) return cached as TClient;

  const config: AwsClientConfig = { ...extraConfig, region, maxAttempts: MAX_ATTEMPTS, retryMode: 'adaptive' };
  if (assumeRoleArn !== undefined) {
    config.credentials = fromTemporaryCredentials({
      params: { RoleArn: assumeRoleArn, RoleSessionName: sessionName },
      clientConfig: { region, maxAttempts: MAX_ATTEMPTS, retryMode: 'adaptive' },
    });
  }
  const client = new Client(config);
  byKey.set(key, client);
  return client;
}

/**
 * Whether the SDK will send `serviceId`'s calls to a configured endpoint (an emulator) instead of
 * AWS: `AWS_ENDPOINT_URL_<SERVICE_ID>` or `AWS_ENDPOINT_URL` is set and
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is not true, as the SDK's own precedence reads them (an
 * `endpoint_url` in the shared config file is not seen here). `endpoints` are the settings' (the
 * config module reads the variables).
 *
 * @example
 * endpointConfigured('SQS', awsEndpoints({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' })); // true
 */
export function endpointConfigured(serviceId: string, endpoints: AwsEndpoints): boolean {
  const specific = serviceId.toUpperCase().replace(/[\s-]+/g, '_');
  return Boolean(endpoints.byService[specific] ?? endpoints.all);
}

/**
 * Forgets every cached client, so the next {@link awsClient} call builds a new one. For tests: a
 * client resolves its endpoint and credentials once, so a test that changes the environment needs a
 * fresh client.
 *
 * @example
 * afterEach(() => { resetAwsClients(); });
 */
export function resetAwsClients(): void {
  cache.clear();
}
