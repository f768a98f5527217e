/**
 * scale-watch's packaged bundle against moto's CloudWatch and EKS, with the kianax HPAs in a
 * Kubernetes stand-in: the schedule creates the spec's alarm as code, an ALARM transition steps
 * general-ng's maxSize and the HPAs' maxReplicas within their ceilings, and the same event
 * delivered twice steps once.
 */
import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { createKianax } from './support/kianax';
import alarmTemplate from '../../events/scale-watch/alarm-kianax-cpu.json';
import scheduleEvent from '../../events/scale-watch/schedule.json';
import { hpa } from '../../testing/scale-watch-fakes';
import type { EksTagsProxy } from './support/eks-tags-proxy';
import { startEksTagsProxy } from './support/eks-tags-proxy';
import type { KubernetesStandIn } from './support/kubernetes';
import { startKubernetes } from './support/kubernetes';
import { invokeFunction } from './support/lambda';
import type { Moto } from './support/moto';
import { startMoto } from './support/moto';
import { specFile } from './support/specs';

const REGION = 'us-east-1';
const ALARM = 'kianax-general-ng-cpu-high';
const HPAS = '/apis/autoscaling/v2/namespaces/kianax/horizontalpodautoscalers';
let moto: Moto;
let k8s: KubernetesStandIn;
let proxy: EksTagsProxy;
let eks: EKSClient;
let cloudWatch: CloudWatchClient;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startEksTagsProxy(moto.endpoint);
  k8s = await startKubernetes({ [`${HPAS}/kianax-api`]: hpa('kianax', 'kianax-api'), [`${HPAS}/kianax-web`]: hpa('kianax', 'kianax-web') });
  const config = moto.clientConfig(REGION);
  eks = new EKSClient(config);
  cloudWatch = new CloudWatchClient(config);
  await createKianax(eks);
});
afterAll(async () => {
  eks.destroy();
  cloudWatch.destroy();
  await k8s.close();
  await proxy.close();
  await moto.stop();
});

async function scaleWatch(event: unknown): Promise<unknown> {
  const { result } = await invokeFunction('scale-watch', event, {
    region: REGION,
    env: { ...moto.env, AWS_ENDPOINT_URL_EKS: proxy.endpoint, EKS_PILOT_SPECS: specFile('kianax'), KUBECONFIG: k8s.kubeconfig },
  });
  return result;
}

/** CloudWatch's event for the alarm's last transition, shaped like the sample in events/. */
function alarmEvent(state: string, at: Date): unknown {
  const timestamp = at.toISOString().replace('Z', '+0000');
  return {
    ...alarmTemplate,
    time: at.toISOString().replace(/\.\d+Z$/, 'Z'),
    detail: {
      ...alarmTemplate.detail,
      state: { ...alarmTemplate.detail.state, value: state, timestamp },
      previousState: { ...alarmTemplate.detail.previousState, value: 'OK' },
    },
  };
}

const maxSize = async (): Promise<number | undefined> =>
  (await eks.send(new DescribeNodegroupCommand({ clusterName: 'kianax', nodegroupName: 'general-ng' }))).nodegroup?.scalingConfig?.maxSize;
const maxReplicas = (name: string): unknown => (k8s.cluster.objects.get(`${HPAS}/${name}`)?.spec as { maxReplicas?: number } | undefined)?.maxReplicas;

it('keeps the alarm as code, steps the bounds once on ALARM, and ignores the same event again', async () => {
  // Act: the schedule keeps the alarms as code
  await scaleWatch(scheduleEvent);

  // Assess
  const described = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [ALARM] }));
  expect(described.MetricAlarms?.[0]).toMatchObject({
    AlarmName: ALARM,
    Namespace: 'ContainerInsights',
    MetricName: 'node_cpu_utilization',
    Threshold: 70,
    EvaluationPeriods: 3,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  });

  // The alarm fires: CloudWatch records the transition, EventBridge delivers the event.
  await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: ALARM, StateValue: 'ALARM', StateReason: 'Threshold Crossed: e2e' }));
  const fired = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [ALARM] }));
  const at = fired.MetricAlarms?.[0]?.StateTransitionedTimestamp ?? fired.MetricAlarms?.[0]?.StateUpdatedTimestamp ?? new Date();
  const event = alarmEvent('ALARM', at);
  await scaleWatch(event);

  expect(await maxSize()).toBe(8);
  expect([maxReplicas('kianax-api'), maxReplicas('kianax-web')]).toEqual([15, 15]);
  // The override record provision reads, on the node group (kept by the proxy: moto keeps none).
  expect(Object.keys([...proxy.tags.values()][0] ?? {}).sort()).toEqual([
    'eks-pilot/override-expires',
    'eks-pilot/override-max-size',
    'eks-pilot/override-source',
  ]);

  // EventBridge delivers it again: nothing moves twice.
  await scaleWatch(event);
  expect(await maxSize()).toBe(8);
  expect([maxReplicas('kianax-api'), maxReplicas('kianax-web')]).toEqual([15, 15]);
});
