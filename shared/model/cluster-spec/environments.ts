/**
 * The `environments` section of a cluster spec: what gates a release into an environment. A
 * workload names its environment (`environment: prod`); every workload of the spec in that
 * environment waits for an approval (`approval: required`) and holds its releases during the
 * environment's freeze windows: weekly times in an IANA time zone, or date ranges. Times are
 * checked with `Intl` (no dependency): an unknown time zone is a spec error, as is a range that
 * ends before it starts.
 */
import * as z from 'zod';
import { WEEKDAYS } from './runtime';

export { WEEKDAYS } from './runtime';
export type { Weekday } from './runtime';
import { closest } from './closest';

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Why a time zone name cannot be used, or undefined: it must be an IANA name `Intl` knows
 * (Europe/London, America/New_York, UTC), not an offset.
 *
 * @example
 * timeZoneProblem('Europe/Londn'); // 'unknown IANA time zone "Europe/Londn" (did you mean Europe/London?)'
 */
export function timeZoneProblem(timeZone: string): string | undefined {
  if (!/^[+-]/.test(timeZone)) {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone });
      return undefined;
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  }
  const hint = closest(timeZone, Intl.supportedValuesOf('timeZone'));
  return `unknown IANA time zone "${timeZone}"${hint === undefined ? ' (such as Europe/London or America/New_York)' : ` (did you mean ${hint}?)`}`;
}

/**
 * Why a `YYYY-MM-DD` text is not a calendar date, or undefined.
 *
 * @example
 * dateProblem('2026-02-30'); // '2026-02-30 is not a calendar date'
 */
export function dateProblem(text: string): string | undefined {
  const match = DATE.exec(text);
  if (match === null) return `expected a date YYYY-MM-DD such as 2026-12-20, got ${JSON.stringify(text)}`;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return `${text} is not a calendar date`;
  return undefined;
}

const timeZone = z
  .string()
  .superRefine((value, ctx) => {
    const problem = timeZoneProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  .default('UTC')
  .describe('IANA time zone the days and times are read in, e.g. Europe/London (daylight saving time included). Default UTC.');

export const freezeWindowSchema = z
  .strictObject({
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .optional()
      .describe('A weekly window: the days it starts on (mon, tue, wed, thu, fri, sat, sun); `from` and `to` are then times HH:MM. Unset: a date range.'),
    from: z
      .string()
      .describe(
        'Start: a time HH:MM on each of `days` (weekly), or a date YYYY-MM-DD (a date range, from its first minute). Both ends are inclusive, to the minute.',
      ),
    to: z
      .string()
      .describe(
        'End: a time HH:MM (weekly; earlier than `from` means the window runs past midnight into the next day), or a date YYYY-MM-DD (a date range, to its last minute, on or after `from`).',
      ),
    timeZone,
  })
  // Run even when another field failed (zod skips refinements after an error), so every problem shows in one pass.
  .superRefine(checkWindow, { when: () => true });

export type FreezeWindow = z.output<typeof freezeWindowSchema>;

const environmentName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'expected lower-case letters, digits and -, at most 63 characters');

export const environmentGateSchema = z.strictObject({
  name: environmentName.describe('Environment name, as workloads set it in `environment` (prod, staging, ...).'),
  approval: z
    .enum(['required', 'none'])
    .default('none')
    .describe(
      'required: every release of a workload in this environment waits (`waiting` in history and status) until a manual `approve` releases it or `reject` drops it; who and when are recorded. Default none.',
    ),
  freeze: z
    .array(freezeWindowSchema)
    .default([])
    .describe(
      'Freeze windows: a release that arrives during one waits and is released by the scheduled run once every window has ended; `force: true` on deploy or approve releases it anyway, and is recorded.',
    ),
});

export type EnvironmentGate = z.output<typeof environmentGateSchema>;

export const environmentsSchema = z
  .array(environmentGateSchema)
  .default([])
  .describe(
    "What gates releases per environment (a workload's `environment`), e.g. `- { name: prod, approval: required, freeze: [...] }`. Every workload of this spec in the environment is gated; one without `environment` never is.",
  );

function checkWindow(input: unknown, ctx: z.RefinementCtx): void {
  const window = (input ?? {}) as Record<string, unknown>;
  const { from, to } = window;
  if (typeof from !== 'string' || typeof to !== 'string') return;
  if (window.days !== undefined) {
    for (const [field, value] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (!TIME.test(value))
        ctx.addIssue({ code: 'custom', path: [field], message: `expected a time HH:MM (00:00 to 23:59) in a weekly window, got ${JSON.stringify(value)}` });
    }
    return;
  }
  const problems = { from: dateProblem(from), to: dateProblem(to) };
  if (problems.from !== undefined) ctx.addIssue({ code: 'custom', path: ['from'], message: `${problems.from} (a window without days is a date range)` });
  if (problems.to !== undefined) ctx.addIssue({ code: 'custom', path: ['to'], message: `${problems.to} (a window without days is a date range)` });
  if (problems.from === undefined && problems.to === undefined && to < from)
    ctx.addIssue({ code: 'custom', path: ['to'], message: `to (${to}) is before from (${from})` });
}

/**
 * Cross-field check run from the cluster's `checkCluster`: an environment the spec gates must be
 * one a workload of the spec runs as, so a misspelt name never leaves production ungated.
 *
 * @example
 * checkEnvironments({ environments: [{ name: 'prd' }], workloads: [{ environment: 'prod' }] }, ctx); // no workload ... (did you mean prod?)
 */
export function checkEnvironments(fields: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const gates = fields.environments;
  if (!Array.isArray(gates)) return;
  const used = (Array.isArray(fields.workloads) ? (fields.workloads as unknown[]) : []).flatMap((item) => {
    const environment = (item as Record<string, unknown> | null)?.environment;
    return typeof environment === 'string' ? [environment] : [];
  });
  const seen = new Map<string, number>();
  (gates as unknown[]).forEach((gate, index) => {
    const name = (gate as Record<string, unknown> | null)?.name;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['environments', index, 'name'], message: `duplicate environment "${name}" (first at environments[${first}])` });
      return;
    }
    seen.set(name, index);
    if (used.includes(name)) return;
    const hint = closest(name, used);
    ctx.addIssue({
      code: 'custom',
      path: ['environments', index, 'name'],
      message: `no workload of this spec sets environment "${name}"${hint === undefined ? (used.length === 0 ? '' : ` (workloads use ${[...new Set(used)].join(', ')})`) : ` (did you mean ${hint}?)`}: the gate would hold nothing`,
    });
  });
}
