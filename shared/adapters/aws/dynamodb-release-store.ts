/**
 * The durable release store in one DynamoDB table (created by the stack, `ReleaseTable` in
 * serverless.yml): one item per workload, the hash key the cluster (`<region>/<cluster>`), the range
 * key `workload/<name>`; one more item per cluster, `rebuild`, for the rebuild journal.
 *
 * Why DynamoDB rather than a versioned S3 bucket (docs/deploy.md, "Disaster recovery"): a history
 * write is a compare-and-swap on a version (`ConditionExpression`), atomic per item and strongly
 * consistent to read (`ConsistentRead`), with `ReturnValuesOnConditionCheckFailure: ALL_OLD` telling
 * a retried write that already landed from a real conflict without another read; a restore reads a
 * whole cluster with one Query on its hash key; the client is already in the project (the leases)
 * and its bundle is small; the IAM policy names one table ARN and can pin the cluster keys
 * (`dynamodb:LeadingKeys`). Items: `pk` (S), `sk` (S), `history` (S, JSON), `version` (N),
 * `updatedAt` (S); the journal item holds `entry` (S, JSON). A capped history (50 releases and 20
 * refusals of about 1 KB) stays far below the 400 KB item limit.
 */
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { awsClient } from './clients';
import type { RebuildJournalEntry, ReleaseKey, ReleaseStorePort, StoredHistory } from '../../ports/release-store';
import { ReleaseConflictError, ReleaseStoreError } from '../../ports/release-store';

type Action = 'GetItem' | 'PutItem' | 'Query';

const WORKLOAD_PREFIX = 'workload/';
const REBUILD_KEY = 'rebuild';

/**
 * {@link ReleaseStorePort} over the AWS SDK v3 DynamoDB client.
 *
 * @example
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 *
 * const store = new DynamoDbReleaseStore(new DynamoDBClient({ region: 'us-east-1' }), 'eks-pilot-dev-releases');
 * const stored = await store.read({ region: 'us-east-1', cluster: 'kianax', workload: 'kianax' });
 */
export class DynamoDbReleaseStore implements ReleaseStorePort {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  constructor(client: DynamoDBClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  async read(key: ReleaseKey): Promise<StoredHistory | null> {
    try {
      const output = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: itemKey(key), ConsistentRead: true }));
      return output.Item === undefined ? null : historyOf(output.Item);
    } catch (error) {
      throw storeError('GetItem', this.tableName, key, error);
    }
  }

  async write(key: ReleaseKey, history: string, expected: number, now: Date): Promise<StoredHistory> {
    const stored: StoredHistory = { key, history, version: expected + 1, updatedAt: now.toISOString() };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...itemKey(key), history: { S: history }, version: { N: String(stored.version) }, updatedAt: { S: stored.updatedAt } },
          // Nothing stored yet, or still the version this writer read: the compare-and-swap.
          ConditionExpression: expected === 0 ? 'attribute_not_exists(pk)' : '#version = :expected',
          ...(expected === 0
            ? {}
            : { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': { N: String(expected) } } }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return stored;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw storeError('PutItem', this.tableName, key, error);
      const found = error.Item === undefined ? null : historyOf(error.Item);
      // The SDK retried a write whose response was lost: what is stored is this very write.
      if (found !== null && found.version === stored.version && found.history === history) return found;
      throw new ReleaseConflictError(
        `the release history of ${key.cluster}/${key.workload} moved: expected version ${expected}, found ${found?.version ?? 'none'}`,
        { cause: error, context: { table: this.tableName, ...key, expected, found: found?.version ?? 0 } },
      );
    }
  }

  async list(region: string, cluster: string): Promise<StoredHistory[]> {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    try {
      do {
        const output = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': { S: clusterKey(region, cluster) }, ':prefix': { S: WORKLOAD_PREFIX } },
            ConsistentRead: true,
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        );
        items.push(...(output.Items ?? []));
        start = output.LastEvaluatedKey;
      } while (start !== undefined);
    } catch (error) {
      throw storeError('Query', this.tableName, { region, cluster, workload: '' }, error);
    }
    return items.map(historyOf);
  }

  async rebuild(region: string, cluster: string): Promise<RebuildJournalEntry | null> {
    try {
      const output = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: clusterKey(region, cluster) }, sk: { S: REBUILD_KEY } }, ConsistentRead: true }),
      );
      const entry = output.Item?.entry;
      return entry !== undefined && 'S' in entry && typeof entry.S === 'string' ? (JSON.parse(entry.S) as RebuildJournalEntry) : null;
    } catch (error) {
      throw storeError('GetItem', this.tableName, { region, cluster, workload: '' }, error);
    }
  }

  async saveRebuild(entry: RebuildJournalEntry): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: clusterKey(entry.region, entry.cluster) },
            sk: { S: REBUILD_KEY },
            entry: { S: JSON.stringify(entry) },
            updatedAt: { S: entry.updatedAt },
          },
        }),
      );
    } catch (error) {
      throw storeError('PutItem', this.tableName, { region: entry.region, cluster: entry.cluster, workload: '' }, error);
    }
  }
}

/**
 * Builds the production release store over the DynamoDB client the shared factory caches per Region.
 *
 * @example
 * const store = createDynamoDbReleaseStore({ region: settings.region, tableName: settings.releaseTable });
 */
export function createDynamoDbReleaseStore(options: { region: string; tableName: string }): DynamoDbReleaseStore {
  return new DynamoDbReleaseStore(awsClient(DynamoDBClient, { region: options.region }), options.tableName);
}

/**
 * The hash key of a cluster's items.
 *
 * @example
 * clusterKey('us-east-1', 'kianax'); // 'us-east-1/kianax'
 */
export function clusterKey(region: string, cluster: string): string {
  return `${region}/${cluster}`;
}

function itemKey(key: ReleaseKey): Record<string, AttributeValue> {
  return { pk: { S: clusterKey(key.region, key.cluster) }, sk: { S: `${WORKLOAD_PREFIX}${key.workload}` } };
}

function historyOf(item: Record<string, AttributeValue>): StoredHistory {
  const text = (name: string): string => {
    const value = item[name];
    return value !== undefined && 'S' in value && typeof value.S === 'string' ? value.S : '';
  };
  const version = item.version;
  const [region = '', ...cluster] = text('pk').split('/');
  return {
    key: { region, cluster: cluster.join('/'), workload: text('sk').slice(WORKLOAD_PREFIX.length) },
    history: text('history'),
    version: version !== undefined && 'N' in version ? Number(version.N) : 0,
    updatedAt: text('updatedAt'),
  };
}

function storeError(action: Action, table: string, key: ReleaseKey, error: unknown): ReleaseStoreError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ReleaseStoreError(`${action} on release table ${table} failed: ${detail}`, { cause: error, context: { action, table, ...key } });
}
