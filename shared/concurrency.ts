/**
 * Maps items with at most `limit` calls in flight, keeping the results in input order. The fleet
 * runs of provision and eip-manager use it so one slow cluster never holds up more than one slot.
 *
 * @example
 * const reports = await mapBounded(specs, 4, (spec) => reconcileCluster(spec, deps, { mode: 'plan' }));
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
