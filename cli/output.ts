/**
 * What every command shares on the way out: the streams, terraform's exit codes, the one way a
 * failure is described (no stack trace unless EKS_PILOT_DEBUG is set), and JSON output.
 */
import { cliDebug } from '../shared/config';
import { EksPilotError, SpecError } from '../shared/errors';
import type { PlanStatus } from '../shared/model/plan/plan';

export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** 0 success, 1 error (an invalid spec included), 2 changes pending (only with --detailed-exitcode). */
export const EXIT = { ok: 0, error: 1, changesPending: 2 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A command line that cannot run as written: its message names what was wrong; usage follows it. */
export class UsageError extends EksPilotError {
  override name = 'UsageError';
}

/** The logger the CLI hands to the functions' code: the CLI prints reports, not log lines. */
export const QUIET_LOGGER = { info: (): undefined => undefined, warn: (): undefined => undefined, error: (): undefined => undefined };

/**
 * The exit code of a set of plan statuses: 1 when one is blocked, 2 when changes are pending and
 * `detailed` is set, else 0.
 *
 * @example
 * exitFor(['changes', 'no-changes'], true); // 2
 */
export function exitFor(statuses: readonly PlanStatus[], detailed: boolean): ExitCode {
  if (statuses.includes('blocked')) return EXIT.error;
  return detailed && statuses.includes('changes') ? EXIT.changesPending : EXIT.ok;
}

/**
 * Versioned JSON, two-space indented, one trailing newline.
 *
 * @example
 * io.stdout.write(toJson({ reports }));
 */
export function toJson(body: Record<string, unknown>): string {
  return `${JSON.stringify({ formatVersion: 1, ...body }, null, 2)}\n`;
}

/**
 * How a failure reads on stderr: the spec's problems with file and line, our own errors by their
 * message, and anything else as an internal error (with its stack only under EKS_PILOT_DEBUG).
 */
export function describeFailure(error: unknown): string {
  if (error instanceof SpecError) {
    const count = error.issues.length;
    return `error: the spec is not valid (${count} ${count === 1 ? 'problem' : 'problems'}):\n${error.message}\n`;
  }
  const debug = cliDebug() ? `\n${(error as Error).stack ?? String(error)}` : '';
  if (error instanceof EksPilotError) return `error: ${error.message}${debug}\n`;
  // A bug of ours: say so plainly; the stack only on request.
  return `internal error: ${error instanceof Error ? error.message : String(error)}${debug}\n`;
}

/** One line for an error inside a report (a cluster that could not be read), never a stack. */
export function oneLine(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}
