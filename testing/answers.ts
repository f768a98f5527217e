import type { ErrorAnswer } from '../shared/lambda/middleware';
import { isErrorAnswer } from '../shared/lambda/middleware';

/**
 * The report a handler answered; fails the test, with the error's message, when it answered an error.
 *
 * @example
 * const { reports } = answered(await handler(planEvent, lambdaContext));
 */
export function answered<T>(result: T | ErrorAnswer): T {
  if (isErrorAnswer(result)) throw new Error(`expected a report, the handler answered ${result.error.name}: ${result.error.message}`);
  return result;
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
