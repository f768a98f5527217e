/**
 * The kops seed end to end: `kops create cluster --node-count=3` as provision's packaged bundle
 * converging examples/kops against moto (the cluster and its fixed three-node group), then
 * `kops validate cluster --wait 10m` as the real bin's `eks-pilot validate --wait` against the
 * Kubernetes double (tests/e2e/support/kubernetes.ts): Unhealthy while one of the three nodes is
 * NotReady, naming it, and Validated once the kubelet reports Ready.
 */
import { DescribeClusterCommand, DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import type { KubernetesObject } from '../../shared/ports/kubernetes';
import { eksNode, podIn } from '../../testing/fake-k8s';
import { runBin } from './support/bin';
import type { KubernetesStandIn } from './support/kubernetes';
import { startKubernetes } from './support/kubernetes';
import { invokeFunction } from './support/lambda';
import type { Moto } from './support/moto';
import { startMoto } from './support/moto';
import { createReleaseTable, RELEASE_TABLE } from './support/release-table';
import { specFile } from './support/specs';

const REGION = 'us-east-1';
const NODES = ['ip-10-0-1-11.ec2.internal', 'ip-10-0-2-12.ec2.internal', 'ip-10-0-3-13.ec2.internal'];
const LATE = NODES[2] ?? '';
let moto: Moto;
let eks: EKSClient;
let k8s: KubernetesStandIn;

beforeAll(async () => {
  moto = await startMoto();
  await createReleaseTable(moto, REGION);
  eks = new EKSClient(moto.clientConfig(REGION));
  // Three nodes of the group `nodes`, the last one's network not up yet, and the system pods Ready.
  const seed: Record<string, KubernetesObject> = {
    ...podIn('kube-system', 'coredns-5d78c9869d-7xk2p', true),
    ...podIn('kube-system', 'kube-proxy-4x8rd', true),
  };
  for (const name of NODES) Object.assign(seed, eksNode(name, 'nodes', name !== LATE));
  k8s = await startKubernetes(seed);
});
afterAll(async () => {
  eks.destroy();
  await k8s.close();
  await moto.stop();
});

it('creates the kops cluster and its three nodes from an empty account, then validates it once the third node is Ready', async () => {
  // Act: a manual apply, invoked until it converges (each run starts what is safe and never waits)
  const statuses: string[] = [];
  for (let run = 0; run < 6 && statuses.at(-1) !== 'Converged'; run += 1) {
    const { result } = await invokeFunction<{ reports: { status: string }[] }>(
      'provision',
      { mode: 'apply', cluster: 'kops' },
      {
        region: REGION,
        env: { ...moto.env, EKS_PILOT_SPECS: specFile('kops') },
        refs: { ProvisionFleetQueue: `${moto.endpoint}/123456789012/eks-pilot-dev-provision-fleet`, ReleaseTable: RELEASE_TABLE },
      },
    );
    // A manual invoke answers a refusal as {"error": ...}: name it, should a run answer that way.
    if (!Array.isArray(result.reports)) throw new Error(`provision answered run ${String(run + 1)} without reports: ${JSON.stringify(result)}`);
    statuses.push(result.reports[0]?.status ?? 'missing');
  }

  // Assess: the cluster and the fixed group of three (--node-count=3)
  expect(statuses[0]).toBe('InProgress');
  expect(statuses.at(-1)).toBe('Converged');
  const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'kops' }));
  expect(cluster).toMatchObject({ name: 'kops', version: '1.33', roleArn: 'arn:aws:iam::123456789012:role/kops-eks-cluster' });
  const { nodegroup } = await eks.send(new DescribeNodegroupCommand({ clusterName: 'kops', nodegroupName: 'nodes' }));
  expect(nodegroup?.scalingConfig).toEqual({ minSize: 3, maxSize: 3, desiredSize: 3 });
  expect(nodegroup?.instanceTypes).toEqual(['t3.small']);

  // Act: kops validate cluster, once while the third node is NotReady
  const env = { ...moto.env, KUBECONFIG: k8s.kubeconfig };
  const unhealthy = await runBin(['validate', specFile('kops')], { env });

  // Assess
  expect(unhealthy.code).toBe(1);
  expect(unhealthy.stdout).toContain('cluster kops (us-east-1): Unhealthy\n');
  expect(unhealthy.stdout).toContain(`  Node ${LATE}: node ${LATE} of node group nodes is not Ready (KubeletNotReady: `);
  expect(unhealthy.stdout).toContain('  NodeGroup nodes: node group nodes has 2 Ready of 3 node(s), fewer than its minimum 3\n');

  // Act: the kubelet's network comes up, and validate is asked again with kops' wait
  for (const [key, node] of Object.entries(eksNode(LATE, 'nodes', true))) k8s.cluster.objects.set(key, node);
  const validated = await runBin(['validate', '--wait', '10m', specFile('kops')], { env });

  // Assess
  expect({ code: validated.code, stderr: validated.stderr }).toEqual({ code: 0, stderr: '' });
  expect(validated.stdout).toBe('cluster kops (us-east-1): Validated (1 node group(s), 3 node(s), 2 pod(s), 0 add-on(s))\n');
});
