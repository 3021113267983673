/** The cost per million orders from the AWS model's figures, with fixed inputs. */
import { costPerMillionOrders, PRICES, type SubscriptionCostInput } from '../../bench/aws-model/cost';

const payment: SubscriptionCostInput = {
  subscription: 'payment/orders',
  memoryMb: 1_024,
  batchSize: 50,
  recordsPerOrder: 1,
  // A batch of 50 billed for 500 ms: 10 ms a record.
  batchMs: 500,
  dynamodbByOperation: { PutItem: 1 },
  snsPublishesPerRecord: 0,
};

describe('cost per million orders', () => {
  it('bills each batch for its modelled time at its memory, and one request per batch', () => {
    const cost = costPerMillionOrders([payment], { ordersPerSecond: 1_000, pollers: 0, brokers: 0 });
    // 20,000 invocations of 0.5 s at 1 GB.
    expect(cost.lambdaGbSeconds).toBeCloseTo(10_000, 6);
    expect(cost.lambdaDuration).toBeCloseTo(10_000 * PRICES.lambdaArmGbSecond.usd, 9);
    expect(cost.lambdaRequests).toBeCloseTo(0.02 * PRICES.lambdaRequestMillion.usd, 9);
  });

  it('counts a write unit per put or update and a read unit per consistent read, per record of the order', () => {
    const order: SubscriptionCostInput = {
      ...payment,
      subscription: 'order/payments',
      recordsPerOrder: 2,
      dynamodbByOperation: { GetItem: 1, PutItem: 1, UpdateItem: 0.5 },
    };
    const cost = costPerMillionOrders([order], { ordersPerSecond: 1_000, pollers: 0, brokers: 0 });
    expect(cost.dynamoWriteUnits).toBe(3_000_000);
    expect(cost.dynamoReadUnits).toBe(2_000_000);
    expect(cost.dynamo).toBeCloseTo(3 * PRICES.dynamoWriteUnitMillion.usd + 2 * PRICES.dynamoReadUnitMillion.usd, 9);
  });

  it('bills the request units measured by item size where it has them, rather than one per call', () => {
    // A put and an update of an item over 1 KB: two units each.
    const order: SubscriptionCostInput = {
      ...payment,
      subscription: 'order/inventory',
      dynamodbByOperation: { PutItem: 1, UpdateItem: 1 },
      dynamodbUnitsPerRecord: { read: 0.5, write: 4 },
    };
    const cost = costPerMillionOrders([order], { ordersPerSecond: 1_000, pollers: 0, brokers: 0 });
    expect(cost.dynamoWriteUnits).toBe(4_000_000);
    expect(cost.dynamoReadUnits).toBe(500_000);
  });

  it('spreads the hourly parts over the orders of an hour at the given rate, EPUs in whole units of ten pollers', () => {
    // A million orders at 1,000/s take 1,000 s; 11 pollers need 2 EPUs.
    const cost = costPerMillionOrders([], { ordersPerSecond: 1_000, pollers: 11, brokers: 3 });
    expect(cost.eventPollers).toBeCloseTo(2 * (1_000 / 3_600) * PRICES.eventPollerUnitHour.usd, 9);
    expect(cost.msk).toBeCloseTo(3 * (1_000 / 3_600) * PRICES.mskBrokerHour.usd, 9);
    expect(cost.total).toBeCloseTo(cost.eventPollers + cost.msk, 9);
  });

  it('refuses an operation it has no request-unit rule for, and a rate that is not positive', () => {
    const odd = { ...payment, dynamodbByOperation: { TransactWriteItems: 1 } };
    expect(() => costPerMillionOrders([odd], { ordersPerSecond: 1, pollers: 0, brokers: 0 })).toThrow(
      /no request-unit rule for DynamoDB TransactWriteItems/,
    );
    expect(() => costPerMillionOrders([payment], { ordersPerSecond: 0, pollers: 0, brokers: 0 })).toThrow(
      /must be positive/,
    );
  });
});
