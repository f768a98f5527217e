/**
 * Where notifications go: provision's new-drift notices and scale-watch's scaling notices. The SNS
 * adapter is shared/adapters/aws/sns-notifier.ts; an adapter raises `UpstreamError`
 * (shared/errors.ts) when the message cannot be delivered.
 */

/**
 * A notifier (an SNS topic in production).
 *
 * @example
 * await notifier.publish('eks-pilot: new drift on payments (eu-west-1)', 'New drift ...');
 */
export interface Notifier {
  publish(subject: string, message: string): Promise<void>;
}
