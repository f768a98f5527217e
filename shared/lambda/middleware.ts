import middy from '@middy/core';
import type { MiddlewareObj, MiddyfiedHandler, MiddyHandlerObject } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
// Named, from zod's core: reaching them through `z.core` would bring the whole core namespace (every locale) into the bundle.
import { $constructor, $ZodError, _safeParseAsync } from 'zod/v4/core';
import type { InputIssue } from '../errors';
import {
  clip,
  clipStrings,
  ECHO_LIMIT,
  EksPilotError,
  InvalidEventError,
  InvalidInputError,
  isTransient,
  MESSAGE_LIMIT,
  scrubSecrets,
  scrubStrings,
} from '../errors';
import { redact } from './logger';

/** Log keys a function adds to every line of one invocation (cluster, delivery id, ...). */
export type CorrelationKeys = Record<string, string | number | boolean | undefined>;

/** The function a {@link lambdaStack} wraps: it receives the event already parsed by the schema. */
export type StackHandler<TEvent, TResult> = (event: TEvent, context: Context, options: MiddyHandlerObject) => Promise<TResult>;

/** What every function passes to {@link lambdaStack}. */
export interface LambdaStackOptions<TSchema extends z.core.$ZodType> {
  logger: Logger;
  eventSchema: TSchema;
  /** Picks correlation keys from the parsed event; they appear on every later line of the invocation. */
  correlationKeys?: (event: z.output<TSchema>) => CorrelationKeys;
  /**
   * Whether the raw event comes from a caller that waits for the answer (a manual invoke): then
   * every error is answered as an {@link ErrorAnswer}, never thrown. By default only invalid input is.
   */
  callerWaits?: (event: unknown) => boolean;
}

/**
 * Wraps a handler in the middy stack every eks-pilot function uses, outermost first:
 * 1. Powertools `injectLambdaContext`: every line carries the request id, function name and cold-start
 *    flag; keys added with `logger.appendKeys` are cleared after each invocation (use
 *    `appendPersistentKeys` for container-wide ones); the raw event is never logged.
 * 2. {@link logErrors}: any error from the layers below is logged once.
 * 3. {@link answerErrors}: invalid input (and, where `callerWaits` says so, any error) is answered
 *    as an {@link ErrorAnswer} without a stack; any other error fails the invocation, so Lambda retries it.
 * 4. {@link validateEvent}: the handler only ever receives an event its schema accepts.
 * 5. {@link appendCorrelationKeys}, when `correlationKeys` is given.
 *
 * HTTP concerns (status codes, response bodies) are not handled here; a function fronted by API
 * Gateway adds its own middleware with `.use()` on the result.
 *
 * @example
 * const logger = createLogger({ serviceName: 'eip-manager' });
 * const Event = z.object({ 'detail-type': z.literal('Scheduled Event'), region: z.string() });
 *
 * export const handler = lambdaStack(async (event) => run(event.region), {
 *   logger,
 *   eventSchema: Event,
 *   correlationKeys: (event) => ({ region: event.region }),
 * });
 */
export function lambdaStack<TSchema extends z.core.$ZodType, TResult>(
  handler: StackHandler<z.output<TSchema>, TResult>,
  options: LambdaStackOptions<TSchema>,
): MiddyfiedHandler<unknown, TResult | ErrorAnswer> {
  const { logger, eventSchema, correlationKeys, callerWaits } = options;
  const stack = middy<unknown, TResult | ErrorAnswer>()
    // logEvent: false so POWERTOOLS_LOGGER_LOG_EVENT cannot make it print raw events, which may hold secrets.
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(logErrors({ logger }))
    .use(answerErrors(callerWaits ? { callerWaits } : {}))
    .use(validateEvent(eventSchema));
  if (correlationKeys !== undefined) stack.use(appendCorrelationKeys(logger, correlationKeys));
  // Safe: validateEvent has replaced request.event with the schema's output before the handler runs.
  return stack.handler((event, context, opts) => handler(event as z.output<TSchema>, context, opts));
}

/** Options for {@link validateEvent}. */
export interface ValidateEventOptions {
  /** How many issues the error message lists before summarising the rest. */
  maxIssues: number;
}

const validateEventDefaults: ValidateEventOptions = { maxIssues: 10 };

/**
 * What a bad event's parse raises: zod/mini names its error `$ZodError`; this one keeps classic
 * zod's name, `ZodError`, which the logged cause of an invalid event has always carried.
 */
const EventParseError = $constructor(
  'ZodError',
  (inst: z.core.$ZodError, issues: z.core.$ZodIssue[]) => {
    $ZodError.init(inst, issues);
    inst.name = 'ZodError';
  },
  undefined,
  { Parent: Error },
);
const safeParseEvent = _safeParseAsync(EventParseError);

/**
 * Middleware that parses `request.event` with a zod schema and replaces it with the parsed value
 * (defaults applied, transforms run). An event the schema rejects raises {@link InvalidEventError}
 * naming each bad field and what was expected, never the value received (it may be a secret):
 * `unexpected event: detail.state.value: expected one of ALARM|OK|INSUFFICIENT_DATA`.
 *
 * @example
 * middy(handler).use(validateEvent(z.object({ source: z.literal('aws.events') }), { maxIssues: 5 }));
 */
