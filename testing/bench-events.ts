/**
 * Inputs the scenarios share: signed GHCR pushes built the way the deploy tests build them
 * (GitHub's own example payload, signed with the documentation's example secret), the SQS event
 * the deploy queue would deliver for what the receiver queued, and a kubeconfig for a local fake
 * API server.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { digestOf, registryPackagePayload, webhookEvent } from './deploy-events';

export { WEBHOOK_SECRET } from './deploy-events';
export { lambdaContext } from './lambda-context';

export const EXAMPLES = path.join(__dirname, '../examples');

/** The webhook secret setting of serverless.yml's default: a current and a previous SSM parameter. */
export const SECRET_PARAMETERS = { current: '/eks-pilot/bench/github-webhook-secret', previous: '/eks-pilot/bench/github-webhook-secret-previous' } as const;

export const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/eks-pilot-bench-deploy.fifo';

/**
 * A signed `registry_package` push of `ghcr.io/<owner>/<name>:<tag>`, with its own delivery id and
 * a digest derived from the tag, as the API Gateway HTTP API hands it to the receiver.
 *
 * @example
 * const event = signedPush('crypto-oms', 'order-ingestion', 'v1.2.0');
 */
export function signedPush(owner: string, name: string, tag: string): APIGatewayProxyEventV2 {
  const body = JSON.stringify(registryPackagePayload(owner, name, tag, digestOf(`${owner}/${name}:${tag}`)));
  return webhookEvent('registry_package', body, { deliveryId: randomUUID() });
}

/** The SQS batch Lambda would deliver to deploy-worker for these queued entries. */
export function sqsEventOf(entries: readonly SendMessageBatchRequestEntry[]): { Records: Record<string, unknown>[] } {
  return {
    Records: entries.map((entry) => ({
      messageId: randomUUID(),
      receiptHandle: 'bench',
      body: entry.MessageBody ?? '',
      attributes: { MessageGroupId: entry.MessageGroupId, MessageDeduplicationId: entry.MessageDeduplicationId, ApproximateReceiveCount: '1' },
      messageAttributes: {},
      md5OfBody: 'bench',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:eks-pilot-bench-deploy.fifo',
      awsRegion: 'us-east-1',
    })),
  };
}

/**
 * Writes a kubeconfig whose current context is the server at `url` (a bearer token, no TLS), as the
 * deploy handler tests do for their fake cluster.
 */
export function writeKubeconfig(dir: string, url: string): string {
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: bench',
      `clusters: [{ name: bench, cluster: { server: "${url}" } }]`,
      'users: [{ name: bench, user: { token: bench-token } }]',
      'contexts: [{ name: bench, context: { cluster: bench, user: bench } }]',
      '',
    ].join('\n'),
  );
  return file;
}
