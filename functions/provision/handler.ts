/**
 * Composition root of the provision function: builds the clients once per container and hands a
 * validated event to `handleProvisionEvent`.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createEksPort } from '../../shared/aws/eks';
import { createSnsNotifier } from '../../shared/aws/sns';
import { createSsmDriftMemory } from '../../shared/aws/ssm';
import { createLogger } from '../../shared/lambda/logger';
import { carries } from '../../shared/lambda/events';
import { lambdaStack } from '../../shared/lambda/middleware';
import { specPathsFrom } from '../../shared/spec/paths';
import { isManualInvoke, provisionEventSchema } from './event';
import { handleProvisionEvent } from './invoke';
import type { ProvisionDeps } from './run';

const logger = createLogger({ serviceName: 'provision' });
const metrics = new Metrics({ namespace: process.env.EKS_PILOT_METRICS_NAMESPACE ?? 'EksPilot', serviceName: 'provision' });

const driftTopicArn = process.env.EKS_PILOT_DRIFT_TOPIC_ARN;
// Notifications are opt-in: without a topic, a converged cluster costs no read beyond EKS's.
const notify = driftTopicArn
  ? {
      notifier: createSnsNotifier({ topicArn: driftTopicArn }),
      memory: createSsmDriftMemory({
        region: process.env.AWS_REGION ?? 'us-east-1',
        prefix: process.env.EKS_PILOT_DRIFT_PARAMETER_PREFIX ?? '/eks-pilot/drift',
      }),
    }
  : undefined;

const deps: ProvisionDeps = {
  eksFor: (spec) => createEksPort({ region: spec.region, ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}) }),
  now: () => new Date(),
  logger,
};

export const handler = lambdaStack(
  (event) =>
    handleProvisionEvent(event, {
      ...deps,
      specPaths: specPathsFrom(process.env.EKS_PILOT_SPECS),
      metrics,
      ...(notify ? { notify } : {}),
    }),
  {
    logger,
    eventSchema: provisionEventSchema,
    // A manual invoke's caller reads the answer: it gets every error as an object, never a stack.
    callerWaits: (event) => carries(event, 'mode'),
    correlationKeys: (event) => (isManualInvoke(event) ? { trigger: 'manual', mode: event.mode } : { trigger: 'schedule' }) },
);
