import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SnsNotifier } from '../../../../shared/adapters/aws/sns-notifier';
import { awsClient, resetAwsClients } from '../../../../shared/adapters/aws/clients';
import type { Notification } from '../../../../shared/model/notification';
import { filterPolicy, renderNotification } from '../../../../shared/model/notification';

const snsMock = mockClient(SNSClient);

const NOTIFICATION: Notification = {
  event: 'eip.quota-reached',
  function: 'eip-manager',
  cluster: 'kianax',
  region: 'eu-west-1',
  subject: { kind: 'pool', name: 'nat-egress' },
  summary: 'pool nat-egress lacks 1 address(es)',
  reason: 'AllocateAddress failed with AddressLimitExceeded',
  at: '2026-12-01T10:00:00.000Z',
  dedupeKey: 'eip/kianax/nat-egress/quota-reached/1',
  facts: { missing: 1 },
  links: [{ label: 'quota', url: 'https://eu-west-1.console.aws.amazon.com/servicequotas/home/services/ec2/quotas/L-0263D0A3' }],
};

describe('SnsNotifier.send', () => {
  beforeEach(() => {
    snsMock.reset();
    resetAwsClients();
  });

  it('publishes the text for people, the JSON for programs and the three attributes a filter policy selects on', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const notifier = new SnsNotifier(awsClient(SNSClient, { region: 'eu-west-1' }), 'arn:aws:sns:eu-west-1:123456789012:eks-pilot-events');
    const rendered = renderNotification(NOTIFICATION);

    // Act
    await notifier.send(rendered);

    // Assess
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:eks-pilot-events',
      Subject: 'eks-pilot eip.quota-reached: kianax/nat-egress',
      MessageStructure: 'json',
      MessageAttributes: {
        event: { DataType: 'String', StringValue: 'eip.quota-reached' },
        function: { DataType: 'String', StringValue: 'eip-manager' },
        cluster: { DataType: 'String', StringValue: 'kianax' },
      },
    });
    expect(input).not.toHaveProperty('MessageDeduplicationId');
    const perProtocol = JSON.parse(input?.Message ?? '{}') as Record<string, string>;
    expect(perProtocol.default).toContain('Why: AllocateAddress failed with AddressLimitExceeded');
    expect(JSON.parse(perProtocol.sqs ?? '{}')).toMatchObject({ event: 'eip.quota-reached', pool: 'nat-egress', facts: { missing: 1 } });
    expect(filterPolicy(['eip.quota-reached'])).toEqual({ event: ['eip.quota-reached'] });
  });

  it('sets the group and the deduplication id on a FIFO topic, so SNS drops a second publish of one outcome', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1', SequenceNumber: '1' });
    const notifier = new SnsNotifier(awsClient(SNSClient, { region: 'eu-west-1' }), 'arn:aws:sns:eu-west-1:123456789012:eks-pilot-events.fifo');

    // Act
    await notifier.send(renderNotification(NOTIFICATION));
    await notifier.send(renderNotification({ ...NOTIFICATION, at: '2026-12-01T10:05:00.000Z' }));

    // Assess
    const ids = snsMock.commandCalls(PublishCommand).map((call) => [call.args[0].input.MessageGroupId, call.args[0].input.MessageDeduplicationId]);
    expect(ids[0]?.[0]).toBe('kianax');
    expect(ids[0]?.[1]).toMatch(/^[0-9a-f]{64}$/);
    expect(ids[1]).toEqual(ids[0]);
  });
});
