import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoDbLeases } from '../../../../shared/adapters/aws/dynamodb-lease';
import { LeaseStoreError } from '../../../../shared/ports/lease';
import type { Lease } from '../../../../shared/ports/lease';

const dynamodb = mockClient(DynamoDBClient);
const NOW = new Date('2026-12-01T10:00:00Z');
const KEY = 'eip-pool/sa-east-1/financial-move/egress';
const request = { key: KEY, owner: 'run-a', holder: 'lambda eks-pilot-dev-eip-manager', now: NOW, durationMs: 180_000 };
const lease: Lease = { key: KEY, owner: 'run-a', holder: request.holder, expiresAt: new Date(NOW.getTime() + 180_000) };

function leases(): DynamoDbLeases {
  return new DynamoDbLeases(new DynamoDBClient({ region: 'sa-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }), 'eks-pilot-leases');
}

beforeEach(() => {
  dynamodb.reset();
});

describe('DynamoDbLeases', () => {
  it('takes a lease with one PutItem that only succeeds when the lease is absent, expired or already ours', async () => {
    // Prepare
    dynamodb.on(PutItemCommand).resolves({});

    // Act
    const outcome = await leases().acquire(request);

    // Assess
    expect(outcome).toEqual({ acquired: true, lease });
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'eks-pilot-leases',
      Item: { leaseKey: { S: KEY }, owner: { S: 'run-a' }, holder: { S: request.holder }, expiresAt: { N: String(NOW.getTime() + 180_000) } },
      ConditionExpression: 'attribute_not_exists(leaseKey) OR expiresAt < :now OR #owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':now': { N: String(NOW.getTime()) }, ':owner': { S: 'run-a' } },
    });
  });

  it('answers who holds the lease when the condition fails', async () => {
    // Prepare
    dynamodb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    dynamodb
      .on(GetItemCommand)
      .resolves({ Item: { leaseKey: { S: KEY }, owner: { S: 'run-b' }, holder: { S: 'cli ops@laptop' }, expiresAt: { N: '1796119200000' } } });

    // Act
    const outcome = await leases().acquire(request);

    // Assess
    expect(outcome).toEqual({ acquired: false, heldBy: { key: KEY, owner: 'run-b', holder: 'cli ops@laptop', expiresAt: new Date(1796119200000) } });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, { ConsistentRead: true, Key: { leaseKey: { S: KEY } } });
  });

  it('names the holder from the item the failed condition returns, without another read', async () => {
    // Prepare: DynamoDB answers ConditionalCheckFailedException with the stored item (ReturnValuesOnConditionCheckFailure ALL_OLD).
    const stored = { leaseKey: { S: KEY }, owner: { S: 'run-b' }, holder: { S: 'cli ops@laptop' }, expiresAt: { N: '1796119200000' } };
    dynamodb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: stored }));

    // Act
    const outcome = await leases().acquire(request);

    // Assess
    expect(outcome).toEqual({ acquired: false, heldBy: { key: KEY, owner: 'run-b', holder: 'cli ops@laptop', expiresAt: new Date(1796119200000) } });
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
    expect(dynamodb).not.toHaveReceivedCommand(GetItemCommand);
  });

  it('knows its own landed write in the item a failed condition returns, and holds the lease', async () => {
    // Prepare: the item stored is this owner's (its first PutItem landed and its answer was lost).
    const stored = { leaseKey: { S: KEY }, owner: { S: 'run-a' }, holder: { S: request.holder }, expiresAt: { N: String(NOW.getTime() + 180_000) } };
    dynamodb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: stored }));

    // Act
    const outcome = await leases().acquire(request);

    // Assess
    expect(outcome).toEqual({ acquired: true, lease });
    expect(dynamodb).not.toHaveReceivedCommand(GetItemCommand);
  });

  it('creates the table on first use (or finds it created by a racing writer), waits for it, then takes the lease', async () => {
    // Prepare
    dynamodb
      .on(PutItemCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }))
      .resolves({});
    dynamodb.on(CreateTableCommand).rejects(new ResourceInUseException({ message: 'Table already exists', $metadata: {} }));
    dynamodb.on(DescribeTableCommand).resolves({ Table: { TableName: 'eks-pilot-leases', TableStatus: 'ACTIVE' } });

    // Act
    const outcome = await leases().acquire(request);

    // Assess
    expect(outcome.acquired).toBe(true);
    expect(dynamodb).toHaveReceivedCommandWith(CreateTableCommand, {
      TableName: 'eks-pilot-leases',
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 2);
  });

  it('renews only while the lease is still ours, and answers null once another run took it', async () => {
    // Prepare
    dynamodb
      .on(UpdateItemCommand)
      .resolvesOnce({})
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    const later = new Date(NOW.getTime() + 100_000);

    // Act
    const renewed = await leases().renew(lease, later, 180_000);
    const lost = await leases().renew(lease, later, 180_000);

    // Assess
    expect(renewed?.expiresAt).toEqual(new Date(later.getTime() + 180_000));
    expect(lost).toBeNull();
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeValues: { ':expires': { N: String(later.getTime() + 180_000) }, ':owner': { S: 'run-a' } },
    });
  });

  it('gives the lease back only if it is still ours', async () => {
    // Prepare
    dynamodb.on(DeleteItemCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    // Act
    await leases().release(lease);

    // Assess
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, { Key: { leaseKey: { S: KEY } }, ConditionExpression: '#owner = :owner' });
  });

  it('turns any other failure into a LeaseStoreError with the SDK error as cause', async () => {
    // Prepare
    const denied = new DynamoDBServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'not authorized to perform dynamodb:PutItem',
    });
    dynamodb.on(PutItemCommand).rejects(denied);

    // Act
    const error = await leases()
      .acquire(request)
      .then(
        () => undefined,
        (failure: unknown) => failure,
      );

    // Assess
    expect(error).toBeInstanceOf(LeaseStoreError);
    expect(error).toMatchObject({ cause: denied, context: { action: 'PutItem', table: 'eks-pilot-leases', key: KEY } });
  });
});
