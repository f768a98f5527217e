/**
 * Composition root of deploy-worker: the SQS consumer, the scheduled drift check and the manual
 * invoke. Reads its settings each invocation, builds the queue once per container and one
 * Kubernetes connection per cluster (EKS token and DescribeCluster, or `KUBECONFIG` when set), then
 * hands the validated event to `handleWorkerEvent`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createEksPort } from '../../../shared/adapters/aws/eks';
import { createSnsNotifier } from '../../../shared/adapters/aws/sns-notifier';
import { perContainer } from '../../../shared/lambda/container';
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
import { GitHubPackages } from '../../../shared/adapters/github/packages';
import type { GitHubPackagesPort } from '../../../shared/ports/github-packages';
import { GitHubDeployments } from '../../../shared/adapters/github/deployments';
import type { GitHubDeploymentsPort } from '../../../shared/ports/github-deployments';
import { createDynamoDbReleaseStore } from '../../../shared/adapters/aws/dynamodb-release-store';
import { createDynamoDbLeases } from '../../../shared/adapters/aws/dynamodb-lease';
import type { WorkloadLeaseDeps } from './lease';
import { loadFleet } from '../model/targets';
import { loadPlatforms } from '../model/platform';
import { createPlatformRunner } from './platform';

const logger = createLogger({ serviceName: 'deploy-worker' });

const connections = new Map<string, Promise<KubernetesPort>>();

/** Where a cluster is, and (for the platform) the role its token is signed as instead of the cluster's `assumeRoleArn`. */
type Connection = Pick<DeployTarget, 'cluster' | 'region' | 'assumeRoleArn'> & { tokenRoleArn?: string };

/** One connection per cluster, token role and container; a failed connect is not kept. */
function connect(target: Connection, access: ClusterAccessSettings): Promise<KubernetesPort> {
  const key = `${target.region}/${target.cluster}/${target.tokenRoleArn ?? ''}/${access.kubeconfig ?? ''}`;
  const tokenRole = target.tokenRoleArn ?? target.assumeRoleArn;
  let port = connections.get(key);
  if (port === undefined) {
    const eks = createEksPort({ region: target.region, ...(target.assumeRoleArn ? { assumeRoleArn: target.assumeRoleArn } : {}) });
    port = connectToCluster({
      clusterName: target.cluster,
      region: target.region,
      eks,
      ...(tokenRole ? { assumeRoleArn: tokenRole } : {}),
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

/** The platforms this container applied: a cluster's platform goes first once per container, and on every scheduled run. */
const appliedPlatforms = new Set<string>();

/** For tests: forget the container's connections and queue. */
export function resetWorkerDeps(): void {
  connections.clear();
  appliedPlatforms.clear();
  queue = undefined;
  token = undefined;
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

// Notifications are opt-in: without a topic, nothing is published and no record carries `notified`.
const notifierFor = perContainer((topicArn) => createSnsNotifier({ topicArn }));

/** The token is read on first use and kept ten minutes (a rotated token takes effect soon after). */
const TOKEN_TTL_MS = 600_000;
let token: { key: string; value: Promise<string>; until: number } | undefined;

/** The GitHub token of missed-push recovery and deployment statuses, read once per {@link TOKEN_TTL_MS}; never logged. */
function tokenOf(settings: DeployWorkerSettings, where: NonNullable<DeployWorkerSettings['githubToken']>): () => Promise<string> {
  const key = JSON.stringify(where);
  const read = async (): Promise<string> => {
    const source = 'ssm' in where ? { name: 'github-token', ssm: { token: where.ssm } } : { name: 'github-token', secretsManager: where.secretsManager };
    const values = await secretValues.read(source, { cluster: '(github)', region: settings.region, workload: { name: 'github-token' } });
    const value = values.token;
    if (value === undefined || value === '') throw new Error('the GitHub token source has no "token" value');
    return value;
  };
  return () => {
    if (token === undefined || token.key !== key || token.until < Date.now()) {
      const value = read();
      token = { key, value, until: Date.now() + TOKEN_TTL_MS };
      value.catch(() => (token = undefined));
    }
    return token.value;
  };
}

function githubFor(settings: DeployWorkerSettings): { github: GitHubPackagesPort; deployments: GitHubDeploymentsPort } | undefined {
  const where = settings.githubToken;
  if (where === undefined) return undefined;
  const options = { baseUrl: settings.githubApiUrl, token: tokenOf(settings, where) };
  return { github: new GitHubPackages(options), deployments: new GitHubDeployments(options) };
}
// The stack's release table, in the function's own Region: records outlive the clusters.
const releasesFor = perContainer((key) => {
  const [region = '', tableName = ''] = key.split('|');
  return createDynamoDbReleaseStore({ region, tableName });
});

/** Each workload's lease in the shared lease table of its cluster's Region and account (as provision's and eip-manager's). */
function workloadLeases(tableName: string, holder: string): WorkloadLeaseDeps {
  return {
    leaseFor: (target) => createDynamoDbLeases({ region: target.region, ...(target.assumeRoleArn ? { assumeRoleArn: target.assumeRoleArn } : {}), tableName }),
    holder,
  };
}

function deps(settings: DeployWorkerSettings): WorkerDeps {
  const access: ClusterAccessSettings = { ...(settings.kubeconfig === undefined ? {} : { kubeconfig: settings.kubeconfig }), endpoints: settings.endpoints };
  // Every workload of the specs; a broken one is reported and skipped, never the fleet.
  const fleet = (): ReturnType<typeof loadFleet> => loadFleet(settings.specPaths);
  return {
    targets: async () => (await fleet()).targets,
    broken: async () => (await fleet()).broken,
    secretValues,
    connect: (target) => connect(target, access),
    platform: createPlatformRunner(
      {
        platforms: async () => (await loadPlatforms(settings.specPaths)).platforms,
        broken: async () => (await loadPlatforms(settings.specPaths)).broken,
        connect: (platform) => connect({ ...platform, tokenRoleArn: platform.roleArn }, access),
        logger,
      },
      appliedPlatforms,
    ),
    // Built on first send: a manual plan or history needs no queue URL.
    queue: { send: (messages) => queueFor(settings).send(messages) },
    ...(settings.notifyTopicArn === undefined ? {} : { notifier: notifierFor(settings.notifyTopicArn) }),
    ...githubFor(settings),
    ...(settings.releaseTable === undefined ? {} : { releases: releasesFor(`${settings.region}|${settings.releaseTable}`) }),
    ...(settings.leaseTable === undefined ? {} : { lease: workloadLeases(settings.leaseTable, `lambda ${settings.functionName}`) }),
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
        case 'ecr':
          return { trigger: 'ecr', eventId: event.event.id, repository: event.event.detail['repository-name'] };
        case 'manual':
          return {
            trigger: 'manual',
            action: event.event.action,
            ...('workload' in event.event ? { workload: event.event.workload } : {}),
            cluster: event.event.cluster,
          };
        default:
          throw new Error(`unknown trigger ${(event satisfies never as { trigger: string }).trigger}`);
      }
    },
  },
);
