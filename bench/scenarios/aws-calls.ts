/**
 * AWS calls per converged run: each function's real handler, on an example already converged, with
 * every SDK client doubled and each call counted per API action (Describe/List/Get are reads,
 * anything else a write). The account the doubles answer from is the tests' own model of it:
 * - provision: FakeEks seeded from the spec (testing/fake-eks.ts `seedFromSpec`);
 * - eip-manager: FakeEc2 with three prod-ng nodes, converged by eip-manager's own apply runs
 *   (port level, as its run tests do), and the pools' SSM parameters as those runs published them;
 * - scale-watch: FakeEks, the scale-watch tests' FakeCloudWatch holding the spec's alarms (OK for a
 *   day) and the kianax HPAs at their manifests' bounds on a local fake API server;
 * - deploy-worker: FakeEks for the endpoint, and a fake API server holding crypto-oms as deployed.
 * scale-watch and deploy-worker reach the fake API server the production way (DescribeCluster, an
 * EKS token), not through KUBECONFIG, so the DescribeCluster a new container makes is counted.
 */
import path from 'node:path';
import type { ProvisionResponse } from '../../functions/provision/invoke';
import type { EipResponse } from '../../functions/eip-manager/invoke';
import type { ScaleWatchResponse } from '../../functions/scale-watch/invoke';
import type { DriftReport } from '../../functions/deploy/worker/drift';
import { putMetricAlarmRequest } from '../../functions/scale-watch/alarms';
import eipScheduleEvent from '../../events/eip-manager/schedule.json';
import deployScheduleEvent from '../../events/deploy/schedule.json';
import deployQueueEvent from '../../events/deploy/worker-queue.json';
import provisionScheduleEvent from '../../events/provision/schedule.json';
import scaleScheduleEvent from '../../events/scale-watch/schedule.json';
import { resetAwsClients } from '../../shared/adapters/aws/clients';
import { loadSpecs } from '../../shared/model/cluster-spec/load';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import { apply as applyPools, depsFor as eipDepsFor } from '../../testing/eip-manager';
import { FakeCloudWatch, hpa } from '../../testing/scale-watch-fakes';
import { FakeEc2 } from '../../testing/fake-ec2';
import { FakeEks } from '../../testing/fake-eks';
import { FakeAutoScaling } from '../../testing/fake-autoscaling';
import { answered } from '../../testing/answers';
import { startFakeCluster } from '../../testing/fake-k8s';
import type { FakeCluster } from '../../testing/fake-k8s';
import type { AwsDoubles } from '../../testing/aws-doubles';
import { bridgeAutoScaling, bridgeCloudWatch, bridgeEc2, bridgeEks, bridgeSsmParameters, doubleAwsClients, startTripwire } from '../../testing/aws-doubles';
import { scenarioMain } from '../child';
import { EXAMPLES, lambdaContext, QUEUE_URL } from '../../testing/bench-events';
import { answerExampleSecrets } from '../../testing/secret-values';

export interface RunCount {
  run: string;
  /** What the run reported, e.g. `kianax Converged`: a run that is not converged is itself a finding. */
  outcome: string;
  reads: number;
  writes: number;
  byAction: Record<string, number>;
  /** Requests to the Kubernetes API in the run, for the functions that make them (not AWS calls). */
  kubernetesRequests?: number;
}

export interface FunctionCalls {
  function: string;
  example: string;
  /** provision's target: at most 2 + one per node group + one per add-on reads, on the runs named in `budgeted`. */
  readBudget?: { reads: number; formula: string; budgeted: string[] };
  /** Apply runs it took to converge the example before counting, where the bench converged it. */
  convergingRuns?: number;
  runs: RunCount[];
}

export interface AwsCallsFigures {
  functions: FunctionCalls[];
  unmockedAwsRequests: string[];
}

type Invoke = (event: unknown) => Promise<{ outcome: string; kubernetesRequests?: number }>;

async function count(aws: AwsDoubles, runs: readonly [string, Invoke, unknown][]): Promise<RunCount[]> {
  const counted: RunCount[] = [];
  for (const [run, invoke, event] of runs) {
    aws.resetHistory();
    const { outcome, kubernetesRequests } = await invoke(event);
    counted.push({ run, outcome, ...aws.tally(), ...(kubernetesRequests === undefined ? {} : { kubernetesRequests }) });
  }
  return counted;
}

async function specOf(file: string): Promise<ClusterSpec> {
  const [loaded] = await loadSpecs([file]);
  if (loaded === undefined) throw new Error(`no spec in ${file}`);
  return loaded.spec;
}

