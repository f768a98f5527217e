/**
 * Deploy fan-out: one image that 50 workloads use is pushed once. deploy-webhook queues one message
 * per workload (one FIFO message group each); the messages are cut into SQS batches of the
 * worker's `batchSize` (serverless.yml), and each batch goes to a warm deploy-worker container
 * (a child process), at most `concurrency` containers at a time. A container works through its
 * batch in order, one workload after another. Every container talks to one local fake API server.
 *
 * deploy-worker sets no concurrency limit of its own (no reservedConcurrency, no maximumConcurrency
 * on its SQS event source): Lambda runs as many batches at once as the FIFO message groups allow.
 * The scenario runs the same push at 1 container (every batch in turn) and at one container per
 * batch (all at once), passes alternating, and reports both.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SendMessageBatchCommandInput, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { startFakeCluster } from '../../testing/fake-k8s';
import { doubleAwsClients, startTripwire } from '../../testing/aws-doubles';
import type { Service } from '../child';
import { scenarioMain, startService } from '../child';
import { lambdaContext, QUEUE_URL, SECRET_PARAMETERS, signedPush, sqsEventOf, WEBHOOK_SECRET, writeKubeconfig } from '../../testing/bench-events';
import type { Summary } from '../stats';
import { msSince, summarise } from '../stats';
import type { BatchRequest, BatchResult, WorkerContainerInput } from './worker-container';

export interface FanOutInput {
  workloads: number;
  batchSize: number;
  /** Containers allowed at once, one pass each per round. */
  concurrency: number[];
  rounds: number;
}

export interface FanOutPass {
  concurrency: number;
  batches: number;
  /** Push in to the receiver's 202 (50 messages queued). */
  ack: Summary;
  /** Push in to the first apply of each workload, pooled over the rounds. */
  firstApply: Summary;
  /** Push in to the last workload's rollout done (every batch returned), per round. */
  allDone: Summary;
  /** One batch's handler time inside its container, pooled over the rounds. */
  batch: Summary;
  failedMessages: number;
}

export interface FanOutFigures {
  workloads: number;
  batchSize: number;
  rounds: number;
  passes: FanOutPass[];
  /** Requests the API server answered per pass (applies, reads, release records). */
  apiRequestsPerPass: number;
  allUpdated: boolean;
  unmockedAwsRequests: string[];
}

const OWNER = 'bench';
const IMAGE = 'shared-api';

/** A cluster spec with `count` workloads, each a namespace, a Service and a Deployment running the shared image. */
function writeFanOutSpec(dir: string, count: number): string {
  const names = Array.from({ length: count }, (_, index) => `w${String(index + 1).padStart(2, '0')}`);
  for (const name of names) {
    const manifests = path.join(dir, 'manifests', name);
    mkdirSync(manifests, { recursive: true });
    writeFileSync(path.join(manifests, '00-namespace.yaml'), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`);
    writeFileSync(
      path.join(manifests, '30-service.yaml'),
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: ${name}\nspec:\n  selector: { app: api }\n  ports: [{ name: http, port: 80, targetPort: 8080 }]\n`,
    );
    writeFileSync(
      path.join(manifests, '40-deployment.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: api',
        `  namespace: ${name}`,
        'spec:',
        '  replicas: 2',
        '  selector: { matchLabels: { app: api } }',
        '  template:',
        '    metadata: { labels: { app: api } }',
        '    spec:',
        '      containers:',
        `        - name: api`,
        `          image: ghcr.io/${OWNER}/${IMAGE}:v1.0.0`,
        '          ports: [{ containerPort: 8080 }]',
        '',
      ].join('\n'),
    );
  }
  const file = path.join(dir, 'fanout.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: eks-pilot/v1',
      'kind: Cluster',
      'name: fanout',
      'region: us-east-1',
      'version: "1.33"',
      'roleArn: arn:aws:iam::123456789012:role/fanout-cluster',
      'vpc:',
      '  subnetIds: [subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2]',
      'workloads:',
      ...names.flatMap((name) => [
        `  - name: ${name}`,
        `    manifests: manifests/${name}`,
        '    images:',
        `      - repository: ghcr.io/${OWNER}/${IMAGE}`,
        '        tags: [{ semver: ">=1.0.0" }]',
      ]),
      '',
    ].join('\n'),
  );
  return file;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

