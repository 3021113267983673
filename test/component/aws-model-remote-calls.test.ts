/**
 * The bench's AWS model counts a function's remote calls on its own clients: DynamoDB requests
 * against dynalite by operation (a failed condition is a call too), and SNS publishes answered at the
 * wire with SNS's documented response, so nothing leaves the machine. Counting only: how long a
 * call takes is the bench's to measure, never asserted here.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
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
