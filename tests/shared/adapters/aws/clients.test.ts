import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { STSClient } from '@aws-sdk/client-sts';
// fromTemporaryCredentials builds its STS client from @aws-sdk/nested-clients, not
// @aws-sdk/client-sts: mocking the client-sts class would not intercept AssumeRole.
import { AssumeRoleCommand, STSClient as NestedSTSClient } from '@aws-sdk/nested-clients/sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DEFAULT_SESSION_NAME, MAX_ATTEMPTS, awsClient, resetAwsClients } from '../../../../shared/adapters/aws/clients';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/eks-pilot-payments';

const assumedCredentials = {
  AccessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  SessionToken: 'FwoGZXIvYXdzEXAMPLE',
  Expiration: new Date('2099-01-01T00:00:00Z'),
};

/** Sends DescribeCluster through the client's real middleware stack and returns the HTTP request it built, without sending it. */
async function requestBuiltBy(client: EKSClient): Promise<{ protocol: string; hostname: string; port?: number | undefined; path: string }> {
  let built: { protocol: string; hostname: string; port?: number | undefined; path: string } | undefined;
  client.middlewareStack.add(
    () => (args) => {
      built = args.request as typeof built;
      return Promise.resolve({ output: { $metadata: {} }, response: {} });
    },
    { step: 'build', name: 'captureRequest' },
  );
  await client.send(new DescribeClusterCommand({ name: 'payments' }));
  if (built === undefined) throw new Error('no request was built');
  return built;
}

