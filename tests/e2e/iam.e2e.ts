/**
 * The roles as `serverless package` wrote them for the e2e copies of the examples
 * (tests/e2e/support/global-setup.ts): every statement names the example specs' resources and no
 * others, a `*` resource only for actions that take no resource-level permissions, and no action
 * the function's code never makes AWS authorise (testing/sdk-actions.ts); the public route is
 * throttled and logged, and both deploy functions have reserved concurrency.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IamRequest, Statement } from '../../testing/iam-policy';
import { allows } from '../../testing/iam-policy';
import { neededActions, sdkActionsOf } from '../../testing/sdk-actions';
import { PACKAGE_DIR } from './support/package';

interface Role {
  Type: 'AWS::IAM::Role';
  Properties: { Policies?: { PolicyDocument: { Statement: Statement[] } }[] };
}
interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown }>;
}

const template = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
const statementsOf = (roleId: string): Statement[] =>
  ((template.Resources[roleId] as unknown as Role).Properties.Policies ?? []).flatMap((policy) => policy.PolicyDocument.Statement);
const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/**
 * Actions the Service Authorization Reference lists with no resource type (or whose answer needs
 * `*`): the only ones a `*` resource may carry.
 */
const NO_RESOURCE_LEVEL: Record<string, string> = {
  'ec2:DescribeAddresses': 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html (DescribeAddresses: no resource type)',
  'ec2:DescribeInstances': 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html (DescribeInstances: no resource type)',
  'ec2:DescribeNatGateways': 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html (DescribeNatGateways: no resource type)',
  'autoscaling:DescribeAutoScalingGroups':
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html (DescribeAutoScalingGroups: no resource type)',
  // Scopable, but composite alarms (AlarmTypes CompositeAlarm, which scale-watch asks for) are only returned to a permission scoped to *.
  'cloudwatch:DescribeAlarms':
    'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html (@aws-sdk/client-cloudwatch DescribeAlarmsCommand.d.ts)',
};

const FUNCTIONS = [
  { name: 'provision', role: 'ProvisionRole', entry: 'functions/provision/handler.ts', sqsEventSource: true },
  { name: 'eip-manager', role: 'EipManagerRole', entry: 'functions/eip-manager/handler.ts', sqsEventSource: true },
  { name: 'deploy-webhook', role: 'DeployWebhookRole', entry: 'functions/deploy/webhook/handler.ts', sqsEventSource: false },
  { name: 'deploy-worker', role: 'DeployWorkerRole', entry: 'functions/deploy/worker/handler.ts', sqsEventSource: true },
  { name: 'scale-watch', role: 'ScaleWatchRole', entry: 'functions/scale-watch/handler.ts', sqsEventSource: false },
] as const;

describe.each(FUNCTIONS)('the $name role', ({ role, entry, sqsEventSource }) => {
  it('puts `*` only on actions that take no resource-level permissions', () => {
    // Prepare
    const statements = statementsOf(role);

    // Act
    const starred = statements.filter((statement) => list(statement.Resource).includes('*')).flatMap((statement) => list(statement.Action));

    // Assess
    expect(starred.filter((action) => NO_RESOURCE_LEVEL[action] === undefined)).toEqual([]);
  });

  it('allows no action its code never makes AWS authorise', async () => {
    // Prepare
    const needed = neededActions(await sdkActionsOf(entry), { sqsEventSource });

    // Act
    const unused = statementsOf(role).flatMap((statement) =>
      list(statement.Action)
        .filter((action) => !needed.has(action))
        .map((action) => `${statement.Sid ?? '?'}: ${action}`),
    );

    // Assess
    expect(unused).toEqual([]);
  });

  it('passes roles only to EKS (pod identity roles only to EKS Pod Identity), decrypts only through SSM or Secrets Manager, assumes no role of its own stack', () => {
    // Prepare
    const statements = statementsOf(role);

    // Act
    const passRole = statements.filter((statement) => list(statement.Action).includes('iam:PassRole'));
    const decrypt = statements.filter((statement) => list(statement.Action).includes('kms:Decrypt'));
    const assumed = statements.filter((statement) => list(statement.Action).includes('sts:AssumeRole')).flatMap((statement) => list(statement.Resource));

    // Assess
    for (const statement of passRole) {
      const service = statement.Sid === 'PassPodIdentityRoles' ? 'pods.eks.amazonaws.com' : 'eks.amazonaws.com';
      expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': service } });
    }
    for (const statement of decrypt) expect(Object.keys(statement.Condition?.StringEquals ?? {})).toEqual(['kms:ViaService']);
    expect(assumed.filter((arn) => arn.includes('*') || /:role\/eks-pilot-dev-/.test(arn))).toEqual([]);
  });
});