export function validateEvent(schema: z.core.$ZodType, options: Partial<ValidateEventOptions> = {}): MiddlewareObj {
  const { maxIssues } = { ...validateEventDefaults, ...options };
  return {
    name: 'validateEvent',
    before: async (request) => {
      const result = await safeParseEvent(schema, request.event, { error: describeIssue });
      if (!result.success) throw invalidEventError(result.error, maxIssues);
      request.event = result.data;
    },
  };
}

/** Options for {@link logErrors}. */
export interface LogErrorsOptions {
  logger: Logger;
  /** The `message` field of the error line. */
  message: string;
}

const logErrorsDefaults = { message: 'invocation failed' } satisfies Partial<LogErrorsOptions>;

// Per-request state, namespaced as middy's own middlewares do: the error this middleware last logged.
const LOGGED_ERROR_KEY = 'eks-pilot.logErrors.logged';

/**
 * Middleware that logs the invocation's error once, as one structured, redacted line
 * (`{ message: 'invocation failed', error: { name, message, context, cause } }`, every string cut
 * with `clip`), and lets it propagate: it sets no response, so unless a middleware inside it
 * answers the error, middy rethrows it and Lambda records the invocation as failed (and retries or
 * dead-letters it as configured). A second `logErrors` in the same stack
 * does not log the same error again.
 *
 * @example
 * middy(handler).use(logErrors({ logger }));
 */
export function logErrors(options: Pick<LogErrorsOptions, 'logger'> & Partial<LogErrorsOptions>): MiddlewareObj {
  const { logger, message } = { ...logErrorsDefaults, ...options };
  return {
    name: 'logErrors',
    onError: (request) => {
      const internal: Record<string, unknown> = request.internal;
      if (internal[LOGGED_ERROR_KEY] === request.error) return;
      internal[LOGGED_ERROR_KEY] = request.error;
      logger.error(message, { error: redact(describeError(request.error)) });
      // Returning anything here would become the response and swallow the error: return nothing.
    },
  };
}

/**
 * What a function answers instead of failing: the error's name and one-line message and, for
 * invalid input, the first bad field and why (all of them under `issues`). Never a stack, never the
 * cause's internals; every value received from outside is cut with `clip`.
 *
 * @example
 * // A manual provision invoke {"mode": "destroy"}:
 * {
 *   error: {
 *     name: 'InvalidEventError',
 *     message: 'unexpected event: mode: expected one of plan|apply',
 *     field: 'mode',
 *     reason: 'expected one of plan|apply',
 *     issues: [{ field: 'mode', reason: 'expected one of plan|apply' }],
 *     retryable: false,
 *   },
 * }
 */
export interface ErrorAnswer {
  error: {
    name: string;
    message: string;
    field?: string;
    reason?: string;
    issues?: InputIssue[];
    /** True when the same request may succeed later (throttling, a 5xx, the network, EKS busy). */
    retryable: boolean;
  };
}

/**
 * The {@link ErrorAnswer} for an error.
 *
 * @example
 * errorAnswer(new UpstreamError('Publish failed: ServiceUnavailable: ...')).error.retryable;
 */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (!(error instanceof Error)) return { error: { name: 'NonError', message: `a value of type ${typeof error} was thrown`, retryable: false } };
  // Scrubbed before it is cut, so a cut never leaves half a token behind.
  const answer: ErrorAnswer['error'] = { name: error.name, message: clip(scrubSecrets(error.message), MESSAGE_LIMIT), retryable: isTransient(error) };
  if (error instanceof InvalidInputError && error.issues.length > 0) {
    const issues = error.issues.map((issue) => ({ field: scrubSecrets(issue.field), reason: scrubSecrets(issue.reason) }));
    const [first] = issues;
    if (first !== undefined) Object.assign(answer, { field: first.field, reason: first.reason });
    answer.issues = issues;
  }
  return { error: answer };
}

/**
 * Whether a function's answer is an {@link ErrorAnswer} rather than its report.
 *
 * @example
 * const answer = await handler(event, context);
 * if (isErrorAnswer(answer)) console.error(answer.error.message);
 */
export function isErrorAnswer(value: unknown): value is ErrorAnswer {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const { error } = value;
  return typeof error === 'object' && error !== null && 'name' in error && 'message' in error && 'retryable' in error;
}

/** Options for {@link answerErrors}. */
export interface AnswerErrorsOptions {
  /** Whether the raw event's caller waits for the answer (a manual invoke): then every error is answered. */
  callerWaits: (event: unknown) => boolean;
}

const answerErrorsDefaults: AnswerErrorsOptions = { callerWaits: () => false };

// Per-request state: whether this invocation's caller waits for the answer, read from the raw event.
const CALLER_WAITS_KEY = 'eks-pilot.answerErrors.callerWaits';

