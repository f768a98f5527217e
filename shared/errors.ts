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

/** A Lambda event that is not of the shape a function accepts. */
export class InvalidEventError extends EksPilotError {}

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
