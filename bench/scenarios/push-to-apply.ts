/**
 * Push to first apply: a signed push enters deploy-webhook, what it queued is handed to
 * deploy-worker as the SQS batch Lambda would deliver, and the clock stops when the first
 * server-side apply request reaches a local HTTP server playing the API server (the deploy tests'
 * fake cluster, reached through a temporary KUBECONFIG). The SQS hop itself costs nothing here: the
 * queue is doubled at the SDK client, so its delivery delay is not in the figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SendMessageBatchCommandInput, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse } from 'aws-lambda';
import { startFakeCluster } from '../../testing/fake-k8s';
import type { RecordedRequest } from '../../testing/kubernetes-api-server';
import { doubleAwsClients, startTripwire } from '../../testing/aws-doubles';
import { scenarioMain } from '../child';
import { EXAMPLES, lambdaContext, QUEUE_URL, SECRET_PARAMETERS, signedPush, sqsEventOf, WEBHOOK_SECRET, writeKubeconfig } from '../../testing/bench-events';
import type { Summary } from '../stats';
import { msSince, summarise } from '../stats';
import { answerExampleSecrets } from '../../testing/secret-values';

export interface PushToApplyInput {
  /** Warm pushes measured after the container's first one. */
  runs: number;
}

export interface PushTimes {
  /** Push in to the receiver's 202. */
  ackMs: number;
  /** Push in to the first server-side apply at the API server. */
  firstApplyMs: number;
  /** Push in to the worker's return: every object applied, rollout complete, release recorded. */
  doneMs: number;
}

export interface PushToApplyFigures {
  first: PushTimes;
  warm: { ack: Summary; firstApply: Summary; done: Summary };
  /** Server-side applies (not dry runs) per push, as the API server saw them. */
  appliesPerPush: number;
  /** Whether the last push's digest is what the Deployment runs at the end. */
  lastPushLanded: boolean;
  unmockedAwsRequests: string[];
}

const isApply = (request: RecordedRequest): boolean =>
  request.method === 'PATCH' && request.headers['content-type'] === 'application/apply-patch+yaml' && request.query.get('dryRun') === null;

async function main(input: PushToApplyInput): Promise<PushToApplyFigures> {
  const tripwire = await startTripwire();
  // Written by the fake server as requests arrive, read after each push.
  const seen: { firstApplyAt?: bigint; applies: number } = { applies: 0 };
  const firstApplyAt = (): bigint | undefined => seen.firstApplyAt;
  const cluster = await startFakeCluster({
    intercept: (request) => {
      if (isApply(request)) {
        seen.applies += 1;
        seen.firstApplyAt ??= process.hrtime.bigint();
      }
      return undefined;
    },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'eks-pilot-bench-'));
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    EKS_PILOT_SPECS: path.join(EXAMPLES, '../tests/fixtures/ghcr-oms/cluster.yaml'), // crypto-oms with GHCR images: the push here is a GHCR webhook
    EKS_PILOT_WEBHOOK_SECRET: `ssm:${SECRET_PARAMETERS.current},${SECRET_PARAMETERS.previous}`,
    EKS_PILOT_DEPLOY_QUEUE_URL: QUEUE_URL,
    // The fake completes a rollout on its first read; the poll interval only matters if it did not.
    EKS_PILOT_ROLLOUT_POLL_MS: '5',
    EKS_PILOT_ROLLOUT_RESERVE_MS: '1000',
    KUBECONFIG: writeKubeconfig(dir, cluster.server.url),
  });
  const aws = doubleAwsClients();
  // crypto-oms sources its Secret from Secrets Manager: the doubles hold it, as the account would.
  answerExampleSecrets(aws);
  aws.ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: SECRET_PARAMETERS.current, Value: WEBHOOK_SECRET, Type: 'SecureString' }] });
  let queued: SendMessageBatchRequestEntry[] = [];
  aws.sqs.on(SendMessageBatchCommand).callsFake((request: SendMessageBatchCommandInput) => {
    const entries = request.Entries ?? [];
    queued.push(...entries);
    return { Successful: entries.map((entry, index) => ({ Id: entry.Id, MessageId: `m-${String(index)}`, MD5OfMessageBody: 'x' })), Failed: [] };
  });
  const pushes = Array.from({ length: input.runs + 1 }, (_, index) => signedPush('crypto-oms', 'order-ingestion', `v1.${String(index + 1)}.0`));
  const { handler: receiver } = await import('../../functions/deploy/webhook/handler');
  const { handler: worker } = await import('../../functions/deploy/worker/handler');

  const times: PushTimes[] = [];
  for (const push of pushes) {
    queued = [];
    delete seen.firstApplyAt;
    const started = process.hrtime.bigint();
    const answer = (await receiver(push, lambdaContext)) as APIGatewayProxyStructuredResultV2;
    const ackMs = msSince(started);
    if (answer.statusCode !== 202 || queued.length !== 1)
      throw new Error(`the receiver answered ${String(answer.statusCode)} ${answer.body ?? ''} and queued ${String(queued.length)}`);
    const result = (await worker(sqsEventOf(queued), lambdaContext)) as SQSBatchResponse;
    const doneMs = msSince(started);
    if (result.batchItemFailures.length > 0) throw new Error('the worker failed the message');
    const appliedAt = firstApplyAt();
    if (appliedAt === undefined) throw new Error('no server-side apply reached the API server');
    times.push({ ackMs, firstApplyMs: Number(appliedAt - started) / 1e6, doneMs });
  }

  const deployment = JSON.stringify(cluster.objects.get('/apis/apps/v1/namespaces/crypto-oms/deployments/order-ingestion')?.spec ?? {});
  const lastTag = `v1.${String(pushes.length)}.0`;
  await cluster.close();
  await tripwire.close();
  rmSync(dir, { recursive: true, force: true });
  const [first, ...warm] = times;
  if (first === undefined) throw new Error('no push ran');
  return {
    first,
    warm: {
      ack: summarise(warm.map((run) => run.ackMs)),
      firstApply: summarise(warm.map((run) => run.firstApplyMs)),
      done: summarise(warm.map((run) => run.doneMs)),
    },
    appliesPerPush: seen.applies / pushes.length,
    lastPushLanded: deployment.includes(`order-ingestion:${lastTag}@`),
    unmockedAwsRequests: tripwire.requests,
  };
}

scenarioMain((input) => main(input as PushToApplyInput));
