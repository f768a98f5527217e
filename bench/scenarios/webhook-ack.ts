/**
 * Webhook ack latency: the deploy-webhook handler, its real middy stack, answering signed GHCR
 * pushes one after another in one container, with SSM (the webhook secret) and SQS (the deploy
 * queue) doubled at the SDK client. Handler time is measured around `await handler(event, context)`;
 * API Gateway's own time and the network are not in it.
 */
import path from 'node:path';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { CallTally } from '../../testing/aws-doubles';
import { doubleAwsClients, startTripwire } from '../../testing/aws-doubles';
import { scenarioMain } from '../child';
import { EXAMPLES, lambdaContext, QUEUE_URL, SECRET_PARAMETERS, signedPush, WEBHOOK_SECRET } from '../../testing/bench-events';
import type { Summary } from '../stats';
import { msSince, summarise } from '../stats';

export interface WebhookAckInput {
  /** Warm deliveries measured after the first one. */
  events: number;
}

export interface WebhookAckFigures {
  /** The container's first delivery: spec and manifest loading and the SSM read included. */
  firstMs: number;
  /** Every later delivery, ms. */
  warm: Summary;
  /** `202 queued` -> count: every delivery should be queued. */
  answers: Record<string, number>;
  /** AWS calls over all the deliveries. */
  aws: CallTally;
  deliveries: number;
  unmockedAwsRequests: string[];
}

async function main(input: WebhookAckInput): Promise<WebhookAckFigures> {
  const tripwire = await startTripwire();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    EKS_PILOT_SPECS: `${path.join(EXAMPLES, '../tests/fixtures/ghcr-oms/cluster.yaml')},${path.join(EXAMPLES, 'financial-move/cluster.yaml')}`,
    EKS_PILOT_WEBHOOK_SECRET: `ssm:${SECRET_PARAMETERS.current},${SECRET_PARAMETERS.previous}`,
    EKS_PILOT_DEPLOY_QUEUE_URL: QUEUE_URL,
  });
  const aws = doubleAwsClients();
  aws.ssm.on(GetParametersCommand).resolves({
    Parameters: [{ Name: SECRET_PARAMETERS.current, Value: WEBHOOK_SECRET, Type: 'SecureString' }],
    InvalidParameters: [SECRET_PARAMETERS.previous],
  });
  aws.sqs.on(SendMessageBatchCommand).callsFake((request: SendMessageBatchCommandInput) => ({
    Successful: (request.Entries ?? []).map((entry, index) => ({ Id: entry.Id, MessageId: `m-${String(index)}`, MD5OfMessageBody: 'x' })),
    Failed: [],
  }));
  // Signing is GitHub's work: every event is built before the clock starts.
  const events = Array.from({ length: input.events + 1 }, (_, index) => signedPush('crypto-oms', 'order-ingestion', `v1.${String(index + 1)}.0`));
  const { handler } = await import('../../functions/deploy/webhook/handler');

  const answers: Record<string, number> = {};
  const times: number[] = [];
  for (const event of events) {
    const started = process.hrtime.bigint();
    const response = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
    times.push(msSince(started));
    const body = JSON.parse(response.body ?? '{}') as { status?: string };
    const answer = `${String(response.statusCode)} ${body.status ?? ''}`;
    answers[answer] = (answers[answer] ?? 0) + 1;
  }
  const [firstMs = Number.NaN, ...warm] = times;
  await tripwire.close();
  return { firstMs, warm: summarise(warm), answers, aws: aws.tally(), deliveries: events.length, unmockedAwsRequests: tripwire.requests };
}

scenarioMain((input) => main(input as WebhookAckInput));
