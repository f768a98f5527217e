import { createHash, createHmac } from 'node:crypto';
import { EKS_TOKEN_PREFIX, EKS_TOKEN_REUSE_MS, EksTokenCache, createEksToken, stsEndpoint } from '../../../../shared/adapters/kubernetes/eks-token';
import type { AwsCredentials, AwsCredentialsProvider } from '../../../../shared/adapters/kubernetes/eks-token';
import { AWS_ENDPOINTS_NONE, awsEndpoints } from '../../../../shared/config';

// AWS's documentation example keys: fake, and safe to sign with in a test.
const credentials: AwsCredentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'FwoGZXIvYXdzEXAMPLE+session/token==',
};
const SIGNED_AT = new Date('2026-11-22T10:00:00Z');

/** The presigned URL inside a token, as the EKS authenticator decodes it. */
function decode(token: string): URL {
  expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
  const payload = token.slice(EKS_TOKEN_PREFIX.length);
  // base64url without padding, as Go's base64.RawURLEncoding reads it.
  expect(payload).toMatch(/^[A-Za-z0-9_-]+$/);
  return new URL(Buffer.from(payload, 'base64url').toString('utf8'));
}

/** SigV4 recomputed here from the URL, independently of @smithy/signature-v4. */
function expectedSignature(url: URL, clusterName: string, secretAccessKey: string): string {
  const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = [...url.searchParams.entries()]
    .filter(([key]) => key !== 'X-Amz-Signature')
    .map(([key, value]) => [enc(key), enc(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const emptyHash = createHash('sha256').update('').digest('hex');
  const canonical = ['GET', '/', query, `host:${url.host}`, `x-k8s-aws-id:${clusterName}`, '', 'host;x-k8s-aws-id', emptyHash].join('\n');
  const date = url.searchParams.get('X-Amz-Date') ?? '';
  const scope = (url.searchParams.get('X-Amz-Credential') ?? '').split('/').slice(1).join('/');
  const [day, region, service] = scope.split('/') as [string, string, string];
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

describe('EKS tokens', () => {
  const originalEnv = process.env;

  beforeEach(() => {
    process.env = { ...originalEnv };
    delete process.env.AWS_ENDPOINT_URL;
    delete process.env.AWS_ENDPOINT_URL_STS;
    delete process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
  });

  afterEach(() => {
    process.env = originalEnv;
  });

  describe('createEksToken', () => {
    it('encodes a presigned GetCallerIdentity GET on the regional STS endpoint, as aws-iam-authenticator does', async () => {
      // Prepare
      const request = { clusterName: 'payments', region: 'eu-west-1', credentials, signingDate: SIGNED_AT };

      // Act
      const token = await createEksToken(request);

      // Assess
      const url = decode(token);
      expect(url.protocol).toBe('https:');
      expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
      expect(url.pathname).toBe('/');
      expect(Object.fromEntries(url.searchParams)).toEqual({
        Action: 'GetCallerIdentity',
        Version: '2011-06-15',
        'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
        'X-Amz-Credential': 'AKIAIOSFODNN7EXAMPLE/20261122/eu-west-1/sts/aws4_request',
        'X-Amz-Date': '20261122T100000Z',
        'X-Amz-Expires': '60',
        'X-Amz-Security-Token': 'FwoGZXIvYXdzEXAMPLE+session/token==',
        'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
        'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
      });
      // The verifier takes each whitelisted parameter once and nothing else.
      expect([...url.searchParams.keys()]).toHaveLength(9);
    });

    it('signs the host and the x-k8s-aws-id header with the cluster name, so the signature checks out', async () => {
      // Prepare
      const request = { clusterName: 'payments', region: 'eu-west-1', credentials, signingDate: SIGNED_AT };

      // Act
      const url = decode(await createEksToken(request));

      // Assess
      expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, 'payments', credentials.secretAccessKey));
      expect(url.searchParams.get('X-Amz-Signature')).not.toBe(expectedSignature(url, 'orders', credentials.secretAccessKey));
    });

    it('is the same token for the same credentials, cluster and date, and another for another cluster', async () => {
      // Prepare
      const request = { clusterName: 'payments', region: 'eu-west-1', credentials, signingDate: SIGNED_AT };

      // Act
      const [first, second, other] = await Promise.all([
        createEksToken(request),
        createEksToken(request),
        createEksToken({ ...request, clusterName: 'orders' }),
      ]);

      // Assess
      expect(second).toBe(first);
      expect(other).not.toBe(first);
    });

    it('leaves X-Amz-Security-Token out for long-lived keys', async () => {
      // Prepare
      const { accessKeyId, secretAccessKey } = credentials;

      // Act
      const url = decode(
        await createEksToken({ clusterName: 'payments', region: 'eu-west-1', credentials: { accessKeyId, secretAccessKey }, signingDate: SIGNED_AT }),
      );

      // Assess
      expect(url.searchParams.has('X-Amz-Security-Token')).toBe(false);
      expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, 'payments', secretAccessKey));
    });

    it('presigns for the STS endpoint that AWS_ENDPOINT_URL_STS configures, as the SDK would call it', async () => {
      // Prepare
      process.env.AWS_ENDPOINT_URL_STS = 'http://localhost:4566';

      // Act
      const url = decode(
        await createEksToken({
          clusterName: 'payments',
          region: 'eu-west-1',
          credentials,
          signingDate: SIGNED_AT,
          endpoint: stsEndpoint('eu-west-1', awsEndpoints()),
        }),
      );

      // Assess
      expect(url.origin).toBe('http://localhost:4566');
      expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, 'payments', credentials.secretAccessKey));
    });
  });

  describe('stsEndpoint', () => {
    it.each([
      ['the regional endpoint', 'eu-west-1', {}, 'https://sts.eu-west-1.amazonaws.com/'],
      ['the China partition suffix', 'cn-north-1', {}, 'https://sts.cn-north-1.amazonaws.com.cn/'],
      ['GovCloud', 'us-gov-west-1', {}, 'https://sts.us-gov-west-1.amazonaws.com/'],
      ['us-east-1 regional, never the global endpoint', 'us-east-1', {}, 'https://sts.us-east-1.amazonaws.com/'],
      ['AWS_ENDPOINT_URL', 'eu-west-1', { AWS_ENDPOINT_URL: 'http://localhost:4566' }, 'http://localhost:4566/'],
      [
        'AWS_ENDPOINT_URL_STS over AWS_ENDPOINT_URL',
        'eu-west-1',
        { AWS_ENDPOINT_URL: 'http://localhost:4566', AWS_ENDPOINT_URL_STS: 'https://sts.internal:8443' },
        'https://sts.internal:8443/',
      ],
      [
        'neither when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true',
        'eu-west-1',
        { AWS_ENDPOINT_URL_STS: 'http://localhost:4566', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
        'https://sts.eu-west-1.amazonaws.com/',
      ],
    ])('resolves %s', (_what, region, env: Record<string, string>, expected) => {
      // Prepare: nothing beyond the table row.

      // Act
      const endpoint = stsEndpoint(region, awsEndpoints(env));

      // Assess
      expect(endpoint.href).toBe(expected);
    });
  });

  describe('EksTokenCache', () => {
    /** A cache on a clock the test moves, and a credential provider that counts its calls. */
    function cacheWith(provider: AwsCredentialsProvider = () => Promise.resolve(credentials)) {
      let now = SIGNED_AT.getTime();
      const calls: (Record<string, unknown> | undefined)[] = [];
      const counted: AwsCredentialsProvider = (options) => {
        calls.push(options);
        return provider(options);
      };
      const cache = new EksTokenCache({ region: 'eu-west-1', credentials: counted, now: () => new Date(now), endpoints: AWS_ENDPOINTS_NONE });
      return {
        cache,
        calls,
        advance: (ms: number) => {
          now += ms;
        },
      };
    }

    it('returns the same token for 14 minutes less a millisecond, and a newly dated one at 14 minutes', async () => {
      // Prepare
      const { cache, advance } = cacheWith();
      const first = await cache.token('payments');

      // Act
      advance(EKS_TOKEN_REUSE_MS - 1);
      const reused = await cache.token('payments');
      advance(1);
      const renewed = await cache.token('payments');

      // Assess
      expect(EKS_TOKEN_REUSE_MS).toBe(14 * 60 * 1000);
      expect(reused).toBe(first);
      expect(renewed).not.toBe(first);
      expect(decode(first).searchParams.get('X-Amz-Date')).toBe('20261122T100000Z');
      expect(decode(renewed).searchParams.get('X-Amz-Date')).toBe('20261122T101400Z');
    });

    it('keeps one token per cluster', async () => {
      // Prepare
      const { cache } = cacheWith();

      // Act
      const payments = await cache.token('payments');
      const orders = await cache.token('orders');

      // Assess
      expect(orders).not.toBe(payments);
      expect(await cache.token('payments')).toBe(payments);
    });

    it('signs a new token after invalidate', async () => {
      // Prepare
      const { cache, advance } = cacheWith();
      const first = await cache.token('payments');
      advance(1000);

      // Act
      cache.invalidate('payments');
      const second = await cache.token('payments');

      // Assess
      expect(second).not.toBe(first);
    });

    it('refreshes credentials that would expire within the 15 minutes a token lives', async () => {
      // Prepare
      const soon = { ...credentials, expiration: new Date(SIGNED_AT.getTime() + 10 * 60 * 1000) };
      const later = { ...credentials, accessKeyId: 'ASIANEWKEYEXAMPLE', expiration: new Date(SIGNED_AT.getTime() + 60 * 60 * 1000) };
      const { cache, calls } = cacheWith((options) => Promise.resolve(options?.forceRefresh === true ? later : soon));

      // Act
      const token = await cache.token('payments');

      // Assess
      expect(calls).toEqual([undefined, { forceRefresh: true }]);
      expect(decode(token).searchParams.get('X-Amz-Credential')).toMatch(/^ASIANEWKEYEXAMPLE\//);
    });

    it('stops reusing a token a minute before the credentials that signed it expire', async () => {
      // Prepare
      const expiring = { ...credentials, expiration: new Date(SIGNED_AT.getTime() + 10 * 60 * 1000) };
      const { cache, advance } = cacheWith(() => Promise.resolve(expiring));
      const first = await cache.token('payments');

      // Act
      advance(9 * 60 * 1000 - 1);
      const reused = await cache.token('payments');
      advance(1);
      const renewed = await cache.token('payments');

      // Assess
      expect(reused).toBe(first);
      expect(renewed).not.toBe(first);
    });
  });
});
