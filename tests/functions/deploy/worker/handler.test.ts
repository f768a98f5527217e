import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse } from 'aws-lambda';
import deployEvent from '../../../../events/deploy/deploy.json';
import historyEvent from '../../../../events/deploy/history.json';
import planEvent from '../../../../events/deploy/plan.json';
import rollbackEvent from '../../../../events/deploy/rollback.json';
import scheduleEvent from '../../../../events/deploy/schedule.json';
import pushEvent from '../../../../events/deploy/webhook-registry-package.json';
import queueEvent from '../../../../events/deploy/worker-queue.json';
import { handler, resetWorkerDeps } from '../../../../functions/deploy/worker/handler';
import type { ManualResponse } from '../../../../functions/deploy/worker/invoke';
import type { DriftReport } from '../../../../functions/deploy/worker/drift';
import { handler as webhookHandler, resetWebhookDeps } from '../../../../functions/deploy/webhook/handler';
import { resetAwsClients } from '../../../../shared/adapters/aws/clients';
import type { KubernetesObject } from '../../../../shared/ports/kubernetes';
import { lambdaContext } from '../../../../testing/lambda-context';
import { rejected } from '../../../../testing/answers';
import { captureLogLines } from '../../../../testing/log-lines';
import { deadlineExceeded, startFakeCluster } from '../../../../testing/fake-k8s';
import type { FakeCluster, FakeClusterOptions } from '../../../../testing/fake-k8s';
import { CRYPTO_OMS, WEBHOOK_SECRET, acceptBatches } from '../../../../testing/deploy-events';
import { awsSecretStubs, seedExampleSecrets } from '../../../../testing/secret-values';

const sqs = mockClient(SQSClient);
// The one SSM stub of this process: the examples' sourced Secrets are read through it too.
const { ssm } = awsSecretStubs();
const PUSHED = 'ghcr.io/crypto-oms/order-ingestion:v1.1.0@sha256:b6ab0516c2d63f38669bb6d6e7798f2a092dda409261fe40e90d21113f5668cb';

