/**
 * `--offline` makes no AWS or Kubernetes call and loads no adapter: every SDK client the adapters
 * use, the credential providers and the adapters themselves throw here the moment they are loaded.
 */
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXIT, main } from '../../cli/main';
import { autoModeLines, minimalSpecYaml, podIdentityLines } from '../../testing/specs';

const LOADED = 'loaded by an offline command';
jest.mock('@aws-sdk/credential-providers', () => {
  throw new Error(`@aws-sdk/credential-providers ${LOADED}`);
});
jest.mock('@aws-sdk/client-eks', () => {
  throw new Error(`@aws-sdk/client-eks ${LOADED}`);
});
jest.mock('@aws-sdk/client-ec2', () => {
  throw new Error(`@aws-sdk/client-ec2 ${LOADED}`);
});
jest.mock('@aws-sdk/client-cloudwatch', () => {
  throw new Error(`@aws-sdk/client-cloudwatch ${LOADED}`);
});
jest.mock('@aws-sdk/client-sqs', () => {
  throw new Error(`@aws-sdk/client-sqs ${LOADED}`);
});
jest.mock('@aws-sdk/client-ssm', () => {
  throw new Error(`@aws-sdk/client-ssm ${LOADED}`);
});
jest.mock('@aws-sdk/client-sts', () => {
  throw new Error(`@aws-sdk/client-sts ${LOADED}`);
});
jest.mock('../../shared/adapters/aws/eks', () => {
  throw new Error(`shared/adapters/aws/eks ${LOADED}`);
});
jest.mock('../../shared/adapters/kubernetes/connect', () => {
  throw new Error(`shared/adapters/kubernetes/connect ${LOADED}`);
});

const EXAMPLES = path.join(__dirname, '../../examples');
const spec = (name: string): string => path.join(EXAMPLES, name, 'cluster.yaml');
/** crypto-oms with its images on GHCR, the fixture the GHCR payload below is for. */
const GHCR_OMS = path.join(__dirname, '../fixtures/ghcr-oms/cluster.yaml');

async function run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } });
  return { code, stdout, stderr };
}

describe('the offline commands', () => {
  it.each([
    [['plan', '--offline', spec('kianax')]],
    [['plan', '--offline', GHCR_OMS]],
    [['plan', '--offline', spec('financial-move')]],
    [['pools', '--offline', spec('financial-move')]],
    [['deploy', 'plan', 'crypto-oms', '--offline', GHCR_OMS]],
    [['deploy', 'plan', '--offline', '--payload', path.join(__dirname, '../../events/deploy/webhook-registry-package.json'), GHCR_OMS]],
  ])('run %j without loading an AWS client, the credential providers or an adapter', async (argv) => {
    const result = await run(argv);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(EXIT.ok);
  });

  it('fail loudly when a command does load an adapter, so the mocks above bite', async () => {
    // Prepare
    const dir = await mkdtemp(path.join(tmpdir(), 'eks-pilot-offline-'));
    const file = path.join(dir, 'starter.yaml');
    await writeFile(file, await readFile(spec('starter'), 'utf8'));

    // Act
    const result = await run(['plan', file]);

    // Assess
    expect(result.code).toBe(EXIT.error);
    expect(result.stderr).toContain(LOADED);
  });
});

describe('the offline plan of an EKS Auto Mode cluster with Pod Identity associations', () => {
  it('prints Auto Mode on the new cluster and one association per service account, without loading an AWS client', async () => {
    // Prepare
    const dir = await mkdtemp(path.join(tmpdir(), 'eks-pilot-offline-'));
    const file = path.join(dir, 'auto.yaml');
    const yaml = minimalSpecYaml({
      name: 'auto',
      region: 'eu-west-1',
      extra: [...autoModeLines('auto'), ...podIdentityLines(['kube-system/cluster-autoscaler', 'shop/orders'])],
      nodeGroups: [],
    }).replace('nodeGroups:\n', 'nodeGroups: []\n');
    await writeFile(file, yaml);

    // Act
    const result = await run(['plan', '--offline', file]);

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain('autoMode: on: compute, load balancing, block storage');
    expect(result.stdout).toContain('computeConfig.nodePools: general-purpose, system');
    expect(result.stdout).toContain('computeConfig.nodeRoleArn: arn:aws:iam::111122223333:role/auto-auto-node');
    expect(result.stdout).toMatch(/CreatePodIdentityAssociation\s+pod-identity\/kube-system\/cluster-autoscaler\s+create/);
    expect(result.stdout).toMatch(/CreatePodIdentityAssociation\s+pod-identity\/shop\/orders\s+create/);
    expect(result.stdout).toContain('Plan: 3 to create, 0 to update, 0 to replace, 0 to delete, 0 forbidden.');
  });
});
