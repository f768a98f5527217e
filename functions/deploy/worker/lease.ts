/**
 * One writer per workload: every change of a workload's release history (a deploy, a rollback, a
 * restore, an approval, the watch that ends a release) runs under the workload's lease, so a CLI
 * run and a Lambda run, or a rebuild's restore and a push, never both read the same history, apply
 * and write over each other. The queue keeps one workload's messages in order (one FIFO message
 * group per workload); the lease covers what arrives beside the queue.
 *
 * The lease is taken before the history is read, so what the run plans from is what the last
 * holder left; a run that finds it held changes nothing and says who holds it. It lives in the
 * shared lease table of the cluster's Region and account, beside provision's and eip-manager's.
 */
import { randomUUID } from 'node:crypto';
import { errorFacts, ResourceBusyError } from '../../../shared/errors';
import type { Lease, LeaseOutcome, LeasePort } from '../../../shared/ports/lease';
import { LeaseLostError } from '../../../shared/ports/lease';
import { acquireOrGiveBack } from '../../../shared/reconcile/lease';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import type { DeployTarget } from '../model/targets';
import { targetKey } from '../model/targets';

/**
 * How long a workload's lease lasts without renewal: deploy-worker's timeout (300 s) and a minute.
 * A run that watches longer (the CLI has no timeout) renews it between polls once half has run.
 */
export const DEPLOY_LEASE_MS = 6 * 60_000;

/** Where a workload's lease lives and who takes it. */
export interface WorkloadLeaseDeps {
  /** The lease store of a target's cluster (its Region and account). */
  leaseFor(target: DeployTarget): LeasePort;
  /** Who this run is, for the run that finds the lease taken: `lambda eks-pilot-prod-deploy-worker`, `cli ana@laptop`. */
  holder: string;
  /** A unique id per run (default a random UUID). */
  owner?(): string;
}

/** Another run is changing the workload: this run changed nothing, and trying again later is right. */
export class WorkloadBusyError extends ResourceBusyError {
  override name = 'WorkloadBusyError';
}

/**
 * The lease key of a workload.
 *
 * @example
 * deployLeaseKey(target); // 'deploy/eu-west-1/crypto-oms/crypto-oms'
 */
export function deployLeaseKey(target: Pick<DeployTarget, 'region' | 'cluster' | 'workload'>): string {
  return `deploy/${target.region}/${target.cluster}/${target.workload.name}`;
}

/**
 * Runs `work` under the workload's lease (as is, without `lease`). `work` gets a `keep` to call
 * between long waits: it renews the lease once half of it has run, and throws LeaseLostError when
 * another run took it over, so nothing more is written.
 *
 * @throws WorkloadBusyError when another run holds the lease; the lease store's error when it cannot be taken.
 * @example
 * return withWorkloadLease(target, deps, (keep) => deployUnderLease(target, image, { ...deps, sleep: async (ms) => { await deps.sleep(ms); await keep(); } }));
 */
export async function withWorkloadLease<T>(
  target: DeployTarget,
  deps: { lease?: WorkloadLeaseDeps; now(): Date; logger: RunLogger },
  work: (keep: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const { lease: leaseDeps } = deps;
  if (leaseDeps === undefined) return work(() => Promise.resolve());
  const leases = leaseDeps.leaseFor(target);
  const owner = leaseDeps.owner?.() ?? randomUUID();
  const request = { key: deployLeaseKey(target), owner, holder: leaseDeps.holder, now: deps.now(), durationMs: DEPLOY_LEASE_MS };
  const facts = { cluster: target.cluster, workload: targetKey(target), lease: request.key };
  let taken: LeaseOutcome;
  try {
    // The write may have landed with its answer lost: what may be ours is given back, so the next run is not kept off.
    taken = await acquireOrGiveBack(leases, request);
  } catch (error) {
    deps.logger.error('workload lease not taken', { ...facts, error: errorFacts(error) });
    throw error;
  }
  if (!taken.acquired) {
    const by = taken.heldBy === null ? 'another run' : `${taken.heldBy.holder} (lease until ${taken.heldBy.expiresAt.toISOString()})`;
    deps.logger.warn('workload busy: another run holds its lease', { ...facts, heldBy: taken.heldBy?.holder, until: taken.heldBy?.expiresAt.toISOString() });
    throw new WorkloadBusyError(`workload ${targetKey(target)} is being changed by ${by}; this run changed nothing, try again once it is done`, {
      context: { ...facts, ...(taken.heldBy === null ? {} : { heldBy: taken.heldBy.holder }) },
    });
  }
  let held: Lease = taken.lease;
  const keep = async (): Promise<void> => {
    const now = deps.now();
    if (held.expiresAt.getTime() - now.getTime() > DEPLOY_LEASE_MS / 2) return;
    const renewed = await leases.renew(held, now, DEPLOY_LEASE_MS);
    if (renewed === null) {
      deps.logger.error('workload lease lost', { ...facts, expiredAt: held.expiresAt.toISOString() });
      throw new LeaseLostError(`the lease of workload ${targetKey(target)} ran out and another run took it over; this run stops writing`, { context: facts });
    }
    held = renewed;
  };
  try {
    return await work(keep);
  } finally {
    await leases.release(held).catch((error: unknown) => {
      deps.logger.warn('workload lease not released; it expires', { ...facts, error: errorFacts(error) });
    });
  }
}
