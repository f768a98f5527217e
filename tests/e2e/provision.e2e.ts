/**
 * provision's packaged bundle, loaded as Lambda loads it, against moto: a manual apply converges
 * kianax from an empty account, the schedule finds it converged, an out-of-band change is reported
 * as drift once through a real SNS topic (read back through an SQS subscription), remembered in SSM.
 */
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EKSClient, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import scheduleEvent from '../../events/provision/schedule.json';
import { invokeFunction } from './support/lambda';
import type { Moto } from './support/moto';
import { startMoto } from './support/moto';
import { createReleaseTable, RELEASE_TABLE } from './support/release-table';
import { specFile } from './support/specs';

interface Report {
  cluster: string;
  status: string;
  summary: string;
  drift: string[];
  plan?: string[];
}

const REGION = 'us-east-1';
let moto: Moto;
let clients: { sns: SNSClient; sqs: SQSClient; eks: EKSClient; ssm: SSMClient };

beforeAll(async () => {
  moto = await startMoto();
  await createReleaseTable(moto, REGION);
  const config = moto.clientConfig(REGION);
  clients = {
    sns: new SNSClient(config),
    sqs: new SQSClient({ ...config, useQueueUrlAsEndpoint: false }),
    eks: new EKSClient(config),
    ssm: new SSMClient(config),
  };
});
afterAll(async () => {
  for (const client of Object.values(clients)) client.destroy();
  await moto.stop();
});

async function provision(event: unknown, topicArn: string): Promise<Report[]> {
  const { result } = await invokeFunction<{ reports: Report[] }>('provision', event, {
    region: REGION,
    env: { ...moto.env, EKS_PILOT_SPECS: specFile('kianax'), EKS_PILOT_DRIFT_TOPIC_ARN: topicArn },
    // One spec: the schedule reconciles it in its own invocation and never sends to the fleet queue.
    refs: { ProvisionFleetQueue: `${moto.endpoint}/123456789012/eks-pilot-dev-provision-fleet`, ReleaseTable: RELEASE_TABLE },
  });
  return result.reports;
}

async function notifications(queueUrl: string): Promise<string[]> {
  const received = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (received.Messages ?? []).map((message) => (JSON.parse(message.Body ?? '{}') as { Subject?: string }).Subject ?? '');
}

it('converges kianax from an empty account, then reports an out-of-band change once', async () => {
  // Prepare: the drift topic, and a queue subscribed to it so the test can read what was published
  const { TopicArn: topicArn = '' } = await clients.sns.send(new CreateTopicCommand({ Name: 'eks-pilot-dev-drift' }));
  const { QueueUrl: queueUrl = '' } = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'drift-inbox' }));
  const attributes = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  await clients.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: attributes.Attributes?.QueueArn ?? '' }));

  // Act: a manual apply, invoked until it converges (each run starts what is safe and never waits)
  const statuses: string[] = [];
  for (let run = 0; run < 6 && statuses.at(-1) !== 'Converged'; run += 1) {
    const [report] = await provision({ mode: 'apply', cluster: 'kianax' }, topicArn);
    statuses.push(report?.status ?? 'missing');
  }

  // Assess
  expect(statuses[0]).toBe('InProgress');
  expect(statuses.at(-1)).toBe('Converged');

  // The schedule on a converged account: nothing to report, nothing published.
  const [quiet] = await provision(scheduleEvent, topicArn);
  expect(quiet).toMatchObject({ cluster: 'kianax', status: 'Converged', drift: [] });
  expect(await notifications(queueUrl)).toEqual([]);

  // Someone relabels general-ng by hand.
  await clients.eks.send(
    new UpdateNodegroupConfigCommand({ clusterName: 'kianax', nodegroupName: 'general-ng', labels: { addOrUpdateLabels: { role: 'batch' } } }),
  );

  const [drifted] = await provision(scheduleEvent, topicArn);
  expect(drifted?.status).toBe('Drifted');
  expect(drifted?.drift).toEqual(['nodegroup/general-ng labels']);
  expect(drifted?.plan?.join('\n')).toContain('labels: {"role":"batch"} -> {"role":"general"}');
  expect(await notifications(queueUrl)).toEqual(['eks-pilot: new drift on kianax (us-east-1)']);
  const remembered = await clients.ssm.send(new GetParametersByPathCommand({ Path: '/eks-pilot/dev/drift', Recursive: true }));
  expect(remembered.Parameters?.map((parameter) => parameter.Name)).toHaveLength(1);

  // The next scheduled run sees the same drift: reported again, not published again.
  const [again] = await provision(scheduleEvent, topicArn);
  expect(again?.status).toBe('Drifted');
  expect(await notifications(queueUrl)).toEqual([]);
});
