import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

/**
 * The one base class every error this suite raises extends. Subclasses name what went wrong,
 * each in its own `name` field (`override name = 'SpecError'`): the bundles are minified without
 * keepNames, so a class's identifier is not its name at run time (tests/lint/error-names.test.ts);
 * `context` carries typed facts (never secrets) that logs and CLI output can print; `cause` is
 * always passed on so the original SDK or parser error is never lost.
 *
 * @example
 * throw new SpecError([{ file: 'cluster.yaml', line: 3, column: 1, path: 'version', message: 'expected "1.31"' }]);
 */
export class EksPilotError extends Error {
  override name = 'EksPilotError';

  readonly context: Readonly<Record<string, unknown>>;

  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
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
  override name = 'SpecError';

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
  override name = 'InvalidInputError';

  readonly issues: readonly InputIssue[];

  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown>; issues?: readonly InputIssue[] } = {}) {
    const { issues, ...rest } = options;
    super(message, rest);
    this.issues = (issues ?? []).map((issue) => ({ field: clip(issue.field), reason: clip(issue.reason, MESSAGE_LIMIT) }));
  }
}

/** A Lambda event that is not of the shape a function accepts, or names something the specs do not have. */
export class InvalidEventError extends InvalidInputError {
  override name = 'InvalidEventError';
}

/** `only` (the manual invoke's field, the CLI's `--only`) names a target no selected spec has. */
export class UnknownTargetError extends InvalidInputError {
  override name = 'UnknownTargetError';
}

/** An AWS or Kubernetes call failed in a way the caller cannot treat as "already done". */
export class UpstreamError extends EksPilotError {
  override name = 'UpstreamError';
}

/** EKS allows one update at a time per cluster or node group (409 ResourceInUseException): try again later. */
export class ResourceBusyError extends UpstreamError {
  override name = 'ResourceBusyError';
}

/** Throttling that outlived the SDK's own retries: try again on the next run. */
export class ThrottledError extends UpstreamError {
  override name = 'ThrottledError';
}

/** The service refused the request itself (InvalidParameterException, InvalidRequestException): a person must look. */
export class RequestRejectedError extends UpstreamError {
  override name = 'RequestRejectedError';
}

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

// \u2026 (…) escaped: esbuild escapes strings but not regex literals, and an all-ASCII bundle is read faster (scripts/esbuild/code-cache-loader.cjs).
const CLIPPED = /\u2026 \(\d+ characters\)$/;

/** What a scrubbed secret reads as. */
export const SCRUBBED = '[redacted]';

/**
 * The secrets {@link scrubSecrets} finds in free text, each a regex that keeps what names the secret
 * (group 1) and replaces the rest. Every quantifier is bounded (`{m,n}`, `?`) and no group repeats,
 * so a match attempt reads at most a fixed number of characters from where it starts and cannot
 * backtrack into itself: the work is linear in the text's length whatever it holds.
 */
export const SECRET_PATTERNS: readonly { name: string; pattern: RegExp }[] = [
  // An Authorization header's value, an EKS token or any other bearer token.
  { name: 'bearer token', pattern: /\b(bearer[ \t]{1,8})[\w.~+/=-]{8,8192}/gi },
  // aws-iam-authenticator's token: k8s-aws-v1. + base64url of a presigned STS URL.
  { name: 'EKS token', pattern: /(k8s-aws-v1\.)[\w-]{1,8192}/g },
  // X-Hub-Signature-256 (and a cut one: 16 hex digits are already too many to repeat).
  { name: 'webhook signature', pattern: /(sha256=)[0-9a-f]{16,64}/gi },
  // Long-term (AKIA) and temporary (ASIA) access key ids: 4 letters + 16 upper-case letters and digits.
  { name: 'AWS access key id', pattern: /()\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  // aws_secret_access_key = ..., "SecretAccessKey": "...", aws_session_token=..., as config files and SDK objects write them.
  { name: 'AWS secret key or session token', pattern: /((?:aws_?)?(?:secret_?access_?key|session_?token)["']?[ \t]{0,8}[:=][ \t]{0,8}["']?)[\w/+=]{1,4096}/gi },
  // A presigned URL's signature, credential and session token.
  { name: 'presigned URL query', pattern: /(x-amz-(?:signature|credential|security-token)=)[^&\s"'<>]{1,4096}/gi },
];

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----/g;
const PEM_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----/g;

/**
 * Replaces every secret {@link SECRET_PATTERNS} and PEM private keys describe with
 * {@link SCRUBBED}, wherever it stands in the text: an error message from an API server that echoes
 * the request's bearer token, a presigned URL, a config file quoted in a message. The logger applies
 * it to every string it writes, and error answers and the CLI's error output to every message.
 * Linear in the text's length (bounded patterns; PEM blocks found by scanning forward once).
 *
 * @example
 * scrubSecrets('Unauthorized: Authorization: Bearer k8s-aws-v1.aHR0cHM6Ly9zdHM'); // 'Unauthorized: Authorization: Bearer [redacted]'
 * scrubSecrets('X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'); // '... sha256=[redacted]'
 */
export function scrubSecrets(text: string): string {
  let out = scrubPem(text);
  for (const { pattern } of SECRET_PATTERNS) out = out.replace(pattern, (_match, kept: string) => `${kept}${SCRUBBED}`);
  return out;
}

/** Every PEM private key block, BEGIN to END (or to the end of a text cut short), as {@link SCRUBBED}. */
function scrubPem(text: string): string {
  if (!text.includes('PRIVATE KEY-----')) return text;
  let out = '';
  let from = 0;
  PEM_BEGIN.lastIndex = 0;
  for (let begin = PEM_BEGIN.exec(text); begin !== null; begin = PEM_BEGIN.exec(text)) {
    PEM_END.lastIndex = begin.index + begin[0].length;
    const end = PEM_END.exec(text);
    out += `${text.slice(from, begin.index)}${SCRUBBED}`;
    from = end === null ? text.length : end.index + end[0].length;
    if (end === null) break;
    PEM_BEGIN.lastIndex = from;
  }
  return out + text.slice(from);
}

/**
 * A copy of `value` with every string, in nested plain objects and arrays too, passed through
 * {@link scrubSecrets}; other values are kept.
 *
 * @example
 * scrubStrings({ message: 'token k8s-aws-v1.abc rejected', count: 1 }); // { message: 'token k8s-aws-v1.[redacted] rejected', count: 1 }
 */
export function scrubStrings<T>(value: T): T {
  // Safe: only strings are replaced (by strings), plain objects and arrays rebuilt key for key.
  return scrubValue(value, 0) as T;
}

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth > 8) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => scrubValue(item, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, scrubValue(entry, depth + 1)]));
}

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
