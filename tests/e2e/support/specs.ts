/**
 * The examples as moto can serve them. moto 5.2.1 lacks parts of EKS (its moto/eks/responses.py):
 * no add-ons, no access entries and no `accessConfig` (every cluster reads as CONFIG_MAP), no
 * version updates, no EKS Auto Mode and no Pod Identity associations. Each copy drops or pins exactly those fields, and {@link MOTO_GAPS} says so in
 * the suite's output; the project's own fakes (testing/fake-eks.ts) keep covering them.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';

export const ROOT = path.resolve(__dirname, '../../..');
/** Inside the repository: `serverless package` only ships files under its service folder. */
export const E2E_DIR = path.join(ROOT, '.e2e');
/** Relative to the repository (and so to each function's task root once packaged). */
export const SPECS_FOLDER = '.e2e/specs';

export const E2E_EXAMPLES = ['starter', 'kianax', 'financial-move', 'crypto-oms', 'kops', 'auto-mode', 'comments-app'] as const;
export type E2eExample = (typeof E2E_EXAMPLES)[number];

/** What moto cannot serve, and what the end-to-end copies do about it. */
export const MOTO_GAPS = [
  'moto 5.2.1 has no EKS add-on API: the copies drop `addons` (testing/fake-eks.ts covers them)',
  'moto 5.2.1 has no EKS access-entry API: the copies drop `accessEntries` (covered by the fake), and with them `platform`, whose role needs a cluster-scoped entry (platform applies covered by tests/functions/deploy/worker/platform.test.ts against the fake API server)',
  'moto 5.2.1 keeps no `accessConfig`: the copies pin `authenticationMode: CONFIG_MAP` (mode moves covered by the fake)',
  'moto 5.2.1 drops computeConfig and storageConfig (checked from boto3: DescribeCluster answers neither): the copies drop EKS Auto Mode (computeConfig, kubernetesNetworkConfig, storageConfig; covered by the fake)',
  'moto 5.2.1 has no EKS Pod Identity API (ListPodIdentityAssociations and CreatePodIdentityAssociation answer 404): the copies drop `podIdentities` (covered by the fake)',
  'moto 5.2.1 has no UpdateClusterVersion/UpdateNodegroupVersion/ListUpdates and answers ACTIVE at once (upgrades and waits covered by the fake)',
  'moto 5.2.1 keeps no EKS node-group tags (TagResource answers NotFound): the scale-watch suite keeps them in a proxy in front of moto (tests/e2e/support/eks-tags-proxy.ts, reached through AWS_ENDPOINT_URL_EKS)',
  'moto 5.2.1 EC2 keeps a terminated instance\'s Elastic IP associated and reports InstanceId "" for interface associations: the eip-manager suite disassociates as EC2 would and follows interfaces',
  'moto 5.2.1 EC2 has no AssociateNatGatewayAddress and no Elastic IP quota (NAT pools and AddressLimitExceeded covered by testing/fake-ec2.ts)',
  'moto 5.2.1 DynamoDB checks a condition and writes without a lock, so two racing conditional PutItems can both succeed (DynamoDB makes each atomic): every suite reaches DynamoDB through a front that passes one request at a time (tests/e2e/support/one-at-a-time.ts, through AWS_ENDPOINT_URL_DYNAMODB)',
  'moto 5.2.1 has no AssociateNatGatewayAddress: the financial-move copy puts its egress pool back on the prod-ng nodes (attachTo.nodeGroup), so the wire-level suite runs on what moto serves; the NAT gateway path, and the move from the nodes to it, are covered against testing/fake-ec2.ts (tests/functions/eip-manager/nat-move.test.ts)',
];

/** Per example, the pools whose `attachTo` the copy replaces, and with what (see {@link MOTO_GAPS}). */
const MOTO_ATTACHMENTS: Partial<Record<E2eExample, Record<string, unknown>>> = {
  'financial-move': { egress: { nodeGroup: 'prod-ng' } },
};

/**
 * Where a copy comes from when not `examples/<name>`: crypto-oms is copied from its GHCR fixture
 * (tests/fixtures/ghcr-oms), since the deploy and status suites push to GHCR through the signed
 * webhook, and the example now takes its images from ECR (ECR pushes, crypto-oms's included, are
 * covered against the fakes by tests/functions/deploy/worker/ecr.test.ts).
 */
const SOURCES: Partial<Record<E2eExample, string>> = { 'crypto-oms': 'tests/fixtures/ghcr-oms' };

/** The spec file of an example's copy, relative to the repository. */
export function specFile(example: E2eExample): string {
  return `${SPECS_FOLDER}/${example}.yaml`;
}

/**
 * Writes the moto-ready copies: `.e2e/specs/<example>.yaml` with its manifests in
 * `.e2e/specs/<example>/manifests`, so one folder holds them all without two `manifests` clashing.
 */
export function writeE2eSpecs(): void {
  const folder = path.join(ROOT, SPECS_FOLDER);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const example of E2E_EXAMPLES) {
    const source = path.join(ROOT, SOURCES[example] ?? path.join('examples', example));
    const document = parseDocument(readFileSync(path.join(source, 'cluster.yaml'), 'utf8'));
    document.delete('addons');
    document.delete('accessEntries');
    for (const field of ['computeConfig', 'kubernetesNetworkConfig', 'storageConfig', 'podIdentities']) document.delete(field);
    document.delete('platform');
    document.set('authenticationMode', 'CONFIG_MAP');
    const pools = (document.toJS() as { elasticIpPools?: { name?: string }[] }).elasticIpPools ?? [];
    pools.forEach((pool, index) => {
      const attachTo = MOTO_ATTACHMENTS[example]?.[pool.name ?? ''];
      if (attachTo !== undefined) document.setIn(['elasticIpPools', index, 'attachTo'], document.createNode(attachTo));
    });
    const workloads = (document.toJS() as { workloads?: unknown[] }).workloads ?? [];
    for (let index = 0; index < workloads.length; index += 1) document.setIn(['workloads', index, 'manifests'], `${example}/manifests`);
    writeFileSync(
      path.join(folder, `${example}.yaml`),
      `# Derived from ${SOURCES[example] ?? `examples/${example}`}/cluster.yaml for moto by tests/e2e/support/specs.ts.\n${document.toString()}`,
    );
    cpSync(path.join(source, 'manifests'), path.join(folder, example, 'manifests'), { recursive: true });
  }
}
