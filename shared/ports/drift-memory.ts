/**
 * Provision's memory of the drift it last reported per cluster, so a notification goes out only for
 * new drift. The SSM adapter is shared/adapters/aws/ssm-drift-memory.ts; it raises `UpstreamError`
 * (shared/errors.ts) when the store cannot be read or written.
 */

/**
 * The drift set last notified for each cluster.
 *
 * `recall` answers `null` when nothing is remembered. An implementation with a size limit may store,
 * and so answer, the SHA-256 hex digest of each entry (functions/provision/notify.ts `driftDigest`)
 * in place of the entry: `driftNotification` treats either form as remembered. `remember` replaces
 * the whole set; `forget` of a cluster with nothing remembered is done, not an error.
 *
 * @example
 * const previous = await memory.recall('eu-west-1', 'payments'); // ['nodegroup/jobs-ng scaling.max'] or null
 * await memory.remember('eu-west-1', 'payments', ['nodegroup/jobs-ng scaling.max']);
 * await memory.forget('eu-west-1', 'payments');
 */
export interface DriftMemory {
  recall(region: string, cluster: string): Promise<string[] | null>;
  remember(region: string, cluster: string, drift: string[]): Promise<void>;
  forget(region: string, cluster: string): Promise<void>;
}