describe('deploy-worker handler', () => {
  const originalEnv = process.env;
  let cluster: FakeCluster | undefined;
  let dir: string;

  /** A fake cluster the worker reaches through KUBECONFIG, as a developer's kind cluster would be. */
  async function withCluster(options: FakeClusterOptions = {}): Promise<FakeCluster> {
    cluster = await startFakeCluster(options);
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: kind-test',
        'clusters: [{ name: kind-test, cluster: { server: "' + cluster.server.url + '" } }]',
        'users: [{ name: kind-test, user: { token: kind-token } }]',
        'contexts: [{ name: kind-test, context: { cluster: kind-test, user: kind-test } }]',
        '',
      ].join('\n'),
    );
    process.env.KUBECONFIG = kubeconfig;
    return cluster;
  }

  function releases(fake: FakeCluster): Record<string, unknown>[] {
    const configMap = fake.objects.get('/api/v1/namespaces/crypto-oms/configmaps/eks-pilot-releases-crypto-oms');
    return JSON.parse((configMap?.data as Record<string, string>)['releases.json'] ?? '[]') as Record<string, unknown>[];
  }

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'deploy-handler-'));
    process.env = {
      ...originalEnv,
      AWS_REGION: 'us-east-1',
      EKS_PILOT_SPECS: CRYPTO_OMS,
      EKS_PILOT_DEPLOY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/eks-pilot-test-deploy.fifo',
      EKS_PILOT_WEBHOOK_SECRET: 'ssm:/eks-pilot/test/github-webhook-secret',
      EKS_PILOT_ROLLOUT_POLL_MS: '5',
      EKS_PILOT_ROLLOUT_RESERVE_MS: '1000',
    };
    sqs.reset();
    ssm.reset();
    resetAwsClients();
    resetWorkerDeps();
    resetWebhookDeps();
    acceptBatches(sqs);
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/eks-pilot/test/github-webhook-secret', Value: WEBHOOK_SECRET }] });
    seedExampleSecrets();
  });

  afterEach(async () => {
    process.env = originalEnv;
    jest.restoreAllMocks();
    await cluster?.close();
    cluster = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a signed push from the webhook to ordered server-side applies, a watched rollout and a release record', async () => {
    // Prepare
    const logs = captureLogLines();
    const fake = await withCluster();
    const answer = (await webhookHandler(pushEvent, lambdaContext)) as APIGatewayProxyStructuredResultV2;
    const entry = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0];
    const delivered = {
      Records: [
        {
          messageId: 'm-0',
          receiptHandle: 'r',
          body: entry?.MessageBody ?? '',
          attributes: { MessageGroupId: entry?.MessageGroupId },
          messageAttributes: {},
          md5OfBody: 'x',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q.fifo',
          awsRegion: 'us-east-1',
        },
      ],
    };

    // Act
    const response = (await handler(delivered, lambdaContext)) as SQSBatchResponse;

    // Assess
    expect(answer.statusCode).toBe(202);
    expect(response).toEqual({ batchItemFailures: [] });
    const applied = fake.appliedObjects();
    expect(applied[0]).toBe('Namespace crypto-oms');
    expect(applied.indexOf('Deployment crypto-oms/order-ingestion')).toBeGreaterThan(applied.indexOf('Service crypto-oms/order-ingestion'));
    expect(applied.indexOf('HorizontalPodAutoscaler crypto-oms/order-ingestion')).toBeGreaterThan(applied.indexOf('Deployment crypto-oms/market-data'));
    expect(applied.at(-2)).toBe('ConfigMap crypto-oms/eks-pilot-releases-crypto-oms');
    const deployment = fake.applies().find((request) => request.path === '/apis/apps/v1/namespaces/crypto-oms/deployments/order-ingestion');
    expect(deployment?.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(deployment?.headers.authorization).toBe('Bearer kind-token');
    expect(Object.fromEntries(deployment?.query ?? [])).toEqual({ fieldManager: 'eks-pilot-deploy', force: 'true', fieldValidation: 'Strict' });
    expect(deployment?.body).toContain(`"image":"${PUSHED}"`);
    expect(releases(fake)).toEqual([expect.objectContaining({ revision: 1, result: 'succeeded', deliveryId: '9b5f5c80-c6f3-11f0-8e4b-1d2a3b4c5d6e' })]);
    const processed = logs.lines().find((line) => line.message === 'queue message processed');
    expect(processed).toMatchObject({
      service: 'deploy-worker',
      trigger: 'queue',
      cluster: 'crypto-oms',
      workload: 'crypto-oms/crypto-oms',
      deliveryId: '9b5f5c80-c6f3-11f0-8e4b-1d2a3b4c5d6e',
      outcome: 'succeeded',
    });
    expect(logs.raw()).not.toContain('REPLACE_ME');
  });

  it('processes the sample queue event and reports a failed message and the rest of the batch for redelivery', async () => {
    // Prepare
    captureLogLines();
    await withCluster({
      intercept: (request) => (request.method === 'GET' && request.path.includes('eks-pilot-releases') ? { status: 500, body: 'etcd timeout' } : undefined),
    });
    const second = { ...queueEvent.Records[0], messageId: 'second' };
    const batch = { Records: [queueEvent.Records[0], second] };

    // Act
    const response = (await handler(batch, lambdaContext)) as SQSBatchResponse;

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '059f36b4-87a3-44ab-83d2-661975830a7d' }, { itemIdentifier: 'second' }] });
  });

  it('drops a malformed queue message instead of retrying it into the dead-letter queue', async () => {
    // Prepare
    const logs = captureLogLines();
    await withCluster();
    const batch = { Records: [{ ...queueEvent.Records[0], body: '{"type":"deploy"}' }] };

    // Act
    const response = (await handler(batch, lambdaContext)) as SQSBatchResponse;

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(logs.lines().some((line) => line.message === 'queue message dropped: not a deploy message')).toBe(true);
  });

  it('rolls back a failed rollout through the stack and ends on the previous image with the reason recorded', async () => {
    // Prepare
    captureLogLines();
    const fake = await withCluster({
      rollout: { 'order-ingestion': (object, reads) => (JSON.stringify(object.spec).includes(':v1.2.0@') ? deadlineExceeded(object, reads) : undefined) },
    });
    await handler(queueEvent, lambdaContext);

    // Act
    const response = (await handler(deployEvent, lambdaContext)) as ManualResponse;

    // Assess
    expect(response).toMatchObject({
      action: 'deploy',
      cluster: 'crypto-oms',
      workload: 'crypto-oms',
      result: { outcome: 'rolled-back', revision: 2, rollback: 3 },
    });
    const stored = fake.objects.get('/apis/apps/v1/namespaces/crypto-oms/deployments/order-ingestion') as KubernetesObject;
    expect(JSON.stringify(stored.spec)).toContain(PUSHED);
    expect(releases(fake)[1]).toMatchObject({
      result: 'rolled-back',
      deliveryId: 'manual-c6af9ac6-7b61-11e6-9a41-93e812345678',
      reason: expect.stringContaining('ProgressDeadlineExceeded') as string,
    });
  });

  it('lists the history newest first, and rolls back to a named release', async () => {
    // Prepare
    captureLogLines();
    const fake = await withCluster();
    await handler(queueEvent, lambdaContext);
    await handler(deployEvent, lambdaContext);

    // Act
    const rolledBack = (await handler(rollbackEvent, lambdaContext)) as ManualResponse;
    const history = (await handler(historyEvent, lambdaContext)) as ManualResponse;

    // Assess
    expect(rolledBack).toMatchObject({ action: 'rollback', result: { outcome: 'succeeded', revision: 3 } });
    expect(history.action === 'history' && history.releases.map((record) => [record.revision, record.kind, record.result])).toEqual([
      [3, 'rollback', 'succeeded'],
      [2, 'deploy', 'succeeded'],
      [1, 'deploy', 'succeeded'],
    ]);
    expect(JSON.stringify(fake.objects.get('/apis/apps/v1/namespaces/crypto-oms/deployments/order-ingestion')?.spec)).toContain(PUSHED);
  });

  it('plans an image: the rendered objects with Secret values hidden, the image change and the diff, changing nothing', async () => {
    // Prepare
    captureLogLines();
    const fake = await withCluster();
    await handler(queueEvent, lambdaContext);
    const appliedBefore = fake.appliedObjects().length;

    // Act
    const response = (await handler(planEvent, lambdaContext)) as ManualResponse;

    // Assess
    if (response.action !== 'plan') throw new Error('expected a plan');
    expect(response.plan.images).toEqual([
      { object: 'Deployment crypto-oms/order-ingestion', container: 'order-ingestion', from: 'ghcr.io/crypto-oms/order-ingestion:v1.0.0', to: planEvent.image },
    ]);
    expect(response.plan.drift).toEqual(['Deployment crypto-oms/order-ingestion spec.template.spec.containers[0].image']);
    expect(response.plan.autoscaled).toEqual([
      'Deployment crypto-oms/order-ingestion',
      'Deployment crypto-oms/risk-engine',
      'Deployment crypto-oms/market-data',
    ]);
    // The Secret is sourced from Secrets Manager: the plan names it and its source, and reads no value.
    const secret = response.plan.objects.find((object) => object.kind === 'Secret');
    expect(secret?.metadata).toMatchObject({
      name: 'app-secrets',
      namespace: 'crypto-oms',
      annotations: { 'eks-pilot.io/secret-source': 'secretsmanager:eks-pilot/crypto-oms/app-secrets' },
    });
    expect(secret?.data).toBeUndefined();
    expect(secret?.stringData).toBeUndefined();
    expect(fake.appliedObjects()).toHaveLength(appliedBefore);
  });

  it('reports drift on the schedule from a server-side dry run, and changes nothing when the spec says report', async () => {
    // Prepare
    captureLogLines();
    const fake = await withCluster();
    await handler(queueEvent, lambdaContext);
    const path = '/apis/apps/v1/namespaces/crypto-oms/deployments/market-data';
    const live = fake.objects.get(path) as KubernetesObject & { spec: { template: { spec: { containers: { image: string }[] } } } };
    const container = live.spec.template.spec.containers[0];
    if (container !== undefined) container.image = 'ghcr.io/crypto-oms/market-data:hand-edited';
    fake.objects.delete('/api/v1/namespaces/crypto-oms/services/risk-engine');
    const appliedBefore = fake.appliedObjects().length;

    // Act
    const response = (await handler(scheduleEvent, lambdaContext)) as { reports: DriftReport[] };

    // Assess
    expect(response.reports).toEqual([
      {
        cluster: 'crypto-oms',
        workload: 'crypto-oms',
        status: 'Drifted',
        drift: ['Service crypto-oms/risk-engine missing', 'Deployment crypto-oms/market-data spec.template.spec.containers[0].image'],
        orphans: [],
        pruned: [],
      },
    ]);
    const dryRuns = fake.applies().filter((request) => request.query.get('dryRun') === 'All');
    expect(dryRuns.length).toBeGreaterThan(10);
    expect(dryRuns.every((request) => request.query.get('fieldManager') === 'eks-pilot-deploy' && request.query.get('force') === 'true')).toBe(true);
    expect(fake.appliedObjects()).toHaveLength(appliedBefore);
  });

  it('answers a manual invoke with an unknown action with an error object naming the field, without a stack', async () => {
    // Prepare
    captureLogLines();

    // Act
    const answer = await handler({ action: 'undo', workload: 'crypto-oms' }, lambdaContext);

    // Assess
    const error = rejected(answer);
    expect(error).toMatchObject({ name: 'InvalidEventError', field: 'action', retryable: false });
    expect(error.reason).toContain('plan');
    expect(JSON.stringify(answer)).not.toContain('stack');
    expect(JSON.stringify(answer)).not.toMatch(/\n\s+at /);
  });

  it('answers a manual invoke naming a workload the specs do not have with the workloads there are, cut to a sane length', async () => {
    // Prepare
    const logs = captureLogLines();
    const huge = 'w'.repeat(10_000);

    // Act
    const answer = await handler({ action: 'history', workload: huge }, lambdaContext);

    // Assess
    const error = rejected(answer);
    expect(error).toMatchObject({ name: 'InvalidEventError', field: 'workload' });
    expect(error.reason).toContain(`"${'w'.repeat(200)}… (10000 characters)"; the specs have: crypto-oms/crypto-oms`);
    expect(JSON.stringify(answer).length).toBeLessThan(2_000);
    expect(logs.raw()).not.toContain('w'.repeat(201));
  });
});
