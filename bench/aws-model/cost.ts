/**
 * What a million happy-path orders cost the consumers on AWS, from the model's figures: Lambda
 * duration (GB-seconds at the arm64 price) and requests, DynamoDB on-demand request units, SNS
 * publishes, and the hourly parts (event pollers, MSK brokers) spread over the orders of an hour at
 * the modelled capacity. Pure: unit-tested with fixed inputs. The order API's own calls (one per
 * POST) are not in it, nor data transfer, storage, logs, metrics or traces.
 *
 * Prices are us-east-1 list prices, each with its source; eu-west-1 (where the profiles deploy) may
 * differ, and every one should be checked on the live page before it is relied on.
 */

export interface Price {
  readonly usd: number;
  readonly source: string;
}

export const PRICES = {
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    source:
      'aws.amazon.com/lambda/pricing, Arm, first 7.5 billion GB-s a month (us-east-1; the same figure as quoted by third-party price tables, e.g. artillery lib/platform/aws-lambda/prices.js)',
  },
  lambdaRequestMillion: { usd: 0.2, source: 'aws.amazon.com/lambda/pricing: $0.20 per million requests' },
  dynamoWriteUnitMillion: {
    usd: 0.625,
    source:
      'aws.amazon.com/dynamodb/pricing/on-demand after the November 2024 cut (us-east-1; quoted by airbyte.com, 2025)',
  },
  dynamoReadUnitMillion: {
    usd: 0.125,
    source:
      'aws.amazon.com/dynamodb/pricing/on-demand after the November 2024 cut (us-east-1; quoted by airbyte.com, 2025)',
  },
  snsPublishMillion: {
    usd: 0.5,
    source:
      'aws.amazon.com/sns/pricing: $0.50 per million publishes (estimate: not re-checked; deliveries, e.g. email, cost extra)',
  },
  eventPollerUnitHour: {
    usd: 0.185,
    source:
      "AWS's example price on docs.aws.amazon.com/lambda/latest/dg/kafka-scaling-modes.html (us-east-1): one EPU holds 10 pollers by default",
  },
  mskBrokerHour: {
    usd: 0.204,
    source:
      'kafka.m7g.large broker-hour, us-east-1, from a 2025 third-party compilation (perf-anchors.md §5): an estimate',
  },
} as const satisfies Record<string, Price>;

/** Pollers one Event Poller Unit holds by default (kafka-scaling-modes). */
export const POLLERS_PER_EPU = 10;

/** One subscription's share of an order, from the model. */
export interface SubscriptionCostInput {
  readonly subscription: string;
  readonly memoryMb: number;
  readonly batchSize: number;
  readonly recordsPerOrder: number;
  /** The modelled invocation time of a full batch (billed duration), ms. */
  readonly batchMs: number;
  /** DynamoDB calls per record by operation (PutItem, UpdateItem, GetItem, ...). */
  readonly dynamodbByOperation: Readonly<Record<string, number>>;
  /**
   * The request units per record DynamoDB bills, as measured (by item size); without them, one unit
   * per call (results from before the model measured units).
   */
  readonly dynamodbUnitsPerRecord?: Readonly<DynamoUnits>;
  readonly snsPublishesPerRecord: number;
}

export interface DeploymentCostInput {
  /** Orders per second the hourly parts are spread over (the modelled capacity). */
  readonly ordersPerSecond: number;
  /** Event pollers running: every subscription's maximum, as at capacity. */
  readonly pollers: number;
  readonly brokers: number;
}

export interface CostPerMillionOrders {
  readonly lambdaGbSeconds: number;
  readonly lambdaDuration: number;
  readonly lambdaRequests: number;
  readonly dynamoWriteUnits: number;
  readonly dynamoReadUnits: number;
  readonly dynamo: number;
  readonly sns: number;
  readonly eventPollers: number;
  readonly msk: number;
  readonly total: number;
}

export interface DynamoUnits {
  read: number;
  write: number;
}

