/**
 * A lease: one writer at a time for a named thing (an Elastic IP pool), across processes and
 * deployments: the Lambda of any stage or stack, and the CLI. Taking it is one conditional write
 * that succeeds only when nobody holds the lease or its holder's time has run out, so a holder that
 * dies mid-run blocks the others for at most the lease's duration. The DynamoDB adapter in
 * dynamodb-lease.ts is the only implementation that talks to AWS; tests use
 * testing/fake-lease.ts.
 */
import { UpstreamError } from '../errors';

/** What a taker asks for. */
export interface LeaseRequest {
  /** What the lease guards, e.g. `eip-pool/sa-east-1/financial-move/egress`. */
  key: string;
  /** Unique per run: only this owner renews or releases what it took. */
  owner: string;
  /** Who the owner is, for the one who finds the lease taken: `lambda eks-pilot-prod-eip-manager`. */
  holder: string;
  /** The taker's clock: the lease runs until `now + durationMs`. */
  now: Date;
  durationMs: number;
}

/** A lease this run holds. */
export interface Lease {
  key: string;
  owner: string;
  holder: string;
  expiresAt: Date;
}

/** What taking a lease came to: held, or someone else's (null when it vanished between the write and the read). */
export type LeaseOutcome = { acquired: true; lease: Lease } | { acquired: false; heldBy: Lease | null };

export interface LeasePort {
  /** Takes the lease if it is free, expired, or already this owner's. Never waits. */
  acquire(request: LeaseRequest): Promise<LeaseOutcome>;
  /** Extends a lease this owner still holds; null when it was lost (expired and taken over). */
  renew(lease: Lease, now: Date, durationMs: number): Promise<Lease | null>;
  /** Gives the lease up, if this owner still holds it; a lease already taken over is left alone. */
  release(lease: Lease): Promise<void>;
}

/**
 * The lease store could not be read or written (DynamoDB down, throttled, access denied). The run
 * writes nothing to the guarded thing: without the lease it cannot know it is alone.
 *
 * @example
 * catch (error) { if (error instanceof LeaseStoreError) report('InProgress'); }
 */
export class LeaseStoreError extends UpstreamError {
  override name = 'LeaseStoreError';
}

/**
 * A lease this run held ran out and someone else took it: the run must stop writing at once.
 *
 * @example
 * if ((await leases.renew(lease, now, duration)) === null) throw new LeaseLostError('lease lost', { context: { key } });
 */
export class LeaseLostError extends UpstreamError {
  override name = 'LeaseLostError';
}
