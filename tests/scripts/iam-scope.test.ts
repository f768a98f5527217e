/**
 * The roles' scope as packaging derives it from the specs (scripts/iam-scope.ts); the packaged
 * template itself is checked by tests/e2e/iam.e2e.ts.
 */
import { loadSpecs } from '../../shared/model/cluster-spec/load';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import type { IamWidening } from '../../scripts/iam-scope';
import { iamScopeOf, listParameter, NO_ALARMS } from '../../scripts/iam-scope';
import { autoModeSpec } from '../../testing/specs';

const NONE: IamWidening = {
  clusterNames: [],
  passRoleArns: [],
  assumeRoleArns: [],
  alarmPrefixes: [],
  natGatewayIds: [],
  kmsKeyArns: [],
  driftTopicArns: [],
  scaleTopicArns: [],
  notifyTopicArns: [],
  githubTokens: [],
};
const STACK = { service: 'eks-pilot', stage: 'dev', region: 'us-east-1' };

async function example(name: string): Promise<ClusterSpec> {
  const [loaded] = await loadSpecs([`examples/${name}/cluster.yaml`]);
  if (loaded === undefined) throw new Error(`no spec in examples/${name}`);
  return loaded.spec;
}

describe('iamScopeOf', () => {
  it('names each cluster, node group and add-on in its own Region and account', async () => {
    // Prepare
    const specs = [await example('financial-move'), await example('kianax')];

    // Act
    const scope = iamScopeOf(specs, NONE, STACK);

    // Assess
    expect(scope.clusterArns).toEqual(['arn:aws:eks:sa-east-1:111122223333:cluster/financial-move', 'arn:aws:eks:us-east-1:777788889999:cluster/kianax']);
    expect(scope.nodegroupArns).toContain('arn:aws:eks:us-east-1:777788889999:nodegroup/kianax/*/*');
    expect(scope.addonArns).toContain('arn:aws:eks:sa-east-1:111122223333:addon/financial-move/vpc-cni/*');
    expect(scope.scaledNodegroupArns).toEqual(['arn:aws:eks:us-east-1:777788889999:nodegroup/kianax/general-ng/*']);
    expect(scope.autoScalingGroupArns).toContain('arn:aws:autoscaling:us-east-1:777788889999:autoScalingGroup:*:autoScalingGroupName/eks-jobs-ng-*');
    expect(scope.clusterNames).toEqual(['financial-move', 'kianax']);
    expect(scope.platformRoleArns).toEqual(['arn:aws:iam::111122223333:role/platform-admins', 'arn:aws:iam::777788889999:role/kianax-platform-admins']);
    expect(scope.passRoleArns).toEqual([
      'arn:aws:iam::111122223333:role/financial-move-eks-cluster',
      'arn:aws:iam::111122223333:role/financial-move-eks-node',
      'arn:aws:iam::777788889999:role/kianax-eks-cluster',
      'arn:aws:iam::777788889999:role/kianax-eks-node',
    ]);
    expect(scope.alarmArns).toEqual([
      'arn:aws:cloudwatch:us-east-1:777788889999:alarm:kianax-failed-nodes',
      'arn:aws:cloudwatch:us-east-1:777788889999:alarm:kianax-general-ng-cpu-high',
      'arn:aws:cloudwatch:us-east-1:777788889999:alarm:kianax-node-memory-high',
      'arn:aws:cloudwatch:us-east-1:777788889999:alarm:kianax-pods-below-minimum',
    ]);
    expect(scope.podRoleArns).toEqual([
      'arn:aws:iam::111122223333:role/financial-move-aws-load-balancer-controller',
      'arn:aws:iam::777788889999:role/kianax-cluster-autoscaler',
    ]);
    expect(scope.alarmNamePattern).toEqual(['kianax-failed-nodes', 'kianax-general-ng-cpu-high', 'kianax-node-memory-high', 'kianax-pods-below-minimum']);
    expect(scope.assumeRoleArns).toEqual([]);
  });

  it('grants a cross-account cluster only the role it is managed through', async () => {
    // Prepare
    const spec = { ...(await example('starter')), assumeRoleArn: 'arn:aws:iam::123456789012:role/eks-pilot-manager' };

    // Act
    const scope = iamScopeOf([spec], NONE, STACK);

    // Assess
    expect(scope.assumeRoleArns).toEqual(['arn:aws:iam::123456789012:role/eks-pilot-manager']);
    expect([...scope.clusterArns, ...scope.nodegroupArns, ...scope.autoScalingGroupArns, ...scope.passRoleArns]).toEqual([]);
  });

  it.each([
    { githubTokens: [], parameters: [], secrets: [] },
    { githubTokens: ['ssm:/eks-pilot/dev/github-token'], parameters: ['arn:aws:ssm:*:*:parameter/eks-pilot/dev/github-token*'], secrets: [] },
    { githubTokens: ['secretsmanager:eks-pilot/dev/github-token'], parameters: [], secrets: ['arn:aws:secretsmanager:*:*:secret:eks-pilot/dev/github-token*'] },
  ])(
    'grants the GitHub token read only when githubToken is set ($githubTokens), of its kind, under the stage names',
    async ({ githubTokens, parameters, secrets }) => {
      // Prepare
      const spec = await example('starter');

      // Act
      const scope = iamScopeOf([spec], { ...NONE, githubTokens }, STACK);

      // Assess
      expect(scope.githubTokenParameterArns).toEqual(parameters);
      expect(scope.githubTokenSecretArns).toEqual(secrets);
    },
  );

  it("refuses an assumeRoleArn that names one of this stack's own roles", async () => {
    // Prepare
    const spec = { ...(await example('starter')), assumeRoleArn: 'arn:aws:iam::123456789012:role/eks-pilot-dev-scale-watch' };

    // Act
    const act = (): unknown => iamScopeOf([spec], NONE, STACK);

    // Assess
    expect(act).toThrow("assumeRoleArn arn:aws:iam::123456789012:role/eks-pilot-dev-scale-watch names one of this stack's own roles (eks-pilot-dev-*)");
  });

  it("adds what the parameters widen, after the specs' own", async () => {
    // Prepare
    const widening: IamWidening = { ...NONE, clusterNames: ['later'], alarmPrefixes: ['team-'], passRoleArns: ['arn:aws:iam::123456789012:role/later-node'] };

    // Act
    const scope = iamScopeOf([await example('starter')], widening, STACK);

    // Assess
    expect(scope.clusterArns).toEqual(['arn:aws:eks:*:*:cluster/later', 'arn:aws:eks:us-east-1:123456789012:cluster/starter']);
    expect(scope.passRoleArns).toContain('arn:aws:iam::123456789012:role/later-node');
    expect(scope.alarmArns).toEqual(['arn:aws:cloudwatch:*:*:alarm:team-*']);
    expect(scope.alarmNamePattern).toEqual([{ prefix: 'team-' }]);
  });

  it('passes the Auto Mode node role to EKS and the pod identity roles to EKS Pod Identity, and scopes the associations to their cluster', () => {
    // Act
    const scope = iamScopeOf([autoModeSpec()], NONE, STACK);

    // Assess
    expect(scope.passRoleArns).toEqual(['arn:aws:iam::111122223333:role/auto-auto-node', 'arn:aws:iam::111122223333:role/auto-cluster']);
    expect(scope.podRoleArns).toEqual(['arn:aws:iam::111122223333:role/cluster-autoscaler-pods', 'arn:aws:iam::111122223333:role/orders-pods']);
    expect(scope.podIdentityArns).toEqual([
      'arn:aws:eks:eu-west-1:111122223333:cluster/auto',
      'arn:aws:eks:eu-west-1:111122223333:podidentityassociation/auto/*',
    ]);
  });

  it('grants nothing for Pod Identity to a spec without podIdentities', async () => {
    // Act
    const scope = iamScopeOf([await example('starter')], NONE, STACK);

    // Assess
    expect([...scope.podIdentityArns, ...scope.podRoleArns]).toEqual([]);
  });

  it('hears no alarm when no spec names one', async () => {
    // Act
    const scope = iamScopeOf([await example('starter')], NONE, STACK);

    // Assess
    expect(scope.alarmNamePattern).toEqual([NO_ALARMS]);
    expect(scope.alarmArns).toEqual([]);
  });

  it.each<[string, string[]]>([
    ['', []],
    ['a, b,,c ', ['a', 'b', 'c']],
  ])('reads the parameter %j as a list', (value, expected) => {
    // Act
    const items = listParameter(value);

    // Assess
    expect(items).toEqual(expected);
  });
});