describe("the roles name the example specs' resources", () => {
  const cluster = (region: string, account: string, name: string): string => `arn:aws:eks:${region}:${account}:cluster/${name}`;
  const request = (action: string, arn: string, context: IamRequest['context'] = {}): IamRequest => ({ action, resources: [{ arn }], context });

  it.each<[string, string, IamRequest, boolean]>([
    ['provision describes the starter cluster', 'ProvisionRole', request('eks:DescribeCluster', cluster('us-east-1', '123456789012', 'starter')), true],
    [
      'provision describes financial-move in its Region and account',
      'ProvisionRole',
      request('eks:DescribeCluster', cluster('sa-east-1', '111122223333', 'financial-move')),
      true,
    ],
    [
      'provision touches no cluster the specs do not name',
      'ProvisionRole',
      request('eks:DescribeCluster', cluster('us-east-1', '123456789012', 'someone-elses')),
      false,
    ],
    [
      'provision touches financial-move in no other Region',
      'ProvisionRole',
      request('eks:DescribeCluster', cluster('us-east-1', '111122223333', 'financial-move')),
      false,
    ],
    [
      'provision updates a kianax node group',
      'ProvisionRole',
      request('eks:UpdateNodegroupConfig', 'arn:aws:eks:us-east-1:777788889999:nodegroup/kianax/general-ng/0a1b2c3d'),
      true,
    ],
    [
      'provision tags the Auto Scaling group of a kianax node group for Cluster Autoscaler',
      'ProvisionRole',
      {
        action: 'autoscaling:CreateOrUpdateTags',
        resources: [
          {
            arn: 'arn:aws:autoscaling:us-east-1:777788889999:autoScalingGroup:0a1b2c3d-0000-4000-8000-000000000001:autoScalingGroupName/eks-jobs-ng-0a1b2c3d-0000-4000-8000-000000000002',
            context: { 'aws:ResourceTag/eks:cluster-name': 'kianax' },
          },
        ],
        context: {},
      },
      true,
    ],
    [
      'provision tags no Auto Scaling group EKS made for another cluster',
      'ProvisionRole',
      {
        action: 'autoscaling:CreateOrUpdateTags',
        resources: [
          {
            arn: 'arn:aws:autoscaling:us-east-1:777788889999:autoScalingGroup:0a1b2c3d-0000-4000-8000-000000000001:autoScalingGroupName/eks-jobs-ng-0a1b2c3d-0000-4000-8000-000000000002',
            context: { 'aws:ResourceTag/eks:cluster-name': 'someone-elses' },
          },
        ],
        context: {},
      },
      false,
    ],
    [
      'provision passes the kianax node role to EKS',
      'ProvisionRole',
      request('iam:PassRole', 'arn:aws:iam::777788889999:role/kianax-eks-node', { 'iam:PassedToService': 'eks.amazonaws.com' }),
      true,
    ],
    [
      'provision passes the crypto-oms cluster role to EKS',
      'ProvisionRole',
      request('iam:PassRole', 'arn:aws:iam::444455556666:role/crypto-oms-eks-cluster', { 'iam:PassedToService': 'eks.amazonaws.com' }),
      true,
    ],
    [
      'provision passes no other role with "eks" in its name',
      'ProvisionRole',
      request('iam:PassRole', 'arn:aws:iam::777788889999:role/kianax-eks-admin', { 'iam:PassedToService': 'eks.amazonaws.com' }),
      false,
    ],
    [
      'provision passes a node role to no other service',
      'ProvisionRole',
      request('iam:PassRole', 'arn:aws:iam::777788889999:role/kianax-eks-node', { 'iam:PassedToService': 'ec2.amazonaws.com' }),
      false,
    ],
    ['deploy-worker describes crypto-oms', 'DeployWorkerRole', request('eks:DescribeCluster', cluster('eu-west-1', '444455556666', 'crypto-oms')), true],
    ['deploy-worker describes no other cluster', 'DeployWorkerRole', request('eks:DescribeCluster', cluster('eu-west-1', '444455556666', 'other')), false],
    [
      "scale-watch moves the bounds of the node group kianax's rule names",
      'ScaleWatchRole',
      request('eks:UpdateNodegroupConfig', 'arn:aws:eks:us-east-1:777788889999:nodegroup/kianax/general-ng/0a1b2c3d'),
      true,
    ],
    [
      'scale-watch moves no node group no rule names',
      'ScaleWatchRole',
      request('eks:UpdateNodegroupConfig', 'arn:aws:eks:us-east-1:777788889999:nodegroup/kianax/system-ng/0a1b2c3d'),
      false,
    ],
    [
      'scale-watch keeps the kianax alarm',
      'ScaleWatchRole',
      request('cloudwatch:PutMetricAlarm', 'arn:aws:cloudwatch:us-east-1:777788889999:alarm:kianax-general-ng-cpu-high'),
      true,
    ],
    [
      'deploy-worker reads the secret crypto-oms sources its Secret from',
      'DeployWorkerRole',
      request('secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:eu-west-1:444455556666:secret:eks-pilot/crypto-oms/app-secrets-AbCdEf'),
      true,
    ],
    [
      'deploy-worker reads no other secret',
      'DeployWorkerRole',
      request('secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:eu-west-1:444455556666:secret:eks-pilot/crypto-oms/other-AbCdEf'),
      false,
    ],
    [
      'deploy-worker reads the grafana parameter financial-move sources',
      'DeployWorkerRole',
      request('ssm:GetParameters', 'arn:aws:ssm:sa-east-1:111122223333:parameter/eks-pilot/prod/grafana/admin-password'),
      true,
    ],
    [
      'deploy-worker reads no other parameter',
      'DeployWorkerRole',
      request('ssm:GetParameters', 'arn:aws:ssm:sa-east-1:111122223333:parameter/eks-pilot/prod/github-webhook-secret'),
      false,
    ],
    [
      'scale-watch writes no other alarm',
      'ScaleWatchRole',
      request('cloudwatch:PutMetricAlarm', 'arn:aws:cloudwatch:us-east-1:777788889999:alarm:billing-alarm'),
      false,
    ],
  ])('%s', (_label, role, iamRequest, expected) => {
    // Act
    const allowed = allows(statementsOf(role), iamRequest);

    // Assess
    expect(allowed).toBe(expected);
  });

  it('leaves out what no example names: cross-account roles, customer managed keys, topics, pod identities', () => {
    // Act
    const sids = FUNCTIONS.flatMap(({ role }) => statementsOf(role).map((statement) => `${role}.${statement.Sid ?? '?'}`));

    // Assess
    expect(sids.filter((sid) => /AssumeClusterRoles|Decrypt|Notifications|EnvelopeEncryptionGrant|NatGateway|PodIdentit/.test(sid))).toEqual([]);
  });

  it("grants the release records on the stack's release table alone, which outlives the stack", () => {
    // Prepare
    const grants = (role: string) =>
      statementsOf(role)
        .filter((statement) => JSON.stringify(statement.Resource).includes('ReleaseTable'))
        .map((statement) => ({ sid: statement.Sid, actions: list(statement.Action), resource: statement.Resource }));
    const table = template.Resources.ReleaseTable as unknown as { Type: string; DeletionPolicy?: string; Properties: { KeySchema: unknown } };

    // Act
    const provision = grants('ProvisionRole');
    const worker = grants('DeployWorkerRole');

    // Assess
    const arn = { 'Fn::GetAtt': ['ReleaseTable', 'Arn'] };
    expect(provision).toEqual([{ sid: 'ReleaseRecords', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'], resource: arn }]);
    expect(worker).toEqual([{ sid: 'ReleaseRecords', actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: arn }]);
    expect(table).toMatchObject({
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      },
    });
    expect(FUNCTIONS.filter(({ role }) => grants(role).length > 0).map(({ name }) => name)).toEqual(['provision', 'deploy-worker']);
  });

  it('hears the alarms the example specs name, and no other', () => {
    // Prepare
    const rule = Object.values(template.Resources).find(
      (resource) => resource.Type === 'AWS::Events::Rule' && JSON.stringify(resource.Properties.EventPattern ?? {}).includes('CloudWatch Alarm State Change'),
    );

    // Act
    const pattern = rule?.Properties.EventPattern as { detail: { alarmName: unknown[] } } | undefined;

    // Assess
    expect(pattern?.detail.alarmName).toEqual(['kianax-failed-nodes', 'kianax-general-ng-cpu-high', 'kianax-node-memory-high', 'kianax-pods-below-minimum']);
  });
});
