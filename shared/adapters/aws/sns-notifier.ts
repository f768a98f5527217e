/**
 * Notifications through an SNS topic: whoever subscribes (e-mail, chat, a pager) gets them.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import { EksPilotError, UpstreamError } from '../../errors';
import type { RenderedNotification } from '../../model/notification';
import { awsClient } from './clients';

/**
 * The notifier ports (`Notifier`, `EventNotifier`, shared/ports/notifier.ts) over the AWS SDK v3 SNS
 * client: each notification is one Publish to one topic.
 *
 * @example
 * import { SNSClient } from '@aws-sdk/client-sns';
 *
 * const notifier = new SnsNotifier(new SNSClient({ region: 'eu-west-1' }), 'arn:aws:sns:eu-west-1:123456789012:eks-pilot-drift');
 * await notifier.publish('eks-pilot: new drift on payments (eu-west-1)', 'New drift on EKS cluster payments ...');
 */
export class SnsNotifier {
  private readonly client: SNSClient;
  private readonly topicArn: string;

  constructor(client: SNSClient, topicArn: string) {
    this.client = client;
    this.topicArn = topicArn;
  }

  async publish(subject: string, message: string): Promise<void> {
    await this.publishInput({ TopicArn: this.topicArn, Subject: subject, Message: message });
  }

  /**
   * One event of the shared format: `MessageStructure: json` with the text for `default`, `email`
   * and `sms` and the JSON document for `sqs`, `lambda`, `http`, `https` and `firehose` (SNS API
   * Reference, Publish: "If you set MessageStructure to json ... the value of the Message parameter
   * must contain at least a top-level JSON key of default"); the attributes as `String` message
   * attributes; on a FIFO topic (`.fifo`) the group (the cluster) and the deduplication id (the
   * outcome's hash), so SNS drops a second publish of one outcome within its five minutes.
   */
  async send(message: RenderedNotification): Promise<void> {
    const perProtocol = {
      default: message.text,
      email: message.text,
      sms: message.subject,
      sqs: message.json,
      lambda: message.json,
      http: message.json,
      https: message.json,
      firehose: message.json,
    };
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(message.attributes) as [string, string][]) attributes[name] = { DataType: 'String', StringValue: value };
    await this.publishInput({
      TopicArn: this.topicArn,
      Subject: message.subject,
      Message: JSON.stringify(perProtocol),
      MessageStructure: 'json',
      MessageAttributes: attributes,
      ...(this.topicArn.endsWith('.fifo') ? { MessageGroupId: message.groupId, MessageDeduplicationId: message.deduplicationId } : {}),
    });
  }

  private async publishInput(input: ConstructorParameters<typeof PublishCommand>[0]): Promise<void> {
    try {
      await this.client.send(new PublishCommand(input));
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new UpstreamError(`Publish failed: ${detail}`, { cause: error, context: { action: 'Publish', topicArn: this.topicArn } });
    }
  }
}

/**
 * Builds the production notifier: an {@link SnsNotifier} over the SNS client the shared factory
 * caches per region. The region defaults to the topic's, taken from its ARN, since a topic only
 * answers in its own Region.
 *
 * @example
 * const notifier = createSnsNotifier({ topicArn: 'arn:aws:sns:eu-west-1:123456789012:eks-pilot-drift' });
 */
export function createSnsNotifier(options: { topicArn: string; region?: string }): SnsNotifier {
  const region = options.region ?? regionOf(options.topicArn);
  return new SnsNotifier(awsClient(SNSClient, { region }), options.topicArn);
}

/** `arn:<partition>:sns:<region>:<account>:<topic>` -> `<region>`. */
function regionOf(topicArn: string): string {
  const [prefix, , service, region] = topicArn.split(':');
  if (prefix !== 'arn' || service !== 'sns' || !region) {
    throw new EksPilotError('not an SNS topic ARN; pass the region explicitly or fix the ARN', { context: { topicArn } });
  }
  return region;
}
