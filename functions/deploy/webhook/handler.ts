/**
 * Composition root of deploy-webhook, the route GitHub calls: reads its settings each delivery,
 * builds the secret cache and the queue once per container, and answers through `receiveWebhook`.
 */
import { CachedSecrets, createWebhookSecretSource } from '../../../shared/adapters/aws/webhook-secrets';
import { createSqsFifoQueue } from '../../../shared/adapters/aws/sqs-fifo-queue';
import { createLogger } from '../../../shared/lambda/logger';
import { lambdaStack } from '../../../shared/lambda/middleware';
import { deployWebhookSettings } from '../../../shared/config';
import type { DeployWebhookSettings } from '../../../shared/config';
import { httpApiEventSchema, httpErrors, jsonResponse, lowerCaseHeaders, rawBody } from './http';
import { loadFleet } from '../model/targets';
import type { WebhookDeps } from './webhook';
import { receiveWebhook } from './webhook';

const logger = createLogger({ serviceName: 'deploy-webhook' });
let clients: Pick<WebhookDeps, 'secrets' | 'queue'> | undefined;

/**
 * Settings read per delivery (a missing one fails the request, a 500 with a log line naming the
 * variable, not the import); the secret cache and the queue built on first use and kept.
 */
function depsFor(settings: DeployWebhookSettings): WebhookDeps {
  const { region } = settings;
  clients ??= {
    secrets: new CachedSecrets(createWebhookSecretSource(settings.webhookSecret, region)),
    // The stack's own queue, in the function's Region; an emulator's queue URL names no Region.
    queue: createSqsFifoQueue({ queueUrl: settings.deployQueueUrl, region, endpoints: settings.endpoints }),
  };
  return {
    ...clients,
    targets: async () => (await loadFleet(settings.specPaths)).targets,
    broken: async () => (await loadFleet(settings.specPaths)).broken,
    now: () => new Date(),
    logger,
    maxBodyBytes: settings.webhookMaxBytes,
  };
}

/** For tests: forget the container's clients, so changed settings take effect. */
export function resetWebhookDeps(): void {
  clients = undefined;
}

export const handler = lambdaStack(
  async (event) => {
    const { body, declaredBytes } = rawBody(event);
    const response = await receiveWebhook({ headers: lowerCaseHeaders(event.headers), body, declaredBytes }, depsFor(deployWebhookSettings()));
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
