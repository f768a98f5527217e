/**
 * Composition root of deploy-worker: the SQS consumer, the scheduled drift check and the manual
 * invoke. Reads its settings each invocation, builds the queue once per container and one
 * Kubernetes connection per cluster (EKS token and DescribeCluster, or `KUBECONFIG` when set), then
 * hands the validated event to `handleWorkerEvent`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createEksPort } from '../../../shared/adapters/aws/eks';
import { createSqsFifoQueue } from '../../../shared/adapters/aws/sqs-fifo-queue';
import type { FifoQueuePort } from '../../../shared/ports/fifo-queue';
import { connectToCluster } from '../../../shared/adapters/kubernetes';
import type { KubernetesPort } from '../../../shared/ports/kubernetes';
import { createLogger } from '../../../shared/lambda/logger';
import { carries } from '../../../shared/lambda/events';
import { lambdaStack } from '../../../shared/lambda/middleware';
import { deployWorkerSettings, missingSetting } from '../../../shared/config';
import type { ClusterAccessSettings, DeployWorkerSettings } from '../../../shared/config';
import { workerEventSchema } from './event';
import { handleWorkerEvent } from './invoke';
import type { WorkerDeps } from './run';
import type { DeployTarget } from '../model/targets';
import { createAwsSecretValues } from '../../../shared/adapters/aws/secret-values';
import { createDynamoDbReleaseStore } from '../../../shared/adapters/aws/dynamodb-release-store';
import { perContainer } from '../../../shared/lambda/container';
import { loadFleet } from '../model/targets';

const logger = createLogger({ serviceName: 'deploy-worker' });

const connections = new Map<string, Promise<KubernetesPort>>();

/** One connection per cluster and container; a failed connect is not kept. */
function connect(target: DeployTarget, access: ClusterAccessSettings): Promise<KubernetesPort> {
  const key = `${target.region}/${target.cluster}/${access.kubeconfig ?? ''}`;
  let port = connections.get(key);
  if (port === undefined) {
    const eks = createEksPort({ region: target.region, ...(target.assumeRoleArn ? { assumeRoleArn: target.assumeRoleArn } : {}) });
    port = connectToCluster({
      clusterName: target.cluster,
      region: target.region,
      eks,
      ...(target.assumeRoleArn ? { assumeRoleArn: target.assumeRoleArn } : {}),
      ...access,
    });
    connections.set(key, port);
    const started = port;
    started.catch(() => {
      if (connections.get(key) === started) connections.delete(key);
    });
  }
  return port;
}

/** For tests: forget the container's connections and queue. */
export function resetWorkerDeps(): void {
  connections.clear();
  queue = undefined;
}

let queue: FifoQueuePort | undefined;

function queueFor(settings: DeployWorkerSettings): FifoQueuePort {
  if (queue !== undefined) return queue;
  if (settings.deployQueueUrl === undefined) throw missingSetting('EKS_PILOT_DEPLOY_QUEUE_URL', 'the deploy queue (its URL), where a watch is handed on');
  // The stack's own queue, in the function's Region; an emulator's queue URL names no Region.
  queue = createSqsFifoQueue({ queueUrl: settings.deployQueueUrl, region: settings.region, endpoints: settings.endpoints });
  return queue;
}

const secretValues = createAwsSecretValues();

// The stack's release table, in the function's own Region: records outlive the clusters.
const releasesFor = perContainer((key) => {
  const [region = '', tableName = ''] = key.split('|');
  return createDynamoDbReleaseStore({ region, tableName });
});

function deps(settings: DeployWorkerSettings): WorkerDeps {
  const access: ClusterAccessSettings = { ...(settings.kubeconfig === undefined ? {} : { kubeconfig: settings.kubeconfig }), endpoints: settings.endpoints };
  // Every workload of the specs; a broken one is reported and skipped, never the fleet.
  const fleet = (): ReturnType<typeof loadFleet> => loadFleet(settings.specPaths);
  return {
    targets: async () => (await fleet()).targets,
    broken: async () => (await fleet()).broken,
    secretValues,
    connect: (target) => connect(target, access),
    // Built on first send: a manual plan or history needs no queue URL.
    queue: { send: (messages) => queueFor(settings).send(messages) },
    ...(settings.releaseTable === undefined ? {} : { releases: releasesFor(`${settings.region}|${settings.releaseTable}`) }),
    now: () => new Date(),
    sleep: (ms) => sleep(ms),
    logger,
    pollMs: settings.rolloutPollMs,
    reserveMs: settings.rolloutReserveMs,
  };
}

export const handler = lambdaStack(
  (event, context) => handleWorkerEvent(event, deps(deployWorkerSettings()), { remainingMs: () => context.getRemainingTimeInMillis() }, context.awsRequestId),
  {
    logger,
    eventSchema: workerEventSchema,
    // A manual invoke's caller reads the answer: it gets every error as an object, never a stack.
    callerWaits: (event) => carries(event, 'action') && !carries(event, 'Records'),
    correlationKeys: (event) => {
      switch (event.trigger) {
        case 'queue':
          return { trigger: 'queue', messages: event.event.Records.length };
        case 'schedule':
          return { trigger: 'schedule' };
        case 'manual':
          return { trigger: 'manual', action: event.event.action, workload: event.event.workload, cluster: event.event.cluster };
        default:
          throw new Error(`unknown trigger ${(event satisfies never as { trigger: string }).trigger}`);
      }
    },
  },
);
