/**
 * The error a promise rejects with, for tests that assert on more than its message (its class,
 * its context, whether it is transient).
 *
 * @example
 * const error = await rejectionOf(adapter.describeCluster('gone'));
 * expect(isTransient(error)).toBe(false);
 */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  const outcome: unknown = await promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error(`expected a rejection with an Error, got ${String(outcome)}`);
  return outcome;
}
