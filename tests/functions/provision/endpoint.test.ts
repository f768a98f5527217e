/**
 * The path a user tries before trusting the suite with an account: the real handler, the real SDK
 * clients, and AWS_ENDPOINT_URL pointing at an endpoint on this machine (here a small HTTP server
 * that answers like EKS's REST API, and like DynamoDB's JSON API for the lease an apply takes;
 * LocalStack or moto in a user's hands).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import applyEvent from '../../../events/provision/apply.json';
import planEvent from '../../../events/provision/plan-kianax.json';
import { handler } from '../../../functions/provision/handler';
import { resetAwsClients } from '../../../shared/adapters/aws/clients';
import { lambdaContext } from '../../../testing/lambda-context';
import { answered } from '../../../testing/answers';
import { captureLogLines } from '../../../testing/log-lines';

interface Received {
  method: string;
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

/**
 * Just enough of EKS: no cluster until CreateCluster, which answers CREATING. And of DynamoDB (the
 * lease table, AWS JSON 1.0 with `X-Amz-Target: DynamoDB_20120810.<Operation>`): every PutItem and
 * DeleteItem succeeds with `{}`, recorded apart in `leases` as `<Operation> <leaseKey>`.
 */
function startEks(): Promise<{ server: Server; url: string; received: Received[]; leases: string[] }> {
  const received: Received[] = [];
  const leases: string[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      const body: unknown = text ? JSON.parse(text) : undefined;
      const target = request.headers['x-amz-target'];
      if (typeof target === 'string' && target.startsWith('DynamoDB_20120810.')) {
        const item = body as { Item?: { leaseKey?: { S?: string } }; Key?: { leaseKey?: { S?: string } } };
        leases.push(`${target.slice('DynamoDB_20120810.'.length)} ${item.Item?.leaseKey?.S ?? item.Key?.leaseKey?.S ?? ''}`);
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end('{}');
        return;
      }
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        authorization: request.headers.authorization,
        body,
      });
      if (request.method === 'POST' && request.url === '/clusters') {
        const input = body as { name: string; version: string };
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ cluster: { name: input.name, version: input.version, status: 'CREATING' } }));
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
      response.end(JSON.stringify({ message: 'No cluster found for name: kianax.' }));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, received, leases });
    });
  });
}

describe('provision against AWS_ENDPOINT_URL', () => {
  const originalEnv = process.env;
  let eks: Awaited<ReturnType<typeof startEks>>;

  beforeEach(async () => {
    eks = await startEks();
    process.env = {
      ...originalEnv,
      AWS_ENDPOINT_URL: eks.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      EKS_PILOT_SPECS: path.join(__dirname, '../../../examples/kianax'),
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
    resetAwsClients();
    captureLogLines();
  });

  afterEach(async () => {
    process.env = originalEnv;
    resetAwsClients();
    jest.restoreAllMocks();
    await new Promise((resolve) => eks.server.close(resolve));
  });

  it('plans by reading the emulator and sends it no write', async () => {
    // Act
    const response = answered(await handler(planEvent, lambdaContext));

    // Assess
    expect(response.reports[0]?.status).toBe('Drifted');
    expect(eks.received.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /clusters/kianax']);
    expect(eks.received[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/eks\/aws4_request/);
  });

  it('creates the cluster with a signed JSON CreateCluster the emulator receives as planned', async () => {
    // Act
    const response = answered(await handler(applyEvent, lambdaContext));

    // Assess
    expect(response.reports[0]).toMatchObject({ status: 'InProgress', executed: [{ kind: 'CreateCluster', target: 'cluster/kianax' }] });
    const create = eks.received.find((request) => request.method === 'POST');
    expect(create).toMatchObject({ path: '/clusters', contentType: 'application/json' });
    expect(create?.body).toMatchObject({
      name: 'kianax',
      version: '1.31',
      roleArn: 'arn:aws:iam::777788889999:role/kianax-eks-cluster',
      resourcesVpcConfig: {
        subnetIds: ['subnet-0aaa1111bbbb2222a', 'subnet-0aaa1111bbbb2222b', 'subnet-0aaa1111bbbb2222c'],
        endpointPublicAccess: true,
        endpointPrivateAccess: true,
        publicAccessCidrs: ['0.0.0.0/0'],
      },
      accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
      logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: true }] },
    });
    expect(eks.received.filter((request) => request.method !== 'GET')).toHaveLength(1);
    // The cluster's lease was taken before the write and given back after it.
    expect(eks.leases).toEqual(['PutItem provision/us-east-1/kianax', 'DeleteItem provision/us-east-1/kianax']);
  });
});
