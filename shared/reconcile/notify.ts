/**
 * Sending notifications of the shared format, the same way in every function: one at a time, each
 * failure logged and counted, never thrown. A failed publish never changes what a run reports: the
 * work it tells of is done (or refused) whether or not anyone heard of it.
 */
import { errorFacts } from '../errors';
import type { Notification } from '../model/notification';
import { renderNotification } from '../model/notification';
import type { EventNotifier } from '../ports/notifier';
import type { RunLogger } from './run-logger';

/** What {@link sendNotifications} did. */
export interface SendSummary {
  /** The dedupe keys published. */
  sent: string[];
  /** The dedupe keys whose publish failed (each logged as `notification failed`). */
  failed: string[];
}

/**
 * Renders and publishes each notification; without a notifier, sends nothing. Never throws.
 *
 * @example
 * const { sent } = await sendNotifications(deps.notifier, notifications, deps.logger);
 */
export async function sendNotifications(notifier: EventNotifier | undefined, notifications: readonly Notification[], logger: RunLogger): Promise<SendSummary> {
  const summary: SendSummary = { sent: [], failed: [] };
  if (notifier === undefined) return summary;
  for (const notification of notifications) {
    const { event, cluster, subject, dedupeKey } = notification;
    const facts = { event, cluster, [subject.kind]: subject.name, key: dedupeKey };
    try {
      await notifier.send(renderNotification(notification));
      summary.sent.push(notification.dedupeKey);
      logger.info('notification sent', facts);
    } catch (error) {
      summary.failed.push(notification.dedupeKey);
      logger.warn('notification failed', { ...facts, error: errorFacts(error) });
    }
  }
  return summary;
}
