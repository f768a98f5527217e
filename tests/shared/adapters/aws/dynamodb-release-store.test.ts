import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoDbReleaseStore } from '../../../../shared/adapters/aws/dynamodb-release-store';
import { ReleaseConflictError, ReleaseStoreError } from '../../../../shared/ports/release-store';

const dynamodb = mockClient(DynamoDBClient);
const NOW = new Date('2026-12-01T10:00:00Z');
const KEY = { region: 'us-east-1', cluster: 'kianax', workload: 'kianax' };
const HISTORY = JSON.stringify([{ revision: 1, result: 'succeeded' }]);
const item = (version: number, history = HISTORY): Record<string, AttributeValue> => ({
  pk: { S: 'us-east-1/kianax' },
  sk: { S: 'workload/kianax' },
  history: { S: history },
  version: { N: String(version) },
  updatedAt: { S: NOW.toISOString() },
});

function store(): DynamoDbReleaseStore {
  return new DynamoDbReleaseStore(
    new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
    'eks-pilot-dev-releases',
  );
}

/** What DynamoDB answers a PutItem whose condition fails, with ReturnValuesOnConditionCheckFailure ALL_OLD (DynamoDB API Reference, PutItem). */
function conditionFailed(old?: Record<string, AttributeValue>): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 }, ...(old ? { Item: old } : {}) });
}

beforeEach(() => {
  dynamodb.reset();
});

describe('DynamoDbReleaseStore', () => {
  it('reads a workload history strongly consistently by cluster and workload', async () => {
    // Prepare
    dynamodb.on(GetItemCommand).resolves({ Item: item(3) });

    // Act
    const stored = await store().read(KEY);

    // Assess
    expect(stored).toEqual({ key: KEY, history: HISTORY, version: 3, updatedAt: NOW.toISOString() });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: 'eks-pilot-dev-releases',
      Key: { pk: { S: 'us-east-1/kianax' }, sk: { S: 'workload/kianax' } },
      ConsistentRead: true,
    });
  });

  it('answers null for a workload never written', async () => {
    // Prepare
    dynamodb.on(GetItemCommand).resolves({});

    // Act
    const stored = await store().read(KEY);

    // Assess
    expect(stored).toBeNull();
  });

  it('creates the first history only if nothing is stored, and later ones only over the version it read', async () => {
    // Prepare
    dynamodb.on(PutItemCommand).resolves({});

    // Act
    const first = await store().write(KEY, HISTORY, 0, NOW);
    const next = await store().write(KEY, HISTORY, 4, NOW);

    // Assess
    expect(first.version).toBe(1);
    expect(next.version).toBe(5);
    expect(dynamodb).toHaveReceivedNthCommandWith(1, PutItemCommand, {
      Item: item(1),
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(dynamodb).toHaveReceivedNthCommandWith(2, PutItemCommand, {
      Item: item(5),
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': { N: '4' } },
    });
  });

  it('takes a retried write whose first response was lost for done: the stored item is that very write', async () => {
    // Prepare: the first attempt landed, its answer was lost, and the SDK's retry found the version moved by itself.
    dynamodb.on(PutItemCommand).rejects(conditionFailed(item(5)));

    // Act
    const stored = await store().write(KEY, HISTORY, 4, NOW);

    // Assess
    expect(stored).toEqual({ key: KEY, history: HISTORY, version: 5, updatedAt: NOW.toISOString() });
  });

  it('refuses a write over a history another writer moved, naming both versions', async () => {
    // Prepare
    dynamodb.on(PutItemCommand).rejects(conditionFailed(item(5, JSON.stringify([{ revision: 2 }]))));

    // Act
    const written = store().write(KEY, HISTORY, 4, NOW);

    // Assess
    await expect(written).rejects.toBeInstanceOf(ReleaseConflictError);
    await expect(written).rejects.toThrow('the release history of kianax/kianax moved: expected version 4, found 5');
  });

  it('raises an outage as a ReleaseStoreError naming the action and the table', async () => {
    // Prepare
    dynamodb
      .on(PutItemCommand)
      .rejects(
        new DynamoDBServiceException({ name: 'InternalServerError', message: 'Internal server error', $fault: 'server', $metadata: { httpStatusCode: 500 } }),
      );

    // Act
    const written = store().write(KEY, HISTORY, 0, NOW);

    // Assess
    await expect(written).rejects.toBeInstanceOf(ReleaseStoreError);
    await expect(written).rejects.toThrow('PutItem on release table eks-pilot-dev-releases failed: InternalServerError: Internal server error');
  });

  it("lists a cluster's workloads with one Query per page on its hash key", async () => {
    // Prepare
    const other = { ...item(1), sk: { S: 'workload/jobs' } };
    dynamodb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(2)], LastEvaluatedKey: { pk: { S: 'us-east-1/kianax' }, sk: { S: 'workload/kianax' } } })
      .resolvesOnce({ Items: [other] });

    // Act
    const listed = await store().list('us-east-1', 'kianax');

    // Assess
    expect(listed.map((entry) => [entry.key.workload, entry.version])).toEqual([
      ['kianax', 2],
      ['jobs', 1],
    ]);
    expect(dynamodb).toHaveReceivedCommandTimes(QueryCommand, 2);
    expect(dynamodb).toHaveReceivedNthCommandWith(1, QueryCommand, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': { S: 'us-east-1/kianax' }, ':prefix': { S: 'workload/' } },
      ConsistentRead: true,
    });
  });

  it("keeps a cluster's rebuild journal beside its workloads", async () => {
    // Prepare
    const entry = {
      region: 'us-east-1',
      cluster: 'kianax',
      id: 'r1',
      requestedBy: 'cli ops@laptop',
      startedAt: NOW.toISOString(),
      state: 'running' as const,
      phase: 'cluster',
      summary: 'started',
      updatedAt: NOW.toISOString(),
    };
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(GetItemCommand).resolves({ Item: { pk: { S: 'us-east-1/kianax' }, sk: { S: 'rebuild' }, entry: { S: JSON.stringify(entry) } } });

    // Act
    await store().saveRebuild(entry);
    const read = await store().rebuild('us-east-1', 'kianax');

    // Assess
    expect(read).toEqual(entry);
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ pk: { S: 'us-east-1/kianax' }, sk: { S: 'rebuild' } }) as unknown,
    });
  });
});