describe('iamScopeOf, the NAT gateways', () => {
  it("names financial-move's NAT gateway, in its Region and account, as the only one eip-manager may add addresses to", async () => {
    // Prepare
    const specs = [await example('financial-move'), await example('crypto-oms'), await example('kianax')];

    // Act
    const scope = iamScopeOf(specs, NONE, STACK);

    // Assess
    expect(scope.natGatewayArns).toEqual(['arn:aws:ec2:sa-east-1:111122223333:natgateway/nat-0f1a2b3c4d5e60c03']);
  });
});

describe("iamScopeOf, the workloads' Secret sources", () => {
  it("names each secret and parameter the examples source their Secrets from, in the cluster's Region", async () => {
    // Prepare
    const specs = [await example('financial-move'), await example('crypto-oms')];

    // Act
    const scope = iamScopeOf(specs, NONE, STACK);

    // Assess
    expect(scope.workloadSecretArns).toContain('arn:aws:secretsmanager:sa-east-1:*:secret:eks-pilot/prod/workers-secret-??????');
    expect(scope.workloadParameterArns).toEqual([
      'arn:aws:ssm:sa-east-1:*:parameter/eks-pilot/prod/grafana/admin-password',
      'arn:aws:ssm:sa-east-1:*:parameter/eks-pilot/prod/grafana/admin-user',
    ]);
    expect([...scope.workloadSecretArns, ...scope.workloadParameterArns].some((arn) => arn.includes('*/') || arn.endsWith('/*'))).toBe(false);
  });

  it('keeps a secret named by its ARN as it is, and grants no source to a spec without workloads', async () => {
    // Prepare
    const base = await example('crypto-oms');
    const [workload] = base.workloads;
    if (workload === undefined) throw new Error('crypto-oms has no workload');
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:shared/db-AbCdEf';
    const spec = { ...base, workloads: [{ ...workload, secrets: [{ name: 'db', secretsManager: arn }] }] };

    // Act
    const named = iamScopeOf([spec], NONE, STACK);
    const none = iamScopeOf([await example('starter')], NONE, STACK);

    // Assess
    expect(named.workloadSecretArns).toEqual([arn]);
    expect([...none.workloadSecretArns, ...none.workloadParameterArns]).toEqual([]);
  });
});
