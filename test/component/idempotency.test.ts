import { dynamoIdempotency } from '../../lambdas/shared/powertools-idempotency';
import { startDynamo, type TestDynamo } from '../support/dynalite';
import { lambdaContext } from '../support/lambda-context';

describe('dynamoIdempotency over DynamoDB (dynalite)', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => dynamo.stop());

  const guard = (keyPrefix: string) =>
    dynamoIdempotency({ client: dynamo.client, tableName: dynamo.tableName('idempotency'), keyPrefix });

  it('runs an effect once per key and reports the second delivery as a duplicate', async () => {
    const effects: string[] = [];
    const payment = guard('payment');

    const first = await payment.run('evt-1', async () => void effects.push('charge'), lambdaContext());
    const second = await payment.run('evt-1', async () => void effects.push('charge'), lambdaContext());

    expect([first, second]).toEqual(['processed', 'duplicate']);
    expect(effects).toEqual(['charge']);
  });

  it('keeps services apart: the same event id is new to another service', async () => {
    const effects: string[] = [];
    await guard('inventory').run('evt-2', async () => void effects.push('inventory'));
    await guard('shipping').run('evt-2', async () => void effects.push('shipping'));
    expect(effects).toEqual(['inventory', 'shipping']);
  });

  it('lets a later delivery retry an effect that failed', async () => {
    const payment = guard('payment');
    await expect(
      payment.run('evt-3', async () => {
        throw new Error('DynamoDB throttled');
      }),
    ).rejects.toThrow('DynamoDB throttled');
    const effects: string[] = [];
    await expect(payment.run('evt-3', async () => void effects.push('retried'))).resolves.toBe('processed');
    expect(effects).toEqual(['retried']);
  });
});
