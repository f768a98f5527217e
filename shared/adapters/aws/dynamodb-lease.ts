/**
 * Leases in one DynamoDB table, one item per guarded thing.
 *
 * Why DynamoDB: taking a lease over from a holder that died needs a compare-and-swap ("write if the
 * lease is absent or expired"), and DynamoDB's conditional PutItem is exactly that, atomic per item
 * and strongly consistent. An SSM parameter only has create-if-absent (`Overwrite: false`): taking
 * over an expired lease would be delete-then-create, and two takers can both delete and both
 * believe they won. EC2 tags have no condition at all.
 *
 * Where: the table lives next to what it guards, in the cluster's Region and account (reached with
 * the spec's assumeRoleArn, like EC2), under one name for every stage, stack and the CLI
 * (`eks-pilot-leases` unless EKS_PILOT_LEASE_TABLE says otherwise), so every writer of a pool meets
 * the same item. No stack can own a table in every cluster's Region, so the first writer creates it
 * (on-demand billing, a few bytes per pool); a race to create it is harmless.
 *
 * Item: `leaseKey` (S, the hash key), `owner` (S), `holder` (S), `expiresAt` (N, epoch ms).
 * Expiry compares the writers' clocks, which NTP keeps within a second on Lambda; the lease lasts
 * minutes.
 */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SETTING_DEFAULTS } from '../../config';
import { awsClient } from './clients';
import type { Lease, LeaseOutcome, LeasePort, LeaseRequest } from '../../ports/lease';
import { LeaseStoreError } from '../../ports/lease';

/** The table every stage, stack and the CLI share unless told otherwise. */
export const DEFAULT_LEASE_TABLE = SETTING_DEFAULTS.leaseTable;

/** How long a writer waits for a table it (or a racing writer) just created to become ACTIVE. */
const TABLE_WAIT_SECONDS = 60;

type Action = 'PutItem' | 'GetItem' | 'UpdateItem' | 'DeleteItem' | 'CreateTable';

/**
 * {@link LeasePort} over the AWS SDK v3 DynamoDB client.
 *
 * @example
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 *
 * const leases = new DynamoDbLeases(new DynamoDBClient({ region: 'sa-east-1' }), 'eks-pilot-leases');
 * const outcome = await leases.acquire({ key: 'eip-pool/sa-east-1/financial-move/egress', owner: runId, holder: 'cli', now: new Date(), durationMs: 180_000 });
 */
export class DynamoDbLeases implements LeasePort {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  constructor(client: DynamoDBClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  async acquire(request: LeaseRequest): Promise<LeaseOutcome> {
    const lease: Lease = { key: request.key, owner: request.owner, holder: request.holder, expiresAt: new Date(request.now.getTime() + request.durationMs) };
    const put = (): Promise<unknown> =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: itemOf(lease),
          // Free, expired, or ours already: the one compare-and-swap that makes takeover safe.
          ConditionExpression: 'attribute_not_exists(leaseKey) OR expiresAt < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': { N: String(request.now.getTime()) }, ':owner': { S: request.owner } },
          // A failed condition answers the item that failed it: who holds the lease, without another read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    try {
      try {
        await put();
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
        await this.createTable();
        await put();
      }
      return { acquired: true, lease };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw storeError('PutItem', this.tableName, request.key, error);
      if (error.Item !== undefined) {
        const stored = leaseOf(error.Item);
        // What is stored is this very write (a retried PutItem whose first answer was lost, then renewed or raced): it is ours.
        if (stored.owner === request.owner) return { acquired: true, lease: stored };
        return { acquired: false, heldBy: stored };
      }
    }
    return { acquired: false, heldBy: await this.read(request.key) };
  }

  async renew(lease: Lease, now: Date, durationMs: number): Promise<Lease | null> {
    const renewed: Lease = { ...lease, expiresAt: new Date(now.getTime() + durationMs) };
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { leaseKey: { S: lease.key } },
          UpdateExpression: 'SET expiresAt = :expires',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':expires': { N: String(renewed.expiresAt.getTime()) }, ':owner': { S: lease.owner } },
        }),
      );
      return renewed;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw storeError('UpdateItem', this.tableName, lease.key, error);
    }
  }

  async release(lease: Lease): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { leaseKey: { S: lease.key } },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: lease.owner } },
        }),
      );
    } catch (error) {
      // Taken over after it expired: the new holder's lease is not ours to delete.
      if (error instanceof ConditionalCheckFailedException || error instanceof ResourceNotFoundException) return;
      throw storeError('DeleteItem', this.tableName, lease.key, error);
    }
  }

  private async read(key: string): Promise<Lease | null> {
    try {
      const output = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { leaseKey: { S: key } }, ConsistentRead: true }));
      return output.Item === undefined ? null : leaseOf(output.Item);
    } catch (error) {
      throw storeError('GetItem', this.tableName, key, error);
    }
  }

  private async createTable(): Promise<void> {
    try {
      await this.client.send(
        new CreateTableCommand({
          TableName: this.tableName,
          AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
          Tags: [{ Key: 'eks-pilot/purpose', Value: 'leases' }],
        }),
      );
    } catch (error) {
      // Another writer created it first.
      if (!(error instanceof ResourceInUseException)) throw storeError('CreateTable', this.tableName, '', error);
    }
    try {
      await waitUntilTableExists({ client: this.client, maxWaitTime: TABLE_WAIT_SECONDS, minDelay: 1, maxDelay: 5 }, { TableName: this.tableName });
    } catch (error) {
      throw storeError('CreateTable', this.tableName, '', error);
    }
  }
}

/**
 * Builds the production lease store: a {@link DynamoDbLeases} over the DynamoDB client the shared
 * factory caches per Region and role.
 *
 * @example
 * const leases = createDynamoDbLeases({ region: spec.region, tableName: eipManagerSettings().leaseTable });
 */
export function createDynamoDbLeases(options: { region: string; assumeRoleArn?: string; tableName?: string }): DynamoDbLeases {
  const { tableName = DEFAULT_LEASE_TABLE, ...where } = options;
  return new DynamoDbLeases(awsClient(DynamoDBClient, where), tableName);
}

function itemOf(lease: Lease): Record<string, AttributeValue> {
  return { leaseKey: { S: lease.key }, owner: { S: lease.owner }, holder: { S: lease.holder }, expiresAt: { N: String(lease.expiresAt.getTime()) } };
}

function leaseOf(item: Record<string, AttributeValue>): Lease {
  const text = (name: string): string => {
    const value = item[name];
    return value !== undefined && 'S' in value && typeof value.S === 'string' ? value.S : '';
  };
  const expires = item.expiresAt;
  const epoch = expires !== undefined && 'N' in expires ? Number(expires.N) : 0;
  return { key: text('leaseKey'), owner: text('owner'), holder: text('holder'), expiresAt: new Date(epoch) };
}

function storeError(action: Action, table: string, key: string, error: unknown): LeaseStoreError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new LeaseStoreError(`${action} on lease table ${table} failed: ${detail}`, { cause: error, context: { action, table, ...(key ? { key } : {}) } });
}
