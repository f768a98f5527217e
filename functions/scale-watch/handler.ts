/**
 * Composition root of the scale-watch function: builds the clients once per container (the EKS and
 * CloudWatch ports per Region and role, one Kubernetes connection per cluster) and hands a
 * validated event to `handleScaleWatchEvent`.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createCloudWatchPort } from '../../shared/adapters/aws/cloudwatch';
import { createEksPort } from '../../shared/adapters/aws/eks';
import { createSnsNotifier } from '../../shared/adapters/aws/sns-notifier';
import { connectToCluster } from '../../shared/adapters/kubernetes';
import type { KubernetesPort } from '../../shared/ports/kubernetes';
import { createLogger } from '../../shared/lambda/logger';
import { carries } from '../../shared/lambda/events';
import { lambdaStack } from '../../shared/lambda/middleware';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import { scaleWatchSettings } from '../../shared/config';
import type { ClusterAccessSettings } from '../../shared/config';
import { perContainer } from '../../shared/lambda/container';
import { isAlarmEvent, isManualInvoke, scaleWatchEventSchema } from './event';
import type { ScaleWatchEvent } from './event';
import { handleScaleWatchEvent } from './invoke';

const logger = createLogger({ serviceName: 'scale-watch' });
const metricsFor = perContainer((namespace) => new Metrics({ namespace, serviceName: 'scale-watch' }));
// Notifications are opt-in: without a topic, nothing is published.
const notifierFor = perContainer((topicArn) => createSnsNotifier({ topicArn }));

const where = (spec: ClusterSpec): { region: string; assumeRoleArn?: string } => ({
  region: spec.region,
  ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}),
});

// One connection per cluster and container (and KUBECONFIG): it keeps its TLS session and its EKS token.
const connections = new Map<string, Promise<KubernetesPort>>();
function kubernetesFor(spec: ClusterSpec, access: ClusterAccessSettings): Promise<KubernetesPort> {
  const key = `${spec.region}/${spec.name}/${access.kubeconfig ?? ''}`;
  let connection = connections.get(key);
  if (connection === undefined) {
    connection = connectToCluster({ clusterName: spec.name, eks: createEksPort(where(spec)), ...where(spec), ...access });
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
  (event) => {
    const settings = scaleWatchSettings();
    const access: ClusterAccessSettings = { ...(settings.kubeconfig === undefined ? {} : { kubeconfig: settings.kubeconfig }), endpoints: settings.endpoints };
    return handleScaleWatchEvent(event, {
      eksFor: (spec) => createEksPort(where(spec)),
      cloudWatchFor: (spec) => createCloudWatchPort(where(spec)),
      kubernetesFor: (spec) => kubernetesFor(spec, access),
      now: () => new Date(),
      logger,
      specPaths: settings.specPaths,
      metrics: metricsFor(settings.metricsNamespace),
      // The shared topic, or the one scale-watch had before it (scaleTopicArn).
      ...((settings.notifyTopicArn ?? settings.scaleTopicArn) ? { notifier: notifierFor(settings.notifyTopicArn ?? settings.scaleTopicArn ?? '') } : {}),
    });
  },
  {
    logger,
    eventSchema: scaleWatchEventSchema,
    // A manual invoke's caller reads the answer: it gets every error as an object, never a stack.
    callerWaits: (event) => carries(event, 'action'),
    correlationKeys,
  },
);
