/**
 * One account and one cluster for the rebuild tests and the bench's rebuild scenario: the EKS double
 * (testing/fake-eks.ts), the EC2 double with the cluster's nodes and Elastic IPs
 * (testing/fake-ec2.ts), a Kubernetes API server double (testing/fake-k8s.ts), the durable release
 * store and the lease store doubles, and deploy-worker's queue and invokes, all
 * on one virtual clock. Each function runs its own code against them: provision's
 * handleProvisionEvent (the rebuild invoke and the scheduled runs), deploy-worker's handleWorkerEvent
 * and processBatch (the platform apply and the restores provision asks of it, and the messages
 * queued), eip-manager's reconcilePools (what the rebuild's pools port invokes). deploy-worker's
 * container is warm throughout: it remembers the platforms it applied, to the lost cluster too.
 *
 * EKS's time: with `durations` (the bench) a CreateCluster settles `cluster` ms after it was sent
 * and a CreateNodegroup or CreateAddon `nodegroup` ms after; without (the tests) everything settles
 * between runs. A node group that turns ACTIVE starts its desired nodes in EC2, as EKS's Auto
 * Scaling group would, and each node registers in the API server as a Node labelled with its node
 * group (`eks.amazonaws.com/nodegroup`), Ready unless the world says its nodes are not ready yet
 * (`nodesReady`), so provision's validation reads what a new cluster shows.
 *
 * @example
 * const world = await RebuildWorld.start(spec);
 * await world.deploy('prod', image('ghcr.io/financial-move/task-service', 'v1.3.0'));
 * await world.disaster();
 * await world.invoke({ action: 'rebuild', cluster: 'financial-move' });
 */
import { handleWorkerEvent, processBatch } from '../functions/deploy/worker/invoke';
import type { DeployOutcome, WorkerDeps } from '../functions/deploy/worker/run';
import { deployImage } from '../functions/deploy/worker/run';
import type { PinnedImage } from '../functions/deploy/model/images';
import { platformsOf } from '../functions/deploy/model/platform';
import { createPlatformRunner } from '../functions/deploy/worker/platform';
import type { PlatformPort } from '../shared/ports/platform';
import { UpstreamError } from '../shared/errors';
import { NODEGROUP_LABEL, validateCluster } from '../functions/provision/validate';
import type { DeployTarget } from '../functions/deploy/model/targets';
import { targetsOf } from '../functions/deploy/model/targets';
import type { EipDeps } from '../functions/eip-manager/run';
import { reconcilePools } from '../functions/eip-manager/run';
import type { InvokeDeps, ProvisionResponse } from '../functions/provision/invoke';
import { handleProvisionEvent } from '../functions/provision/invoke';
import type { ProvisionEvent } from '../functions/provision/event';
import type { FifoMessage } from '../shared/ports/fifo-queue';
import type { RestoreInvoke } from '../shared/model/restore';
import type { RunLogger } from '../shared/reconcile/run-logger';
import { loadSpecs } from '../shared/model/cluster-spec/load';
import type { LoadedSpec } from '../shared/model/cluster-spec/load';
import type { ClusterSpec } from '../shared/model/cluster-spec/schema';
import { FakeEc2 } from './fake-ec2';
import { FakeEks } from './fake-eks';
import { eksNode, startFakeCluster } from './fake-k8s';
import type { FakeCluster, RolloutSimulator } from './fake-k8s';
import { FakeLeases } from './fake-lease';
import { FakeReleaseStore } from './fake-release-store';
import { FakeSecretValues } from './secret-values';
import { MemoryAllowList } from './eip-manager';

export const WORLD_START = Date.parse('2026-11-22T12:00:00Z');

export interface WorldLog {
  level: 'info' | 'warn' | 'error';
  message: string;
  facts: Record<string, unknown>;
}

