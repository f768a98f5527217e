import type { ScaleWatchDeps } from '../../../functions/scale-watch/run';
import { runRule } from '../../../functions/scale-watch/run';
import { REPLICA_OVERRIDE_ANNOTATION } from '../../../functions/scale-watch/records';
import { KubernetesAdapter, KubernetesHttpClient } from '../../../shared/adapters/kubernetes';
import type { KubernetesObject } from '../../../shared/ports/kubernetes';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import { FakeEks } from '../../../testing/fake-eks';
import { startFakeApiServer, status } from '../../../testing/kubernetes-api-server';
import type { FakeApiServer, RecordedRequest, Reply } from '../../../testing/kubernetes-api-server';
import { FakeCloudWatch, hpa, mergePatchInto, scaledObject } from '../../../testing/scale-watch-fakes';
import { ALARM_NAME, NOW, alarmEvent, kianax, minutes, ruleOf, shopWith } from './support';

const HPA_PATH = '/apis/autoscaling/v2/namespaces/kianax/horizontalpodautoscalers';

/** An API server stand-in holding objects by path: GET answers them, a merge PATCH changes them. */
function apiServerHandler(objects: Map<string, KubernetesObject>): (request: RecordedRequest) => Reply {
  return (request) => {
    const found = objects.get(request.path);
    const name = request.path.slice(request.path.lastIndexOf('/') + 1);
    if (found === undefined) return status(404, 'NotFound', `"${name}" not found`, { name });
    if (request.method === 'GET') return { status: 200, body: found };
    if (request.method === 'PATCH' && request.headers['content-type'] === 'application/merge-patch+json') {
      const patched = mergePatchInto(found, JSON.parse(request.body)) as KubernetesObject;
      objects.set(request.path, patched);
      return { status: 200, body: patched };
    }
    return status(415, 'UnsupportedMediaType', 'only merge patches here');
  };
}