const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);

/**
 * The request units one call consumed: what its response reports (remote-calls.ts asks every call
 * for its ConsumedCapacity), or one unit of its kind when it reports none. One unit is what an item
 * under 1 KB (a write) or 4 KB (a read, strongly consistent; eventually consistent is half) costs. A
 * write whose condition fails counts as a write: DynamoDB still consumes write capacity for it
 * (developer guide, "Condition expressions"), by the size of the item it found, so one unit is too
 * few for an item over 1 KB.
 */
export function unitsOf(operation: string, output: unknown): DynamoUnits {
  const reported = (output as { ConsumedCapacity?: unknown } | undefined)?.ConsumedCapacity;
  const entries = Array.isArray(reported) ? reported : reported === undefined ? [] : [reported];
  const units = entries.reduce((sum: number, e) => sum + ((e as { CapacityUnits?: number }).CapacityUnits ?? 0), 0);
  const consumed = entries.length > 0 ? units : 1;
  if (WRITE_OPERATIONS.has(operation)) return { read: 0, write: consumed };
  if (READ_OPERATIONS.has(operation)) return { read: consumed, write: 0 };
  throw new Error(`no request-unit rule for DynamoDB ${operation}: add it to bench/aws-model/cost.ts`);
}

/**
 * Request units per record where they were not measured (results from before the model measured
 * them): one per call. The order item passes 1 KB once decided, which is why the model now
 * measures units.
 */
function requestUnits(byOperation: Readonly<Record<string, number>>): { writes: number; reads: number } {
  let writes = 0;
  let reads = 0;
  for (const [operation, calls] of Object.entries(byOperation)) {
    const units = unitsOf(operation, undefined);
    writes += units.write * calls;
    reads += units.read * calls;
  }
  return { writes, reads };
}

export function costPerMillionOrders(
  subscriptions: readonly SubscriptionCostInput[],
  deployment: DeploymentCostInput,
): CostPerMillionOrders {
  if (!(deployment.ordersPerSecond > 0)) {
    throw new RangeError(`orders per second must be positive, got ${deployment.ordersPerSecond}`);
  }
  const million = 1_000_000;
  let gbSeconds = 0;
  let invocations = 0;
  let writeUnits = 0;
  let readUnits = 0;
  let publishes = 0;
  for (const s of subscriptions) {
    const records = s.recordsPerOrder * million;
    gbSeconds += (records / s.batchSize) * (s.batchMs / 1000) * (s.memoryMb / 1024);
    invocations += records / s.batchSize;
    const units = s.dynamodbUnitsPerRecord
      ? { writes: s.dynamodbUnitsPerRecord.write, reads: s.dynamodbUnitsPerRecord.read }
      : requestUnits(s.dynamodbByOperation);
    writeUnits += units.writes * records;
    readUnits += units.reads * records;
    publishes += s.snsPublishesPerRecord * records;
  }
  const hours = million / deployment.ordersPerSecond / 3_600;
  const parts = {
    lambdaDuration: gbSeconds * PRICES.lambdaArmGbSecond.usd,
    lambdaRequests: (invocations / million) * PRICES.lambdaRequestMillion.usd,
    dynamo:
      (writeUnits / million) * PRICES.dynamoWriteUnitMillion.usd +
      (readUnits / million) * PRICES.dynamoReadUnitMillion.usd,
    sns: (publishes / million) * PRICES.snsPublishMillion.usd,
    eventPollers: Math.ceil(deployment.pollers / POLLERS_PER_EPU) * hours * PRICES.eventPollerUnitHour.usd,
    msk: deployment.brokers * hours * PRICES.mskBrokerHour.usd,
  };
  return {
    lambdaGbSeconds: gbSeconds,
    dynamoWriteUnits: writeUnits,
    dynamoReadUnits: readUnits,
    ...parts,
    total: Object.values(parts).reduce((sum, v) => sum + v, 0),
  };
}
