/**
 * Validation as `kops validate cluster` does it, against a Kubernetes API double (testing/fake-k8s.ts:
 * nodes and pods as the API server serves them) and the EKS fake's add-ons.
 */
import path from 'node:path';
import { reconcileCluster } from '../../../functions/provision/run';
import { assessCluster, renderValidation, validateCluster } from '../../../functions/provision/validate';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import { loadSpecs } from '../../../shared/model/cluster-spec/load';
import { eksNode, namespaceScoped, podIn, startFakeCluster } from '../../../testing/fake-k8s';
import type { FakeCluster } from '../../../testing/fake-k8s';
import { FakeEks } from '../../../testing/fake-eks';

const KOPS = path.join(__dirname, '../../../examples/kops/cluster.yaml');
const QUIET = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function kops(): Promise<ClusterSpec> {
  const [loaded] = await loadSpecs([KOPS]);
  if (loaded === undefined) throw new Error('no kops example');
  return loaded.spec;
}

/** The kops example's three nodes and its kube-system pods, `notReady` nodes not Ready. */
function seed(notReady: readonly string[] = []): Record<string, ReturnType<typeof eksNode>[string]> {
  return {
    ...eksNode('ip-10-0-1-10.ec2.internal', 'nodes', !notReady.includes('ip-10-0-1-10.ec2.internal')),
    ...eksNode('ip-10-0-2-11.ec2.internal', 'nodes', !notReady.includes('ip-10-0-2-11.ec2.internal')),
    ...eksNode('ip-10-0-3-12.ec2.internal', 'nodes', !notReady.includes('ip-10-0-3-12.ec2.internal')),
    ...podIn('kube-system', 'coredns-5d78c9869d-7xk2p', true),
    ...podIn('kube-system', 'aws-node-q8z4m', true),
    ...podIn('kube-system', 'kube-proxy-9fj2l', true),
  };
}

