/**
 * ECR pushes as a deploy source beside GHCR: an EventBridge `ECR Image Action` event (shape from the
 * Amazon ECR user guide, "Amazon ECR events and EventBridge"; its sample is
 * tests/fixtures/events/ecr-image-action.json) goes through the same matching, image policy, FIFO
 * envelope and queue consumer as a GHCR webhook push: the shop fixture's, and crypto-oms's (the
 * example, whose images the seed pushes to ECR, beside its GHCR fixture tests/fixtures/ghcr-oms).
 */
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import path from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import documentedEvent from '../../../fixtures/events/ecr-image-action.json';
import ecrPushEvent from '../../../../events/deploy/ecr-push.json';
import { handler as webhookHandler, resetWebhookDeps } from '../../../../functions/deploy/webhook/handler';
import { queueMessageSchema } from '../../../../functions/deploy/model/messages';
import type { QueueMessage } from '../../../../functions/deploy/model/messages';
import type { EcrPushResponse } from '../../../../functions/deploy/worker/invoke';
import { lambdaContext } from '../../../../testing/lambda-context';
import { acceptBatches, CRYPTO_OMS, digestOf, registryPackagePayload, WEBHOOK_SECRET, webhookEvent } from '../../../../testing/deploy-events';
import { parseEcrEvent, ecrImageActionSchema } from '../../../../shared/model/ecr-event';
import { ORDER_INGESTION, WorkerHarness } from '../worker-harness';

const SHOP = path.join(__dirname, '../../../fixtures/specs/ecr-shop/cluster.yaml');
const API = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api';
const sqs = mockClient(SQSClient);
const ssm = mockClient(SSMClient);

/** The documented push event, for the shop's api repository. */
function ecrEvent(tag: string, options: { id?: string; digest?: string; detail?: Record<string, unknown>; account?: string } = {}): Record<string, unknown> {
  return {
    ...ecrPushEvent,
    id: options.id ?? `event-${tag}`,
    account: options.account ?? '123456789012',
    detail: {
      ...ecrPushEvent.detail,
      'repository-name': 'shop/api',
      'image-tag': tag,
      'image-digest': options.digest ?? digestOf(`${API}:${tag}`),
      ...options.detail,
    },
  };
}

function sentEntries(): { MessageBody?: string; MessageGroupId?: string; MessageDeduplicationId?: string }[] {
  return sqs.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
}

function messageOf(entry: { MessageBody?: string }): QueueMessage {
  return queueMessageSchema.parse(JSON.parse(entry.MessageBody ?? '{}'));
}

