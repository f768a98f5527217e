import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fleetOf } from '../../../../functions/deploy/model/targets';
import { loadSpecs, parseSpec } from '../../../../shared/model/cluster-spec/load';
import { AWS_REGIONS, regionProblem } from '../../../../shared/model/cluster-spec/aws-regions';
import { accessPolicyProblem } from '../../../../shared/model/cluster-spec/eks-access-policies';
import { workloadProblems } from '../../../../shared/model/cluster-spec/workload-checks';
import type { ManifestSource } from '../../../../shared/model/cluster-spec/workload-checks';

const VALID = readFileSync(path.join(__dirname, '../../../fixtures/specs/valid.yaml'), 'utf8');
const KIANAX = path.join(__dirname, '../../../../examples/kianax');

function issuesOf(text: string): string[] {
  const result = parseSpec(text, 'cluster.yaml');
  if (result.ok) throw new Error('expected the spec to be rejected');
  return result.issues.map((issue) => `${issue.line}:${issue.column} ${issue.path}: ${issue.message}`);
}

/** The SDK's own partitions.json, as @aws-sdk/core ships it (an ES module holding one JSON literal). */
function sdkRegions(): Record<string, string[]> {
  const source = readFileSync(
    require.resolve('@aws-sdk/core/package.json').replace('package.json', 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js'),
    'utf8',
  );
  const info = JSON.parse(source.replace(/^export const partitionsInfo = /, '').replace(/;\s*$/, '')) as {
    partitions: { id: string; regions: Record<string, unknown> }[];
  };
  return Object.fromEntries(
    info.partitions.map((partition) => [
      partition.id,
      Object.keys(partition.regions)
        .filter((region) => !region.endsWith('-global'))
        .sort(),
    ]),
  );
}

describe('Regions as AWS defines them', () => {
  it("holds exactly the Regions of the AWS SDK's partitions, by partition", () => {
    expect(Object.fromEntries(Object.entries(AWS_REGIONS).map(([partition, regions]) => [partition, [...regions].sort()]))).toEqual(sdkRegions());
  });

  it('refuses an unknown Region at its line, with the nearest name', () => {
    expect(issuesOf(VALID.replace('region: us-east-1', 'region: us-east-9'))).toEqual([
      '4:9 region: unknown AWS Region "us-east-9" (did you mean "us-east-1"?): expected a Region such as sa-east-1, as the AWS SDK lists them',
    ]);
  });

  it.each(['cn-north-1', 'us-gov-west-1', 'eusc-de-east-1', 'us-isof-south-1'])('accepts %s, which the old pattern refused or never knew', (region) => {
    expect(regionProblem(region)).toBeUndefined();
  });
});

describe('access policies as EKS lists them', () => {
  const withPolicy = (policy: string) =>
    `${VALID}accessEntries:\n  - principalArn: arn:aws:iam::123456789012:role/admin\n    accessPolicies: [{ policy: ${policy} }]\n`;

  it.each([
    [
      'a name EKS does not have',
      'AmazonEKSReadOnlyPolicy',
      /^15:\d+ accessEntries\[0\]\.accessPolicies\[0\]\.policy: no EKS access policy "AmazonEKSReadOnlyPolicy": expected one of AmazonAIOpsAssistantPolicy, /,
    ],
    ['a policy reserved for service-linked roles', 'AmazonEKSHybridPolicy', /policy: AmazonEKSHybridPolicy is designated for AWS service-linked roles only/],
    ['an ARN of an unknown policy', 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSGodPolicy', /no EKS access policy "AmazonEKSGodPolicy"/],
    [
      'something that is no policy at all',
      'arn:aws:iam::aws:policy/AdministratorAccess',
      /expected an EKS access policy such as AmazonEKSClusterAdminPolicy, or its ARN/,
    ],
  ])('refuses %s', (_case, policy, expected) => {
    expect(issuesOf(withPolicy(policy))).toEqual([expect.stringMatching(expected)]);
  });

  it.each(['AmazonEKSAdminViewPolicy', 'AmazonEKSSecretReaderPolicy', 'arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'])(
    'accepts %s',
    (policy) => {
      expect(accessPolicyProblem(policy)).toBeUndefined();
    },
  );
});

describe("scaling ceilings against the workload's own manifests", () => {
  it("makes a rule whose HPA ceiling is below the manifest's maxReplicas a spec error naming both files", async () => {
    // Prepare: kianax-api's HPA says maxReplicas 10; the rule's ceiling says 8
    const dir = mkdtempSync(path.join(tmpdir(), 'ceiling-'));
    cpSync(KIANAX, dir, { recursive: true });
    const file = path.join(dir, 'cluster.yaml');
    const text = readFileSync(file, 'utf8');
    const lowered = text.replace(
      'name: kianax-api\n        maxReplicas: { add: 5, ceiling: 20 }',
      'name: kianax-api\n        maxReplicas: { add: 5, ceiling: 8 }',
    );
    expect(lowered).not.toBe(text);
    writeFileSync(file, lowered);

    // Act
    const { targets, broken } = await fleetOf(await loadSpecs([file]));

    // Assess
    const line = lowered.split('\n').findIndex((row) => row.includes('ceiling: 8')) + 1;
    expect(targets).toEqual([]);
    expect(broken.map((item) => item.reason)).toEqual([
      `${file}:${line}:41 scalingRules[0].hpas[0].maxReplicas.ceiling: ceiling (8) is below maxReplicas (10) of HPA kianax/kianax-api in ${path.join(dir, 'manifests', '50-hpa.yaml')}:1: on ALARM it would lower it`,
    ]);
  });

  it("leaves the example as it is: its ceilings sit above its HPAs' maxReplicas", async () => {
    const { targets, broken } = await fleetOf(await loadSpecs([path.join(KIANAX, 'cluster.yaml')]));
    expect([targets.length, broken]).toEqual([1, []]);
  });

  it.each([
    [
      'a KEDA ScaledObject (HPA keda-hpa-<name>, maxReplicaCount default 100) under a ceiling',
      {},
      'maxReplicas',
      { add: 5, ceiling: 50 },
      'ceiling (50) is below maxReplicaCount (100) of HPA shop/keda-hpa-worker in m.yaml:3: on ALARM it would lower it',
    ],
    [
      "a floor above a ScaledObject's minReplicaCount",
      { minReplicaCount: 2 },
      'minReplicas',
      { add: -1, floor: 3 },
      'floor (3) is above minReplicaCount (2) of HPA shop/keda-hpa-worker in m.yaml:3: on ALARM it would raise it',
    ],
  ])('refuses %s', (_case, scaledSpec, bound, step, message) => {
    // Prepare
    const result = parseSpec(
      `${VALID}alarms:\n  - { name: busy, metric: { namespace: AWS/SQS, name: ApproximateNumberOfMessagesVisible }, threshold: 100 }\nscalingRules:\n  - name: queue\n    alarm: busy\n    hpas:\n      - { namespace: shop, name: keda-hpa-worker, ${bound}: ${JSON.stringify(step)} }\n`,
      'cluster.yaml',
    );
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const objects: ManifestSource[] = [
      {
        object: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'worker', namespace: 'shop' }, spec: scaledSpec },
        file: 'm.yaml',
        line: 3,
      },
    ];

    // Act
    const problems = workloadProblems(result.spec, 0, objects);

    // Assess
    expect(problems.map((problem) => problem.message)).toEqual([message]);
  });
});
