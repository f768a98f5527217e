/**
 * How the CLI reaches AWS and Kubernetes: one factory per capability, each loading its adapter with
 * a dynamic `import()` on first use, so a command that needs no account (`--offline`) never loads
 * an SDK client, and tests pass fakes instead (the same ports the Lambdas' composition roots build).
 */
import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudWatchAlarmsPort } from '../shared/ports/cloudwatch';
import type { KubernetesPort } from '../shared/ports/kubernetes';
import type { ClusterSpec } from '../shared/model/cluster-spec/schema';
import type { EipDeps } from '../functions/eip-manager/run';
import type { ProvisionDeps } from '../functions/provision/run';
import { QUIET_LOGGER } from './output';
import type { SecretValuesPort } from '../shared/ports/secret-values';
import type { CallerIdentityPort } from '../shared/ports/caller-identity';
import type { ReleaseStorePort } from '../shared/ports/release-store';
import type { WorkloadLeaseDeps } from '../functions/deploy/worker/lease';
import { cliSettings } from '../shared/config';

/** Where a cluster is: what connecting to its Kubernetes API needs. */
export interface ClusterRef {
  cluster: string;
  region: string;
  assumeRoleArn?: string;
}

/** What the CLI needs from outside, each built on first use; tests replace any of them. */
export interface CliFactories {
  /** EKS and Auto Scaling, as provision uses them (and scale-watch, for node groups). */
  provision: () => Promise<ProvisionDeps>;
  /** EC2, as eip-manager uses it. */
  eip: () => Promise<EipDeps>;
  /** CloudWatch alarms, as scale-watch uses them. */
  cloudWatch: () => Promise<(spec: ClusterSpec) => CloudWatchAlarmsPort>;
  /** A cluster's Kubernetes API (EKS token, or KUBECONFIG's current context when it is set). */
  kubernetes: () => Promise<(cluster: ClusterRef) => Promise<KubernetesPort>>;
  /** Where deploy reads the Secrets a workload sources from AWS (Secrets Manager, SSM), as deploy-worker does. */
  secrets: () => Promise<SecretValuesPort>;
  /** Who runs the CLI (STS GetCallerIdentity): recorded with an approval, a rejection or a forced deploy. */
  identity: () => Promise<CallerIdentityPort>;
  /** The stack's durable release store (EKS_PILOT_RELEASE_TABLE in AWS_REGION); undefined when the table is not set. */
  releases: () => Promise<ReleaseStorePort | undefined>;
  /** Each workload's lease, as deploy-worker takes it (one writer per workload); undefined for a cluster reached through KUBECONFIG. */
  workloadLeases: () => Promise<WorkloadLeaseDeps | undefined>;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
}

const where = (spec: { region: string; assumeRoleArn?: string | undefined }): { region: string; assumeRoleArn?: string } => ({
  region: spec.region,
  ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}),
});

