/**
 * Composition root of the eip-manager function: reads its settings each invocation, builds the
 * clients once per container and hands a validated event to `handleEipEvent`.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createDynamoDbLeases } from '../../shared/adapters/aws/dynamodb-lease';
import { createEc2Port } from '../../shared/adapters/aws/ec2';
import { createLogger } from '../../shared/lambda/logger';
import { carries } from '../../shared/lambda/events';
import { lambdaStack } from '../../shared/lambda/middleware';
import { eipManagerSettings } from '../../shared/config';
import type { EipManagerSettings } from '../../shared/config';
import { perContainer } from '../../shared/lambda/container';
import { correlationKeysOf, eipEventSchema, isQueueBatch } from './event';
import { handleEipBatch, handleEipEvent } from './invoke';
import type { EipResponse } from './invoke';
import type { BatchResponse } from '../../shared/reconcile/fan-out';
import { fleetQueueOf } from '../../shared/adapters/aws/sqs-fleet-queue';
import type { AllowListStore } from '../../shared/ports/allow-list';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import type { EipDeps } from './run';
import { createSsmAllowList } from '../../shared/adapters/aws/ssm-allow-list';
import { createSsmDriftMemory } from '../../shared/adapters/aws/ssm-drift-memory';
import { createSnsNotifier } from '../../shared/adapters/aws/sns-notifier';
import { DEFAULT_STAGE } from './publish';

const logger = createLogger({ serviceName: 'eip-manager' });
const metricsFor = perContainer((namespace) => new Metrics({ namespace, serviceName: 'eip-manager' }));
// Notifications are opt-in: without a topic, nothing is published or remembered.
const notifierFor = perContainer((topicArn) => createSnsNotifier({ topicArn }));

// The pools' parameters live in the function's own Region; the client is looked up per call, so the
// shared factory's cache (and a test's reset of it) decides when it is built.
function allowListIn(region: string): AllowListStore {
  const ssm = (): AllowListStore => createSsmAllowList({ region });
  return { read: (name) => ssm().read(name), write: (name, value) => ssm().write(name, value) };
}

const where = (spec: ClusterSpec): { region: string; assumeRoleArn?: string } => ({
  region: spec.region,
  ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}),
});

function depsOf(settings: EipManagerSettings): EipDeps {
  return {
    ec2For: (spec) => createEc2Port(where(spec)),
    // Next to the addresses (their Region and account), under the name every stage, stack and the CLI share.
    leaseFor: (spec) => createDynamoDbLeases({ ...where(spec), tableName: settings.leaseTable }),
    holder: `lambda ${settings.functionName}`,
    // The stack sets its own stage; the allow-list names carry it.
    ...(settings.stage ? { stage: settings.stage } : {}),
    allowList: allowListIn(settings.region),
    now: () => new Date(),
    logger,
  };
}

export const handler = lambdaStack(
  (event): Promise<EipResponse | BatchResponse> => {
    const settings = eipManagerSettings();
    const fleetQueue = fleetQueueOf(settings);
    const invokeDeps = {
      ...depsOf(settings),
      specPaths: settings.specPaths,
      metrics: metricsFor(settings.metricsNamespace),
      ...(settings.notifyTopicArn === undefined
        ? {}
        : {
            notifier: notifierFor(settings.notifyTopicArn),
            // In the function's own Region, under this stage's names (the role may write nothing else).
            notified: createSsmDriftMemory({ region: settings.region, prefix: `/eks-pilot/${settings.stage ?? DEFAULT_STAGE}/notified/eip` }),
          }),
      ...(fleetQueue ? { fleetQueue } : {}),
    };
    return isQueueBatch(event) ? handleEipBatch(event, invokeDeps) : handleEipEvent(event, invokeDeps);
  },
  {
    logger,
    eventSchema: eipEventSchema,
    // A manual invoke's caller reads the answer: it gets every error as an object, never a stack.
    callerWaits: (event) => carries(event, 'mode'),
    correlationKeys: correlationKeysOf,
  },
);