/** A FakeEks holding the cluster as the spec says, its API endpoint on a local fake server. */
function seededEks(spec: ClusterSpec, server?: FakeCluster): FakeEks {
  const eks = new FakeEks({ region: spec.region });
  eks.seedFromSpec(spec);
  if (server !== undefined) {
    eks.changeCluster(spec.name, (cluster) => {
      cluster.endpoint = server.server.url;
      cluster.certificateAuthority = { data: Buffer.from('unused over http').toString('base64') };
    });
  }
  return eks;
}

function kubernetesRequestsSince(server: FakeCluster, before: number): number {
  return server.server.requests.length - before;
}

async function provision(aws: AwsDoubles, example: string): Promise<FunctionCalls> {
  const file = path.join(EXAMPLES, example, 'cluster.yaml');
  const spec = await specOf(file);
  const eks = seededEks(spec);
  bridgeEks(aws.eks, eks);
  const autoScaling = new FakeAutoScaling(eks);
  autoScaling.seedFromSpec(spec);
  bridgeAutoScaling(aws.autoScaling, autoScaling);
  process.env.EKS_PILOT_SPECS = file;
  resetAwsClients();
  const { handler } = await import('../../functions/provision/handler');
  const invoke: Invoke = async (event) => {
    const response: ProvisionResponse = answered(await handler(event, lambdaContext));
    return { outcome: response.reports.map((report) => `${report.cluster} ${report.mode} ${report.status}`).join('; ') };
  };
  return {
    function: 'provision',
    example,
    // The budget holds for the five-minute drift checks; the hourly one also reads each access
    // entry's detail (2 reads per entry) and the node groups' Auto Scaling groups (1 read), as a manual apply does.
    readBudget: {
      reads: 2 + spec.nodeGroups.length + spec.addons.length,
      formula: `2 + ${String(spec.nodeGroups.length)} node groups + ${String(spec.addons.length)} add-ons`,
      budgeted: ['schedule (drift check)', 'schedule, again'],
    },
    runs: await count(aws, [
      ['schedule (drift check)', invoke, { ...provisionScheduleEvent, time: '2026-11-22T12:05:00Z' }],
      ['schedule, again', invoke, { ...provisionScheduleEvent, time: '2026-11-22T12:10:00Z' }],
      ['schedule, hourly access-entry check', invoke, { ...provisionScheduleEvent, time: '2026-11-22T13:00:00Z' }],
      ['manual apply', invoke, { mode: 'apply', cluster: spec.name }],
    ]),
  };
}

async function eipManager(aws: AwsDoubles): Promise<FunctionCalls> {
  const dir = path.join(EXAMPLES, 'financial-move');
  const spec = await specOf(path.join(dir, 'cluster.yaml'));
  const ec2 = new FakeEc2({ region: spec.region });
  for (let node = 0; node < 3; node += 1) ec2.launchNode(spec.name, 'prod-ng');
  // The egress pool's NAT gateway, its primary address tagged for partners as the example's README says: the pool adopts it.
  for (const pool of spec.elasticIpPools) {
    if ('natGatewayId' in pool.attachTo) {
      ec2.addNatGateway({ natGatewayId: pool.attachTo.natGatewayId, primaryAllocationId: ec2.seedAddress({ tags: pool.adopt.tags }) });
    }
  }
  const deps = eipDepsFor(ec2);
  let convergingRuns = 0;
  for (;;) {
    const { writes } = await applyPools(spec, ec2, deps);
    if (writes.length === 0) break;
    convergingRuns += 1;
    if (convergingRuns > 5) throw new Error('eip-manager did not converge financial-move in 5 apply runs');
  }
  bridgeEc2(aws.ec2, ec2);
  bridgeSsmParameters(aws.ssm, deps.store.values);
  Object.assign(process.env, { EKS_PILOT_SPECS: dir, AWS_REGION: spec.region });
  resetAwsClients();
  const { handler } = await import('../../functions/eip-manager/handler');
  const invoke: Invoke = async (event) => {
    const response: EipResponse = answered(await handler(event, lambdaContext));
    return { outcome: response.reports.map((report) => `${report.cluster} ${report.mode} ${report.status}`).join('; ') };
  };
  return {
    function: 'eip-manager',
    example: 'financial-move',
    convergingRuns,
    runs: await count(aws, [
      ['schedule (reconcile)', invoke, eipScheduleEvent],
      ['schedule, again', invoke, eipScheduleEvent],
    ]),
  };
}

