import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { QueueMessage } from '../../../../functions/deploy/model/messages';
import { handler as webhookHandler, resetWebhookDeps } from '../../../../functions/deploy/webhook/handler';
import { lambdaContext } from '../../../../testing/lambda-context';
import { captureLogLines } from '../../../../testing/log-lines';
import { CRYPTO_OMS, acceptBatches, digestOf, registryPackagePayload, serveWebhookSecret, webhookEvent } from '../../../../testing/deploy-events';
import { ORDER_INGESTION, WorkerHarness } from '../worker-harness';
import { awsSecretStubs } from '../../../../testing/secret-values';

const sqs = mockClient(SQSClient);
// The one SSM stub of this process: the examples' sourced Secrets are read through it too.
const { ssm } = awsSecretStubs();

/** GitHub's example push of crypto-oms's order-ingestion at `tag`, published at `publishedAt`, as `event`. */
function pushBody(tag: string, publishedAt: string, event: 'registry_package' | 'package' = 'registry_package'): string {
  const payload = registryPackagePayload('crypto-oms', 'order-ingestion', tag, digestOf(`${ORDER_INGESTION}:${tag}`));
  const pkg = payload.registry_package as { package_version: Record<string, unknown> };
  pkg.package_version.created_at = publishedAt;
  pkg.package_version.updated_at = publishedAt;
  if (event === 'package') {
    payload.package = payload.registry_package;
    delete payload.registry_package;
  }
  return JSON.stringify(payload);
}

describe('replays and re-sends of a push', () => {
  const worker = new WorkerHarness();

  beforeEach(() => {
    sqs.reset();
    ssm.reset();
    acceptBatches(sqs);
    serveWebhookSecret(ssm);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await worker.stop();
  });

  async function startWorker(): Promise<void> {
    await worker.start(CRYPTO_OMS);
    process.env.EKS_PILOT_WEBHOOK_SECRET = 'ssm:/eks-pilot/test/github-webhook-secret';
    resetWebhookDeps();
  }

  /** Sends a delivery to the real webhook, and what it queued (with its deduplication ids) to the real worker. */
  async function deliver(
    githubEvent: string,
    body: string,
    deliveryId: string,
  ): Promise<{ statusCode: number; deduplicationIds: string[]; failures: unknown[] }> {
    const before = sqs.commandCalls(SendMessageBatchCommand).length;
    const answer = (await webhookHandler(webhookEvent(githubEvent, body, { deliveryId }), lambdaContext)) as APIGatewayProxyStructuredResultV2;
    const entries = sqs
      .commandCalls(SendMessageBatchCommand)
      .slice(before)
      .flatMap((call) => call.args[0].input.Entries ?? []);
    const messages = entries.map((entry) => JSON.parse(entry.MessageBody ?? '{}') as QueueMessage);
    const response = messages.length === 0 ? { batchItemFailures: [] } : await worker.deliver(messages);
    return {
      statusCode: answer.statusCode ?? 0,
      deduplicationIds: entries.map((entry) => entry.MessageDeduplicationId ?? ''),
      failures: response.batchItemFailures,
    };
  }

  it('changes nothing when a captured delivery is replayed under a new delivery id after a newer push', async () => {
    // Prepare: v1.2.0, then v1.3.0, deployed
    const logs = captureLogLines();
    await startWorker();
    const first = await deliver('registry_package', pushBody('v1.2.0', '2026-11-22T11:00:00Z'), 'delivery-a');
    await deliver('registry_package', pushBody('v1.3.0', '2026-11-22T11:30:00Z'), 'delivery-b');
    const history = worker.releases();
    const applied = worker.cluster?.appliedObjects().length;

    // Act: the body of the first delivery, signed as GitHub signed it, under a new id
    const replay = await deliver('registry_package', pushBody('v1.2.0', '2026-11-22T11:00:00Z'), 'delivery-replayed');

    // Assess
    expect(replay.statusCode).toBe(202);
    expect(replay.deduplicationIds).toEqual(first.deduplicationIds);
    expect(replay.failures).toEqual([]);
    expect(worker.releases()).toEqual(history);
    expect(worker.cluster?.appliedObjects().length).toBe(applied);
    expect(worker.deploymentImage('order-ingestion')).toContain(':v1.3.0@');
    const line = logs.lines().find((item) => item.message === 'deploy duplicate' && item.deliveryId === 'delivery-replayed');
    expect(line).toMatchObject({
      reason: `${ORDER_INGESTION}:v1.2.0@${digestOf(`${ORDER_INGESTION}:v1.2.0`)} was already released (release 1): a replay changes nothing`,
    });
  });

  it('does nothing with a push published before the release that runs', async () => {
    // Prepare
    const logs = captureLogLines();
    await startWorker();
    await deliver('registry_package', pushBody('v1.3.0', '2026-11-22T11:30:00Z'), 'delivery-new');
    const history = worker.releases();

    // Act: a newer version number, published earlier (a delivery held back, then sent)
    const late = await deliver('registry_package', pushBody('v1.4.0', '2026-11-22T10:00:00Z'), 'delivery-late');

    // Assess
    expect(late.failures).toEqual([]);
    expect(worker.releases()).toEqual(history);
    expect(worker.deploymentImage('order-ingestion')).toContain(':v1.3.0@');
    expect(logs.lines().find((item) => item.deliveryId === 'delivery-late' && item.message === 'deploy duplicate')?.reason).toMatch(
      /was published at 2026-11-22T10:00:00Z, before release 1 that runs \(2026-11-22T11:30:00Z\)$/,
    );
  });

  it('queues one push delivered as both registry_package and package as one message', async () => {
    // Prepare
    captureLogLines();
    await startWorker();

    // Act
    const modern = await deliver('registry_package', pushBody('v1.2.0', '2026-11-22T11:00:00Z'), 'delivery-registry-package');
    const legacy = await deliver('package', pushBody('v1.2.0', '2026-11-22T11:00:00Z', 'package'), 'delivery-package');

    // Assess: SQS drops the second within five minutes; after that the worker does
    expect(legacy.deduplicationIds).toEqual(modern.deduplicationIds);
    expect(worker.releases().map((record) => [record.revision, record.deliveryId, record.result])).toEqual([[1, 'delivery-registry-package', 'succeeded']]);
  });
});
