/**
 * Fleet scale for provision: the pure planner (`planCluster`) over 100 clusters of 30 node groups
 * each (EKS's default quotas per Region and per cluster), against two observed states built the way
 * the provision tests build them, FakeEks seeded from the specs and read through provision's own
 * `observe`: converged, and drifted (a third of the node groups with other bounds or labels, and a
 * log type switched off). Also how long loading and validating the 100 spec files takes, which a
 * new container does once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ObservedState } from '../../functions/provision/observed';
import { observe } from '../../functions/provision/observe';
import { planCluster } from '../../functions/provision/plan';
import { planStatus, summarise as summarisePlan } from '../../shared/model/plan/plan';
import { loadSpecs } from '../../shared/model/cluster-spec/load';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import { FakeEks } from '../../testing/fake-eks';
import { scenarioMain } from '../child';
import type { Summary } from '../stats';
import { msSince, summarise } from '../stats';

export interface FleetPlanInput {
  clusters: number;
  nodeGroups: number;
  rounds: number;
}

export interface FleetPlanFigures {
  clusters: number;
  nodeGroups: number;
  /** Planning every cluster once, ms per round. */
  converged: Summary;
  drifted: Summary;
  /** Plans of the converged fleet that found changes: should be 0. */
  convergedWithChanges: number;
  /** Update actions the drifted fleet's plans hold, over all clusters. */
  driftedUpdates: number;
  /** loadSpecs of the fleet's folder (read, parse, validate 100 files), ms. */
  loadSpecs: Summary;
}

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'sa-east-1'] as const;

function clusterYaml(index: number, nodeGroups: number): string {
  const name = `fleet-${String(index).padStart(3, '0')}`;
  const account = String(100000000000 + index);
  const groups = Array.from({ length: nodeGroups }, (_, group) => {
    const id = String(group).padStart(2, '0');
    return [
      `  - name: ng-${id}`,
      `    nodeRoleArn: arn:aws:iam::${account}:role/${name}-node`,
      `    instanceTypes: [${group % 3 === 0 ? 'm6i.large, m6a.large' : 't3.large'}]`,
      `    capacityType: ${group % 4 === 0 ? 'SPOT' : 'ON_DEMAND'}`,
      `    scaling: { min: ${String(group % 3)}, max: ${String(5 + (group % 7))}, desired: ${String(group % 3)} }`,
      `    labels: { pool: ng-${id}, tier: "${String(group % 5)}" }`,
      ...(group % 6 === 0 ? ['    taints:', `      - { key: dedicated, value: ng-${id}, effect: NO_SCHEDULE }`] : []),
    ].join('\n');
  });
  return [
    'apiVersion: eks-pilot/v1',
    'kind: Cluster',
    `name: ${name}`,
    `region: ${REGIONS[index % REGIONS.length] ?? 'us-east-1'}`,
    'version: "1.33"',
    `roleArn: arn:aws:iam::${account}:role/${name}-cluster`,
    'vpc:',
    '  subnetIds: [subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2, subnet-0aaaaaaaaaaaaaaa3]',
    'logging: [api, audit, authenticator]',
    'authenticationMode: API',
    `tags: { fleet: bench, index: "${String(index)}" }`,
    'addons:',
    '  - name: vpc-cni',
    '  - name: kube-proxy',
    '  - name: coredns',
    '  - name: metrics-server',
    'accessEntries:',
    `  - principalArn: arn:aws:iam::${account}:role/platform-admins`,
    '    accessPolicies:',
    '      - policy: AmazonEKSClusterAdminPolicy',
    `  - principalArn: arn:aws:iam::${account}:role/deployer`,
    '    accessPolicies:',
    '      - policy: AmazonEKSEditPolicy',
    '        namespaces: [apps]',
    'nodeGroups:',
    ...groups,
    '',
  ].join('\n');
}

/** A third of the node groups drift (bounds or labels), and the audit log is switched off. */
function drift(eks: FakeEks, spec: ClusterSpec): void {
  spec.nodeGroups.forEach((group, index) => {
    if (index % 3 !== 0) return;
    eks.changeNodegroup(spec.name, group.name, (observed) => {
      if (index % 2 === 0) observed.scalingConfig = { ...observed.scalingConfig, maxSize: (observed.scalingConfig?.maxSize ?? 1) + 2 };
      else observed.labels = { ...observed.labels, pool: 'edited-by-hand' };
    });
  });
  eks.changeCluster(spec.name, (cluster) => {
    cluster.logging = {
      clusterLogging: [
        { types: ['api', 'authenticator'], enabled: true },
        { types: ['audit', 'controllerManager', 'scheduler'], enabled: false },
      ],
    };
  });
}

async function observedFleet(specs: readonly ClusterSpec[], drifted: boolean): Promise<ObservedState[]> {
  const observed: ObservedState[] = [];
  for (const spec of specs) {
    const eks = new FakeEks({ region: spec.region });
    eks.seedFromSpec(spec);
    if (drifted) drift(eks, spec);
    observed.push(await observe(eks, spec));
  }
  return observed;
}

function planAll(specs: readonly ClusterSpec[], observed: readonly ObservedState[], now: Date): number {
  const started = process.hrtime.bigint();
  specs.forEach((spec, index) => {
    const state = observed[index];
    if (state !== undefined) planCluster(spec, state, { now });
  });
  return msSince(started);
}

async function main(input: FleetPlanInput): Promise<FleetPlanFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'eks-pilot-fleet-'));
  for (let index = 0; index < input.clusters; index += 1)
    writeFileSync(path.join(dir, `fleet-${String(index).padStart(3, '0')}.yaml`), clusterYaml(index, input.nodeGroups));
  const loadTimes: number[] = [];
  let specs: ClusterSpec[] = [];
  for (let round = 0; round < 5; round += 1) {
    const started = process.hrtime.bigint();
    specs = (await loadSpecs([dir])).map((loaded) => loaded.spec);
    loadTimes.push(msSince(started));
  }
  rmSync(dir, { recursive: true, force: true });

  const now = new Date();
  const converged = await observedFleet(specs, false);
  const drifted = await observedFleet(specs, true);
  const convergedWithChanges = specs.filter((spec, index) => {
    const state = converged[index];
    return state !== undefined && planStatus(planCluster(spec, state, { now })) !== 'no-changes';
  }).length;
  const driftedUpdates = specs.reduce((sum, spec, index) => {
    const state = drifted[index];
    return state === undefined ? sum : sum + summarisePlan(planCluster(spec, state, { now })).update;
  }, 0);

  // Warm the planner up (JIT), then alternate the two states round by round.
  for (let round = 0; round < 3; round += 1) {
    planAll(specs, converged, now);
    planAll(specs, drifted, now);
  }
  const times = { converged: [] as number[], drifted: [] as number[] };
  for (let round = 0; round < input.rounds; round += 1) {
    times.converged.push(planAll(specs, converged, now));
    times.drifted.push(planAll(specs, drifted, now));
  }
  return {
    clusters: specs.length,
    nodeGroups: input.nodeGroups,
    converged: summarise(times.converged),
    drifted: summarise(times.drifted),
    convergedWithChanges,
    driftedUpdates,
    loadSpecs: summarise(loadTimes),
  };
}

scenarioMain((input) => main(input as FleetPlanInput));
