/**
 * EKS bearer tokens, made as aws-iam-authenticator makes them (kubernetes-sigs/aws-iam-authenticator,
 * pkg/token/token.go, `GetWithSTS` and `Verify`): `k8s-aws-v1.` + unpadded base64url of a presigned
 * STS `GetCallerIdentity` GET URL whose signed headers include `x-k8s-aws-id: <cluster name>`.
 *
 * What the EKS side checks (its `Verify`): scheme https, path `/`, a known STS host, only the query
 * parameters Action, Version, X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
 * X-Amz-Security-Token, X-Amz-Signature and X-Amz-SignedHeaders (each once), Action
 * GetCallerIdentity, `x-k8s-aws-id` among the signed headers, 0 <= X-Amz-Expires <= 900, and an
 * X-Amz-Date under 15 minutes old. STS ignores X-Amz-Expires for this URL; the authenticator sends
 * 60 for servers of 0.3.0 and older, and so do we. Presigning is local (no call to STS).
 */
import { partition } from '@aws-sdk/core/client';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsEndpoints } from '../../config';

/** The version prefix EKS expects on every token. */
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';

/** The signed header that binds a token to one cluster. */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';

/** Sent as X-Amz-Expires; ignored by STS, which honours the URL for 15 minutes after X-Amz-Date. */
export const PRESIGN_EXPIRES_SECONDS = 60;

/** A token is reused for less than this long: the server takes it for 15 minutes, clients keep a minute's margin. */
export const EKS_TOKEN_REUSE_MS = 14 * 60 * 1000;

/** AWS credentials as SDK v3 credential providers resolve them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working; absent for long-lived keys and for Lambda's environment keys. */
  expiration?: Date;
}

/** An SDK v3 credential provider (`fromNodeProviderChain()`, `fromTemporaryCredentials(...)`, or a test's fake). */
// The SDK's providers take `{ forceRefresh: true }` to skip their memoized answer.
export type AwsCredentialsProvider = (options?: Record<string, unknown>) => Promise<AwsCredentials>;

/**
 * The STS endpoint the SDK would call in `region`, honouring the same configured endpoints (the
 * settings' `endpoints`, read by the config module): `AWS_ENDPOINT_URL_STS`, then
 * `AWS_ENDPOINT_URL`, none when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`; else the regional
 * endpoint `https://sts.<region>.<partition DNS suffix>` (never the global sts.amazonaws.com). The
 * shared config file's `endpoint_url` is not read: Lambda has none.
 *
 * @example
 * stsEndpoint('eu-west-1').href;                                                           // 'https://sts.eu-west-1.amazonaws.com/'
 * stsEndpoint('cn-north-1').href;                                                          // 'https://sts.cn-north-1.amazonaws.com.cn/'
 * stsEndpoint('eu-west-1', awsEndpoints({ AWS_ENDPOINT_URL: 'http://localhost:4566' })).href; // 'http://localhost:4566/'
 */
export function stsEndpoint(region: string, endpoints?: AwsEndpoints): URL {
  const configured = nonEmpty(endpoints?.byService.STS) ?? nonEmpty(endpoints?.all);
  if (configured !== undefined) return new URL(configured);
  return new URL(`https://sts.${region}.${partition(region).dnsSuffix}`);
}

/** What {@link createEksToken} signs with. */
export interface EksTokenRequest {
  clusterName: string;
  region: string;
  credentials: AwsCredentials;
  /** The X-Amz-Date of the URL: the clock's now. */
  signingDate: Date;
  /** Default: {@link stsEndpoint} of the region (AWS's, no configured endpoint). */
  endpoint?: URL;
}

/**
 * Makes one EKS token: presigns `GET <sts>/?Action=GetCallerIdentity&Version=2011-06-15` with
 * SigV4 (service `sts`, the cluster's region, X-Amz-Expires 60), with `host` and
 * `x-k8s-aws-id: <cluster>` signed, and encodes the URL as the token. Deterministic for fixed
 * credentials and date.
 *
 * @example
 * const token = await createEksToken({ clusterName: 'payments', region: 'eu-west-1', credentials, signingDate: new Date() });
 * // 'k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZ...'
 */
export async function createEksToken(request: EksTokenRequest): Promise<string> {
  const endpoint = request.endpoint ?? stsEndpoint(request.region);
  const signer = new SignatureV4({ service: 'sts', region: request.region, credentials: request.credentials, sha256: Sha256 });
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port === '' ? undefined : Number(endpoint.port),
      path: endpoint.pathname === '' ? '/' : endpoint.pathname,
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: endpoint.host, [CLUSTER_ID_HEADER]: request.clusterName },
    },
    { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate: request.signingDate },
  );
  const query = Object.entries(presigned.query ?? {})
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${rfc3986(key)}=${rfc3986(value)}`)
    .join('&');
  const url = `${endpoint.protocol}//${endpoint.host}${presigned.path}?${query}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
}

/** What an {@link EksTokenCache} needs besides the cluster name. */
export interface EksTokenCacheOptions {
  region: string;
  credentials: AwsCredentialsProvider;
  /** The clock; tokens are dated and aged by it. */
  now: () => Date;
  /** For {@link stsEndpoint}: the settings' configured endpoints; default none (AWS's STS). */
  endpoints?: AwsEndpoints;
}

interface CachedToken {
  token: string;
  /** Epoch ms after which the token is not handed out again. */
  reuseUntil: number;
}

/**
 * Hands out EKS tokens per cluster, reusing each for under {@link EKS_TOKEN_REUSE_MS} (and never
 * past a minute before its credentials expire), with credentials refreshed when they would expire
 * within a token's 15-minute life. Keep one per container, like an SDK client.
 *
 * @example
 * const tokens = new EksTokenCache({ region: 'eu-west-1', credentials: fromNodeProviderChain(), now: () => new Date() });
 * const token = await tokens.token('payments'); // same string for the next 14 minutes
 */
export class EksTokenCache {
  private readonly options: EksTokenCacheOptions;
  private readonly cached = new Map<string, CachedToken>();

  constructor(options: EksTokenCacheOptions) {
    this.options = options;
  }

  /** A token for `clusterName`, new or reused. Rejects with the credential provider's error when it has none. */
  async token(clusterName: string): Promise<string> {
    const now = this.options.now();
    const hit = this.cached.get(clusterName);
    if (hit !== undefined && now.getTime() < hit.reuseUntil) return hit.token;

    const credentials = await this.freshCredentials(now);
    const endpoint = stsEndpoint(this.options.region, this.options.endpoints);
    const token = await createEksToken({ clusterName, region: this.options.region, credentials, signingDate: now, endpoint });
    let reuseUntil = now.getTime() + EKS_TOKEN_REUSE_MS;
    if (credentials.expiration !== undefined) reuseUntil = Math.min(reuseUntil, credentials.expiration.getTime() - 60_000);
    this.cached.set(clusterName, { token, reuseUntil });
    return token;
  }

  /** Forgets the cluster's token (after a 401), so the next {@link token} call signs a new one. */
  invalidate(clusterName: string): void {
    this.cached.delete(clusterName);
  }

  private async freshCredentials(now: Date): Promise<AwsCredentials> {
    const credentials = await this.options.credentials();
    const lifeNeeded = now.getTime() + 15 * 60 * 1000;
    if (credentials.expiration === undefined || credentials.expiration.getTime() > lifeNeeded) return credentials;
    return this.options.credentials({ forceRefresh: true });
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Percent-encoding as SigV4 canonicalises it, so what the server decodes is what was signed. */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
