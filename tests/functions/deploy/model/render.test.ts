import { diffObjects } from '../../../../functions/deploy/model/diff';
import type { ManifestObject } from '../../../../functions/deploy/model/manifests';
import { containerImages } from '../../../../functions/deploy/model/manifests';
import { APPLY_RANK, renderWorkload } from '../../../../functions/deploy/model/render';
import { rolloutState } from '../../../../functions/deploy/worker/rollout';
import type { KubernetesObject } from '../../../../shared/ports/kubernetes';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

function manifest(object: KubernetesObject): ManifestObject {
  return { object, file: 'm.yaml', line: 1 };
}

const cronJob: KubernetesObject = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'report', namespace: 'shop' },
  spec: {
    jobTemplate: {
      spec: {
        template: {
          spec: { initContainers: [{ name: 'migrate', image: 'ghcr.io/acme/web:v1' }], containers: [{ name: 'report', image: 'ghcr.io/acme/report:v1' }] },
        },
      },
    },
  },
};
const deployment: KubernetesObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', generation: 4 },
  spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'ghcr.io/Acme/web:v1' }] } } },
};
const hpa: KubernetesObject = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } },
};
const ingress: KubernetesObject = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop' } };
const namespace: KubernetesObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
const service: KubernetesObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' } };
const secret: KubernetesObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web', namespace: 'shop' } };

describe('renderWorkload', () => {
  it('sorts objects into dependency order whatever the file order', () => {
    // Prepare
    const objects = [ingress, hpa, deployment, service, secret, namespace].map(manifest);

    // Act
    const { objects: rendered } = renderWorkload('web', objects, {});

    // Assess
    expect(rendered.map((object) => object.kind)).toEqual(['Namespace', 'Secret', 'Service', 'Deployment', 'HorizontalPodAutoscaler', 'Ingress']);
    expect(Object.keys(APPLY_RANK)).toHaveLength(15);
  });

  it('pins containers and init containers of every workload kind, drops replicas an HPA owns, and never touches its input', () => {
    // Prepare
    const before = JSON.stringify([deployment, cronJob]);
    const images = { 'ghcr.io/acme/web': { repository: 'ghcr.io/acme/web', tag: 'v2', digest: DIGEST } };

    // Act
    const rendered = renderWorkload('web', [deployment, cronJob, hpa].map(manifest), images);

    // Assess
    expect(rendered.images).toEqual([
      { object: 'Deployment shop/web', container: 'web', from: 'ghcr.io/Acme/web:v1', to: `ghcr.io/acme/web:v2@${DIGEST}` },
      { object: 'CronJob shop/report', container: 'migrate', from: 'ghcr.io/acme/web:v1', to: `ghcr.io/acme/web:v2@${DIGEST}` },
    ]);
    expect(rendered.autoscaled).toEqual(['Deployment shop/web']);
    expect(rendered.objects[0]?.spec).not.toHaveProperty('replicas');
    expect(containerImages(rendered.objects[1] as KubernetesObject).map((item) => item.image)).toEqual([
      `ghcr.io/acme/web:v2@${DIGEST}`,
      'ghcr.io/acme/report:v1',
    ]);
    expect(JSON.stringify([deployment, cronJob])).toBe(before);
  });
});

describe('rolloutState', () => {
  const at = (kind: string, spec: Record<string, unknown>, status: Record<string, unknown>): KubernetesObject => ({
    apiVersion: 'apps/v1',
    kind,
    metadata: { name: 'web', namespace: 'shop', generation: 2 },
    spec,
    status,
  });

  it.each([
    ['a generation not yet observed', at('Deployment', { replicas: 2 }, { observedGeneration: 1 }), 'progressing'],
    ['replicas still updating', at('Deployment', { replicas: 2 }, { observedGeneration: 2, updatedReplicas: 1 }), 'progressing'],
    ['old replicas terminating', at('Deployment', { replicas: 2 }, { observedGeneration: 2, replicas: 3, updatedReplicas: 2 }), 'progressing'],
    [
      'updated replicas not available',
      at('Deployment', { replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 }),
      'progressing',
    ],
    ['a complete Deployment', at('Deployment', { replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), 'complete'],
    [
      'ProgressDeadlineExceeded',
      at('Deployment', {}, { observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }),
      'failed',
    ],
    [
      'a StatefulSet between revisions',
      at('StatefulSet', { replicas: 2 }, { observedGeneration: 2, readyReplicas: 2, currentRevision: 'a', updateRevision: 'b' }),
      'progressing',
    ],
    [
      'a complete StatefulSet',
      at('StatefulSet', { replicas: 2 }, { observedGeneration: 2, readyReplicas: 2, currentRevision: 'b', updateRevision: 'b' }),
      'complete',
    ],
    [
      'a partitioned StatefulSet done with its part',
      at('StatefulSet', { replicas: 3, updateStrategy: { rollingUpdate: { partition: 2 } } }, { observedGeneration: 2, readyReplicas: 3, updatedReplicas: 1 }),
      'complete',
    ],
    ['a DaemonSet still scheduling', at('DaemonSet', {}, { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 2 }), 'progressing'],
    [
      'a complete DaemonSet',
      at('DaemonSet', {}, { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }),
      'complete',
    ],
  ])('reads %s', (_what, object, state) => {
    // Prepare: the table

    // Act
    const result = rolloutState(object);

    // Assess
    expect(result.state).toBe(state);
  });
});

describe('diffObjects', () => {
  it('ignores what the API server maintains and names each changed path', () => {
    // Prepare
    const live = { ...deployment, metadata: { ...deployment.metadata, resourceVersion: '9', uid: 'u', managedFields: [{}] }, status: { replicas: 3 } };
    const wanted: KubernetesObject = {
      ...deployment,
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/web:v2' }] } } },
    };

    // Act
    const paths = diffObjects(live, wanted);

    // Assess
    expect(paths).toEqual(['spec.template.spec.containers[0].image']);
    expect(diffObjects(live, deployment)).toEqual([]);
  });
});
