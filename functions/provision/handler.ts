/**
 * Composition root of the provision function: builds the clients once per container and hands a
 * validated event to `handleProvisionEvent`.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createEksPort } from '../../shared/aws/eks';
import { createLogger } from '../../shared/lambda/logger';
import { carries } from '../../shared/lambda/events';
import { lazily } from '../../shared/lambda/lazy';
import { lambdaStack } from '../../shared/lambda/middleware';
import { specPathsFrom } from '../../shared/spec/paths';
import { isManualInvoke, provisionEventSchema } from './event';
import { handleProvisionEvent } from './invoke';
import type { DriftMemory, Notifier } from './notify';
import type { ProvisionDeps } from './run';

const logger = createLogger({ serviceName: 'provision' });
const metrics = new Metrics({ namespace: process.env.EKS_PILOT_METRICS_NAMESPACE ?? 'EksPilot', serviceName: 'provision' });

const driftTopicArn = process.env.EKS_PILOT_DRIFT_TOPIC_ARN;
// Notifications are opt-in: without a topic, a converged cluster costs no read beyond EKS's. With
// one, the SNS and SSM clients load on first use, not at every cold start.
function notifyVia(topicArn: string): { notifier: Notifier; memory: DriftMemory } {
  const notifier = lazily(async () => (await import('../../shared/aws/sns')).createSnsNotifier({ topicArn }));
  const memory = lazily(async () =>
    (await import('../../shared/aws/ssm')).createSsmDriftMemory({
      region: process.env.AWS_REGION ?? 'us-east-1',
      prefix: process.env.EKS_PILOT_DRIFT_PARAMETER_PREFIX ?? '/eks-pilot/drift',
    }),
  );
  return {
    notifier: { publish: async (subject, message) => (await notifier()).publish(subject, message) },
    memory: {
      recall: async (region, cluster) => (await memory()).recall(region, cluster),
      remember: async (region, cluster, drift) => (await memory()).remember(region, cluster, drift),
      forget: async (region, cluster) => (await memory()).forget(region, cluster),
    },
  };
}
const notify = driftTopicArn ? notifyVia(driftTopicArn) : undefined;

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
