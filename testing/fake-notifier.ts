/**
 * A notifier that records what it is asked to publish, for tests and the bench: the rendered
 * messages (subject, text, JSON, attributes, ids) in order; `failWith` makes every send reject.
 */
import type { RenderedNotification } from '../shared/model/notification';
import type { EventNotifier } from '../shared/ports/notifier';

/**
 * @example
 * const notifier = new RecordingNotifier();
 * await notifier.send(renderNotification(notification));
 * notifier.events(); // ['deploy.succeeded']
 */
export class RecordingNotifier implements EventNotifier {
  readonly sent: RenderedNotification[] = [];
  failWith: Error | undefined;

  send(message: RenderedNotification): Promise<void> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    this.sent.push(message);
    return Promise.resolve();
  }

  /** The `event` attribute of each message, in order. */
  events(): string[] {
    return this.sent.map((message) => message.attributes.event);
  }

  /** The JSON document of each message, parsed. */
  documents(): Record<string, unknown>[] {
    return this.sent.map((message) => JSON.parse(message.json) as Record<string, unknown>);
  }
}