describe('validate', () => {
  let cluster: FakeCluster | undefined;

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('reports Unhealthy naming a NotReady node, and Validated once it is Ready', async () => {
    // Prepare
    const spec = await kops();
    const eks = new FakeEks();
    eks.seedFromSpec(spec);
    cluster = await startFakeCluster({ seed: seed(['ip-10-0-2-11.ec2.internal']) });
    const k8s = cluster.port;

    // Act
    const before = await validateCluster(spec, { eks, k8s });
    const node = cluster.objects.get('/api/v1/nodes/ip-10-0-2-11.ec2.internal');
    if (node === undefined) throw new Error('no node');
    cluster.objects.set(
      '/api/v1/nodes/ip-10-0-2-11.ec2.internal',
      eksNode('ip-10-0-2-11.ec2.internal', 'nodes', true)['/api/v1/nodes/ip-10-0-2-11.ec2.internal'] ?? node,
    );
    const after = await validateCluster(spec, { eks, k8s });

    // Assess
    expect(before.status).toBe('Unhealthy');
    expect(before.failures).toEqual([
      {
        kind: 'Node',
        name: 'ip-10-0-2-11.ec2.internal',
        message:
          'node ip-10-0-2-11.ec2.internal of node group nodes is not Ready (KubeletNotReady: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady)',
      },
      { kind: 'NodeGroup', name: 'nodes', message: 'node group nodes has 2 Ready of 3 node(s), fewer than its minimum 3' },
    ]);
    expect(after).toEqual({
      cluster: 'kops',
      region: 'us-east-1',
      status: 'Validated',
      failures: [],
      checked: { nodeGroups: 1, nodes: 3, pods: 3, addons: 3 },
    });
    expect(renderValidation(after)).toBe('cluster kops (us-east-1): Validated (1 node group(s), 3 node(s), 3 pod(s), 3 add-on(s))\n');
    const reads = cluster.server.requests.map((request) => `${request.method} ${request.path}`);
    expect(new Set(reads)).toEqual(new Set(['GET /api/v1/nodes', 'GET /api/v1/namespaces/kube-system/pods']));
  });

  it("lists financial-move's AWS Load Balancer Controller pods among the kube-system pods it checks, and skips the certgen Jobs' completed pods", async () => {
    // Prepare: the platform component runs in kube-system; one controller replica still starting
    const [loaded] = await loadSpecs([path.join(__dirname, '../../../examples/financial-move/cluster.yaml')]);
    if (loaded === undefined) throw new Error('no financial-move example');
    const spec = loaded.spec;
    const eks = new FakeEks();
    eks.seedFromSpec(spec);
    cluster = await startFakeCluster({
      seed: {
        ...eksNode('ip-10-0-1-10.sa-east-1.compute.internal', 'prod-ng', true),
        ...eksNode('ip-10-0-2-11.sa-east-1.compute.internal', 'prod-ng', true),
        ...eksNode('ip-10-0-1-12.sa-east-1.compute.internal', 'prod-ng', true),
        ...podIn('kube-system', 'coredns-5d78c9869d-7xk2p', true),
        ...podIn('kube-system', 'eks-pod-identity-agent-4rt7q', true),
        ...podIn('kube-system', 'aws-load-balancer-controller-6b8f5c9d47-2kq9v', true),
        ...podIn('kube-system', 'aws-load-balancer-controller-6b8f5c9d47-x7m4p', false),
        ...podIn('kube-system', 'aws-load-balancer-webhook-create-8xk2m', false, 'Succeeded'),
        ...podIn('kube-system', 'aws-load-balancer-webhook-patch-q4n7z', false, 'Succeeded'),
      },
    });
    const starting = podIn('kube-system', 'aws-load-balancer-controller-6b8f5c9d47-x7m4p', true);

    // Act
    const before = await validateCluster(spec, { eks, k8s: cluster.port });
    for (const [podPath, pod] of Object.entries(starting)) cluster.objects.set(podPath, pod);
    const after = await validateCluster(spec, { eks, k8s: cluster.port });

    // Assess
    expect(before.status).toBe('Unhealthy');
    expect(before.failures).toEqual([
      {
        kind: 'Pod',
        name: 'kube-system/aws-load-balancer-controller-6b8f5c9d47-x7m4p',
        message:
          'pod kube-system/aws-load-balancer-controller-6b8f5c9d47-x7m4p is not Ready (phase Pending, ContainersNotReady: containers with unready status: [coredns])',
      },
    ]);
    expect(after).toMatchObject({ cluster: 'financial-move', status: 'Validated', failures: [], checked: { pods: 6, addons: 5 } });
  });

  it('names a degraded add-on with its health issues, a missing one, and a pod that is not Ready', async () => {
    // Prepare
    const spec = await kops();
    const eks = new FakeEks();
    eks.seedFromSpec({ ...spec, addons: spec.addons.filter((addon) => addon.name !== 'kube-proxy') });
    eks.changeAddon('kops', 'coredns', (addon) => {
      addon.status = 'DEGRADED';
      addon.health = {
        issues: [
          {
            code: 'InsufficientNumberOfReplicas',
            message: "The add-on is unhealthy because it doesn't have the desired number of replicas.",
            resourceIds: ['coredns'],
          },
        ],
      };
    });
    cluster = await startFakeCluster({ seed: { ...seed(), ...podIn('kube-system', 'coredns-5d78c9869d-b9x1q', false) } });

    // Act
    const report = await validateCluster(spec, { eks, k8s: cluster.port });

    // Assess
    expect(report.status).toBe('Unhealthy');
    expect(report.failures.map((failure) => `${failure.kind} ${failure.name}: ${failure.message}`)).toEqual([
      'Pod kube-system/coredns-5d78c9869d-b9x1q: pod kube-system/coredns-5d78c9869d-b9x1q is not Ready (phase Pending, ContainersNotReady: containers with unready status: [coredns])',
      'Addon kube-proxy: add-on kube-proxy is not installed',
      'Addon coredns: add-on coredns is DEGRADED, not ACTIVE',
      "Addon coredns: add-on coredns: InsufficientNumberOfReplicas: The add-on is unhealthy because it doesn't have the desired number of replicas. (coredns)",
    ]);
  });

  it('reports a read the access entry does not allow as a failure naming it, not a thrown error', async () => {
    // Prepare
    const spec = await kops();
    const eks = new FakeEks();
    eks.seedFromSpec(spec);
    cluster = await startFakeCluster({ seed: seed(), intercept: namespaceScoped(['kops']) });

    // Act
    const report = await validateCluster(spec, { eks, k8s: cluster.port });

    // Assess
    expect(report.status).toBe('Unhealthy');
    expect(report.failures[0]).toMatchObject({ kind: 'Read', name: 'nodes' });
    expect(report.failures[0]?.message).toContain('nodes is forbidden');
    expect(report.failures.map((failure) => failure.name)).toEqual(['nodes', 'pods in kube-system', 'nodes']);
    // The refused reads say so, for a rebuild to stop for a person rather than wait; the node group's shortfall is not a refusal.
    expect(report.failures.map((failure) => failure.denied ?? false)).toEqual([true, true, false]);
  });

  it.each([
    ['a node group above its maximum', { min: 1, max: 2 }, 'node group nodes has 3 nodes, more than its maximum 2'],
    ['a node group at its minimum of 0 with no node', { min: 0, max: 3 }, undefined],
  ])('assesses %s', async (_name, scaling, message) => {
    // Prepare
    const spec = await kops();
    const nodes = scaling.min === 0 ? [] : Object.values(seed()).filter((object) => object.kind === 'Node');
    const group = spec.nodeGroups[0];
    if (group === undefined) throw new Error('no node group');

    // Act
    const report = assessCluster(
      { ...spec, addons: [], nodeGroups: [{ ...group, scaling: { ...group.scaling, ...scaling } }] },
      { nodes, pods: [], addons: {} },
    );

    // Assess
    expect(report.failures.map((failure) => failure.message)).toEqual(message === undefined ? [] : [message]);
  });

  it('validates after an apply converges the cluster, and says so in the report', async () => {
    // Prepare
    const spec = await kops();
    const eks = new FakeEks();
    eks.seedFromSpec(spec);
    cluster = await startFakeCluster({ seed: seed(['ip-10-0-3-12.ec2.internal']) });
    const k8s = cluster.port;
    const deps = {
      eksFor: () => eks,
      now: () => new Date('2026-11-22T12:00:00Z'),
      logger: QUIET,
      validate: (given: ClusterSpec) => validateCluster(given, { eks, k8s }),
    };

    // Act
    const applied = await reconcileCluster(spec, deps, { mode: 'apply' });
    const planned = await reconcileCluster(spec, deps, { mode: 'plan' });

    // Assess
    expect(applied.status).toBe('Converged');
    expect(applied.validation?.status).toBe('Unhealthy');
    expect(applied.summary).toBe(
      'matches the spec; Unhealthy; node ip-10-0-3-12.ec2.internal of node group nodes is not Ready (KubeletNotReady: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady); node group nodes has 2 Ready of 3 node(s), fewer than its minimum 3',
    );
    expect(planned.validation).toBeUndefined();
  });
});
