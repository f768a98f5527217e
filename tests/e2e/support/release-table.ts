/**
 * The stack's release table (serverless.yml `ReleaseTable`), created in moto as CloudFormation
 * would create it: `pk` (hash) and `sk` (range), both strings, on demand. The packaged provision and
 * deploy-worker read its name from `{ Ref: ReleaseTable }`: pass {@link RELEASE_TABLE} as that Ref.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Moto } from './moto';

/** The name the stack gives the table in stage dev (`${self:service}-${sls:stage}-releases`). */
export const RELEASE_TABLE = 'eks-pilot-dev-releases';

/** Creates the release table in the functions' Region of a running moto. */
export async function createReleaseTable(moto: Moto, region: string): Promise<void> {
  const dynamodb = new DynamoDBClient(moto.clientConfig(region));
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: RELEASE_TABLE,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } finally {
    dynamodb.destroy();
  }
}
