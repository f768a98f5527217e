/**
 * Where notifications go: provision's new-drift notices (`Notifier`) and the events of deploy-worker,
 * eip-manager and scale-watch (`EventNotifier`). The SNS
 * adapter is shared/adapters/aws/sns-notifier.ts; an adapter raises `UpstreamError`
 * (shared/errors.ts) when the message cannot be delivered.
 */
import type { RenderedNotification } from '../model/notification';

/**
 * A notifier (an SNS topic in production).
 *
 * @example
 * await notifier.publish('eks-pilot: new drift on payments (eu-west-1)', 'New drift ...');
 */
export interface Notifier {
  publish(subject: string, message: string): Promise<void>;
}

/**
 * A notifier of the shared format (shared/model/notification.ts): one message with its text, its
 * JSON, its attributes and, for a FIFO topic, its group and deduplication ids.
 *
 * @example
 * await notifier.send(renderNotification(notification));
 */
export interface EventNotifier {
  send(message: RenderedNotification): Promise<void>;
}
