/**
 * The bench's AWS model counts a function's remote calls on its own clients: DynamoDB requests
 * against dynalite by operation (a failed condition is a call too), and SNS publishes answered at the
 * wire with SNS's documented response, so nothing leaves the machine. Counting only: how long a
 * call takes is the bench's to measure, never asserted here.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unitsOf } from '../../bench/aws-model/cost';
import { RemoteCallModel } from '../../bench/aws-model/remote-calls';
import { startDynamo, type TestDynamo } from '../support/dynalite';

describe("the AWS model on a function's clients", () => {
  let dynamo: TestDynamo;
  const model = new RemoteCallModel();

  beforeAll(async () => {
    dynamo = await startDynamo();
    model.instrumentDynamo(dynamo.client);
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  it('counts every DynamoDB request by operation, a request that fails its condition included', async () => {
    model.take();
    const table = dynamo.tableName('payments');
    await dynamo.documents.send(
      new PutCommand({ TableName: table, Item: { orderId: 'ord_MODEL000001', status: 'CHARGED' } }),
    );
    await expect(
      dynamo.documents.send(
        new PutCommand({
          TableName: table,
          Item: { orderId: 'ord_MODEL000001', status: 'CHARGED' },
          ConditionExpression: 'attribute_not_exists(orderId)',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    const { Item } = await dynamo.documents.send(
      new GetCommand({ TableName: table, Key: { orderId: 'ord_MODEL000001' } }),
    );

    expect(Item?.status).toBe('CHARGED');
    const { counts, padding } = model.take();
    expect(counts.dynamodb).toBe(3);
    expect(counts.dynamodbByOperation).toEqual({ PutItem: 2, GetItem: 1 });
    // No latency profile in use: counted, not padded.
    expect(padding.calls).toBe(0);
  });

  it('takes the request units each call consumed from dynalite: by item size, a refused write as one', async () => {
    model.take();
    const table = dynamo.tableName('payments');
    const Key = { orderId: 'ord_MODELUNITS01' };
    // 1 KB and a half of attribute: two write units to write, one consistent read unit to read.
    const big = { ...Key, status: 'CHARGED', note: 'x'.repeat(1_500) };
    await dynamo.documents.send(new PutCommand({ TableName: table, Item: { ...Key, status: 'CHARGED' } }));
    await dynamo.documents.send(new PutCommand({ TableName: table, Item: big }));
    await dynamo.documents.send(
      new UpdateCommand({
        TableName: table,
        Key,
        UpdateExpression: 'SET #note = :short',
        ExpressionAttributeNames: { '#note': 'note' },
        ExpressionAttributeValues: { ':short': 'y' },
      }),
    );
    await expect(
      dynamo.documents.send(
        new PutCommand({ TableName: table, Item: big, ConditionExpression: 'attribute_not_exists(orderId)' }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await dynamo.documents.send(new GetCommand({ TableName: table, Key, ConsistentRead: true }));
    await dynamo.documents.send(new GetCommand({ TableName: table, Key }));

    const { counts } = model.take();
    // Puts 1 and 2; the update 2 (the larger of before and after); the refused put 1.
    expect(counts.dynamodbUnits).toEqual({ write: 6, read: 1.5 });
  });

  it('counts one unit of its kind for a call that reports none, and refuses an operation without a rule', () => {
    expect(unitsOf('PutItem', undefined)).toEqual({ read: 0, write: 1 });
    expect(unitsOf('BatchGetItem', { ConsumedCapacity: [{ CapacityUnits: 0.5 }, { CapacityUnits: 1 }] })).toEqual({
      read: 1.5,
      write: 0,
    });
    expect(() => unitsOf('TransactWriteItems', undefined)).toThrow(/no request-unit rule/);
  });

  it('pads every call of a profile in use, and counts them by kind', async () => {
    model.use({ dynamodb: 1, kafkaSend: 1, snsPublish: 1 });
    try {
      model.take();
      await dynamo.documents.send(
        new GetCommand({ TableName: dynamo.tableName('payments'), Key: { orderId: 'none' } }),
      );
      const { padding } = model.take();
      expect(padding.calls).toBe(1);
      expect(padding.callsByKind).toEqual({ dynamodb: 1, kafkaSend: 0, snsPublish: 0 });
    } finally {
      model.use(undefined);
    }
  });

  it("answers an SNS Publish with SNS's own response shape, signed and parsed by the real client", async () => {
    const sns = new SNSClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'model', secretAccessKey: 'model' },
      maxAttempts: 1,
    });
    model.instrumentSns(sns);
    model.take();

    const output = await sns.send(
      new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:000000000000:model', Message: 'hello', Subject: 'hi' }),
    );

    expect(output.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(model.take().counts.snsPublishes).toBe(1);
    sns.destroy();
  });
});