export interface WorldOptions {
  /** EKS's durations, in ms; absent: everything settles between runs. */
  durations?: { cluster: number; nodegroup: number };
  /** How a Deployment's rollout evolves per read after an apply (default: complete on the first read). */
  rollout?: RolloutSimulator;
  /** The rollout poll interval deploy-worker uses (virtual ms). */
  pollMs?: number;
  /** Whether new nodes register Ready (default true); {@link RebuildWorld.nodesBecomeReady} turns them Ready later. */
  nodesReady?: boolean;
}

export class RebuildWorld {
  readonly eks: FakeEks;
  readonly ec2: FakeEc2;
  readonly leases = new FakeLeases();
  readonly releases = new FakeReleaseStore();
  readonly allowList = new MemoryAllowList();
  readonly logs: WorldLog[] = [];
  /** Messages sent to the deploy queue and not yet delivered to deploy-worker. */
  readonly queue: FifoMessage[] = [];
  /** Every message ever sent to the deploy queue. */
  readonly sent: FifoMessage[] = [];
  /** Restores provision asked of deploy-worker and not yet run (Lambda's asynchronous invokes). */
  readonly restores: RestoreInvoke[] = [];
  /** Every restore provision ever asked. */
  readonly asked: RestoreInvoke[] = [];
  /** The cluster's Kubernetes API server (a new, empty one after the disaster). */
  cluster: FakeCluster;
  clock = WORLD_START;

  private readonly loaded: LoadedSpec;
  private readonly targets: DeployTarget[];
  private readonly options: WorldOptions;
  private readonly started = new Set<string>();
  /** The platforms deploy-worker's warm container remembers having applied. */
  private readonly appliedPlatforms = new Set<string>();
  private settleAt: number | undefined;
  private seenWrites = 0;
  private messages = 0;
  private nodeIds: string[] = [];
  private nodesReady: boolean;

  private constructor(loaded: LoadedSpec, targets: DeployTarget[], cluster: FakeCluster, options: WorldOptions) {
    this.loaded = loaded;
    this.targets = targets;
    this.cluster = cluster;
    this.options = options;
    this.eks = new FakeEks({ region: loaded.spec.region });
    this.ec2 = new FakeEc2({ region: loaded.spec.region });
    this.nodesReady = options.nodesReady ?? true;
  }

  /** A world whose account runs the spec's cluster as created and settled, its node groups' nodes started, with an empty API server. */
  static async start(file: string, options: WorldOptions = {}): Promise<RebuildWorld> {
    const [loaded] = await loadSpecs([file]);
    if (loaded === undefined) throw new Error(`${file}: no spec`);
    const cluster = await startFakeCluster(options.rollout === undefined ? {} : { rollout: rolloutOfAll(options.rollout) });
    const world = new RebuildWorld(loaded, await targetsOf([loaded]), cluster, options);
    world.eks.seedFromSpec(loaded.spec);
    world.startNodes();
    return world;
  }

  get spec(): ClusterSpec {
    return this.loaded.spec;
  }

  now(): Date {
    return new Date(this.clock);
  }

  logger(): RunLogger {
    const record = (level: WorldLog['level']) => (message: string, facts: Record<string, unknown>) => {
      this.logs.push({ level, message, facts });
    };
    return { info: record('info'), warn: record('warn'), error: record('error') };
  }

  workerDeps(): WorkerDeps {
    const platforms = platformsOf([this.loaded]);
    return {
      targets: () => Promise.resolve(this.targets),
      platform: createPlatformRunner(
        {
          platforms: async () => (await platforms).platforms,
          broken: async () => (await platforms).broken,
          connect: () => Promise.resolve(this.cluster.port),
          logger: this.logger(),
        },
        this.appliedPlatforms,
      ),
      secretValues: new FakeSecretValues(),
      connect: () => Promise.resolve(this.cluster.port),
      queue: { send: (messages) => Promise.resolve(this.enqueue(messages)) },
      releases: this.releases,
      now: () => this.now(),
      sleep: (ms) => {
        this.clock += ms;
        return Promise.resolve();
      },
      logger: this.logger(),
      pollMs: this.options.pollMs ?? 5,
      reserveMs: 1_000,
    };
  }