describe('scale-watch at the Kubernetes API (HTTP level)', () => {
  let server: FakeApiServer | undefined;
  let client: KubernetesHttpClient | undefined;

  afterEach(async () => {
    client?.close();
    client = undefined;
    await server?.close();
    server = undefined;
  });

  async function depsFor(spec: ClusterSpec, objects: Map<string, KubernetesObject>, cloudWatch: FakeCloudWatch, now: Date): Promise<ScaleWatchDeps> {
    server ??= await startFakeApiServer(apiServerHandler(objects));
    client ??= new KubernetesHttpClient({ cluster: spec.name, server: server.url }, { token: () => Promise.resolve('test-token') });
    const k8s = new KubernetesAdapter(client, { cluster: spec.name, server: server.url, via: 'eks' }, 'check the access entry');
    const eks = new FakeEks({ region: spec.region });
    eks.seedFromSpec(spec);
    return {
      eksFor: () => eks,
      cloudWatchFor: () => cloudWatch,
      kubernetesFor: () => Promise.resolve(k8s),
      now: () => now,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    };
  }

  it('reads each HPA, then sends one merge patch per HPA with the new maxReplicas and the override annotations', async () => {
    // Prepare
    const spec = await kianax();
    const objects = new Map<string, KubernetesObject>([
      [`${HPA_PATH}/kianax-api`, hpa('kianax', 'kianax-api')],
      [`${HPA_PATH}/kianax-web`, hpa('kianax', 'kianax-web')],
    ]);
    const cloudWatch = new FakeCloudWatch();
    cloudWatch.setState(ALARM_NAME, 'ALARM', NOW);
    const deps = await depsFor(spec, objects, cloudWatch, NOW);

    // Act
    const report = await runRule(spec, ruleOf(spec), alarmEvent('ALARM', NOW), deps, 'apply');

    // Assess
    expect(report.status).toBe('Converged');
    const requests = server?.requests ?? [];
    expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `GET ${HPA_PATH}/kianax-api`,
      `GET ${HPA_PATH}/kianax-web`,
      `PATCH ${HPA_PATH}/kianax-api`,
      `PATCH ${HPA_PATH}/kianax-web`,
    ]);
    const patch = requests[2];
    expect(patch?.headers['content-type']).toBe('application/merge-patch+json');
    expect(patch?.headers.authorization).toBe('Bearer test-token');
    expect(Object.fromEntries(patch?.query ?? [])).toEqual({ fieldManager: 'eks-pilot-scale-watch' });
    expect(JSON.parse(patch?.body ?? '')).toEqual({
      metadata: {
        annotations: {
          [REPLICA_OVERRIDE_ANNOTATION.maxReplicas]: '15',
          [REPLICA_OVERRIDE_ANNOTATION.expires]: minutes(NOW, 360).toISOString(),
          [REPLICA_OVERRIDE_ANNOTATION.source]: `alarm/${ALARM_NAME}@${NOW.toISOString()}`,
          [REPLICA_OVERRIDE_ANNOTATION.specMaxReplicas]: '10',
        },
      },
      spec: { maxReplicas: 15 },
    });
  });

  it('puts maxReplicas back and deletes the annotations with null on the return', async () => {
    // Prepare
    const spec = await kianax();
    const objects = new Map<string, KubernetesObject>([
      [`${HPA_PATH}/kianax-api`, hpa('kianax', 'kianax-api')],
      [`${HPA_PATH}/kianax-web`, hpa('kianax', 'kianax-web')],
    ]);
    const cloudWatch = new FakeCloudWatch();
    cloudWatch.setState(ALARM_NAME, 'ALARM', NOW);
    await runRule(spec, ruleOf(spec), alarmEvent('ALARM', NOW), await depsFor(spec, objects, cloudWatch, NOW), 'apply');
    cloudWatch.setState(ALARM_NAME, 'OK', minutes(NOW, 20));
    const afterHold = await depsFor(spec, objects, cloudWatch, minutes(NOW, 36));
    server?.requests.splice(0);

    // Act
    const report = await runRule(spec, ruleOf(spec), { kind: 'schedule' }, afterHold, 'apply');

    // Assess
    expect(report.decision).toBe('return');
    const patches = (server?.requests ?? []).filter((request) => request.method === 'PATCH');
    expect(patches.map((request) => request.path)).toEqual([`${HPA_PATH}/kianax-api`, `${HPA_PATH}/kianax-web`]);
    expect(JSON.parse(patches[0]?.body ?? '')).toEqual({
      metadata: {
        annotations: {
          [REPLICA_OVERRIDE_ANNOTATION.maxReplicas]: null,
          [REPLICA_OVERRIDE_ANNOTATION.expires]: null,
          [REPLICA_OVERRIDE_ANNOTATION.source]: null,
          [REPLICA_OVERRIDE_ANNOTATION.specMaxReplicas]: null,
        },
      },
      spec: { maxReplicas: 10 },
    });
    const back = objects.get(`${HPA_PATH}/kianax-api`);
    expect(back?.spec).toEqual(hpa('kianax', 'kianax-api').spec);
    // The API server omits an emptied annotations map (omitempty); the fake keeps `{}`.
    expect(back?.metadata.annotations ?? {}).toEqual({});
  });

  it("follows the HPA's KEDA owner reference and patches the ScaledObject", async () => {
    // Prepare
    const spec = shopWith(`
  - name: jobs
    alarm: shop-cpu-high
    hpas:
      - namespace: shop
        name: keda-hpa-jobs
        maxReplicas: { multiply: 1.5, ceiling: 40 }
`);
    const rule = spec.scalingRules[0];
    if (!rule) throw new Error('no rule');
    const objects = new Map<string, KubernetesObject>([
      ['/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/keda-hpa-jobs', hpa('shop', 'keda-hpa-jobs', { max: 20 }, 'jobs')],
      ['/apis/keda.sh/v1alpha1/namespaces/shop/scaledobjects/jobs', scaledObject('shop', 'jobs', { max: 20 })],
    ]);
    const cloudWatch = new FakeCloudWatch();
    cloudWatch.setState('shop-cpu-high', 'ALARM', NOW);

    // Act
    await runRule(spec, rule, alarmEvent('ALARM', NOW, 'shop-cpu-high'), await depsFor(spec, objects, cloudWatch, NOW), 'apply');

    // Assess
    const requests = server?.requests ?? [];
    expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/keda-hpa-jobs',
      'GET /apis/keda.sh/v1alpha1/namespaces/shop/scaledobjects/jobs',
      'PATCH /apis/keda.sh/v1alpha1/namespaces/shop/scaledobjects/jobs',
    ]);
    expect(requests[2]?.headers['content-type']).toBe('application/merge-patch+json');
    expect(JSON.parse(requests[2]?.body ?? '')).toMatchObject({ spec: { maxReplicaCount: 30 } });
  });
});
