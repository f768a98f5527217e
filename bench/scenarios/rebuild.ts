/**
 * Disaster recovery, simulated in virtual time: the financial-move example (one cluster, one node
 * group, five add-ons, the AWS Load Balancer Controller as its platform, a workload of seven
 * Deployments, two Elastic IP pools) runs two releases,
 * then the cluster is deleted in the EKS double. One rebuild invoke of provision starts the
 * recovery; provision's five-minute schedule carries it on; deploy-worker gets the restores off the
 * queue at once. EKS takes its real time, as the issue gives it (and FIELD-NOTES.md, "EKS":
 * "create ~15 min; node group ~5 min"): a CreateCluster is ACTIVE 15 minutes after it is sent, a
 * node group or an add-on 5 minutes after; a Deployment's rollout is assumed to take 90 seconds
 * (deploy-worker polls it every 5 s). Every function runs its own code on the doubles
 * (testing/rebuild-world.ts); only the clock is virtual. Measured: from the invoke to every
 * workload running its last successful release (the restores' rollouts complete), and to the
 * rebuild reporting done (pools re-attached, lease given back), beside the seed's "about two hours
 * by hand".
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RebuildReport } from '../../functions/provision/rebuild/run';
import type { ReleaseRecord } from '../../functions/deploy/model/releases';
import { completeStatus } from '../../testing/fake-k8s';
import type { RolloutSimulator } from '../../testing/fake-k8s';
import { digestOf } from '../../testing/deploy-events';
import { RebuildWorld } from '../../testing/rebuild-world';
import { scenarioMain } from '../child';
import { msSince } from '../stats';

export interface RebuildFigures {
  /** EKS's durations and the rollout's, as simulated (minutes / seconds). */
  clusterCreateMinutes: number;
  nodeGroupMinutes: number;
  rolloutSeconds: number;
  scheduleMinutes: number;
  /** Invoke to every workload's restore succeeded, virtual minutes. */
  toWorkloadsRunningMinutes: number;
  /** Invoke to the rebuild's report "done", virtual minutes. */
  toDoneMinutes: number;
  /** provision invocations: the invoke and the scheduled runs that carried it on. */
  provisionRuns: number;
  /** Each run's phase, in order. */
  phases: string[];
  status: string;
  /** Every workload on its last successful digest, the pools' addresses the same and attached. */
  workloadsAtLastDigest: boolean;
  poolsKept: boolean;
  /** The platform's apply as the rebuild's journal records it (`Converged: 20 object(s) applied`). */
  platform: string;
  /** The seed's figure for the same by hand. */
  seedByHandMinutes: number;
  /** Wall time of the whole simulation, ms. */
  wallMs: number;
}

const ROOT = path.join(__dirname, '../..');
const MINUTE = 60_000;
const CLUSTER_CREATE = 15 * MINUTE;
const NODE_GROUP = 5 * MINUTE;
const SCHEDULE = 5 * MINUTE;
const ROLLOUT_POLL_MS = 5_000;
const ROLLOUT_READS = 18;
const TASK = 'ghcr.io/financial-move/task-service';
const WALLET = 'ghcr.io/financial-move/wallet-cryptotraders-service';

/** A rollout that completes after 18 reads (90 s at deploy-worker's 5 s poll), updating before that. */
const ninetySeconds: RolloutSimulator = (object, reads) =>
  reads >= ROLLOUT_READS
    ? completeStatus(object)
    : { observedGeneration: object.metadata.generation, replicas: 2, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 };

/**
 * A copy of the financial-move fixture with the example's platform components and their Pod
 * Identity association (examples/financial-move/cluster.yaml's `podIdentities` and `platform`, and
 * the `eks-pod-identity-agent` add-on).
 */
