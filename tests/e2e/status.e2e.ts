/**
 * `eks-pilot status` on a converged account: the seven example clusters applied (auto-mode without
 * Auto Mode, which moto drops) to convergence in
 * moto by the bin, a release of crypto-oms deployed by the bin, an ALARM step taken by the packaged
 * scale-watch, financial-move's pools kept whole by the packaged eip-manager. The screen has a line
 * per cluster, workload, override and pool.
 */
import { CloudWatchClient, SetAlarmStateCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import alarmTemplate from '../../events/scale-watch/alarm-kianax-cpu.json';
import scheduleEvent from '../../events/scale-watch/schedule.json';
import { hpa } from '../../testing/scale-watch-fakes';
import { runBin } from './support/bin';
import type { EksTagsProxy } from './support/eks-tags-proxy';
import { startEksTagsProxy } from './support/eks-tags-proxy';
import type { KubernetesStandIn } from './support/kubernetes';
import { startKubernetes } from './support/kubernetes';
import { invokeFunction } from './support/lambda';
import type { Moto } from './support/moto';
import { startMoto } from './support/moto';
import { SPECS_FOLDER, specFile } from './support/specs';
import { createExampleSecrets } from './support/example-secrets';

const HPAS = '/apis/autoscaling/v2/namespaces/kianax/horizontalpodautoscalers';
const ALARM = 'kianax-general-ng-cpu-high';
const IMAGE = 'ghcr.io/crypto-oms/order-ingestion:v1.1.0@sha256:b6ab0516c2d63f38669bb6d6e7798f2a092dda409261fe40e90d21113f5668cb';
let moto: Moto;
let proxy: EksTagsProxy;
let k8s: KubernetesStandIn;

beforeAll(async () => {
  moto = await startMoto();
  await createExampleSecrets(moto);
  proxy = await startEksTagsProxy(moto.endpoint);
  k8s = await startKubernetes({ [`${HPAS}/kianax-api`]: hpa('kianax', 'kianax-api'), [`${HPAS}/kianax-web`]: hpa('kianax', 'kianax-web') });
});
afterAll(async () => {
  await k8s.close();
  await proxy.close();
  await moto.stop();
});

const env = (): Record<string, string> => ({ ...moto.env, AWS_ENDPOINT_URL_EKS: proxy.endpoint, KUBECONFIG: k8s.kubeconfig });

it('prints a line per cluster, workload, override and pool of a converged fleet', async () => {
  // Prepare: the fleet applied until every cluster converges, as the schedule would
  const clusterLines = (output: string): string[] => output.split('\n').filter((line) => /^\S+ \([a-z0-9-]+\): /.test(line));
  let applied: string[] = [];
  for (let run = 0; run < 8 && !(applied.length === 7 && applied.every((line) => line.includes(': Converged: '))); run += 1) {
    applied = clusterLines((await runBin(['apply', SPECS_FOLDER], { env: env() })).stdout);
  }
  expect(applied).toEqual([
    'auto-mode (us-east-1): Converged: matches the spec',
    'comments-app (us-west-2): Converged: matches the spec',
    'crypto-oms (eu-west-1): Converged: matches the spec',
    'financial-move (sa-east-1): Converged: matches the spec',
    'kianax (us-east-1): Converged: matches the spec',
    'kops (us-east-1): Converged: matches the spec',
    'starter (us-east-1): Converged: matches the spec',
  ]);
  // A release of crypto-oms, the kianax alarm's step, and financial-move's nodes and pools.
  expect((await runBin(['deploy', 'deploy', 'crypto-oms', '--image', IMAGE, '--spec', specFile('crypto-oms')], { env: env() })).code).toBe(0);
  const scaleWatch = (event: unknown) => invokeFunction('scale-watch', event, { region: 'us-east-1', env: { ...env(), EKS_PILOT_SPECS: specFile('kianax') } });
  await scaleWatch(scheduleEvent);
  const cloudWatch = new CloudWatchClient(moto.clientConfig('us-east-1'));
  await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: ALARM, StateValue: 'ALARM', StateReason: 'e2e' }));
  const at = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [ALARM] }))).MetricAlarms?.[0]?.StateTransitionedTimestamp ?? new Date();
  cloudWatch.destroy();
  await scaleWatch({
    ...alarmTemplate,
    detail: { ...alarmTemplate.detail, state: { ...alarmTemplate.detail.state, value: 'ALARM', timestamp: at.toISOString().replace('Z', '+0000') } },
  });
  const ec2 = new EC2Client(moto.clientConfig('sa-east-1'));
  const nodeTags = [
    { Key: 'eks:cluster-name', Value: 'financial-move' },
    { Key: 'eks:nodegroup-name', Value: 'prod-ng' },
  ];
  await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      InstanceType: 't3.large',
      MinCount: 2,
      MaxCount: 2,
      TagSpecifications: [{ ResourceType: 'instance', Tags: nodeTags }],
    }),
  );
  ec2.destroy();
  await invokeFunction(
    'eip-manager',
    { mode: 'apply', cluster: 'financial-move' },
    {
      region: 'sa-east-1',
      env: { ...env(), EKS_PILOT_SPECS: specFile('financial-move') },
      refs: { EipManagerFleetQueue: 'http://127.0.0.1:1/123456789012/unused' },
    },
  );

  // Act
  const { code, stdout, stderr } = await runBin(['status', SPECS_FOLDER], { env: env() });
  const json = await runBin(['status', '--json', SPECS_FOLDER], { env: env() });

  // Assess
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toContain('Fleet of 7 clusters');
  for (const cluster of [
    'starter (us-east-1)',
    'kianax (us-east-1)',
    'financial-move (sa-east-1)',
    'crypto-oms (eu-west-1)',
    'kops (us-east-1)',
    'auto-mode (us-east-1)',
    'comments-app (us-west-2)',
  ])
    expect(stdout).toContain(`\n${cluster} from `);
  expect(stdout.match(/^ {2}provision: Converged: matches the spec$/gm)).toHaveLength(7);
  expect(stdout).toMatch(/^ {4}crypto-oms: release 1 succeeded \(deploy, [0-9T:.-]+Z\); Converged$/m);
  expect(stdout).toMatch(/^ {4}kianax: no release recorded \(the manifests' images\); drifted: Namespace kianax missing/m);
  expect(stdout).toMatch(/^ {4}prod: no release recorded \(the manifests' images\); drifted: /m);
  expect(stdout).toMatch(/^ {6}nodegroup\/general-ng: overridden: max 8 until /m);
  expect(stdout).toMatch(/^ {6}hpa\/kianax\/kianax-api: overridden: max 15 until /m);
  expect(stdout).toMatch(/^ {6}hpa\/kianax\/kianax-web: overridden: max 15 until /m);
  expect(stdout).toMatch(/^ {4}egress: Converged: 2 held, 2 attached, 0 missing \(of 2\)$/m);
  expect(stdout).toMatch(/^ {4}ingress: Converged: 2 held, 0 attached, 0 missing \(of 2\)$/m);
  const parsed = JSON.parse(json.stdout) as {
    clusters: { cluster: string; pools: { pool: string }[]; workloads: { workload: string; running?: { images: unknown } }[] }[];
  };
  const cryptoOms = parsed.clusters.find((cluster) => cluster.cluster === 'crypto-oms');
  expect(JSON.stringify(cryptoOms?.workloads[0]?.running?.images)).toContain(IMAGE);
  expect(
    parsed.clusters.map((cluster) => [cluster.cluster, cluster.workloads.map((workload) => workload.workload), cluster.pools.map((pool) => pool.pool)]),
  ).toEqual([
    ['auto-mode', ['web'], []],
    ['comments-app', ['comments'], []],
    ['crypto-oms', ['crypto-oms'], []],
    ['financial-move', ['prod'], ['egress', 'ingress']],
    ['kianax', ['kianax'], []],
    ['kops', ['kops'], []],
    ['starter', [], []],
  ]);
});
