/**
 * The durable release store: every workload's release history kept in the account, outside the
 * cluster, so it is still there when the cluster is gone (a rebuild reads it to redeploy each
 * workload at its last successful release). One entry per workload, the whole history as JSON text
 * (the deploy model parses and checks it), with a version that every write moves by one: a write
 * names the version it read and fails with {@link ReleaseConflictError} when another writer moved
 * it (a compare-and-swap, like the lease's). The DynamoDB adapter in
 * shared/adapters/aws/dynamodb-release-store.ts is the only implementation that talks to AWS; tests
 * use testing/fake-release-store.ts.
 *
 * The same store keeps each cluster's rebuild journal (which rebuild runs, since when), so the
 * scheduled runs that carry a rebuild on find it.
 */
import { EksPilotError, UpstreamError } from '../errors';

/** Where a workload's history is: the cluster by Region and name, and the workload's name in its spec. */
export interface ReleaseKey {
  region: string;
  cluster: string;
  workload: string;
}

/** A workload's history as stored. */
export interface StoredHistory {
  key: ReleaseKey;
  /** The records as JSON text (an array, oldest first). */
  history: string;
  /** Moves by one with every write; 0 is "never written". */
  version: number;
  updatedAt: string;
}

/** A cluster's rebuild, as the journal keeps it across invocations. */
export interface RebuildJournalEntry {
  region: string;
  cluster: string;
  /** Unique per rebuild: its lease owner, and the delivery id of the restores it queues (`rebuild-<id>`). */
  id: string;
  /** Who asked: the invoke's caller, or `cli user@host`. */
  requestedBy: string;
  startedAt: string;
  state: 'running' | 'finished';
  /** The phase the last run reached, and what it waits for: what `status` shows. */
  phase: string;
  summary: string;
  updatedAt: string;
  finishedAt?: string;
  /** Set once the platform components applied: later runs go straight on to the workloads. */
  platform?: { status: 'Converged'; summary: string; appliedAt: string };
}

export interface ReleaseStorePort {
  /** The workload's history, or null when none was ever written. Strongly consistent. */
  read(key: ReleaseKey): Promise<StoredHistory | null>;
  /**
   * Writes the history if the stored version is still `expected` (0: nothing stored yet) and answers
   * the new entry (version `expected + 1`). A write whose response was lost and that the SDK retried
   * is recognised as already done. Throws {@link ReleaseConflictError} when another writer moved it.
   */
  write(key: ReleaseKey, history: string, expected: number, now: Date): Promise<StoredHistory>;
  /** Every workload history of a cluster: what a rebuild restores from. */
  list(region: string, cluster: string): Promise<StoredHistory[]>;
  /** The cluster's rebuild journal entry (the newest rebuild), or null. */
  rebuild(region: string, cluster: string): Promise<RebuildJournalEntry | null>;
  /** Writes the cluster's rebuild journal entry (the rebuild lease makes its holder the only writer). */
  saveRebuild(entry: RebuildJournalEntry): Promise<void>;
}

/**
 * The store could not be read or written (DynamoDB down, throttled, access denied). Nothing is
 * reported as released: the deploy fails and its message goes back to the queue.
 *
 * @example
 * catch (error) { if (error instanceof ReleaseStoreError) logger.error('release store unavailable', errorFacts(error)); }
 */
export class ReleaseStoreError extends UpstreamError {
  override name = 'ReleaseStoreError';
}

/**
 * Another writer moved the workload's history since it was read (the conditional write failed:
 * DynamoDB's `ConditionalCheckFailedException`). The writer reads again and decides again.
 *
 * @example
 * throw new ReleaseConflictError('release history of kianax/kianax moved', { context: { expected: 3, found: 4 } });
 */
export class ReleaseConflictError extends EksPilotError {
  override name = 'ReleaseConflictError';
}
