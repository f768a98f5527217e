/**
 * Taking a lease when the answer can be lost: the conditional write may land while its answer
 * times out (the SDK's own retries included), leaving this run's lease in the table for its whole
 * duration. A run that cannot tell gives back what may be its own, so the next run is not kept off,
 * and then fails as the store did. provision's cluster lease and deploy's workload lease both take
 * theirs this way.
 */
import type { LeaseOutcome, LeasePort, LeaseRequest } from '../ports/lease';

/**
 * Takes the lease, or, when the store fails, gives back what may be this owner's and rethrows.
 *
 * @throws what the lease store threw (LeaseStoreError from the DynamoDB adapter).
 * @example
 * const taken = await acquireOrGiveBack(leases, { key, owner, holder, now, durationMs: 360_000 });
 * if (!taken.acquired) return busy(taken.heldBy);
 */
export async function acquireOrGiveBack(port: LeasePort, request: LeaseRequest): Promise<LeaseOutcome> {
  try {
    return await port.acquire(request);
  } catch (error) {
    // Released only if it is this owner's: a lease another run holds is left alone.
    await port.release({ key: request.key, owner: request.owner, holder: request.holder, expiresAt: request.now }).catch(() => undefined);
    throw error;
  }
}
