/**
 * A real DynamoDB API for tests: dynalite in memory on a loopback port, with the pipeline's tables
 * created from the topology. Each call gets its own server, so test files never share state.
 */
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ItemClient } from '../../lambdas/shared/db/item-client';
import { ensureTables } from '../../lambdas/shared/db/tables';
import type { TableName } from '../../lib/topology';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: {
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
}) => {
  listen(port: number, host: string, callback: () => void): void;
  address(): AddressInfo;
  close(callback: () => void): void;
};

export interface TestDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** For a test's own reads and writes. */
  readonly documents: DynamoDBDocumentClient;
  /** What the functions are given: items over a client that caches its middleware stack, as deployed. */
  readonly items: ItemClient;
  /** Physical table name of a topology table. */
  readonly tableName: (table: TableName) => string;
  stop(): Promise<void>;
}

export async function startDynamo(): Promise<TestDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  const options = { endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const client = new DynamoDBClient(options);
  const cached = new DynamoDBClient({ ...options, cacheMiddleware: true });
  const tableName = (table: TableName) => `test-${table}`;
  await ensureTables(client, tableName);
  return {
    endpoint,
    client,
    documents: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    items: new ItemClient(cached),
    tableName,
    async stop() {
      client.destroy();
      cached.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
