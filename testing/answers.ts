import type { ErrorAnswer } from '../shared/lambda/middleware';
import { isErrorAnswer } from '../shared/lambda/middleware';
import type { BatchResponse } from '../shared/reconcile/fan-out';

/**
 * The report a handler answered; fails the test, with the error's message, when it answered an error
 * (or a queue batch's partial batch response).
 *
 * @example
 * const { reports } = answered(await handler(planEvent, lambdaContext));
 */
export function answered<T>(result: T | ErrorAnswer): Exclude<T, BatchResponse> {
  if (isErrorAnswer(result)) throw new Error(`expected a report, the handler answered ${result.error.name}: ${result.error.message}`);
  if (typeof result === 'object' && result !== null && 'batchItemFailures' in result)
    throw new Error('expected a report, the handler answered a batch response');
  // Safe: neither an error answer nor a batch response.
  return result as Exclude<T, BatchResponse>;
}

/**
 * The error a handler answered; fails the test when it answered a report.
 *
 * @example
 * expect(rejected(await handler({ mode: 'destroy' }, lambdaContext))).toMatchObject({ field: 'mode' });
 */
export function rejected(result: unknown): ErrorAnswer['error'] {
  if (!isErrorAnswer(result))
    throw new Error(`expected an error answer, the handler answered ${(JSON.stringify(result) as string | undefined)?.slice(0, 200) ?? String(result)}`);
  return result.error;
}
