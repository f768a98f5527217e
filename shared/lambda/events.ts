/** Event shapes several functions accept, defined once. */
import * as z from 'zod/mini';
import { InvalidEventError } from '../errors';
import type { FleetMessage } from '../reconcile/fan-out';

/** EventBridge "Scheduled Event", as a `schedule` event in serverless.yml delivers it. */
export const scheduledEventSchema = z.looseObject({
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
  time: z.string(),
  resources: z.array(z.string()),
});

export type ScheduledEvent = z.output<typeof scheduledEventSchema>;

/**
 * A batch from an SQS event source, as far as a fleet worker reads it (AWS Lambda Developer Guide,
 * "Using Lambda with Amazon SQS", example standard queue message event).
 */
export const sqsBatchSchema = z.looseObject({
  Records: z.array(z.looseObject({ messageId: z.string().check(z.minLength(1)), body: z.string(), eventSource: z.literal('aws:sqs') })).check(z.minLength(1)),
});

export type SqsBatch = z.output<typeof sqsBatchSchema>;

/** The body of a fan-out message (shared/reconcile/fan-out.ts). */
export const fleetMessageSchema = z.strictObject({
  function: z.enum(['provision', 'eip-manager']),
  cluster: z.string().check(z.minLength(1)),
  region: z.string().check(z.minLength(1)),
  file: z.optional(z.string().check(z.minLength(1))),
  time: z.string().check(z.minLength(1)),
  mode: z.enum(['plan', 'apply']),
});

/**
 * Parses a fan-out message's body, or throws {@link InvalidEventError} naming each bad field.
 *
 * @example
 * parseFleetMessage('{"function":"provision","cluster":"kianax","region":"us-east-1","time":"2026-12-01T10:00:00Z","mode":"plan"}');
 */
export function parseFleetMessage(body: string): FleetMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidEventError('fleet message body is not JSON', { issues: [{ field: 'body', reason: 'expected a JSON object' }] });
  }
  const parsed = fleetMessageSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || 'body', reason: issue.message }));
  throw new InvalidEventError(`unexpected fleet message: ${issues.map((issue) => `${issue.field}: ${issue.reason}`).join('; ')}`, { issues });
}

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
  pick: (fields: Record<string, unknown>) => z.core.$ZodType | undefined,
  expected: string | ((fields: Record<string, unknown>) => string),
): z.ZodMiniType<T> {
  return z.pipe(
    z.unknown(),
    z.transform((event, ctx): T => {
      // Safe: only the top-level keys are read, to pick the shape; the shape's schema checks the rest.
      const fields = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
      const schema = pick(fields);
      if (schema === undefined) {
        addIssue(ctx, { message: typeof expected === 'string' ? expected : expected(fields) });
        return z.NEVER;
      }
      const parsed = z.safeParse(schema, event);
      // Safe: each shape's schema outputs its member of T.
      if (parsed.success) return parsed.data as T;
      for (const issue of parsed.error.issues) addIssue(ctx, { ...issue, message: issue.message.replace(/^Invalid (option|input): /, '') });
      return z.NEVER;
    }),
  );
}

/**
 * Records an issue from inside a `z.transform` (zod/mini's transform context has no `addIssue`):
 * a custom issue at the value being transformed unless the issue says otherwise, as classic zod's
 * `ctx.addIssue` records it.
 *
 * @example
 * z.pipe(z.string(), z.transform((text, ctx) => (text === '' ? (addIssue(ctx, { message: 'expected text' }), z.NEVER) : text)));
 */
export function addIssue(ctx: z.core.ParsePayload, issue: Omit<Partial<z.core.$ZodRawIssue>, 'message'> & { message: string }): void {
  // zod finalizes it (path, no input) as it does its own issues.
  ctx.issues.push({ code: 'custom', input: ctx.value, ...issue });
}
