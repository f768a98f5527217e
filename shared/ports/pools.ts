/**
 * Re-attaching a cluster's Elastic IP pools: what a rebuild asks of eip-manager once the new
 * nodes are up. eip-manager's own run does the work (apply mode: the addresses the pools hold and
 * adopt are attached to the new nodes; nothing is released that the spec does not say may be, so an
 * allow-listed address is never lost). The Lambda adapter (shared/adapters/aws/lambda-invoke.ts)
 * invokes the eip-manager function; the CLI runs eip-manager's code in its own process.
 */
import type { Status } from '../reconcile/status';

export interface PoolsPort {
  /** Reconciles the cluster's pools once (apply) and answers the cluster's pool status and summary. */
  reattach(cluster: string): Promise<{ status: Status; summary: string }>;
}