  eipDeps(): EipDeps {
    return {
      ec2For: () => this.ec2,
      allowList: this.allowList,
      leaseFor: () => this.leases,
      now: () => this.now(),
      logger: this.logger(),
      holder: 'test eip-manager',
    };
  }

  provisionDeps(rebuildId = 'r1'): InvokeDeps {
    return {
      specPaths: [this.loaded.file],
      eksFor: () => this.eks,
      now: () => this.now(),
      logger: this.logger(),
      requestId: 'req-1',
      rebuild: {
        releases: this.releases,
        leaseFor: () => this.leases,
        restores: {
          restore: (request) => {
            this.restores.push(request);
            this.asked.push(request);
            return Promise.resolve();
          },
        },
        validate: (spec) => validateCluster(spec, { eks: this.eks, k8s: this.cluster.port }),
        platform: this.platformPort(),
        pools: {
          reattach: async () => {
            const report = await reconcilePools(this.spec, this.eipDeps(), { mode: 'apply' });
            return { status: report.status, summary: report.summary };
          },
        },
        holder: 'test provision',
        rebuildId: () => rebuildId,
      },
    };
  }

  /** deploy-worker's manual invoke `{"action": "platform", "cluster"}`, answered as the Lambda adapter reads it (shared/adapters/aws/lambda-invoke.ts). */
  platformPort(): PlatformPort {
    return {
      apply: async (cluster) => {
        const response = await handleWorkerEvent(
          { trigger: 'manual', event: { action: 'platform', cluster } },
          this.workerDeps(),
          { remainingMs: () => 300_000 },
          `platform-${cluster}`,
        );
        const report = 'action' in response && response.action === 'platform' ? response.reports.find((item) => item.cluster === cluster) : undefined;
        if (report === undefined) throw new UpstreamError(`deploy-worker answered no platform for cluster ${cluster}`);
        return { status: report.status, summary: report.reason ?? `${report.applied.length} object(s) applied` };
      },
    };
  }

  /** A deploy of a pushed image, as deploy-worker makes it (its rollout watched to the end). */
  async deploy(workload: string, image: PinnedImage): Promise<DeployOutcome> {
    const target = this.targets.find((candidate) => candidate.workload.name === workload);
    if (target === undefined) throw new Error(`no workload ${workload}`);
    return deployImage(target, image, `delivery-${image.tag}`, this.workerDeps(), { remainingMs: () => 300_000 }, { source: 'push' });
  }

  /** The disaster: the cluster is gone from EKS, its nodes terminated (their addresses come off them), and a new API server knows nothing. */
  async disaster(): Promise<void> {
    this.eks.deleteCluster(this.spec.name);
    for (const instance of this.nodeIds) this.ec2.forget(instance);
    this.nodeIds = [];
    this.started.clear();
    await this.cluster.close();
    this.cluster = await startFakeCluster(this.options.rollout === undefined ? {} : { rollout: rolloutOfAll(this.options.rollout) });
  }

  /** Time passes outside provision (the CLI's wait between runs): the clock moves, EKS settles what is due. */
  passTime(ms: number): void {
    this.clock += ms;
    this.advanceEks();
  }

  /** One provision invocation with this event; EKS's clock is applied first. */
  async invoke(event: ProvisionEvent, deps: InvokeDeps = this.provisionDeps()): Promise<ProvisionResponse> {
    this.advanceEks();
    const response = await handleProvisionEvent(event, deps);
    this.noteEksWrites();
    return response;
  }

  /** The five-minute schedule's event at the world's time. */
  scheduled(): ProvisionEvent {
    return { 'detail-type': 'Scheduled Event', source: 'aws.events', time: this.now().toISOString(), resources: [] };
  }

