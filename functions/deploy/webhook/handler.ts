/**
 * Composition root of deploy-webhook, the route GitHub calls: builds the secret cache and the queue
 * once per container, and answers each delivery through `receiveWebhook`.
 */
import { CachedSecrets, createWebhookSecretSource } from '../../../shared/adapters/aws/webhook-secrets';
import { createSqsFifoQueue } from '../../../shared/adapters/aws/sqs-fifo-queue';
import { createLogger } from '../../../shared/lambda/logger';
import { lambdaStack } from '../../../shared/lambda/middleware';
import { specPathsFrom } from '../../../shared/model/cluster-spec/paths';
import { httpApiEventSchema, httpErrors, jsonResponse, lowerCaseHeaders, rawBody } from './http';
import { loadFleet } from '../model/targets';
import type { WebhookDeps } from './webhook';
import { DEFAULT_MAX_BODY_BYTES, receiveWebhook } from './webhook';

const logger = createLogger({ serviceName: 'deploy-webhook' });
const region = process.env.AWS_REGION ?? 'us-east-1';

let deps: WebhookDeps | undefined;

/** Built on first use, so a missing setting fails the request (a 500 with a log line), not the import. */
function depsFor(): WebhookDeps {
  if (deps !== undefined) return deps;
  const secretSetting = required('EKS_PILOT_WEBHOOK_SECRET');
  deps = {
    secrets: new CachedSecrets(createWebhookSecretSource(secretSetting, region)),
    // The stack's own queue, in the function's Region; an emulator's queue URL names no Region.
    queue: createSqsFifoQueue({ queueUrl: required('EKS_PILOT_DEPLOY_QUEUE_URL'), region }),
    targets: async () => (await loadFleet(specPaths())).targets,
    broken: async () => (await loadFleet(specPaths())).broken,
    now: () => new Date(),
    logger,
    maxBodyBytes: Number(process.env.EKS_PILOT_WEBHOOK_MAX_BYTES ?? DEFAULT_MAX_BODY_BYTES),
  };
  return deps;
}

/** For tests: forget the container's clients, so changed settings take effect. */
export function resetWebhookDeps(): void {
  deps = undefined;
}

function specPaths(): string[] {
  return specPathsFrom(process.env.EKS_PILOT_SPECS);
}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

export const handler = lambdaStack(
  async (event) => {
    const { body, declaredBytes } = rawBody(event);
    const response = await receiveWebhook({ headers: lowerCaseHeaders(event.headers), body, declaredBytes }, depsFor());
    return jsonResponse(response.statusCode, response.body);
  },
  {
    logger,
    eventSchema: httpApiEventSchema,
    correlationKeys: (event) => {
      const headers = lowerCaseHeaders(event.headers);
      return { deliveryId: headers['x-github-delivery'], githubEvent: headers['x-github-event'] };
    },
  },
).use(httpErrors());
