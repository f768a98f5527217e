/**
 * Throttling the SDK gave up retrying, told the way the SDK's own retry strategy tells it
 * (`isThrottlingError` of `@smithy/core/retry`): a 429, `$retryable.throttling`, or one of its
 * throttling error names (Throttling, ThrottlingException, RequestLimitExceeded,
 * TooManyRequestsException, ...). One rule for every adapter, so a run calls throttled exactly what
 * the SDK backed off from.
 */
import { isThrottlingError } from '@smithy/core/retry';

/**
 * @example
 * isThrottling(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })); // true
 * isThrottling(new Error('no')); // false
 */
export function isThrottling(error: unknown): boolean {
  // Safe: the classifier only reads optional fields (`$metadata`, `$retryable`, `name`) of an Error.
  return error instanceof Error && isThrottlingError(error as Parameters<typeof isThrottlingError>[0]);
}
