/**
 * Notifications through an SNS topic: whoever subscribes (e-mail, chat, a pager) gets them.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { EksPilotError, UpstreamError } from '../../errors';
import { awsClient } from './clients';

/**
 * The notifier port of `functions/provision/notify.ts` (`Notifier`) over the AWS SDK v3 SNS client:
 * each notification is one Publish to one topic.
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
    try {
      await this.client.send(new PublishCommand({ TopicArn: this.topicArn, Subject: subject, Message: message }));
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
