/**
 * A hand-written fake of the durable release store that behaves like the DynamoDB adapter
 * (shared/adapters/aws/dynamodb-release-store.ts): one entry per workload with a version; a write
 * whose expected version is not the stored one fails as a conditional PutItem does (DynamoDB API
 * Reference, PutItem: `ConditionalCheckFailedException`, HTTP 400, "The conditional request
 * failed"), surfaced as the port's ReleaseConflictError with that exception as its cause; reads are
 * strongly consistent. Every call is recorded, and a test can make the next calls fail as an outage
 * would, or move an entry as a racing writer would.
 *
 * @example
 * const store = new FakeReleaseStore();
 * store.seed({ region: 'us-east-1', cluster: 'kianax', workload: 'kianax' }, [record]);
 */
import type { RebuildJournalEntry, ReleaseKey, ReleaseStorePort, StoredHistory } from '../shared/ports/release-store';
import { ReleaseConflictError, ReleaseStoreError } from '../shared/ports/release-store';

export interface FakeReleaseStoreCall {
  name: 'read' | 'write' | 'list' | 'rebuild' | 'saveRebuild';
  key: string;
  outcome: 'ok' | 'conflict' | 'failed';
}

const keyOf = (key: ReleaseKey): string => `${key.region}/${key.cluster}/${key.workload}`;

export class FakeReleaseStore implements ReleaseStorePort {
  readonly calls: FakeReleaseStoreCall[] = [];
  private readonly entries = new Map<string, StoredHistory>();
  private readonly journal = new Map<string, RebuildJournalEntry>();
  private failures: { name: FakeReleaseStoreCall['name'] | 'any'; remaining: number }[] = [];

  /** What another writer stored, as if deploy had written it: version 1 (or the next). */
  seed(key: ReleaseKey, records: readonly unknown[], updatedAt = '2026-11-22T12:00:00.000Z'): void {
    const version = (this.entries.get(keyOf(key))?.version ?? 0) + 1;
    this.entries.set(keyOf(key), { key: { ...key }, history: JSON.stringify(records), version, updatedAt });
  }

  /** The stored records of a workload, parsed (empty when none). */
  records(key: ReleaseKey): unknown[] {
    const entry = this.entries.get(keyOf(key));
    return entry === undefined ? [] : (JSON.parse(entry.history) as unknown[]);
  }

  entry(key: ReleaseKey): StoredHistory | undefined {
    const entry = this.entries.get(keyOf(key));
    return entry === undefined ? undefined : { ...entry, key: { ...entry.key } };
  }

  /** The rebuild journal entry of a cluster as stored. */
  rebuildEntry(region: string, cluster: string): RebuildJournalEntry | undefined {
    const entry = this.journal.get(`${region}/${cluster}`);
    return entry === undefined ? undefined : { ...entry };
  }

  /** The next `times` calls named `name` (or any) fail as a DynamoDB outage would (a 500 after the SDK's retries). */
  failNext(name: FakeReleaseStoreCall['name'] | 'any', times = 1): void {
    this.failures.push({ name, remaining: times });
  }

  async read(key: ReleaseKey): Promise<StoredHistory | null> {
    await this.turn('read', keyOf(key));
    const entry = this.entry(key);
    this.record('read', keyOf(key), 'ok');
    return entry ?? null;
  }

  async write(key: ReleaseKey, history: string, expected: number, now: Date): Promise<StoredHistory> {
    await this.turn('write', keyOf(key));
    const found = this.entries.get(keyOf(key));
    if ((found?.version ?? 0) !== expected) {
      this.record('write', keyOf(key), 'conflict');
      const cause = Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
      throw new ReleaseConflictError(
        `the release history of ${key.cluster}/${key.workload} moved: expected version ${expected}, found ${found?.version ?? 'none'}`,
        { cause, context: { ...key, expected, found: found?.version ?? 0 } },
      );
    }
    const stored: StoredHistory = { key: { ...key }, history, version: expected + 1, updatedAt: now.toISOString() };
    this.entries.set(keyOf(key), stored);
    this.record('write', keyOf(key), 'ok');
    return { ...stored, key: { ...key } };
  }

  async list(region: string, cluster: string): Promise<StoredHistory[]> {
    await this.turn('list', `${region}/${cluster}`);
    this.record('list', `${region}/${cluster}`, 'ok');
    return [...this.entries.values()]
      .filter((entry) => entry.key.region === region && entry.key.cluster === cluster)
      .sort((a, b) => a.key.workload.localeCompare(b.key.workload))
      .map((entry) => ({ ...entry, key: { ...entry.key } }));
  }

  async rebuild(region: string, cluster: string): Promise<RebuildJournalEntry | null> {
    await this.turn('rebuild', `${region}/${cluster}`);
    this.record('rebuild', `${region}/${cluster}`, 'ok');
    return this.rebuildEntry(region, cluster) ?? null;
  }

  async saveRebuild(entry: RebuildJournalEntry): Promise<void> {
    await this.turn('saveRebuild', `${entry.region}/${entry.cluster}`);
    this.journal.set(`${entry.region}/${entry.cluster}`, { ...entry });
    this.record('saveRebuild', `${entry.region}/${entry.cluster}`, 'ok');
  }

  private async turn(name: FakeReleaseStoreCall['name'], key: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    const failure = this.failures.find((item) => item.remaining > 0 && (item.name === 'any' || item.name === name));
    if (failure === undefined) return;
    failure.remaining -= 1;
    this.failures = this.failures.filter((item) => item.remaining > 0);
    this.record(name, key, 'failed');
    const cause = Object.assign(new Error('Internal server error'), { name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } });
    throw new ReleaseStoreError(`${name} on the release table failed: ${cause.message}`, { cause, context: { action: name, key } });
  }

  private record(name: FakeReleaseStoreCall['name'], key: string, outcome: FakeReleaseStoreCall['outcome']): void {
    this.calls.push({ name, key, outcome });
  }
}
