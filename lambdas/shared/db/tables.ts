/** Creating the pipeline's tables from the topology: used by the local runtime and by tests. */
import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLE_SPECS, TABLES, type TableName } from '../../../lib/topology';

/** Creates every table that does not exist yet; `nameOf` maps a table to its physical name. */
export async function ensureTables(client: DynamoDBClient, nameOf: (table: TableName) => string): Promise<void> {
  for (const table of TABLES) {
    const spec = TABLE_SPECS[table];
    const keys = [spec.partitionKey, ...(spec.sortKey ? [spec.sortKey] : [])];
    try {
      await client.send(
        new CreateTableCommand({
          TableName: nameOf(table),
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: keys.map((name, i) => ({ AttributeName: name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
          AttributeDefinitions: keys.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
      continue;
    }
    if (spec.ttlAttribute) {
      await client
        .send(
          new UpdateTimeToLiveCommand({
            TableName: nameOf(table),
            TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true },
          }),
        )
        // dynalite does not implement TTL; expiry is checked by Powertools itself anyway.
        .catch(() => undefined);
    }
  }
}
