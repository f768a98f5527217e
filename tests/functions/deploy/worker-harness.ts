import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SQSBatchResponse } from 'aws-lambda';
import { handler, resetWorkerDeps } from '../../../functions/deploy/worker/handler';
import type { DeployMessage, QueueMessage } from '../../../functions/deploy/model/messages';
import { toFifo } from '../../../functions/deploy/model/messages';
import type { ReleaseRecord } from '../../../functions/deploy/model/releases';
import { RELEASES_KEY } from '../../../functions/deploy/model/releases';
import { resetAwsClients } from '../../../shared/adapters/aws/clients';
import { lambdaContext } from '../../../testing/lambda-context';
import { startFakeCluster } from '../../../testing/fake-k8s';
import type { FakeCluster, FakeClusterOptions } from '../../../testing/fake-k8s';
import { seedExampleSecrets } from '../../../testing/secret-values';
import { digestOf } from '../../../testing/deploy-events';

export const ORDER_INGESTION = 'ghcr.io/crypto-oms/order-ingestion';

/**
 * The real deploy-worker handler against a fake Kubernetes API server reached through KUBECONFIG,
 * as a developer's kind cluster would be. `start` before each test, `stop` after.
 */
export class WorkerHarness {
  cluster: FakeCluster | undefined;
  private dir = '';
  private readonly originalEnv = process.env;
  private sequence = 0;

  async start(specs: string, options: FakeClusterOptions = {}): Promise<FakeCluster> {
    this.dir = mkdtempSync(path.join(tmpdir(), 'deploy-worker-'));
    this.sequence = 0;
    const cluster = await startFakeCluster(options);
    this.cluster = cluster;
    const kubeconfig = path.join(this.dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: kind-test',
        `clusters: [{ name: kind-test, cluster: { server: "${cluster.server.url}" } }]`,
        'users: [{ name: kind-test, user: { token: kind-token } }]',
        'contexts: [{ name: kind-test, context: { cluster: kind-test, user: kind-test } }]',
        '',
      ].join('\n'),
    );
    process.env = {
      ...this.originalEnv,
      AWS_REGION: 'us-east-1',
      EKS_PILOT_SPECS: specs,
      KUBECONFIG: kubeconfig,
      EKS_PILOT_DEPLOY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/eks-pilot-test-deploy.fifo',
      EKS_PILOT_ROLLOUT_POLL_MS: '5',
      EKS_PILOT_ROLLOUT_RESERVE_MS: '1000',
    };
    resetAwsClients();
    resetWorkerDeps();
    // The examples source their Secrets from AWS: the worker's adapter finds them in the SDK stubs.
    seedExampleSecrets();
    return cluster;
  }

  async stop(): Promise<void> {
    process.env = this.originalEnv;
    await this.cluster?.close();
    this.cluster = undefined;
    if (this.dir !== '') rmSync(this.dir, { recursive: true, force: true });
  }

  /** Hands messages to the worker as Lambda's SQS event source would: one batch, each message with its FIFO group. */
  async deliver(messages: readonly QueueMessage[]): Promise<SQSBatchResponse> {
    const records = messages.map((message) => {
      const fifo = toFifo(message);
      this.sequence += 1;
      return {
        messageId: `m-${this.sequence}`,
        receiptHandle: `r-${this.sequence}`,
        body: fifo.body,
        attributes: { MessageGroupId: fifo.groupId, MessageDeduplicationId: fifo.deduplicationId, ApproximateReceiveCount: '1' },
        messageAttributes: {},
        md5OfBody: 'x',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:eks-pilot-test-deploy.fifo',
        awsRegion: 'us-east-1',
      };
    });
    return (await handler({ Records: records }, lambdaContext)) as SQSBatchResponse;
  }

  /** Invokes the worker with any event (a manual invoke, the schedule). */
  async invoke<T>(event: unknown): Promise<T> {
    return (await handler(event, lambdaContext)) as T;
  }

  releases(namespace = 'crypto-oms', workload = 'crypto-oms'): ReleaseRecord[] {
    const configMap = this.cluster?.objects.get(`/api/v1/namespaces/${namespace}/configmaps/eks-pilot-releases-${workload}`);
    return JSON.parse((configMap?.data as Record<string, string> | undefined)?.[RELEASES_KEY] ?? '[]') as ReleaseRecord[];
  }

  /** Replaces the stored history, as whoever can edit the ConfigMap could. */
  tamper(records: readonly unknown[], namespace = 'crypto-oms', workload = 'crypto-oms'): void {
    const key = `/api/v1/namespaces/${namespace}/configmaps/eks-pilot-releases-${workload}`;
    const configMap = this.cluster?.objects.get(key);
    if (configMap === undefined) throw new Error('no release history to tamper with');
    this.cluster?.objects.set(key, { ...configMap, data: { [RELEASES_KEY]: JSON.stringify(records) } });
  }

  deploymentImage(name: string, namespace = 'crypto-oms'): string | undefined {
    const deployment = this.cluster?.objects.get(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`) as
      { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined;
    return deployment?.spec?.template?.spec?.containers?.[0]?.image;
  }
}

/** A deploy message as the webhook queues it for crypto-oms. */
export function push(
  tag: string,
  options: { digest?: string; deliveryId?: string; publishedAt?: string; repository?: string; cluster?: string; workload?: string } = {},
): DeployMessage {
  const repository = options.repository ?? ORDER_INGESTION;
  return {
    type: 'deploy',
    cluster: options.cluster ?? 'crypto-oms',
    workload: options.workload ?? 'crypto-oms',
    image: { repository, tag, digest: options.digest ?? digestOf(`${repository}:${tag}`) },
    deliveryId: options.deliveryId ?? `delivery-${tag}`,
    event: 'registry_package',
    receivedAt: '2026-11-22T12:00:00.000Z',
    ...(options.publishedAt === undefined ? {} : { publishedAt: options.publishedAt }),
  };
}
