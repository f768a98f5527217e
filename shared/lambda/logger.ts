import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { loggerSettings } from '../config';
import { scrubSecrets } from '../errors';

/**
 * Keys whose values are never logged. Matched anywhere in a key, case-insensitively, so
 * `X-Hub-Signature-256`, `SessionToken`, `webhookSecret` and `Authorization` are all caught.
 */
export const SECRET_KEY_PATTERN = /secret|token|passw(?:or)?d|authorization|signature|credential|cookie|api[-_]?key|private[-_]?key/i;

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

/** Service name when neither the caller nor `POWERTOOLS_SERVICE_NAME` gives one. */
export const DEFAULT_SERVICE_NAME = 'eks-pilot';

/** Options for {@link createLogger}; each falls back to the environment, then a default. */
export interface CreateLoggerOptions {
  /** Wins over `POWERTOOLS_SERVICE_NAME`; {@link DEFAULT_SERVICE_NAME} when neither is set. */
  serviceName?: string;
  /** Wins over `POWERTOOLS_LOG_LEVEL` and `LOG_LEVEL`; INFO when none is set. Lambda's own log-level control (`AWS_LAMBDA_LOG_LEVEL`) still filters. */
  logLevel?: LogLevel;
}

/**
 * Builds the Powertools logger every function uses: one JSON object per line on stdout/stderr,
 * every value under a key matching {@link SECRET_KEY_PATTERN}, at any depth, printed as
 * {@link REDACTED}, and every other string scrubbed of tokens, signatures and keys (`scrubSecrets`).
 *
 * Redaction is a safety net, not a licence: callers log facts (names, ids, counts, states), never
 * request bodies, headers, kubeconfigs or credentials, and never put a secret in an error message.
 *
 * @example
 * const logger = createLogger({ serviceName: 'eip-manager' });
 * logger.info('elastic IP associated', { allocationId: 'eipalloc-0abc', instanceId: 'i-0def' });
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const serviceName = options.serviceName ?? loggerSettings().serviceName ?? DEFAULT_SERVICE_NAME;
  return new Logger({
    serviceName,
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    jsonReplacerFn: redactingReplacer,
  });
}

/**
 * A `JSON.stringify` replacer that hides values under secret-looking keys and scrubs every other
 * string with `scrubSecrets` (bearer and EKS tokens, webhook signatures, AWS keys, presigned URL
 * signatures, PEM private keys); the logger applies it to every key of every line.
 *
 * @example
 * JSON.stringify({ token: 'abc', cluster: 'payments' }, redactingReplacer); // '{"token":"[redacted]","cluster":"payments"}'
 * JSON.stringify({ message: 'Unauthorized: Bearer k8s-aws-v1.aHR0cHM6Ly9zdHM' }, redactingReplacer); // '{"message":"Unauthorized: Bearer [redacted]"}'
 */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== '' && SECRET_KEY_PATTERN.test(key)) return REDACTED;
  // Whatever key holds it: a token or signature inside a message (an API server echoing the request) is scrubbed too.
  return typeof value === 'string' ? scrubSecrets(value) : value;
}

/**
 * Returns a copy of `value` in which every value under a key matching {@link SECRET_KEY_PATTERN}, in
 * nested plain objects and arrays too, is {@link REDACTED}. Other objects (Dates, class instances)
 * are kept as they are; a cycle becomes `'[circular]'`.
 *
 * @example
 * redact({ cluster: 'payments', auth: { token: 'k8s-aws-v1.abc' } });
 * // { cluster: 'payments', auth: { token: '[redacted]' } }
 */
export function redact<T>(value: T): T {
  // Safe: only plain objects and arrays are rebuilt, key for key, and only values change.
  return redactValue(value, new WeakSet()) as T;
}

function redactValue(value: unknown, ancestors: WeakSet<object>): unknown {
  if (Array.isArray(value)) {
    if (ancestors.has(value)) return '[circular]';
    ancestors.add(value);
    const copy = value.map((item: unknown) => redactValue(item, ancestors));
    ancestors.delete(value);
    return copy;
  }
  if (!isPlainObject(value)) return value;
  if (ancestors.has(value)) return '[circular]';
  ancestors.add(value);
  const copy: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    copy[key] = SECRET_KEY_PATTERN.test(key) ? REDACTED : redactValue(entry, ancestors);
  }
  ancestors.delete(value);
  return copy;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
