/**
 * `eks-pilot validate` as a user's shell runs it: the real bin/eks-pilot.cjs as a child process,
 * KUBECONFIG's current context pointing at a Kubernetes API double (testing/fake-k8s.ts) whose node
 * turns Ready while the command waits.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubernetesObject } from '../../shared/ports/kubernetes';
import { eksNode, podIn, startFakeCluster } from '../../testing/fake-k8s';
import type { FakeCluster } from '../../testing/fake-k8s';
import { duration } from '../../cli/commands/validate';
import { FakeEks } from '../../testing/fake-eks';
import { cli } from './support';

const ROOT = path.join(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'eks-pilot.cjs');
// One node group `general` of 1 to 3 nodes, no add-ons: validation needs no EKS call.
const SPEC = path.join(ROOT, 'tests/fixtures/specs/valid.yaml');
const NODE = 'ip-10-0-1-10.ec2.internal';

function runBin(args: readonly string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

describe('eks-pilot validate', () => {
  let cluster: FakeCluster | undefined;
  let dir = '';

  async function start(readyFromList: number | undefined): Promise<string> {
    const holder: { objects?: Map<string, KubernetesObject> } = {};
    let lists = 0;
    cluster = await startFakeCluster({
      seed: { ...eksNode(NODE, 'general', false), ...podIn('kube-system', 'coredns-5d78c9869d-7xk2p', true) },
      intercept: (request) => {
        if (request.method === 'GET' && request.path === '/api/v1/nodes') {
          lists += 1;
          // The kubelet's network comes up between two of validate's reads.
          if (readyFromList !== undefined && lists >= readyFromList)
            for (const [key, node] of Object.entries(eksNode(NODE, 'general', true))) holder.objects?.set(key, node);
        }
        return undefined;
      },
    });
    holder.objects = cluster.objects;
    dir = mkdtempSync(path.join(tmpdir(), 'eks-pilot-validate-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: kind-test',
        `clusters: [{ name: kind-test, cluster: { server: "${cluster.server.url}" } }]`,
        'users: [{ name: kind-test, user: { token: kind-token } }]',
        'contexts: [{ name: kind-test, context: { cluster: kind-test, user: kind-test } }]',
        '',
      ].join('\n'),
    );
    return kubeconfig;
  }

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('waits while a node is NotReady, naming it, and exits 0 once it is Ready and the cluster is Validated', async () => {
    // Prepare
    const kubeconfig = await start(2);

    // Act
    const result = await runBin(['validate', '--wait', '1m', '--interval', '200ms', SPEC], { KUBECONFIG: kubeconfig, AWS_REGION: 'us-east-1' });

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'cluster test-cluster (us-east-1): Unhealthy',
        `  Node ${NODE}: node ${NODE} of node group general is not Ready (KubeletNotReady: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady)`,
        '  NodeGroup general: node group general has 0 Ready of 1 node(s), fewer than its minimum 1',
        'Unhealthy (attempt 1); asking again in 0.2s',
        '',
        'cluster test-cluster (us-east-1): Validated (1 node group(s), 1 node(s), 1 pod(s), 0 add-on(s))',
        '',
      ].join('\n'),
    );
  }, 90_000);

  it('exits 1 with the failures when the cluster is Unhealthy and no wait is asked for', async () => {
    // Prepare
    const kubeconfig = await start(undefined);

    // Act
    const result = await runBin(['validate', '--json', SPEC], { KUBECONFIG: kubeconfig, AWS_REGION: 'us-east-1' });

    // Assess
    expect(result.code).toBe(1);
    const body = JSON.parse(result.stdout) as { status: string; reports: { failures: { kind: string; name: string }[] }[] };
    expect(body.status).toBe('Unhealthy');
    expect(body.reports[0]?.failures.map((failure) => `${failure.kind} ${failure.name}`)).toEqual([`Node ${NODE}`, 'NodeGroup general']);
  }, 90_000);

  it('gives up after --wait, saying so on stderr', async () => {
    // Prepare
    await start(undefined);
    const k8s = cluster?.port;
    if (k8s === undefined) throw new Error('no cluster');
    let clock = Date.parse('2026-11-22T12:00:00Z');

    // Act
    // Each read of the clock moves it 10 s on: the deadline is 30 s after the first read.
    const result = await cli(['validate', '--wait', '30s', SPEC], { k8s, eks: new FakeEks(), now: () => new Date((clock += 10_000)) });

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: not Validated within 30s\n');
    expect(result.stdout.match(/Unhealthy \(attempt \d\)/g)).toEqual(['Unhealthy (attempt 1)', 'Unhealthy (attempt 2)']);
  });

  it.each([
    ['10m', 600_000],
    ['30s', 30_000],
    ['500ms', 500],
    ['1h', 3_600_000],
  ])('reads the duration %s', (text, ms) => {
    expect(duration(text, '--wait')).toBe(ms);
  });

  it('refuses a duration without a unit, naming the option', async () => {
    // Act
    const result = await cli(['validate', '--wait', '10', SPEC]);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: --wait expects a duration such as 30s, 10m or 1h, not "10"');
  });
});
