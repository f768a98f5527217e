/**
 * Where the SQS client's requests really go, at the wire: a local HTTP server stands in for the
 * emulator and answers SendMessageBatch in the AWS JSON 1.0 protocol the SDK speaks
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html),
 * with the MD5 of each body the SDK checks.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { endpointConfigured, resetAwsClients } from '../../../../shared/adapters/aws/clients';
import { createSqsFifoQueue } from '../../../../shared/adapters/aws/sqs-fifo-queue';
import { EksPilotError } from '../../../../shared/errors';
import { awsEndpoints } from '../../../../shared/config';

interface Seen {
  target: string | undefined;
  path: string | undefined;
  queueUrl: string;
}

const seen: Seen[] = [];
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    const input = JSON.parse(body) as { QueueUrl: string; Entries: { Id: string; MessageBody: string }[] };
    seen.push({ target: request.headers['x-amz-target'] as string | undefined, path: request.url, queueUrl: input.QueueUrl });
    const successful = input.Entries.map((entry) => ({
      Id: entry.Id,
      MessageId: `m-${entry.Id}`,
      MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
    }));
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    response.end(JSON.stringify({ Successful: successful, Failed: [] }));
  });
});
let endpoint = '';
const savedEnv = { ...process.env };

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen.length = 0;
  resetAwsClients();
  process.env = { ...savedEnv, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_ENDPOINT_URL_SQS;
  delete process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
});
afterEach(() => {
  process.env = { ...savedEnv };
  resetAwsClients();
});

const message = { body: '{"n":1}', groupId: 'crypto-oms/crypto-oms', deduplicationId: 'd1' };

describe('createSqsFifoQueue and a configured endpoint', () => {
  it('keeps an AWS-style queue URL inside the emulator that AWS_ENDPOINT_URL names', async () => {
    // Prepare
    process.env.AWS_ENDPOINT_URL = endpoint;
    const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/eks-pilot-dev-deploy.fifo';

    // Act
    const ids = await createSqsFifoQueue({ queueUrl, endpoints: awsEndpoints() }).send([message]);

    // Assess
    expect(ids).toEqual(['m-0']);
    expect(seen).toEqual([{ target: 'AmazonSQS.SendMessageBatch', path: '/', queueUrl }]);
  });

  it('honours AWS_ENDPOINT_URL_SQS as well, and takes the Region from the caller for an emulator URL', async () => {
    // Prepare
    process.env.AWS_ENDPOINT_URL_SQS = endpoint;
    const queueUrl = 'http://sqs.elsewhere.invalid:4566/123456789012/eks-pilot-dev-deploy.fifo';

    // Act
    await createSqsFifoQueue({ queueUrl, region: 'us-east-1', endpoints: awsEndpoints() }).send([message]);

    // Assess
    expect(seen.map((request) => request.queueUrl)).toEqual([queueUrl]);
  });

  it('sends to the queue URL host when no endpoint is configured, so an emulator queue URL alone works', async () => {
    // Prepare
    const queueUrl = `${endpoint}/123456789012/eks-pilot-dev-deploy.fifo`;

    // Act
    await createSqsFifoQueue({ queueUrl, region: 'us-east-1', endpoints: awsEndpoints() }).send([message]);

    // Assess: the SDK takes the queue URL's host and port (it posts to `/`), which is this server
    expect(seen.map((request) => request.queueUrl)).toEqual([queueUrl]);
  });

  it('refuses a queue URL whose Region it cannot tell when none is given', () => {
    expect(() => createSqsFifoQueue({ queueUrl: `${endpoint}/123456789012/q.fifo` })).toThrow(EksPilotError);
  });
});

describe('endpointConfigured', () => {
  it.each([
    [{}, false],
    [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }, true],
    [{ AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:5000' }, true],
    [{ AWS_ENDPOINT_URL_EKS: 'http://127.0.0.1:5000' }, false],
    [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, false],
  ])('reads %j as %s for SQS', (env, expected) => {
    expect(endpointConfigured('SQS', awsEndpoints(env))).toBe(expected);
  });

  it('spells a service id with spaces the way the SDK does', () => {
    expect(endpointConfigured('Secrets Manager', awsEndpoints({ AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://x' }))).toBe(true);
  });
});