async function main(input: FanOutInput): Promise<FanOutFigures> {
  const tripwire = await startTripwire();
  const dir = mkdtempSync(path.join(tmpdir(), 'eks-pilot-fanout-'));
  const specFile = writeFanOutSpec(dir, input.workloads);
  let passStart = 0n;
  const firstApply = new Map<string, bigint>();
  const cluster = await startFakeCluster({
    intercept: (request) => {
      const isApply = request.method === 'PATCH' && request.headers['content-type'] === 'application/apply-patch+yaml' && request.query.get('dryRun') === null;
      const workload = /\/namespaces\/(w\d+)/.exec(request.path)?.[1];
      if (isApply && workload !== undefined && !firstApply.has(workload) && passStart > 0n) firstApply.set(workload, process.hrtime.bigint());
      return undefined;
    },
  });
  const kubeconfig = writeKubeconfig(dir, cluster.server.url);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    EKS_PILOT_SPECS: specFile,
    EKS_PILOT_WEBHOOK_SECRET: `ssm:${SECRET_PARAMETERS.current},${SECRET_PARAMETERS.previous}`,
    EKS_PILOT_DEPLOY_QUEUE_URL: QUEUE_URL,
  });
  const aws = doubleAwsClients();
  aws.ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: SECRET_PARAMETERS.current, Value: WEBHOOK_SECRET, Type: 'SecureString' }] });
  let queued: SendMessageBatchRequestEntry[] = [];
  aws.sqs.on(SendMessageBatchCommand).callsFake((request: SendMessageBatchCommandInput) => {
    const entries = request.Entries ?? [];
    queued.push(...entries);
    return { Successful: entries.map((entry, index) => ({ Id: entry.Id, MessageId: `m-${String(index)}`, MD5OfMessageBody: 'x' })), Failed: [] };
  });
  const { handler: receiver } = await import('../../functions/deploy/webhook/handler');

  const containerInput: WorkerContainerInput = { specs: specFile, kubeconfig };
  const most = Math.max(...input.concurrency);
  const containers: Service<BatchRequest, BatchResult>[] = await Promise.all(
    Array.from({ length: most }, () => startService<BatchRequest, BatchResult>(path.join(__dirname, 'worker-container.ts'), containerInput)),
  );

  let version = 0;
  const pass = async (
    concurrency: number,
  ): Promise<{ ackMs: number; firstApplyMs: number[]; doneMs: number; batchMs: number[]; failed: number; batches: number }> => {
    version += 1;
    const push = signedPush(OWNER, IMAGE, `v1.${String(version)}.0`);
    queued = [];
    firstApply.clear();
    const started = process.hrtime.bigint();
    passStart = started;
    const answer = (await receiver(push, lambdaContext)) as APIGatewayProxyStructuredResultV2;
    const ackMs = msSince(started);
    if (answer.statusCode !== 202 || queued.length !== input.workloads)
      throw new Error(`the receiver answered ${String(answer.statusCode)} and queued ${String(queued.length)} messages`);
    const waiting = chunk(queued, input.batchSize).map((entries) => sqsEventOf(entries));
    const batches = waiting.length;
    let failed = 0;
    const batchMs: number[] = [];
    await Promise.all(
      containers.slice(0, concurrency).map(async (container) => {
        for (let event = waiting.shift(); event !== undefined; event = waiting.shift()) {
          const result = await container.request({ event });
          failed += result.failed;
          batchMs.push(result.ms);
        }
      }),
    );
    const doneMs = msSince(started);
    passStart = 0n;
    return { ackMs, firstApplyMs: [...firstApply.values()].map((at) => Number(at - started) / 1e6), doneMs, batchMs, failed, batches };
  };

  // The first pass creates every object and warms every container (handler loaded, targets read).
  await pass(most);
  const requestsBefore = cluster.server.requests.length;
  const results = new Map<number, { ack: number[]; firstApply: number[]; done: number[]; batch: number[]; failed: number; batches: number }>();
  for (let round = 0; round < input.rounds; round += 1) {
    for (const concurrency of input.concurrency) {
      const result = await pass(concurrency);
      const series = results.get(concurrency) ?? { ack: [], firstApply: [], done: [], batch: [], failed: 0, batches: result.batches };
      series.batch.push(...result.batchMs);
      series.ack.push(result.ackMs);
      series.firstApply.push(...result.firstApplyMs);
      series.done.push(result.doneMs);
      series.failed += result.failed;
      results.set(concurrency, series);
    }
  }
  const apiRequestsPerPass = (cluster.server.requests.length - requestsBefore) / (input.rounds * input.concurrency.length);
  const finalTag = `:v1.${String(version)}.0@`;
  const allUpdated = Array.from({ length: input.workloads }, (_, index) => `w${String(index + 1).padStart(2, '0')}`).every((name) =>
    JSON.stringify(cluster.objects.get(`/apis/apps/v1/namespaces/${name}/deployments/api`)?.spec ?? {}).includes(finalTag),
  );

  for (const container of containers) container.close();
  await cluster.close();
  await tripwire.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    workloads: input.workloads,
    batchSize: input.batchSize,
    rounds: input.rounds,
    passes: input.concurrency.map((concurrency) => {
      const series = results.get(concurrency);
      return {
        concurrency,
        batches: series?.batches ?? 0,
        ack: summarise(series?.ack ?? []),
        firstApply: summarise(series?.firstApply ?? []),
        allDone: summarise(series?.done ?? []),
        batch: summarise(series?.batch ?? []),
        failedMessages: series?.failed ?? 0,
      };
    }),
    apiRequestsPerPass,
    allUpdated,
    unmockedAwsRequests: tripwire.requests,
  };
}

scenarioMain((input) => main(input as FanOutInput));
