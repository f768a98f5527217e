/**
 * A warm deploy-worker container: a process that loaded the handler once and then takes SQS
 * batches one at a time, as a Lambda execution environment does. The fan-out scenario starts as
 * many as it lets run at once. SQS (a watch handed on) is doubled; the cluster is whatever the
 * KUBECONFIG it is given points at.
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { doubleAwsClients, startTripwire } from '../../testing/aws-doubles';
import { serviceMain } from '../child';
import { lambdaContext, QUEUE_URL } from '../../testing/bench-events';
import { msSince } from '../stats';
import { answerExampleSecrets } from '../../testing/secret-values';

export interface WorkerContainerInput {
  specs: string;
  kubeconfig: string;
}

export interface BatchRequest {
  event: unknown;
}

export interface BatchResult {
  ms: number;
  failed: number;
}

serviceMain(
  async (input) => {
    const { specs, kubeconfig } = input as WorkerContainerInput;
    await startTripwire();
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      EKS_PILOT_SPECS: specs,
      KUBECONFIG: kubeconfig,
      EKS_PILOT_DEPLOY_QUEUE_URL: QUEUE_URL,
      EKS_PILOT_ROLLOUT_POLL_MS: '5',
      EKS_PILOT_ROLLOUT_RESERVE_MS: '1000',
    });
    const aws = doubleAwsClients();
    // crypto-oms sources its Secret from Secrets Manager: the doubles hold it, as the account would.
    answerExampleSecrets(aws);
    aws.sqs.on(SendMessageBatchCommand).callsFake((request: SendMessageBatchCommandInput) => ({
      Successful: (request.Entries ?? []).map((entry, index) => ({ Id: entry.Id, MessageId: `m-${String(index)}`, MD5OfMessageBody: 'x' })),
      Failed: [],
    }));
    const { handler } = await import('../../functions/deploy/worker/handler');
    return handler;
  },
  async (handler, request): Promise<BatchResult> => {
    const { event } = request as BatchRequest;
    const started = process.hrtime.bigint();
    const response = (await handler(event, lambdaContext)) as SQSBatchResponse;
    return { ms: msSince(started), failed: response.batchItemFailures.length };
  },
);
