/**
 * Asking deploy-worker to restore a workload after a rebuild of its cluster (shared/model/restore.ts).
 * The Lambda adapter (shared/adapters/aws/lambda-invoke.ts) invokes the deploy-worker function
 * asynchronously; the rebuild watches the outcome in the durable release store, not in the answer.
 */
import type { RestoreInvoke } from '../model/restore';

export interface RestoresPort {
  /** Hands the restore to deploy-worker; resolves once it is accepted (not done). */
  restore(request: RestoreInvoke): Promise<void>;
}