describe('ECR pushes as a deploy source', () => {
  const harness = new WorkerHarness();

  beforeEach(async () => {
    await harness.start(SHOP);
    process.env.EKS_PILOT_WEBHOOK_SECRET = 'ssm:/eks-pilot/test/github-webhook-secret';
    sqs.reset();
    ssm.reset();
    resetWebhookDeps();
    acceptBatches(sqs);
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/eks-pilot/test/github-webhook-secret', Value: WEBHOOK_SECRET }] });
  });

  afterEach(async () => {
    await harness.stop();
  });

  it('queues an ECR push and a GHCR push of one workload alike and deploys both pinned by digest through the queue consumer', async () => {
    // Prepare
    const webDigest = digestOf('ghcr.io/acme/web:v1.1.0');
    const apiDigest = digestOf(`${API}:v1.1.0`);
    const body = JSON.stringify(registryPackagePayload('acme', 'web', 'v1.1.0', webDigest));
    const ghcr = (await webhookHandler(webhookEvent('registry_package', body), lambdaContext)) as APIGatewayProxyStructuredResultV2;
    const ecr = await harness.invoke<EcrPushResponse>(ecrEvent('v1.1.0'));
    const entries = sentEntries();
    const messages = entries.map(messageOf);

    // Act
    const batch = await harness.deliver(messages);

    // Assess
    expect(ghcr.statusCode).toBe(202);
    expect(ecr).toEqual({ status: 'queued', eventId: 'event-v1.1.0', queued: [{ cluster: 'shop', workload: 'shop', image: `${API}:v1.1.0@${apiDigest}` }] });
    expect(entries.map((entry) => entry.MessageGroupId)).toEqual(['shop/shop', 'shop/shop']);
    expect(messages[1]).toEqual({
      type: 'deploy',
      cluster: 'shop',
      workload: 'shop',
      image: { repository: API, tag: 'v1.1.0', digest: apiDigest },
      deliveryId: 'event-v1.1.0',
      event: 'ECR Image Action',
      receivedAt: expect.any(String) as unknown,
      publishedAt: '2026-11-22T11:59:58Z',
    });
    expect(batch).toEqual({ batchItemFailures: [] });
    expect(harness.deploymentImage('web', 'shop')).toBe(`ghcr.io/acme/web:v1.1.0@${webDigest}`);
    expect(harness.deploymentImage('api', 'shop')).toBe(`${API}:v1.1.0@${apiDigest}`);
    expect(harness.releases('shop', 'shop').map((record) => [record.revision, record.result, record.deliveryId])).toEqual([
      [1, 'succeeded', expect.any(String)],
      [2, 'succeeded', 'event-v1.1.0'],
    ]);
  });

  it('deduplicates an ECR push on what was pushed, not on the event id: a redelivered event and a replay are one FIFO message', async () => {
    // Prepare
    const first = ecrEvent('v1.2.0', { id: '13cde686-328b-6117-af20-0e5566167482' });
    const replay = ecrEvent('v1.2.0', { id: '85fc3613-e913-7fc4-a80c-a3753e4aa9ae' });
    const other = ecrEvent('v1.2.0', { id: 'c0ffee00-0000-4000-8000-000000000000', digest: digestOf('another build') });

    // Act
    await harness.invoke(first);
    await harness.invoke(replay);
    await harness.invoke(other);

    // Assess
    const [a, b, c] = sentEntries().map((entry) => entry.MessageDeduplicationId);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('refuses an ECR tag the image policy does not take, as it refuses a GHCR one', async () => {
    // Act
    const answer = await harness.invoke<EcrPushResponse>(ecrEvent('latest'));

    // Assess
    expect(answer).toMatchObject({
      status: 'ignored',
      reason: `no workload takes ${API}:latest@${digestOf(`${API}:latest`)}`,
      skipped: [{ cluster: 'shop', workload: 'shop', reason: `tag latest of ${API} matches no rule for environment prod (rules: semver >=1.0.0)` }],
    });
    expect(sentEntries()).toEqual([]);
  });

  it.each([
    ['the documented sample event (its digest is 60 hex digits, not a full sha256)', documentedEvent, 'tag latest comes without a sha256 digest to pin'],
    ['a delete', ecrEvent('v1.3.0', { detail: { 'action-type': 'DELETE' } }), 'action-type DELETE is not handled (only PUSH)'],
    ['a failed push', ecrEvent('v1.3.0', { detail: { result: 'FAILURE' } }), "the push's result is FAILURE, not SUCCESS"],
    ['an untagged platform manifest', ecrEvent('', {}), 'untagged manifest (a platform manifest of a multi-arch push): the tagged index deploys instead'],
    ['a push to another account', ecrEvent('v1.3.0', { account: '999988887777' }), 'no workload deploys 999988887777.dkr.ecr.eu-west-1.amazonaws.com/shop/api'],
  ])('acknowledges and leaves alone %s', async (_name, event, reason) => {
    // Act
    const answer = await harness.invoke<EcrPushResponse>(event);

    // Assess
    expect(answer.status).toBe('ignored');
    expect(answer.reason).toContain(reason);
    expect(sentEntries()).toEqual([]);
  });

  it('reads the ECR documentation sample as an ECR Image Action with the registry of its account and Region', () => {
    // Act
    const result = parseEcrEvent(ecrImageActionSchema.parse({ ...documentedEvent, detail: { ...documentedEvent.detail, 'image-digest': digestOf('x') } }));

    // Assess
    expect(result).toEqual({
      kind: 'push',
      push: { repository: '123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name', tag: 'latest', digest: digestOf('x') },
    });
  });
});

describe("crypto-oms's ECR push, the way its GHCR push went", () => {
  const harness = new WorkerHarness();
  const EXAMPLE = path.join(__dirname, '../../../../examples/crypto-oms/cluster.yaml');
  const ECR_INGESTION = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/crypto-oms/order-ingestion';

  beforeEach(() => {
    sqs.reset();
    ssm.reset();
    resetWebhookDeps();
    acceptBatches(sqs);
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/eks-pilot/test/github-webhook-secret', Value: WEBHOOK_SECRET }] });
  });

  afterEach(async () => {
    await harness.stop();
  });

  /** One push through its source (the ECR rule's event, or the signed webhook), the queue and the worker: the message and what the cluster then runs. */
  async function pushed(
    source: 'ecr' | 'ghcr',
  ): Promise<{ message: Extract<QueueMessage, { type: 'deploy' }>; groupId?: string; batch: unknown; image?: string; releases: unknown[] }> {
    sqs.resetHistory();
    await harness.start(source === 'ecr' ? EXAMPLE : CRYPTO_OMS);
    process.env.EKS_PILOT_WEBHOOK_SECRET = 'ssm:/eks-pilot/test/github-webhook-secret';
    if (source === 'ecr') {
      await harness.invoke({
        ...ecrPushEvent,
        id: 'ecr-crypto-oms-v1.1.0',
        detail: {
          ...ecrPushEvent.detail,
          'repository-name': 'crypto-oms/order-ingestion',
          'image-tag': 'v1.1.0',
          'image-digest': digestOf('order-ingestion v1.1.0'),
        },
      });
    } else {
      const body = JSON.stringify(registryPackagePayload('crypto-oms', 'order-ingestion', 'v1.1.0', digestOf('order-ingestion v1.1.0')));
      await webhookHandler(webhookEvent('registry_package', body), lambdaContext);
    }
    const [entry] = sentEntries();
    const message = messageOf(entry ?? {});
    if (message.type !== 'deploy') throw new Error(`expected a deploy message, got ${message.type}`);
    const batch = await harness.deliver([message]);
    return {
      message,
      ...(entry?.MessageGroupId === undefined ? {} : { groupId: entry.MessageGroupId }),
      batch,
      ...(harness.deploymentImage('order-ingestion') === undefined ? {} : { image: harness.deploymentImage('order-ingestion') }),
      releases: harness.releases().map((record) => [record.revision, record.result, record.image?.tag, record.image?.digest]),
    };
  }

  it('queues it for the crypto-oms workload and deploys it pinned by digest through the same queue consumer, as the GHCR fixture does its push', async () => {
    // Act
    const ecr = await pushed('ecr');
    await harness.stop();
    const ghcr = await pushed('ghcr');

    // Assess
    const digest = digestOf('order-ingestion v1.1.0');
    expect(ecr.message).toEqual({
      type: 'deploy',
      cluster: 'crypto-oms',
      workload: 'crypto-oms',
      image: { repository: ECR_INGESTION, tag: 'v1.1.0', digest },
      deliveryId: 'ecr-crypto-oms-v1.1.0',
      event: 'ECR Image Action',
      receivedAt: expect.any(String) as unknown,
      publishedAt: ecrPushEvent.time,
    });
    // Only a GitHub push knows the repository that built the image (for its deployment statuses).
    expect(ghcr.message.imageSource).toEqual({ repository: 'Codertocat/hello-world-npm', revision: '6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b' });
    expect({ ...ghcr.message, imageSource: undefined, deliveryId: 'x', event: 'x', receivedAt: 'x', publishedAt: 'x' }).toEqual({
      ...ecr.message,
      image: { ...ecr.message.image, repository: ORDER_INGESTION },
      deliveryId: 'x',
      event: 'x',
      receivedAt: 'x',
      publishedAt: 'x',
    });
    expect([ecr.groupId, ghcr.groupId]).toEqual(['crypto-oms/crypto-oms', 'crypto-oms/crypto-oms']);
    expect([ecr.batch, ghcr.batch]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(ecr.image).toBe(`${ECR_INGESTION}:v1.1.0@${digest}`);
    expect(ghcr.image).toBe(`${ORDER_INGESTION}:v1.1.0@${digest}`);
    expect(ecr.releases).toEqual(ghcr.releases);
    expect(ecr.releases.at(-1)).toEqual([expect.any(Number), 'succeeded', 'v1.1.0', digest]);
  });
});
