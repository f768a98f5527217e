/**
 * Composition root of the provision function: reads its settings each invocation, builds the
 * clients once per container (and setting) and hands a validated event to `handleProvisionEvent`.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createAutoScalingPort } from '../../shared/adapters/aws/autoscaling';
import { createEksPort } from '../../shared/adapters/aws/eks';
import { createSnsNotifier } from '../../shared/adapters/aws/sns-notifier';
import { createSsmDriftMemory } from '../../shared/adapters/aws/ssm-drift-memory';
import { fleetQueueOf } from '../../shared/adapters/aws/sqs-fleet-queue';
import { createLogger } from '../../shared/lambda/logger';
import { carries } from '../../shared/lambda/events';
import { lambdaStack } from '../../shared/lambda/middleware';
import { clusterAccessSettings, provisionSettings } from '../../shared/config';
import { connectToCluster } from '../../shared/adapters/kubernetes/connect';
import type { KubernetesPort } from '../../shared/ports/kubernetes';
import { validateReachable } from './validate';
import type { ValidationReport } from './validate';
import type { ProvisionSettings } from '../../shared/config';
import { perContainer } from '../../shared/lambda/container';
import { createDynamoDbLeases } from '../../shared/adapters/aws/dynamodb-lease';
import { createDynamoDbReleaseStore } from '../../shared/adapters/aws/dynamodb-release-store';
import { createLambdaPlatform, createLambdaPools, createLambdaRestores } from '../../shared/adapters/aws/lambda-invoke';
import { missingSetting } from '../../shared/config';
import { isManualInvoke, isQueueBatch, isRebuildInvoke, provisionEventSchema } from './event';
import { handleProvisionBatch, handleProvisionEvent } from './invoke';
import type { InvokeDeps, ProvisionResponse } from './invoke';
import type { BatchResponse } from '../../shared/reconcile/fan-out';
import type { ProvisionDeps } from './run';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';

const logger = createLogger({ serviceName: 'provision' });
const metricsFor = perContainer((namespace) => new Metrics({ namespace, serviceName: 'provision' }));
const notifierFor = perContainer((topicArn) => createSnsNotifier({ topicArn }));
const memoryFor = perContainer((key) => {
  const [region = '', prefix = ''] = key.split('|');
  return createSsmDriftMemory({ region, prefix });
});

// Notifications are opt-in: without a topic, a converged cluster costs no read beyond EKS's.
function notifyOf(settings: ProvisionSettings): NonNullable<InvokeDeps['notify']> | undefined {
  if (settings.driftTopicArn === undefined) return undefined;
  return { notifier: notifierFor(settings.driftTopicArn), memory: memoryFor(`${settings.region}|${settings.driftParameterPrefix}`) };
}

const where = (spec: ClusterSpec) => ({ region: spec.region, ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}) });
const releasesFor = perContainer((key) => {
  const [region = '', tableName = ''] = key.split('|');
  return createDynamoDbReleaseStore({ region, tableName });
});
const restoresFor = perContainer((key) => {
  const [region = '', functionName = ''] = key.split('|');
  return createLambdaRestores({ region, functionName });
});
const platformFor = perContainer((key) => {
  const [region = '', functionName = ''] = key.split('|');
  return createLambdaPlatform({ region, functionName });
});
const poolsFor = perContainer((key) => {
  const [region = '', functionName = ''] = key.split('|');
  return createLambdaPools({ region, functionName });
});

// Rebuilds need the stack's release table; the platform and the restores go to deploy-worker, the pools through eip-manager.
function rebuildOf(settings: ProvisionSettings): NonNullable<InvokeDeps['rebuild']> | undefined {
  if (settings.releaseTable === undefined) return undefined;
  const { deployWorkerFunction, eipManagerFunction, leaseTable, region } = settings;
  return {
    releases: releasesFor(`${region}|${settings.releaseTable}`),
    leaseFor: (spec) =>
      createDynamoDbLeases({ region: spec.region, ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}), tableName: leaseTable }),
    restores: {
      restore: (request) => {
        if (deployWorkerFunction === undefined)
          throw missingSetting('EKS_PILOT_DEPLOY_WORKER_FUNCTION', 'the deploy-worker function a rebuild asks for the restores');
        return restoresFor(`${region}|${deployWorkerFunction}`).restore(request);
      },
    },
    platform: {
      apply: (cluster) => {
        if (deployWorkerFunction === undefined)
          throw missingSetting('EKS_PILOT_DEPLOY_WORKER_FUNCTION', 'the deploy-worker function a rebuild asks to apply the platform components');
        return platformFor(`${region}|${deployWorkerFunction}`).apply(cluster);
      },
    },
    ...(eipManagerFunction === undefined ? {} : { pools: poolsFor(`${region}|${eipManagerFunction}`) }),
    validate: validateThroughKubernetes,
    holder: `lambda ${settings.functionName}`,
  };
}

const deps: ProvisionDeps = {
  eksFor: (spec) => createEksPort(where(spec)),
  // The Cluster Autoscaler tags of the node groups' Auto Scaling groups: this is the only bundle with the Auto Scaling client.
  autoScalingFor: (spec) => createAutoScalingPort(where(spec)),
  now: () => new Date(),
  logger,
};

// Validation reads through the Kubernetes API: an access entry for this function's role (AmazonEKSAdminViewPolicy, cluster scope).
const connections = new Map<string, Promise<KubernetesPort>>();
async function validateThroughKubernetes(spec: ClusterSpec): Promise<ValidationReport> {
  const eks = deps.eksFor(spec);
  const key = `${spec.region}/${spec.name}`;
  let connection = connections.get(key);
  if (connection === undefined) {
    connection = connectToCluster({
      clusterName: spec.name,
      region: spec.region,
      eks,
      ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}),
      ...clusterAccessSettings(),
    });
    connections.set(key, connection);
    connection.catch(() => connections.delete(key));
  }
  return validateReachable(spec, eks, () => connection);
}

// The drift runs' validation is opt-in (EKS_PILOT_VALIDATE); a rebuild always validates.
function validatorOf(settings: ProvisionSettings): Pick<ProvisionDeps, 'validate'> {
  return settings.validate ? { validate: validateThroughKubernetes } : {};
}

export const handler = lambdaStack(
  (event, context): Promise<ProvisionResponse | BatchResponse> => {
    const settings = provisionSettings();
    const notify = notifyOf(settings);
    const fleetQueue = fleetQueueOf(settings);
    const rebuild = rebuildOf(settings);
    const invokeDeps: InvokeDeps = {
      ...deps,
      // The per-cluster lease of an apply, in the same table as the rebuild's and the pools' leases.
      lease: {
        leaseFor: (spec) =>
          createDynamoDbLeases({ region: spec.region, ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}), tableName: settings.leaseTable }),
        holder: `lambda ${settings.functionName} (request ${context.awsRequestId})`,
      },
      ...validatorOf(settings),
      specPaths: settings.specPaths,
      metrics: metricsFor(settings.metricsNamespace),
      ...(notify ? { notify } : {}),
      ...(fleetQueue ? { fleetQueue } : {}),
      ...(rebuild ? { rebuild } : {}),
      requestId: context.awsRequestId,
    };
    return isQueueBatch(event) ? handleProvisionBatch(event, invokeDeps) : handleProvisionEvent(event, invokeDeps);
  },
  {
    logger,
    eventSchema: provisionEventSchema,
    // A manual invoke's caller reads the answer: it gets every error as an object, never a stack.
    callerWaits: (event) => carries(event, 'mode') || carries(event, 'action'),
    correlationKeys: (event) =>
      isManualInvoke(event)
        ? { trigger: 'manual', mode: event.mode }
        : isRebuildInvoke(event)
          ? { trigger: 'manual', action: event.action, cluster: event.cluster }
          : isQueueBatch(event)
            ? { trigger: 'queue', messages: event.Records.length }
            : { trigger: 'schedule' },
  },
);
