/**
 * Running the CLI in tests: main() with captured streams and the project's fakes as its ports
 * (testing/fake-eks.ts, fake-ec2.ts, fake-k8s.ts, testing/scale-watch-fakes.ts).
 */
import path from 'node:path';
import type { CliFactories } from '../../cli/deps';
import { main } from '../../cli/main';
import type { KubernetesPort } from '../../shared/ports/kubernetes';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import type { FakeCloudWatch } from '../../testing/scale-watch-fakes';
import type { FakeEc2 } from '../../testing/fake-ec2';
import type { FakeEks } from '../../testing/fake-eks';
import { FakeSecretValues } from '../../testing/secret-values';
import { FakeLeases } from '../../testing/fake-lease';

export const ROOT = path.join(__dirname, '../..');
export const EXAMPLES = path.join(ROOT, 'examples');
export const spec = (name: string): string => path.join(EXAMPLES, name, 'cluster.yaml');
/** A spec of tests/fixtures (financial-move-nodes: financial-move with its egress pool on the nodes). */
export const fixture = (name: string): string => path.join(__dirname, '../fixtures', name, 'cluster.yaml');
export const QUIET = { info: () => undefined, warn: () => undefined, error: () => undefined };
export const NOW = new Date('2026-11-22T12:00:00Z');
/** Who the CLI runs as in these tests. */
export const CALLER_ARN = 'arn:aws:sts::123456789012:assumed-role/ops/ana';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `eks-pilot <argv>` through main() with these fakes; a port not given fails the test if used.
 *
 * @example
 * const result = await cli(['status', spec('kianax')], { eks, cloudWatch, k8s });
 */
export async function cli(
  argv: readonly string[],
  fakes: {
    eks?: FakeEks;
    ec2?: FakeEc2;
    cloudWatch?: FakeCloudWatch;
    k8s?: KubernetesPort | ((cluster: string) => Promise<KubernetesPort>);
    now?: () => Date;
    /** The workloads' lease store (default: an empty one of this run's own). */
    leases?: FakeLeases;
  } = {},
): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const refuse = (what: string) => () => Promise.reject(new Error(`the test gave no ${what}`));
  const now = fakes.now ?? (() => NOW);
  const { eks, ec2, cloudWatch, k8s } = fakes;
  const leases = fakes.leases ?? new FakeLeases();
  const factories: Partial<CliFactories> = {
    provision: eks ? () => Promise.resolve({ eksFor: () => eks, now, logger: QUIET }) : refuse('EKS'),
    eip: ec2 ? () => Promise.resolve({ ec2For: () => ec2, now, logger: QUIET }) : refuse('EC2'),
    cloudWatch: cloudWatch ? () => Promise.resolve((_: ClusterSpec) => cloudWatch) : refuse('CloudWatch'),
    kubernetes:
      k8s === undefined ? refuse('Kubernetes') : () => Promise.resolve((ref) => (typeof k8s === 'function' ? k8s(ref.cluster) : Promise.resolve(k8s))),
    secrets: () => Promise.resolve(new FakeSecretValues()),
    // STS GetCallerIdentity's Arn for an assumed role (AWS STS API reference, GetCallerIdentity).
    identity: () => Promise.resolve({ callerArn: () => Promise.resolve(CALLER_ARN) }),
    // No release table: a test never reaches the account's, whatever the shell sets.
    releases: () => Promise.resolve(undefined),
    workloadLeases: () => Promise.resolve({ leaseFor: () => leases, holder: 'cli test@laptop' }),
    now,
    sleep: () => Promise.resolve(),
  };
  const code = await main(argv, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } }, factories);
  return { code, stdout, stderr };
}
