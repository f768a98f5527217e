import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import pingEvent from '../../../../events/deploy/webhook-ping.json';
import platformEvent from '../../../../events/deploy/webhook-platform-manifest.json';
import pushEvent from '../../../../events/deploy/webhook-registry-package.json';
import { handler, resetWebhookDeps } from '../../../../functions/deploy/webhook/handler';
import { resetAwsClients } from '../../../../shared/adapters/aws/clients';
import { lambdaContext } from '../../../../testing/lambda-context';
import { captureLogLines } from '../../../../testing/log-lines';
import { CRYPTO_OMS, FINANCIAL_MOVE, WEBHOOK_SECRET, acceptBatches, digestOf, registryPackagePayload, webhookEvent } from '../../../../testing/deploy-events';

const ssm = mockClient(SSMClient);
const sqs = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/eks-pilot-test-deploy.fifo';
const CURRENT = '/eks-pilot/test/github-webhook-secret';
const PREVIOUS = '/eks-pilot/test/github-webhook-secret-previous';

async function invoke(event: unknown): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const response = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
  return { statusCode: response.statusCode ?? 0, body: JSON.parse(response.body ?? '{}') as Record<string, unknown> };
}

function secrets(current: string, previous?: string): void {
  ssm.on(GetParametersCommand).resolves({
    Parameters: [
      { Name: CURRENT, Value: current, Type: 'SecureString' },
      ...(previous === undefined ? [] : [{ Name: PREVIOUS, Value: previous, Type: 'SecureString' as const }]),
    ],
  });
}

