import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetItems } from '../../lambdas/shared/db/batch-get';
import { ItemClient } from '../../lambdas/shared/db/item-client';
import { startDynamo, type TestDynamo } from '../support/dynalite';

let dynamo: TestDynamo;
let items: ItemClient;
let table: string;

beforeAll(async () => {
  dynamo = await startDynamo();
  items = dynamo.items;
  table = dynamo.tableName('orders');
});

afterAll(async () => {
  await dynamo.stop();
});

const nested = {
  orderId: 'ord_ITEMS1',
  version: 3,
  total: 12.5,
  paid: true,
  note: null,
  history: [{ status: 'PLACED', at: '2026-11-30T20:00:00.000Z' }, 'text', 7],
  address: { line1: 'Kerkstraat 1', city: 'Gent', extra: { floor: 2 } },
};

describe('ItemClient: DynamoDB items as plain values over the low-level client', () => {
  it('writes and reads back nested values as the document client stores them', async () => {
    await items.put({ TableName: table, Item: nested });
    expect(await items.get({ TableName: table, Key: { orderId: nested.orderId }, ConsistentRead: true })).toEqual(
      nested,
    );
    // The same attribute values as lib-dynamodb's document client reads them.
    const { Item } = await dynamo.documents.send(
      new GetCommand({ TableName: table, Key: { orderId: nested.orderId } }),
    );
    expect(Item).toEqual(nested);
  });

  it('reads what the document client wrote', async () => {
    const written = { ...nested, orderId: 'ord_ITEMS2', history: [] };
    await dynamo.documents.send(new PutCommand({ TableName: table, Item: written }));
    expect(await items.get({ TableName: table, Key: { orderId: 'ord_ITEMS2' } })).toEqual(written);
  });

  it('leaves undefined attributes out, as the functions configured the document client to', async () => {
    await items.put({ TableName: table, Item: { orderId: 'ord_ITEMS3', version: 1, failureReason: undefined } });
    expect(await items.get({ TableName: table, Key: { orderId: 'ord_ITEMS3' } })).toEqual({
      orderId: 'ord_ITEMS3',
      version: 1,
    });
  });

  it('answers undefined for an item that does not exist', async () => {
    expect(await items.get({ TableName: table, Key: { orderId: 'ord_NONE' } })).toBeUndefined();
  });

  it('answers the attributes ReturnValues asks for, and nothing without it', async () => {
    await items.put({ TableName: table, Item: { orderId: 'ord_ITEMS4', version: 1, status: 'PLACED' } });
    const update = (to: string, returnValues?: 'ALL_NEW' | 'ALL_OLD') =>
      items.update({
        TableName: table,
        Key: { orderId: 'ord_ITEMS4' },
        UpdateExpression: 'SET #status = :to, #version = #version + :one',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
        ExpressionAttributeValues: { ':to': to, ':one': 1 },
        ...(returnValues ? { ReturnValues: returnValues } : {}),
      });
    expect(await update('PAID', 'ALL_NEW')).toEqual({ orderId: 'ord_ITEMS4', version: 2, status: 'PAID' });
    expect(await update('SHIPPED', 'ALL_OLD')).toEqual({ orderId: 'ord_ITEMS4', version: 2, status: 'PAID' });
    expect(await update('DELIVERED')).toBeUndefined();
    expect(
      await items.put({ TableName: table, Item: { orderId: 'ord_ITEMS4', version: 9 }, ReturnValues: 'ALL_OLD' }),
    ).toEqual({ orderId: 'ord_ITEMS4', version: 4, status: 'DELIVERED' });
  });

  it('lets a failed condition through as ConditionalCheckFailedException, the item unchanged', async () => {
    await items.put({ TableName: table, Item: { orderId: 'ord_ITEMS5', version: 1 } });
    const conditional = items.put({
      TableName: table,
      Item: { orderId: 'ord_ITEMS5', version: 2 },
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': 7 },
    });
    await expect(conditional).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await items.get({ TableName: table, Key: { orderId: 'ord_ITEMS5' } })).toEqual({
      orderId: 'ord_ITEMS5',
      version: 1,
    });
  });

  it('reads many items in one batch, with a projection, absent keys simply absent', async () => {
    for (const n of [6, 7]) {
      await items.put({ TableName: table, Item: { orderId: `ord_ITEMS${n}`, version: n, status: 'PLACED' } });
    }
    const { items: found, unprocessedKeys } = await items.batchGet({
      TableName: table,
      Keys: [{ orderId: 'ord_ITEMS6' }, { orderId: 'ord_ITEMS7' }, { orderId: 'ord_NONE' }],
      ConsistentRead: true,
      ProjectionExpression: '#id, #version',
      ExpressionAttributeNames: { '#id': 'orderId', '#version': 'version' },
    });
    expect(found.sort((a, b) => String(a.orderId).localeCompare(String(b.orderId)))).toEqual([
      { orderId: 'ord_ITEMS6', version: 6 },
      { orderId: 'ord_ITEMS7', version: 7 },
    ]);
    expect(unprocessedKeys).toEqual([]);
  });

  it('keeps concurrent calls of one command apart on a client that caches its middleware stack', async () => {
    // With cacheMiddleware the SDK resolves one handler per command class and every call shares
    // it: each answer must still be its own call's item.
    const ids = Array.from({ length: 120 }, (_, i) => `ord_CONCURRENT${String(i).padStart(3, '0')}`);
    await Promise.all(ids.map((orderId, i) => items.put({ TableName: table, Item: { orderId, version: i } })));
    const read = await Promise.all(ids.map((orderId) => items.get({ TableName: table, Key: { orderId } })));
    expect(read).toEqual(ids.map((orderId, i) => ({ orderId, version: i })));
    const updated = await Promise.all(
      ids.map((orderId) =>
        items.update({
          TableName: table,
          Key: { orderId },
          UpdateExpression: 'SET #version = #version + :one',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    expect(updated).toEqual(ids.map((orderId, i) => ({ orderId, version: i + 1 })));
  });
});

describe('batchGetItems', () => {
  /** A client whose first BatchGetItem leaves the last key unprocessed, as DynamoDB may under throttling. */
  function leavingOneUnprocessed(): { items: ItemClient; requests: number[] } {
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const requests: number[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { RequestItems: Record<string, { Keys: unknown[] }> };
        const keys = input.RequestItems[table]?.Keys ?? [];
        requests.push(keys.length);
        if (requests.length > 1 || keys.length < 2) return next(args);
        const held = keys[keys.length - 1];
        const result = await next({
          ...args,
          input: { RequestItems: { [table]: { ...input.RequestItems[table], Keys: keys.slice(0, -1) } } },
        });
        const output = result.output as { UnprocessedKeys?: Record<string, { Keys: unknown[] }> };
        output.UnprocessedKeys = { [table]: { Keys: [held] } };
        return result;
      },
      { step: 'initialize', name: 'leaveOneUnprocessed' },
    );
    return { items: new ItemClient(client), requests };
  }

  it('asks again for the keys DynamoDB left unprocessed, and finds them', async () => {
    for (const n of [8, 9, 10]) await items.put({ TableName: table, Item: { orderId: `ord_ITEMS${n}`, version: n } });
    const { items: throttled, requests } = leavingOneUnprocessed();
    const keys = [8, 9, 10].map((n) => ({ orderId: `ord_ITEMS${n}` }));
    const found = await batchGetItems(throttled, table, keys, { consistent: true });
    expect(requests).toEqual([3, 1]);
    expect(found.map((item) => item.orderId).sort()).toEqual(['ord_ITEMS10', 'ord_ITEMS8', 'ord_ITEMS9']);
    throttled.client.destroy();
  });

  it('refuses more keys than one BatchGetItem takes', async () => {
    const keys = Array.from({ length: 101 }, (_, i) => ({ orderId: `ord_${i}` }));
    await expect(batchGetItems(items, table, keys)).rejects.toThrow('a batch read takes at most 100 keys, not 101');
  });
});