/**
 * Middleware that answers an error with an {@link ErrorAnswer} instead of failing the invocation:
 * always for invalid input ({@link InvalidInputError}), and for any error when `callerWaits` says the
 * raw event's caller waits for the answer. Anything else is left to fail, so Lambda retries it (then
 * dead-letters it). It sets the response and returns nothing, so `logErrors` (outside it) still logs
 * the error once; a response an inner middleware set (an HTTP answer) is kept.
 *
 * @example
 * middy(handler).use(logErrors({ logger })).use(answerErrors({ callerWaits: (event) => isRecord(event) && 'mode' in event }));
 */
export function answerErrors(options: Partial<AnswerErrorsOptions> = {}): MiddlewareObj {
  const { callerWaits } = { ...answerErrorsDefaults, ...options };
  return {
    name: 'answerErrors',
    before: (request) => {
      const internal: Record<string, unknown> = request.internal;
      internal[CALLER_WAITS_KEY] = callerWaits(request.event);
    },
    onError: (request) => {
      if (request.response !== undefined) return;
      const internal: Record<string, unknown> = request.internal;
      // An invalid event is answered, not thrown, for async triggers too: a retry of the same bytes cannot pass, so Lambda must not retry it into the DLQ.
      if (request.error instanceof InvalidInputError || internal[CALLER_WAITS_KEY] === true) request.response = errorAnswer(request.error);
    },
  };
}

/**
 * Middleware that adds keys picked from the (already validated) event to every log line of the
 * invocation; undefined values are left out. The keys are cleared at the end of the invocation by
 * `injectLambdaContext(logger, { resetKeys: true })`, which {@link lambdaStack} sets up.
 *
 * @example
 * middy(handler).use(appendCorrelationKeys(logger, (event: AlarmEvent) => ({ alarm: event.detail.alarmName })));
 */
export function appendCorrelationKeys<TEvent>(logger: Logger, keysOf: (event: TEvent) => CorrelationKeys): MiddlewareObj<TEvent> {
  return {
    name: 'appendCorrelationKeys',
    before: (request) => {
      // A key may come straight from the event (a manual invoke's workload): cut it like any echoed input.
      const keys = Object.entries(keysOf(request.event))
        .filter(([, value]) => value !== undefined)
        .map(([key, value]): [string, string | number | boolean | undefined] => [key, typeof value === 'string' ? clip(value) : value]);
      logger.appendKeys(Object.fromEntries(keys));
    },
  };
}

/** The fields of the error log line: facts only, so no stack and no input values. */
interface ErrorDescription {
  name: string;
  message: string;
  context?: Readonly<Record<string, unknown>>;
  issues?: InputIssue[];
  cause?: { name: string; message: string };
}

/** Values from the event may reach a message, a context or a cause (a ZodError lists unknown keys): each is cut. */
function describeError(error: unknown): ErrorDescription {
  if (!(error instanceof Error)) {
    return { name: 'NonError', message: `a value of type ${typeof error} was thrown` };
  }
  // Scrubbed before it is cut (the logger scrubs again, but a cut token would no longer match).
  const description: ErrorDescription = { name: error.name, message: clip(scrubSecrets(error.message), MESSAGE_LIMIT) };
  if (error instanceof EksPilotError) description.context = clipStrings(scrubStrings(error.context));
  if (error instanceof InvalidInputError && error.issues.length > 0) description.issues = error.issues.map((issue) => ({ ...issue }));
  if (error.cause instanceof Error) description.cause = { name: error.cause.name, message: clip(scrubSecrets(error.cause.message), ECHO_LIMIT) };
  return description;
}

function invalidEventError(error: z.core.$ZodError, maxIssues: number): InvalidEventError {
  // Paths and zod's own messages may repeat what was sent (an unknown key's name): cut each.
  const issues = error.issues.map((issue) => ({ field: clip(formatPath(issue.path)), reason: clip(issue.message) }));
  const listed = issues.slice(0, maxIssues).map((issue) => `${issue.field}: ${issue.reason}`);
  if (issues.length > maxIssues) listed.push(`and ${issues.length - maxIssues} more`);
  return new InvalidEventError(`unexpected event: ${listed.join('; ')}`, { cause: error, context: { issueCount: issues.length }, issues });
}

/** `detail.resources[0]`, the form SpecIssue paths use; `(event)` for the event as a whole. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(event)' : out;
}

// A per-parse error map: zod still prefers messages a schema sets itself. Returning undefined falls
// back to zod's own message, which names the constraint (e.g. "Too small: expected string to have >=1 characters").
const describeIssue: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    return issue.input === undefined ? `required, expected ${issue.expected}` : `expected ${issue.expected}, received ${typeName(issue.input)}`;
  }
  if (issue.code === 'invalid_value') {
    const [only, ...rest] = issue.values;
    return rest.length === 0 ? `expected ${formatValue(only)}` : `expected one of ${issue.values.map(formatValue).join('|')}`;
  }
  return undefined;
};

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Bare words read best in `ALARM|OK`; anything with spaces or punctuation is quoted. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[\w.:/-]+$/.test(value) ? value : JSON.stringify(value);
  return String(value);
}
