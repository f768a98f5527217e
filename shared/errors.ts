import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

/**
 * The one base class every error this suite raises extends. Subclasses name what went wrong;
 * `context` carries typed facts (never secrets) that logs and CLI output can print; `cause` is
 * always passed on so the original SDK or parser error is never lost.
 *
 * @example
 * throw new SpecError([{ file: 'cluster.yaml', line: 3, column: 1, path: 'version', message: 'expected "1.31"' }]);
 */
export class EksPilotError extends Error {
  readonly context: Readonly<Record<string, unknown>>;

  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.context = options.context ?? {};
  }
}

/** One thing wrong with a spec, located in its file. */
export interface SpecIssue {
  file: string;
  /** 1-based; 0 when the problem is the file as a whole (missing, empty). */
  line: number;
  column: number;
  /** Field path in dotted form with indices, e.g. `nodeGroups[1].scaling.min`; '' for the document. */
  path: string;
  message: string;
}

/** A spec that cannot be read or does not validate. Lists every issue found, not just the first. */
export class SpecError extends EksPilotError {
  readonly issues: readonly SpecIssue[];

  constructor(issues: readonly SpecIssue[], options: { cause?: unknown } = {}) {
    super(issues.map(formatSpecIssue).join('\n'), { ...options, context: { issueCount: issues.length } });
    this.issues = issues;
  }
}

/** `file:line:column path: message`, the shape compilers use, so editors can jump to it. */
export function formatSpecIssue(issue: SpecIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** One thing wrong with what a person or a trigger sent: the field (`only[0]`, `mode`, `(event)`) and why. */
export interface InputIssue {
  field: string;
  reason: string;
}

/**
 * Input that cannot be acted on, whoever sent it (a Lambda event, a CLI flag): retrying the same
 * input cannot succeed. `issues` names each bad field and why, already cut with {@link clip}.
 *
 * @example
 * throw new InvalidInputError('mode: expected one of plan|apply', { issues: [{ field: 'mode', reason: 'expected one of plan|apply' }] });
 */
export class InvalidInputError extends EksPilotError {
  readonly issues: readonly InputIssue[];

  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown>; issues?: readonly InputIssue[] } = {}) {
    const { issues, ...rest } = options;
    super(message, rest);
    this.issues = (issues ?? []).map((issue) => ({ field: clip(issue.field), reason: clip(issue.reason, MESSAGE_LIMIT) }));
  }
}

/** A Lambda event that is not of the shape a function accepts, or names something the specs do not have. */
export class InvalidEventError extends InvalidInputError {}

/** `only` (the manual invoke's field, the CLI's `--only`) names a target no selected spec has. */
export class UnknownTargetError extends InvalidInputError {}

/** An AWS or Kubernetes call failed in a way the caller cannot treat as "already done". */
export class UpstreamError extends EksPilotError {}

/** EKS allows one update at a time per cluster or node group (409 ResourceInUseException): try again later. */
export class ResourceBusyError extends UpstreamError {}

/** Throttling that outlived the SDK's own retries: try again on the next run. */
export class ThrottledError extends UpstreamError {}

/** The service refused the request itself (InvalidParameterException, InvalidRequestException): a person must look. */
export class RequestRejectedError extends UpstreamError {}

/** An error as one line a person reads: `ResourceBusyError: ...`. */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * An error as structured log facts: name, message and, for ours, the typed context (which never
 * holds secrets). No stack, no request bodies.
 *
 * @example
 * logger.error('cluster run failed', { cluster, error: errorFacts(error) });
 */
export function errorFacts(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  return { name: error.name, message: error.message, ...(error instanceof EksPilotError ? { context: error.context } : {}) };
}

/** How much of a value received from outside an error or log message repeats. */
export const ECHO_LIMIT = 200;

/** The last-resort bound on a whole message (it may list several clipped values). */
export const MESSAGE_LIMIT = 1000;

/**
 * Cuts text received from outside (a field of an event, a key, a flag) before an error or a log
 * line repeats it: the first `max` characters, an ellipsis, and the original length.
 *
 * @example
 * clip('x'.repeat(10_000)); // 'xxx…xxx… (10000 characters)', 200 x's
 */
export function clip(text: string, max: number = ECHO_LIMIT): string {
  if (text.length <= max) return text;
  // Already cut (a message built from clipped values, clipped again for a log line): keep the first length.
  const marker = CLIPPED.exec(text);
  if (marker !== null && marker.index <= max) return text;
  return `${text.slice(0, max)}… (${text.length} characters)`;
}

const CLIPPED = /… \(\d+ characters\)$/;

/**
 * A copy of `value` with every string, in nested plain objects and arrays too, cut with
 * {@link clip}; other values are kept. For error contexts, which may carry what an event held.
 *
 * @example
 * clipStrings({ cluster: 'x'.repeat(10_000), count: 2 }); // { cluster: 'xxx… (10000 characters)', count: 2 }
 */
export function clipStrings<T>(value: T, max: number = ECHO_LIMIT): T {
  // Safe: only strings are replaced (by strings), plain objects and arrays rebuilt key for key.
  return clipValue(value, max, 0) as T;
}

function clipValue(value: unknown, max: number, depth: number): unknown {
  if (typeof value === 'string') return clip(value, max);
  if (depth > 8) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => clipValue(item, max, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [clip(key, max), clipValue(entry, max, depth + 1)]));
}

/**
 * Whether a failure is worth trying again on the next run rather than a person's attention:
 * throttling (ThrottlingException, RequestLimitExceeded, TooManyRequestsException, Throttling, a
 * 429), a 5xx after the SDK's retries, a timeout or a network error (ECONNREFUSED, ETIMEDOUT,
 * ECONNRESET, EAI_AGAIN, ...), or EKS busy with another update; looked for along the `cause` chain,
 * so a typed error wrapping an SDK or Node error is classified by what it wraps.
 *
 * The AWS-level rules are the SDK's own (`@smithy/core/retry`, the classifier its retry strategy
 * uses: `$retryable`, error names, status codes, Node error codes), so a run gives up on exactly
 * what the SDK would have retried. AbortError is never transient.
 *
 * @example
 * isTransient(new UpstreamError('Publish failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) })); // true
 * isTransient(new RequestRejectedError('UpdateNodegroupConfig rejected: minSize > maxSize')); // false
 */
export function isTransient(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth <= 10; current = current.cause, depth += 1) {
    if (current instanceof ThrottledError || current instanceof ResourceBusyError) return true;
    if (current instanceof RequestRejectedError || current instanceof InvalidInputError) return false;
    // The Kubernetes adapter's answers carry the HTTP status in their context (0: no answer at all).
    const status = current instanceof UpstreamError ? current.context.status : undefined;
    if (typeof status === 'number' && status >= 500 && status <= 599) return true;
    // Safe: the SDK's classifier only reads optional fields (`$metadata`, `$retryable`, `name`, `code`, `cause`) of an Error.
    const sdkError = current as Parameters<typeof isTransientError>[0];
    if (isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError)) return true;
  }
  return false;
}