function withExamplePlatform(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-rebuild-'));
  cpSync(path.join(ROOT, 'tests/fixtures/financial-move-nodes'), dir, { recursive: true });
  cpSync(path.join(ROOT, 'examples/financial-move/platform'), path.join(dir, 'platform'), { recursive: true });
  const example = readFileSync(path.join(ROOT, 'examples/financial-move/cluster.yaml'), 'utf8');
  const block = /^podIdentities:\n(?:[ #].*\n)*platform:\n(?:[ #].*\n)*/m.exec(example)?.[0];
  if (block === undefined) throw new Error('examples/financial-move/cluster.yaml has no podIdentities and platform');
  const file = path.join(dir, 'cluster.yaml');
  // The agent add-on that gives the controller's service account its role, as the example has it.
  const spec = readFileSync(file, 'utf8').replace(/^( {2}- name: metrics-server.*\n)/m, '$1  - name: eks-pod-identity-agent\n');
  writeFileSync(file, `${spec.trimEnd()}\n${block}`);
  return file;
}

const image = (repository: string, tag: string) => ({ repository, tag, digest: digestOf(`${repository}:${tag}`) });

async function main(): Promise<RebuildFigures> {
  const wall = process.hrtime.bigint();
  // financial-move with its egress pool on the nodes (the fixture), so the rebuild re-attaches it to
  // the new ones, and with the example's platform (the AWS Load Balancer Controller), applied before the workloads.
  const world = await RebuildWorld.start(withExamplePlatform(), {
    durations: { cluster: CLUSTER_CREATE, nodegroup: NODE_GROUP },
    rollout: ninetySeconds,
    pollMs: ROLLOUT_POLL_MS,
  });
  try {
    world.ec2.seedAddress({ tags: { 'partner-allowlist': 'financial-move-egress' } });
    world.ec2.seedAddress({ tags: { 'partner-allowlist': 'financial-move-egress' } });
    await world.invoke({ mode: 'apply', cluster: 'financial-move' });
    await world.provisionDeps().rebuild?.pools?.reattach('financial-move');
    await world.deploy('prod', image(TASK, 'v1.3.0'));
    await world.deploy('prod', image(WALLET, 'v1.1.0'));
    const addressesBefore = world.ec2.allAddresses().map((address) => address.AllocationId ?? '');
    await world.disaster();

    const invokedAt = world.clock;
    const reports: RebuildReport[] = [];
    const first = (await world.invoke({ action: 'rebuild', cluster: 'financial-move' })).rebuilds?.[0];
    if (first === undefined) throw new Error('the rebuild invoke answered no report');
    reports.push(first);
    await world.deliver();
    for (let run = 1; run <= 48 && reports.at(-1)?.outcome !== 'finished'; run += 1) {
      // The schedule fires every five minutes of wall time, whatever the worker did in between.
      world.clock = Math.max(world.clock, invokedAt + run * SCHEDULE);
      const report = (await world.invoke(world.scheduled())).rebuilds?.[0];
      if (report === undefined) throw new Error('a scheduled run carried no rebuild on');
      reports.push(report);
      await world.deliver();
    }
    const last = reports.at(-1);
    if (last?.outcome !== 'finished') throw new Error(`the rebuild did not finish in 4 simulated hours: ${last?.summary ?? 'no report'}`);
    const history = world.releases.records({ region: world.spec.region, cluster: world.spec.name, workload: 'prod' }) as ReleaseRecord[];
    const restore = history.find((record) => record.deliveryId === 'rebuild-r1');
    const runningAt = restore?.finishedAt === undefined ? Number.NaN : Date.parse(restore.finishedAt);
    const doneAt = Date.parse(last.startedAt ?? '') + (last.elapsedSeconds ?? 0) * 1000;
    const expected = (repository: string, tag: string) => `${repository}:${tag}@${digestOf(`${repository}:${tag}`)}`;
    const nodes = new Set(world.nodes());
    return {
      clusterCreateMinutes: CLUSTER_CREATE / MINUTE,
      nodeGroupMinutes: NODE_GROUP / MINUTE,
      rolloutSeconds: (ROLLOUT_READS * ROLLOUT_POLL_MS) / 1000,
      scheduleMinutes: SCHEDULE / MINUTE,
      toWorkloadsRunningMinutes: (runningAt - invokedAt) / MINUTE,
      toDoneMinutes: (doneAt - invokedAt) / MINUTE,
      provisionRuns: reports.length,
      phases: reports.map((report) => report.phase),
      status: last.status,
      workloadsAtLastDigest:
        restore?.result === 'succeeded' &&
        world.deploymentImage('prod', 'task-service') === expected(TASK, 'v1.3.0') &&
        world.deploymentImage('prod', 'wallet-cryptotraders-service') === expected(WALLET, 'v1.1.0'),
      poolsKept:
        JSON.stringify(world.ec2.allAddresses().map((address) => address.AllocationId ?? '')) === JSON.stringify(addressesBefore) &&
        world.ec2.addressesTagged('ingress').length === 2 &&
        world.ec2
          .allAddresses()
          .filter((address) => address.Tags?.some((tag) => tag.Key === 'eks-pilot/adopted-by'))
          .every((address) => nodes.has(address.InstanceId ?? '')),
      platform: ((entry) => (entry === undefined ? 'none' : `${entry.status}: ${entry.summary}`))(
        world.releases.rebuildEntry(world.spec.region, world.spec.name)?.platform,
      ),
      seedByHandMinutes: 120,
      wallMs: msSince(wall),
    };
  } finally {
    await world.close();
  }
}

scenarioMain(() => main());