async function scaleWatch(aws: AwsDoubles): Promise<FunctionCalls> {
  const dir = path.join(EXAMPLES, 'kianax');
  const spec = await specOf(path.join(dir, 'cluster.yaml'));
  const hpas = '/apis/autoscaling/v2/namespaces/kianax/horizontalpodautoscalers';
  const server = await startFakeCluster({ seed: { [`${hpas}/kianax-api`]: hpa('kianax', 'kianax-api'), [`${hpas}/kianax-web`]: hpa('kianax', 'kianax-web') } });
  bridgeEks(aws.eks, seededEks(spec, server));
  const cloudWatch = new FakeCloudWatch();
  const dayAgo = new Date(Date.now() - 24 * 3_600_000);
  for (const alarm of spec.alarms) {
    await cloudWatch.putMetricAlarm(putMetricAlarmRequest(alarm));
    cloudWatch.setState(alarm.name, 'OK', dayAgo);
  }
  bridgeCloudWatch(aws.cloudWatch, cloudWatch);
  Object.assign(process.env, { EKS_PILOT_SPECS: dir, AWS_REGION: spec.region });
  delete process.env.KUBECONFIG;
  resetAwsClients();
  const { handler } = await import('../../functions/scale-watch/handler');
  const invoke: Invoke = async (event) => {
    const before = server.server.requests.length;
    const response: ScaleWatchResponse = answered(await handler(event, lambdaContext));
    const outcome = [
      ...response.alarms.map((report) => `alarms ${report.cluster} ${report.status}`),
      ...response.rules.map((report) => `rule ${report.rule} ${report.decision} ${report.status}`),
    ].join('; ');
    return { outcome, kubernetesRequests: kubernetesRequestsSince(server, before) };
  };
  const runs = await count(aws, [
    ['schedule #1 (new container)', invoke, scaleScheduleEvent],
    ['schedule #2 (warm container)', invoke, scaleScheduleEvent],
  ]);
  await server.close();
  return { function: 'scale-watch', example: 'kianax', runs };
}

async function deployWorker(aws: AwsDoubles): Promise<FunctionCalls> {
  // crypto-oms with GHCR images (tests/fixtures/ghcr-oms): the queue event below deploys a GHCR push.
  const file = path.join(EXAMPLES, '../tests/fixtures/ghcr-oms', 'cluster.yaml');
  const spec = await specOf(file);
  const server = await startFakeCluster();
  bridgeEks(aws.eks, seededEks(spec, server));
  Object.assign(process.env, {
    EKS_PILOT_SPECS: file,
    AWS_REGION: 'us-east-1',
    EKS_PILOT_DEPLOY_QUEUE_URL: QUEUE_URL,
    EKS_PILOT_ROLLOUT_POLL_MS: '5',
    EKS_PILOT_ROLLOUT_RESERVE_MS: '1000',
  });
  delete process.env.KUBECONFIG;
  const { handler, resetWorkerDeps } = await import('../../functions/deploy/worker/handler');
  // Deploy the sample push first, so the cluster holds the workload at its current release.
  await handler(deployQueueEvent, lambdaContext);
  resetWorkerDeps();
  resetAwsClients();
  const invoke: Invoke = async (event) => {
    const before = server.server.requests.length;
    const response = (await handler(event, lambdaContext)) as { reports: DriftReport[] };
    return {
      outcome: response.reports.map((report) => `${report.cluster}/${report.workload} ${report.status}`).join('; '),
      kubernetesRequests: kubernetesRequestsSince(server, before),
    };
  };
  const runs = await count(aws, [
    ['schedule #1 (new container)', invoke, deployScheduleEvent],
    ['schedule #2 (warm container)', invoke, deployScheduleEvent],
  ]);
  await server.close();
  return { function: 'deploy-worker', example: 'crypto-oms', runs };
}

async function main(): Promise<AwsCallsFigures> {
  const tripwire = await startTripwire();
  const aws = doubleAwsClients();
  // crypto-oms sources its Secret from Secrets Manager: the doubles hold it, as the account would.
  answerExampleSecrets(aws);
  const functions: FunctionCalls[] = [];
  functions.push(await provision(aws, 'kianax'));
  functions.push(await provision(aws, 'financial-move'));
  functions.push(await eipManager(aws));
  functions.push(await scaleWatch(aws));
  functions.push(await deployWorker(aws));
  await tripwire.close();
  return { functions, unmockedAwsRequests: tripwire.requests };
}

scenarioMain(() => main());
