/**
 * deploy's two packaged bundles, end to end: deploy-webhook verifies a signed GitHub example
 * payload (from @octokit/webhooks-examples) with the secret in moto's SSM and queues to a moto
 * FIFO queue addressed by its AWS-style URL (as CloudFormation's Ref gives it); the messages are
 * read back and handed to deploy-worker as Lambda's SQS event source delivers them, and the worker
 * server-side applies crypto-oms to a Kubernetes stand-in with the image pinned by digest.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { KubernetesObject } from '../../shared/ports/kubernetes';
import { digestOf, registryPackagePayload, WEBHOOK_SECRET, webhookEvent } from '../../testing/deploy-events';
import type { KubernetesStandIn } from './support/kubernetes';
import { startKubernetes } from './support/kubernetes';
import { invokeFunction } from './support/lambda';
import type { Moto } from './support/moto';
import { startMoto } from './support/moto';
import { createReleaseTable, RELEASE_TABLE } from './support/release-table';
import { specFile } from './support/specs';

const REGION = 'us-east-1';
const QUEUE = 'eks-pilot-dev-deploy.fifo';
/** What `{ Ref: DeployQueue }` resolves to in a deployed stack: an AWS host, not the emulator's. */
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/123456789012/${QUEUE}`;
const IMAGE = 'ghcr.io/crypto-oms/order-ingestion';
const DIGEST = digestOf('v1.3.0');
const CLUSTER_REGION = 'eu-west-1';
const SECRET_VALUES = { DATABASE_URL: 'postgres://oms:e2e-only-password@db/oms', EXCHANGE_API_KEY: 'e2e-key', EXCHANGE_API_SECRET: 'e2e-secret' };

let moto: Moto;
let k8s: KubernetesStandIn;
let sqs: SQSClient;
let ssm: SSMClient;
let queueArn = '';

beforeAll(async () => {
  moto = await startMoto();
  await createReleaseTable(moto, REGION);
  k8s = await startKubernetes();
  const config = moto.clientConfig(REGION);
  sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
  ssm = new SSMClient(config);
  await sqs.send(
    new CreateQueueCommand({ QueueName: QUEUE, Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false', VisibilityTimeout: '1800' } }),
  );
  queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: QUEUE_URL, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
  await ssm.send(new PutParameterCommand({ Name: '/eks-pilot/dev/github-webhook-secret', Type: 'SecureString', Value: WEBHOOK_SECRET }));
  // crypto-oms sources its Secret from Secrets Manager in its cluster's Region, as its README says to create it.
  const secrets = new SecretsManagerClient(moto.clientConfig(CLUSTER_REGION));
  await secrets.send(new CreateSecretCommand({ Name: 'eks-pilot/crypto-oms/app-secrets', SecretString: JSON.stringify(SECRET_VALUES) }));
  secrets.destroy();
});
afterAll(async () => {
  sqs.destroy();
  ssm.destroy();
  await k8s.close();
  await moto.stop();
});

const env = (): Record<string, string> => ({ ...moto.env, EKS_PILOT_SPECS: specFile('crypto-oms'), KUBECONFIG: k8s.kubeconfig });

async function webhook(event: unknown): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const { result } = await invokeFunction<{ statusCode: number; body: string }>('deploy-webhook', event, {
    region: REGION,
    env: env(),
    refs: { DeployQueue: QUEUE_URL, ReleaseTable: RELEASE_TABLE },
  });
  return { statusCode: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> };
}

async function receiveAll(): Promise<Message[]> {
  const output = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: QUEUE_URL,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return output.Messages ?? [];
}

/** The event Lambda's SQS event source mapping builds from received messages. */
function sqsEvent(messages: readonly Message[]): unknown {
  return {
    Records: messages.map((message) => ({
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body,
      attributes: message.Attributes,
      messageAttributes: {},
      md5OfBody: message.MD5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: REGION,
    })),
  };
}

it('verifies a signed push, queues it once to the FIFO queue, and the worker rolls it out pinned by digest', async () => {
  // Prepare: GitHub's example registry_package payload, for crypto-oms's image at v1.3.0
  const body = JSON.stringify(registryPackagePayload('crypto-oms', 'order-ingestion', 'v1.3.0', DIGEST));
  const push = webhookEvent('registry_package', body, { deliveryId: 'e2e-delivery-1' });

  // The same push under the older event name: GitHub sends both for one push
  const legacy = JSON.parse(body) as Record<string, unknown>;
  legacy.package = legacy.registry_package;
  delete legacy.registry_package;

  // Act: the delivery, GitHub's redelivery of it (same delivery id), the body replayed under a new
  // delivery id, the same push as a `package` event, and a forgery
  const first = await webhook(push);
  const again = await webhook(push);
  const replayed = await webhook(webhookEvent('registry_package', body, { deliveryId: 'e2e-delivery-replayed' }));
  const asPackage = await webhook(webhookEvent('package', JSON.stringify(legacy), { deliveryId: 'e2e-delivery-package' }));
  const forged = await webhook(webhookEvent('registry_package', body, { deliveryId: 'e2e-delivery-2', secret: 'not the secret' }));

  // Assess: one message queued (moto's FIFO queue drops the copies by their deduplication id), the forgery refused
  const pinned = `${IMAGE}:v1.3.0@${DIGEST}`;
  expect(first.statusCode).toBe(202);
  expect(first.body).toMatchObject({ status: 'queued', queued: [{ cluster: 'crypto-oms', workload: 'crypto-oms', image: pinned }] });
  expect([again.statusCode, replayed.statusCode, asPackage.statusCode]).toEqual([202, 202, 202]);
  expect(forged.statusCode).toBe(401);
  const messages = await receiveAll();
  expect(messages).toHaveLength(1);
  expect(messages[0]?.Attributes?.MessageGroupId).toBe('crypto-oms/crypto-oms');

  // Act: Lambda hands the received batch to the worker
  const { result } = await invokeFunction<{ batchItemFailures: unknown[] }>('deploy-worker', sqsEvent(messages), {
    region: REGION,
    env: env(),
    refs: { DeployQueue: QUEUE_URL, ReleaseTable: RELEASE_TABLE },
  });

  // Assess: applied in order, the pushed image pinned, the release recorded
  expect(result).toEqual({ batchItemFailures: [] });
  // Under the workload's lease, in the shared lease table of the cluster's Region, and given back.
  const dynamodb = new DynamoDBClient(moto.clientConfig(CLUSTER_REGION));
  const leases = await dynamodb.send(new ScanCommand({ TableName: 'eks-pilot-leases' }));
  dynamodb.destroy();
  expect(leases.Items).toEqual([]);
  const applied = k8s.cluster.appliedObjects();
  expect(applied[0]).toBe('Namespace crypto-oms');
  const deployment = [...k8s.cluster.objects.values()].find(
    (object: KubernetesObject) => object.kind === 'Deployment' && JSON.stringify(object.spec).includes(IMAGE),
  );
  expect(JSON.stringify(deployment?.spec)).toContain(pinned);
  const { result: history } = await invokeFunction<{ releases: { image?: string; images?: unknown; result?: string; status?: string }[] }>(
    'deploy-worker',
    { action: 'history', workload: 'crypto-oms' },
    { region: REGION, env: env(), refs: { DeployQueue: QUEUE_URL, ReleaseTable: RELEASE_TABLE } },
  );
  expect(JSON.stringify(history.releases[0])).toContain(pinned);
  // The sourced Secret landed with moto's value, and no record holds it.
  const secret = k8s.cluster.objects.get('/api/v1/namespaces/crypto-oms/secrets/app-secrets');
  expect((secret?.data as Record<string, string> | undefined)?.DATABASE_URL).toBe(Buffer.from(SECRET_VALUES.DATABASE_URL).toString('base64'));
  expect(JSON.stringify(history)).not.toContain('e2e-only-password');
  expect(JSON.stringify(history)).not.toContain(Buffer.from(SECRET_VALUES.DATABASE_URL).toString('base64'));
});
