/** Event shapes several functions accept, defined once. */
import * as z from 'zod';

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

/**
 * The one event router: a schema that picks the event's shape by its own marker (`mode`, `action`,
 * `detail-type`, `Records`) with `pick`, and validates the event against that one shape only, so a
 * bad event's error names the field that is wrong, not "matched no alternative". An event `pick`
 * finds no shape for fails with `expected` (a function of the event's fields when it depends on them).
 *
 * @example
 * const provisionEventSchema = routedEvent<ScheduledEvent | ManualInvoke>(
 *   (fields) => ('mode' in fields ? manualInvokeSchema : 'detail-type' in fields ? scheduledEventSchema : undefined),
 *   'expected a scheduled event or a manual invoke {"mode": "plan" | "apply"}',
 * );
 */
export function routedEvent<T>(
  pick: (fields: Record<string, unknown>) => z.ZodType | undefined,
  expected: string | ((fields: Record<string, unknown>) => string),
): z.ZodType<T> {
  return z.unknown().transform((event, ctx): T => {
    // Safe: only the top-level keys are read, to pick the shape; the shape's schema checks the rest.
    const fields = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
    const schema = pick(fields);
    if (schema === undefined) {
      ctx.addIssue({ code: 'custom', message: typeof expected === 'string' ? expected : expected(fields) });
      return z.NEVER;
    }
    const parsed = schema.safeParse(event);
    // Safe: each shape's schema outputs its member of T.
    if (parsed.success) return parsed.data as T;
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, message: issue.message.replace(/^Invalid (option|input): /, '') });
    return z.NEVER;
  });
}
