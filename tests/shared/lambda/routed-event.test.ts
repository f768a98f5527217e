import * as z from 'zod';
import { routedEvent, scheduledEventSchema } from '../../../shared/lambda/events';

const manual = z.strictObject({ mode: z.enum(['plan', 'apply']) });
const schema = routedEvent<z.output<typeof manual> | z.output<typeof scheduledEventSchema>>(
  (fields) => ('mode' in fields ? manual : 'detail-type' in fields ? scheduledEventSchema : undefined),
  (fields) => (Object.keys(fields).length === 0 ? 'expected an event object' : 'expected a scheduled event or {"mode": "plan" | "apply"}'),
);
const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-12-01T12:00:00Z', resources: [] };

describe('routedEvent', () => {
  it.each<[string, unknown]>([
    ['a manual invoke', { mode: 'plan' }],
    ['a scheduled event', scheduled],
  ])('answers %s as its own shape parses it', (_label, event) => {
    expect(schema.parse(event)).toEqual(event);
  });

  it.each<[string, unknown, { path: PropertyKey[]; message: string }[]]>([
    ['a marker with a bad value, named by its field', { mode: 'destroy' }, [{ path: ['mode'], message: 'expected one of "plan"|"apply"' }]],
    ['an unknown key of the picked shape only', { mode: 'plan', cluster: 1 }, [{ path: [], message: 'Unrecognized key: "cluster"' }]],
    [
      'no marker, with the expectation for those fields',
      { hello: 'world' },
      [{ path: [], message: 'expected a scheduled event or {"mode": "plan" | "apply"}' }],
    ],
    ['not an object', 'plan', [{ path: [], message: 'expected an event object' }]],
  ])('rejects %s', (_label, event, issues) => {
    // Act
    const result = schema.safeParse(event);

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues.map(({ path, message }) => ({ path, message }))).toEqual(issues);
  });
});
