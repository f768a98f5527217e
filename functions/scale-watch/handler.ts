/**
 * Composition root of the scale-watch function: builds the clients once per container (the EKS and
 * CloudWatch ports per Region and role, one Kubernetes connection per cluster) and hands a
 * validated event to `handleScaleWatchEvent`.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createCloudWatchPort } from '../../shared/aws/cloudwatch';
import { createEksPort } from '../../shared/aws/eks';
import { createSnsNotifier } from '../../shared/aws/sns';
import { connectToCluster } from '../../shared/k8s';
import type { KubernetesPort } from '../../shared/k8s';
import { createLogger } from '../../shared/lambda/logger';
import { carries } from '../../shared/lambda/events';
import { lambdaStack } from '../../shared/lambda/middleware';
import { specPathsFrom } from '../../shared/spec/paths';
import type { ClusterSpec } from '../../shared/spec/schema';
import { isAlarmEvent, isManualInvoke, scaleWatchEventSchema } from './event';
import type { ScaleWatchEvent } from './event';
import { handleScaleWatchEvent } from './invoke';

const logger = createLogger({ serviceName: 'scale-watch' });
const metrics = new Metrics({ namespace: process.env.EKS_PILOT_METRICS_NAMESPACE ?? 'EksPilot', serviceName: 'scale-watch' });

const topicArn = process.env.EKS_PILOT_SCALE_TOPIC_ARN;
// Notifications are opt-in: without a topic, nothing is published.
const notifier = topicArn ? createSnsNotifier({ topicArn }) : undefined;

const where = (spec: ClusterSpec): { region: string; assumeRoleArn?: string } => ({
  region: spec.region,
  ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}),
});

// One connection per cluster and container: it keeps its TLS session and its EKS token.
const connections = new Map<string, Promise<KubernetesPort>>();
function kubernetesFor(spec: ClusterSpec): Promise<KubernetesPort> {
  const key = `${spec.region}/${spec.name}`;
  let connection = connections.get(key);
  if (connection === undefined) {
    connection = connectToCluster({ clusterName: spec.name, eks: createEksPort(where(spec)), ...where(spec) });
    connections.set(key, connection);
    // A failed connection is not cached: the next invocation tries again.
    connection.catch(() => connections.delete(key));
  }
  return connection;
}

function correlationKeys(event: ScaleWatchEvent): Record<string, string> {
  if (isAlarmEvent(event)) return { trigger: 'alarm', alarm: event.detail.alarmName, state: event.detail.state.value, eventId: event.id };
  if (isManualInvoke(event)) return { trigger: 'manual', action: event.action };
  return { trigger: 'schedule' };
}

export const handler = lambdaStack(
  (event) =>
    handleScaleWatchEvent(event, {
      eksFor: (spec) => createEksPort(where(spec)),
      cloudWatchFor: (spec) => createCloudWatchPort(where(spec)),
      kubernetesFor,
      now: () => new Date(),
      logger,
      specPaths: specPathsFrom(process.env.EKS_PILOT_SPECS),
      metrics,
      ...(notifier ? { notifier } : {}),
    }),
  {
    logger,
    eventSchema: scaleWatchEventSchema,
    // A manual invoke's caller reads the answer: it gets every error as an object, never a stack.
    callerWaits: (event) => carries(event, 'action'),
    correlationKeys,
  },
);