  /** Runs the restores asked of deploy-worker, then delivers what the queue holds in batches, as Lambda's event source would. */
  async deliver(): Promise<void> {
    for (const request of this.restores.splice(0)) {
      await handleWorkerEvent({ trigger: 'manual', event: request }, this.workerDeps(), { remainingMs: () => 300_000 }, `restore-${request.workload}`);
    }
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, 10);
      const records = batch.map((message) => {
        this.messages += 1;
        return { messageId: `m-${this.messages}`, body: message.body, attributes: { MessageGroupId: message.groupId } };
      });
      await processBatch(records, this.workerDeps(), { remainingMs: () => 300_000 });
    }
  }

  /** The image a Deployment of the current API server runs (its first container), or undefined. */
  deploymentImage(namespace: string, name: string): string | undefined {
    const object = this.cluster.objects.get(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
    const containers = (object?.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined)?.template?.spec?.containers;
    return containers?.[0]?.image;
  }

  /** The kubelets of every node post Ready, as they do once the CNI is up on them. */
  nodesBecomeReady(): void {
    this.nodesReady = true;
    for (const object of [...this.cluster.objects.values()]) {
      const group = object.kind === 'Node' ? object.metadata.labels?.[NODEGROUP_LABEL] : undefined;
      if (group !== undefined) for (const [key, node] of Object.entries(eksNode(object.metadata.name, group, true))) this.cluster.objects.set(key, node);
    }
  }

  /** The instances EC2 runs for the cluster's node groups. */
  nodes(): string[] {
    return [...this.nodeIds];
  }

  async close(): Promise<void> {
    await this.cluster.close();
  }

  private enqueue(messages: readonly FifoMessage[]): string[] {
    this.queue.push(...messages);
    this.sent.push(...messages);
    return messages.map((_, index) => `q-${this.sent.length - messages.length + index}`);
  }

  /** EKS's durations: what was due by now becomes ACTIVE; node groups turned ACTIVE start their nodes. */
  private advanceEks(): void {
    if (this.options.durations === undefined || (this.settleAt !== undefined && this.clock >= this.settleAt)) {
      this.eks.settle();
      this.settleAt = undefined;
    }
    this.startNodes();
  }

  private noteEksWrites(): void {
    const writes = this.eks.writes().slice(this.seenWrites);
    this.seenWrites += writes.length;
    const durations = this.options.durations;
    if (durations === undefined) return;
    for (const write of writes) {
      const due =
        write.name === 'CreateCluster' ? durations.cluster : write.name === 'CreateNodegroup' || write.name === 'CreateAddon' ? durations.nodegroup : 0;
      if (due > 0) this.settleAt = Math.max(this.settleAt ?? 0, this.clock + due);
      else this.settleAt ??= this.clock;
    }
  }

  /** Every ACTIVE node group of the spec has its desired nodes running. */
  private startNodes(): void {
    for (const group of this.spec.nodeGroups) {
      const live = this.eks.nodegroup(this.spec.name, group.name);
      if (live?.status !== 'ACTIVE' || this.started.has(group.name)) continue;
      this.started.add(group.name);
      for (let index = 0; index < (live.scalingConfig?.desiredSize ?? 0); index += 1) {
        const instanceId = this.ec2.launchNode(this.spec.name, group.name);
        this.nodeIds.push(instanceId);
        this.registerNode(instanceId, group.name);
      }
    }
  }

  /** The node's kubelet registers it (the API server's /api/v1/nodes), labelled as EKS labels a managed node. */
  private registerNode(instanceId: string, nodeGroup: string): void {
    for (const [key, node] of Object.entries(eksNode(`${instanceId}.${this.spec.region}.compute.internal`, nodeGroup, this.nodesReady)))
      this.cluster.objects.set(key, node);
  }
}

/** The same rollout for every Deployment of the API server. */
function rolloutOfAll(simulate: RolloutSimulator): Record<string, RolloutSimulator> {
  return new Proxy({}, { get: () => simulate, has: () => true });
}
