import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const template = parse(readFileSync(path.join(__dirname, '../../../serverless.yml'), 'utf8')) as {
  resources: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
};

describe("deploy's resources in serverless.yml", () => {
  it('alarms on the first message in the dead-letter queue of deploys', () => {
    // Prepare
    const resources = template.resources.Resources;

    // Act
    const alarm = resources.DeployDeadLetterAlarm;

    // Assess
    expect(alarm?.Type).toBe('AWS::CloudWatch::Alarm');
    expect(alarm?.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeployDeadLetterQueue', 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(resources.DeployQueue?.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['DeployDeadLetterQueue', 'Arn'] },
      maxReceiveCount: 5,
    });
  });

  it('lets the worker read only the secrets and parameters the specs source their Secrets from (named at package time; tests/e2e/iam.e2e.ts checks the packaged ARNs)', () => {
    // Prepare
    const role = template.resources.Resources.DeployWorkerRole?.Properties as {
      Policies: { PolicyDocument: { Statement: { Sid: string; Action: unknown; Resource: unknown }[] } }[];
    };

    // Act
    const statements = role.Policies.flatMap((policy) => policy.PolicyDocument.Statement);

    // Assess
    expect(statements.find((statement) => statement.Sid === 'ReadWorkloadSecrets')).toMatchObject({
      Action: 'secretsmanager:GetSecretValue',
      Resource: '${specs:workloadSecretArns}',
    });
    expect(statements.find((statement) => statement.Sid === 'ReadWorkloadParameters')).toMatchObject({
      Action: 'ssm:GetParameters',
      Resource: '${specs:workloadParameterArns}',
    });
  });
});
