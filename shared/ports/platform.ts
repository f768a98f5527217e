/**
 * Applying a cluster's platform components: what a rebuild asks of deploy-worker once the new
 * cluster validates, before any workload is restored. deploy-worker's own platform apply does the
 * work (functions/deploy/worker/platform.ts: server-side apply, every Namespace first, as the
 * platform's cluster-scoped role). The Lambda adapter (shared/adapters/aws/lambda-invoke.ts)
 * invokes the deploy-worker function synchronously; the CLI runs deploy-worker's code in its own
 * process.
 */
import type { Status } from '../reconcile/status';

export interface PlatformPort {
  /**
   * Applies the cluster's platform now and answers how it went: Converged (every object applied) or
   * Blocked (an object refused, or a component that cannot be applied, e.g. an unpinned image),
   * with the reason in the summary.
   */
  apply(cluster: string): Promise<{ status: Status; summary: string }>;
}