/** The real adapters, loaded lazily. */
export const DEFAULT_FACTORIES: CliFactories = {
  provision: async () => {
    const [{ createEksPort }, { createAutoScalingPort }, { createDynamoDbLeases }] = await Promise.all([
      import('../shared/adapters/aws/eks'),
      import('../shared/adapters/aws/autoscaling'),
      import('../shared/adapters/aws/dynamodb-lease'),
    ]);
    const { leaseTable } = cliSettings();
    return {
      eksFor: (spec) => createEksPort(where(spec)),
      autoScalingFor: (spec) => createAutoScalingPort(where(spec)),
      // The Lambdas' per-cluster lease: a CLI apply and a scheduled or queued run never send writes to one cluster at once.
      lease: { leaseFor: (spec) => createDynamoDbLeases({ ...where(spec), tableName: leaseTable }), holder: `cli ${userInfo().username}@${hostname()}` },
      now: () => new Date(),
      logger: QUIET_LOGGER,
    };
  },
  eip: async () => {
    const [{ createEc2Port }, { createDynamoDbLeases }] = await Promise.all([
      import('../shared/adapters/aws/ec2'),
      import('../shared/adapters/aws/dynamodb-lease'),
    ]);
    const { leaseTable, stage } = cliSettings();
    return {
      ec2For: (spec) => createEc2Port(where(spec)),
      // The same lease table as the Lambdas of every stage: a CLI apply of pools waits its turn.
      leaseFor: (spec) => createDynamoDbLeases({ ...where(spec), tableName: leaseTable }),
      holder: `cli ${userInfo().username}@${hostname()}`,
      // The stage whose allow-list names to show (default dev, as a stack deployed without --stage).
      ...(stage ? { stage } : {}),
      now: () => new Date(),
      logger: QUIET_LOGGER,
    };
  },
  cloudWatch: async () => {
    const { createCloudWatchPort } = await import('../shared/adapters/aws/cloudwatch');
    return (spec) => createCloudWatchPort(where(spec));
  },
  kubernetes: async () => {
    const [{ createEksPort }, { connectToCluster }] = await Promise.all([
      import('../shared/adapters/aws/eks'),
      import('../shared/adapters/kubernetes/connect'),
    ]);
    const eksFor = (ref: ClusterRef) => createEksPort(where(ref));
    const { kubeconfig, endpoints } = cliSettings();
    // One connection per cluster for the whole command, as the Lambdas keep one per container.
    const connections = new Map<string, Promise<KubernetesPort>>();
    return (ref) => {
      const key = `${ref.region}/${ref.cluster}`;
      let connection = connections.get(key);
      if (connection === undefined) {
        connection = connectToCluster({
          clusterName: ref.cluster,
          eks: eksFor(ref),
          ...where(ref),
          ...(kubeconfig === undefined ? {} : { kubeconfig }),
          endpoints,
        });
        connections.set(key, connection);
      }
      return connection;
    };
  },
  secrets: async () => {
    const { createAwsSecretValues } = await import('../shared/adapters/aws/secret-values');
    return createAwsSecretValues();
  },
  identity: async () => {
    const { createCallerIdentity } = await import('../shared/adapters/aws/caller-identity');
    return createCallerIdentity();
  },
  releases: async () => {
    const { releaseTable, region } = cliSettings();
    if (releaseTable === undefined) return undefined;
    const { createDynamoDbReleaseStore } = await import('../shared/adapters/aws/dynamodb-release-store');
    return createDynamoDbReleaseStore({ region, tableName: releaseTable });
  },
  workloadLeases: async () => {
    const { leaseTable, kubeconfig } = cliSettings();
    // A cluster reached through KUBECONFIG (kind, minikube) is no EKS cluster: no lease in an AWS account guards it.
    if (kubeconfig !== undefined) return undefined;
    const { createDynamoDbLeases } = await import('../shared/adapters/aws/dynamodb-lease');
    return { leaseFor: (target) => createDynamoDbLeases({ ...where(target), tableName: leaseTable }), holder: `cli ${userInfo().username}@${hostname()}` };
  },
  now: () => new Date(),
  sleep: (ms) => sleep(ms),
};

/** The factories a command runs with: each one's result built once and shared by every caller. */
export type Ports = { [K in keyof CliFactories]: CliFactories[K] };

/**
 * The defaults with `overrides` on top, each async factory memoised.
 *
 * @example
 * const ports = portsFrom({ provision: () => Promise.resolve({ eksFor: () => fakeEks, now, logger }) });
 */
export function portsFrom(overrides: Partial<CliFactories> = {}): Ports {
  const chosen: CliFactories = { ...DEFAULT_FACTORIES, ...overrides };
  return {
    provision: once(chosen.provision),
    eip: once(chosen.eip),
    cloudWatch: once(chosen.cloudWatch),
    kubernetes: once(chosen.kubernetes),
    secrets: once(chosen.secrets),
    identity: once(chosen.identity),
    releases: once(chosen.releases),
    workloadLeases: once(chosen.workloadLeases),
    now: chosen.now,
    sleep: chosen.sleep,
  };
}

function once<T>(factory: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= factory());
}
