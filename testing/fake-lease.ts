/**
 * A hand-written fake of the lease port that behaves like the DynamoDB adapter: one item per key,
 * taken only when absent, expired (by the taker's clock) or already the taker's; renewed and
 * released only by its owner. Each call yields to the event loop first, so two runs started
 * together interleave; every call is recorded. A test can hold a lease as another run would
 * (`hold`), make the store fail, or lose the answer of a write that landed (`loseNextAnswer`: the
 * SDK's own retries timed out too, so the caller sees an error while the item is its own).
 *
 * @example
 * const leases = new FakeLeases();
 * leases.hold('eip-pool/sa-east-1/payments/egress', { owner: 'other-run', expiresAt: new Date(NOW.getTime() + 60_000) });
 */
import type { Lease, LeaseOutcome, LeasePort, LeaseRequest } from '../shared/ports/lease';
import { LeaseStoreError } from '../shared/ports/lease';

export interface FakeLeaseCall {
  name: 'acquire' | 'renew' | 'release';
  key: string;
  owner: string;
  outcome: 'ok' | 'refused' | 'failed';
}

export class FakeLeases implements LeasePort {
  readonly calls: FakeLeaseCall[] = [];
  private readonly items = new Map<string, Lease>();
  private failures = 0;
  private failure: Error | undefined;
  private losing = 0;

  /** The lease on a key now, if any (expired ones included, as DynamoDB keeps the item). */
  current(key: string): Lease | undefined {
    const lease = this.items.get(key);
    return lease === undefined ? undefined : { ...lease };
  }

  keys(): string[] {
    return [...this.items.keys()].sort();
  }

  /** Someone else holds the lease. */
  hold(key: string, lease: { owner: string; holder?: string; expiresAt: Date }): void {
    this.items.set(key, { key, owner: lease.owner, holder: lease.holder ?? 'another run', expiresAt: lease.expiresAt });
  }

  /** The next `times` calls fail as a store outage would (a transient 5xx by default). */
  failNext(times = 1, error?: Error): void {
    this.failures = times;
    this.failure = error;
  }

  /** The next `times` acquires that take the lease write it, then fail as a timed-out request does (the answer never came). */
  loseNextAnswer(times = 1): void {
    this.losing = times;
  }

  async acquire(request: LeaseRequest): Promise<LeaseOutcome> {
    await this.turn('acquire', request.key, request.owner);
    const existing = this.items.get(request.key);
    if (existing !== undefined && existing.owner !== request.owner && existing.expiresAt.getTime() >= request.now.getTime()) {
      this.record('acquire', request.key, request.owner, 'refused');
      return { acquired: false, heldBy: { ...existing } };
    }
    const lease: Lease = { key: request.key, owner: request.owner, holder: request.holder, expiresAt: new Date(request.now.getTime() + request.durationMs) };
    this.items.set(request.key, lease);
    if (this.losing > 0) {
      this.losing -= 1;
      this.record('acquire', request.key, request.owner, 'failed');
      // What the SDK raises when the socket times out after the request was sent (@smithy/node-http-handler).
      const cause = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
      throw new LeaseStoreError(`acquire on the lease table failed: ${cause.message}`, { cause, context: { action: 'acquire', key: request.key } });
    }
    this.record('acquire', request.key, request.owner, 'ok');
    return { acquired: true, lease: { ...lease } };
  }

  async renew(lease: Lease, now: Date, durationMs: number): Promise<Lease | null> {
    await this.turn('renew', lease.key, lease.owner);
    const existing = this.items.get(lease.key);
    if (existing?.owner !== lease.owner) {
      this.record('renew', lease.key, lease.owner, 'refused');
      return null;
    }
    existing.expiresAt = new Date(now.getTime() + durationMs);
    this.record('renew', lease.key, lease.owner, 'ok');
    return { ...existing };
  }

  async release(lease: Lease): Promise<void> {
    await this.turn('release', lease.key, lease.owner);
    if (this.items.get(lease.key)?.owner !== lease.owner) {
      this.record('release', lease.key, lease.owner, 'refused');
      return;
    }
    this.items.delete(lease.key);
    this.record('release', lease.key, lease.owner, 'ok');
  }

  private async turn(name: FakeLeaseCall['name'], key: string, owner: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failures <= 0) return;
    this.failures -= 1;
    this.record(name, key, owner, 'failed');
    const cause =
      this.failure ?? Object.assign(new Error('Service unavailable'), { name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } });
    throw new LeaseStoreError(`${name} on the lease table failed: ${cause.message}`, { cause, context: { action: name, key } });
  }

  private record(name: FakeLeaseCall['name'], key: string, owner: string, outcome: FakeLeaseCall['outcome']): void {
    this.calls.push({ name, key, owner, outcome });
  }
}