describe('deploy-webhook handler', () => {
  const originalEnv = process.env;

  beforeEach(() => {
    process.env = {
      ...originalEnv,
      AWS_REGION: 'us-east-1',
      EKS_PILOT_SPECS: `${CRYPTO_OMS},${FINANCIAL_MOVE}`,
      EKS_PILOT_WEBHOOK_SECRET: `ssm:${CURRENT},${PREVIOUS}`,
      EKS_PILOT_DEPLOY_QUEUE_URL: QUEUE_URL,
    };
    ssm.reset();
    sqs.reset();
    resetAwsClients();
    resetWebhookDeps();
    secrets(WEBHOOK_SECRET);
    acceptBatches(sqs);
  });

  afterEach(() => {
    process.env = originalEnv;
    jest.restoreAllMocks();
  });

  it('queues a signed push for the workload whose manifests use the image, grouped per workload, and answers 202 with it', async () => {
    // Prepare
    const logs = captureLogLines();

    // Act
    const response = await invoke(pushEvent);

    // Assess
    const image = 'ghcr.io/crypto-oms/order-ingestion:v1.1.0@sha256:b6ab0516c2d63f38669bb6d6e7798f2a092dda409261fe40e90d21113f5668cb';
    expect(response).toEqual({
      statusCode: 202,
      body: { status: 'queued', deliveryId: '9b5f5c80-c6f3-11f0-8e4b-1d2a3b4c5d6e', queued: [{ cluster: 'crypto-oms', workload: 'crypto-oms', image }] },
    });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
    const entry = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry?.MessageGroupId).toBe('crypto-oms/crypto-oms');
    expect(entry?.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(entry?.MessageBody ?? '')).toEqual({
      type: 'deploy',
      cluster: 'crypto-oms',
      workload: 'crypto-oms',
      image: {
        repository: 'ghcr.io/crypto-oms/order-ingestion',
        tag: 'v1.1.0',
        digest: 'sha256:b6ab0516c2d63f38669bb6d6e7798f2a092dda409261fe40e90d21113f5668cb',
      },
      deliveryId: '9b5f5c80-c6f3-11f0-8e4b-1d2a3b4c5d6e',
      event: 'registry_package',
      receivedAt: expect.any(String) as string,
      // Where the image was built from, for GitHub deployment statuses: the payload's repository, the revision label.
      imageSource: { repository: 'Codertocat/hello-world-npm', revision: '6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b' },
    });
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, { Names: [CURRENT, PREVIOUS], WithDecryption: true });
    const queued = logs.lines().find((line) => line.message === 'deploy queued');
    expect(queued).toMatchObject({
      deliveryId: '9b5f5c80-c6f3-11f0-8e4b-1d2a3b4c5d6e',
      githubEvent: 'registry_package',
      cluster: 'crypto-oms',
      workload: 'crypto-oms/crypto-oms',
    });
    expect(logs.raw()).not.toContain(WEBHOOK_SECRET);
  });

  it('gives a replayed delivery the same deduplication id, so SQS drops the copy', async () => {
    // Prepare
    captureLogLines();

    // Act
    await invoke(pushEvent);
    await invoke(pushEvent);

    // Assess
    const [first, second] = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries?.[0]?.MessageDeduplicationId);
    expect(first).toBeDefined();
    expect(second).toBe(first);
  });

  it('accepts a delivery signed with the previous secret during a rotation', async () => {
    // Prepare
    ssm.reset();
    secrets('the-new-secret', WEBHOOK_SECRET);
    captureLogLines();

    // Act
    const response = await invoke(pushEvent);

    // Assess
    expect(response.statusCode).toBe(202);
  });

  it('does not re-read the secret on every forged request: reloads are rate-limited by the cache', async () => {
    // Prepare
    captureLogLines();
    ssm.reset();
    secrets('the-old-secret');
    await invoke(webhookEvent('ping', '{"zen":"x"}', { secret: 'the-old-secret' }));
    ssm.reset();
    secrets('the-rotated-secret');
    const rotated = webhookEvent('ping', '{"zen":"x"}', { secret: 'the-rotated-secret' });

    // Act
    const response = await invoke(rotated);

    // Assess: the cache is younger than the 30 s reload floor
    expect(response.statusCode).toBe(401);
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 0);
  });

  it.each([
    [
      'forged (signed with another secret)',
      webhookEvent('registry_package', JSON.stringify(registryPackagePayload('crypto-oms', 'order-ingestion', 'v1.1.0', digestOf('x'))), { secret: 'forged' }),
    ],
    ['unsigned', webhookEvent('registry_package', '{"action":"published"}', { secret: null })],
    ['signed with sha1', webhookEvent('registry_package', '{}', { signature: 'sha1=7d38cdd689735b008b3c702edd92eea23791c5f6' })],
    [
      'truncated after signing',
      ((): unknown => {
        const event = webhookEvent('registry_package', JSON.stringify(registryPackagePayload('crypto-oms', 'order-ingestion', 'v1.1.0', digestOf('x'))));
        return { ...event, body: event.body?.slice(0, -10) };
      })(),
    ],
  ])('answers 401 to a %s request and queues nothing', async (_what, event) => {
    // Prepare
    const logs = captureLogLines();

    // Act
    const response = await invoke(event);

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.body.status).toBe('rejected');
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    expect(logs.raw()).not.toContain(WEBHOOK_SECRET);
  });

  it.each([
    ['unsigned', webhookEvent('registry_package', '{"action":"published"}', { secret: null })],
    ['signed with sha1', webhookEvent('registry_package', '{}', { signature: 'sha1=7d38cdd689735b008b3c702edd92eea23791c5f6' })],
    ['signed with an overlong header', webhookEvent('registry_package', '{}', { signature: `sha256=${'a'.repeat(10_000)}` })],
  ])('refuses a %s request on a cold container without reading the secret or any spec (no AWS call)', async (_what, event) => {
    // Prepare
    captureLogLines();

    // Act
    const response = await invoke(event);

    // Assess
    expect(response.statusCode).toBe(401);
    expect(ssm).not.toHaveReceivedCommand(GetParametersCommand);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('answers 400 to a signed body that is not JSON', async () => {
    // Prepare
    captureLogLines();

    // Act
    const response = await invoke(webhookEvent('registry_package', 'action=published&tag=v1'));

    // Assess
    expect(response).toEqual({
      statusCode: 400,
      body: { status: 'rejected', reason: "the body is not JSON (set the hook's content type to application/json)", field: 'body' },
    });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('answers 413 to a huge body before checking anything else', async () => {
    // Prepare
    captureLogLines();
    const huge = JSON.stringify({ action: 'published', padding: 'x'.repeat(2 * 1024 * 1024) });

    // Act
    const response = await invoke(webhookEvent('registry_package', huge, { base64: true }));

    // Assess
    expect(response).toEqual({ statusCode: 413, body: { status: 'rejected', reason: 'the body is larger than 1048576 bytes', field: 'body' } });
    expect(ssm).not.toHaveReceivedCommand(GetParametersCommand);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('answers a ping with 200', async () => {
    // Prepare
    captureLogLines();

    // Act
    const response = await invoke(pingEvent);

    // Assess
    expect(response).toEqual({ statusCode: 200, body: { status: 'pong', deliveryId: '4e1f2a30-c6f3-11f0-9a0b-0c1d2e3f4a5b' } });
  });

  it.each([
    ['an event it does not handle', webhookEvent('issues', '{"action":"opened"}'), 'event issues is not handled (only registry_package and package)'],
    [
      "GitHub's example platform-manifest push (empty tag)",
      platformEvent,
      'untagged manifest (a platform manifest of a multi-arch push): the tagged index deploys instead',
    ],
    [
      'a deleted package version',
      webhookEvent('registry_package', JSON.stringify(registryPackagePayload('crypto-oms', 'order-ingestion', 'v1.1.0', digestOf('x'), 'deleted'))),
      'action "deleted" of registry_package is not handled (only published, updated)',
    ],
    [
      'a tag no policy takes',
      webhookEvent('registry_package', JSON.stringify(registryPackagePayload('crypto-oms', 'order-ingestion', 'main-4f2a9c1', digestOf('x')))),
      `no workload takes ghcr.io/crypto-oms/order-ingestion:main-4f2a9c1@${digestOf('x')}`,
    ],
    [
      'an image no workload uses',
      webhookEvent('registry_package', JSON.stringify(registryPackagePayload('acme', 'unknown', 'v1.0.0', digestOf('x')))),
      'no workload deploys ghcr.io/acme/unknown',
    ],
  ])('answers 202 with the reason to %s and queues nothing', async (_what, event, reason) => {
    // Prepare
    captureLogLines();

    // Act
    const response = await invoke(event);

    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.body).toMatchObject({ status: 'ignored', reason });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('answers 400 to something that is not an HTTP API request, naming the first field that is wrong', async () => {
    // Prepare
    captureLogLines();

    // Act
    const response = await invoke({ hello: 'world' });

    // Assess
    expect(response).toEqual({ statusCode: 400, body: { status: 'rejected', reason: 'not an HTTP API request: expected 2.0', field: 'version' } });
  });

  it('answers 500 without detail when the queue fails, and logs the error once', async () => {
    // Prepare
    const logs = captureLogLines();
    sqs.on(SendMessageBatchCommand).rejects(new Error('boom'));

    // Act
    const response = await invoke(pushEvent);

    // Assess
    expect(response).toEqual({ statusCode: 500, body: { status: 'rejected', reason: 'internal error; the delivery can be redelivered from GitHub' } });
    expect(logs.lines().filter((line) => line.message === 'invocation failed')).toHaveLength(1);
  });
});