describe('awsClient', () => {
  const originalEnv = process.env;

  beforeEach(() => {
    process.env = { ...originalEnv };
    // Static keys for the function's own identity, so no test reaches for IMDS or ~/.aws.
    process.env.AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_ENDPOINT_URL;
    delete process.env.AWS_ENDPOINT_URL_EKS;
    delete process.env.AWS_ENDPOINT_URL_STS;
    delete process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
    process.env.AWS_CONFIG_FILE = '/nonexistent/eks-pilot/config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/eks-pilot/credentials';
    resetAwsClients();
  });

  afterEach(() => {
    process.env = originalEnv;
    resetAwsClients();
  });

  it('builds a client for the region with adaptive retries and five attempts', async () => {
    // Prepare
    const options = { region: 'eu-west-1' };

    // Act
    const eks = awsClient(EKSClient, options);

    // Assess
    expect(await eks.config.region()).toBe('eu-west-1');
    expect(eks.config.retryMode).toBe('adaptive');
    expect(await eks.config.maxAttempts()).toBe(MAX_ATTEMPTS);
    expect(MAX_ATTEMPTS).toBe(5);
  });

  it('returns the same client for the same class, region and role', () => {
    // Prepare
    const first = awsClient(EKSClient, { region: 'eu-west-1', assumeRoleArn: ROLE_ARN });

    // Act
    const second = awsClient(EKSClient, { region: 'eu-west-1', assumeRoleArn: ROLE_ARN });

    // Assess
    expect(second).toBe(first);
  });

  it('builds separate clients for another region, another role, another session name or another class', () => {
    // Prepare
    const base = awsClient(EKSClient, { region: 'eu-west-1', assumeRoleArn: ROLE_ARN });

    // Act
    const others = [
      awsClient(EKSClient, { region: 'us-east-1', assumeRoleArn: ROLE_ARN }),
      awsClient(EKSClient, { region: 'eu-west-1' }),
      awsClient(EKSClient, { region: 'eu-west-1', assumeRoleArn: 'arn:aws:iam::123456789012:role/other' }),
      awsClient(EKSClient, { region: 'eu-west-1', assumeRoleArn: ROLE_ARN, sessionName: 'eks-pilot-cli' }),
      awsClient(STSClient, { region: 'eu-west-1', assumeRoleArn: ROLE_ARN }),
    ];

    // Assess
    expect(new Set([base, ...others]).size).toBe(6);
  });

  it('sends requests to AWS_ENDPOINT_URL when it is set, with no endpoint passed in code', async () => {
    // Prepare
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';
    const eks = awsClient(EKSClient, { region: 'eu-west-1' });

    // Act
    const request = await requestBuiltBy(eks);

    // Assess
    expect(request).toMatchObject({ protocol: 'http:', hostname: '127.0.0.1', port: 4566, path: '/clusters/payments' });
  });

  it('prefers the service-specific AWS_ENDPOINT_URL_EKS over AWS_ENDPOINT_URL', async () => {
    // Prepare
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';
    process.env.AWS_ENDPOINT_URL_EKS = 'http://eks.localhost:4510';
    const eks = awsClient(EKSClient, { region: 'eu-west-1' });

    // Act
    const request = await requestBuiltBy(eks);

    // Assess
    expect(request).toMatchObject({ protocol: 'http:', hostname: 'eks.localhost', port: 4510 });
  });

  it('sends requests to the regional AWS endpoint when no endpoint variable is set', async () => {
    // Prepare
    const eks = awsClient(EKSClient, { region: 'eu-west-1' });

    // Act
    const request = await requestBuiltBy(eks);

    // Assess
    expect(request).toMatchObject({ protocol: 'https:', hostname: 'eks.eu-west-1.amazonaws.com' });
  });

  describe('with a role to assume', () => {
    const mockSts = () => mockClient(NestedSTSClient);
    let sts: ReturnType<typeof mockSts>;

    beforeAll(() => {
      sts = mockSts();
    });

    beforeEach(() => {
      sts.reset();
      sts.on(AssumeRoleCommand).resolves({ Credentials: assumedCredentials });
    });

    afterAll(() => {
      sts.restore();
    });

    it('assumes the role with the eks-pilot session name when its credentials are resolved', async () => {
      // Prepare
      const eks = awsClient(EKSClient, { region: 'eu-west-1', assumeRoleArn: ROLE_ARN });

      // Act
      const credentials = await eks.config.credentials();

      // Assess
      expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
      expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: ROLE_ARN, RoleSessionName: DEFAULT_SESSION_NAME });
      expect(credentials).toMatchObject({ accessKeyId: assumedCredentials.AccessKeyId, sessionToken: assumedCredentials.SessionToken });
    });

    it('uses the session name it is given', async () => {
      // Prepare
      const eks = awsClient(EKSClient, { region: 'eu-west-1', assumeRoleArn: ROLE_ARN, sessionName: 'eks-pilot-cli' });

      // Act
      await eks.config.credentials();

      // Assess
      expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: ROLE_ARN, RoleSessionName: 'eks-pilot-cli' });
    });

    it('assumes the role once per client, not once per call', async () => {
      // Prepare
      const eks = awsClient(EKSClient, { region: 'eu-west-1', assumeRoleArn: ROLE_ARN });

      // Act
      await eks.config.credentials();
      await awsClient(EKSClient, { region: 'eu-west-1', assumeRoleArn: ROLE_ARN }).config.credentials();

      // Assess
      expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    });

    it("uses the function's own credentials when no role is given", async () => {
      // Prepare
      const eks = awsClient(EKSClient, { region: 'eu-west-1' });

      // Act
      const credentials = await eks.config.credentials();

      // Assess
      expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
      expect(credentials.accessKeyId).toBe('AKIAIOSFODNN7EXAMPLE');
    });
  });

  it('sends AssumeRole to AWS_ENDPOINT_URL too, signed for the client region', async () => {
    // Prepare: a local server standing in for LocalStack's STS.
    const received: { url: string | undefined; body: string; authorization: string | undefined }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ url: req.url, body, authorization: req.headers.authorization });
        res.setHeader('content-type', 'text/xml');
        res.end(
          '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>' +
            `<AccessKeyId>${assumedCredentials.AccessKeyId}</AccessKeyId><SecretAccessKey>${assumedCredentials.SecretAccessKey}</SecretAccessKey>` +
            `<SessionToken>${assumedCredentials.SessionToken}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>` +
            '</Credentials></AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleResponse>',
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.AWS_REGION = 'us-east-1';
    const eks = awsClient(EKSClient, { region: 'eu-west-1', assumeRoleArn: ROLE_ARN });

    try {
      // Act
      const credentials = await eks.config.credentials();

      // Assess
      expect(credentials.accessKeyId).toBe(assumedCredentials.AccessKeyId);
      expect(received).toHaveLength(1);
      const params = new URLSearchParams(received[0]?.body);
      expect(params.get('Action')).toBe('AssumeRole');
      expect(params.get('RoleArn')).toBe(ROLE_ARN);
      expect(params.get('RoleSessionName')).toBe(DEFAULT_SESSION_NAME);
      expect(received[0]?.authorization).toContain('/eu-west-1/sts/aws4_request');
    } finally {
      server.close();
    }
  });
});
