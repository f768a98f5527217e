/** Event shapes several functions accept, defined once. */
import { z } from 'zod';

/** EventBridge "Scheduled Event", as a `schedule` event in serverless.yml delivers it. */
export const scheduledEventSchema = z.looseObject({
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
  time: z.string(),
  resources: z.array(z.string()),
});

export type ScheduledEvent = z.output<typeof scheduledEventSchema>;

/**
 * Whether a raw event (not yet validated) has the given top-level key: how the functions tell a
 * manual invoke (`mode`, `action`) from a trigger's event before its schema runs.
 *
 * @example
 * carries({ mode: 'plan' }, 'mode'); // true
 */
export function carries(event: unknown, key: string): boolean {
  return typeof event === 'object' && event !== null && key in event;
}
