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
