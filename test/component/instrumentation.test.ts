/**
 * What the handlers write to stdout, as CloudWatch would receive it: real Powertools Logger and
 * Metrics around a real invocation (the payment service on an MSK event, the order API on an API
 * Gateway event) against dynalite. EMF lines are checked for names, dimensions, units and values;
 * log lines for their correlation keys, and for keys leaking from one record into the next.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { apiHandler } from '../../lambdas/order-api/api-handler';
import type { OrderApiDeps } from '../../lambdas/order-api/deps';
import { dynamoRequestIdempotency } from '../../lambdas/order-api/request-idempotency';
import { paymentHandlers } from '../../lambdas/payment/core';
import { dynamoPaymentStore } from '../../lambdas/payment/store';
import { getProducts, seedCatalogue } from '../../lambdas/shared/catalogue';
import { createEvent } from '../../lambdas/shared/events/envelope';
import type { EventData } from '../../lambdas/shared/events/types.generated';
import type { CloudEvent } from '../../lambdas/shared/events/validation';
import type { DeadLetterSink } from '../../lambdas/shared/kafka/dead-letter';
import { instrumentedConsumer } from '../../lambdas/shared/kafka/instrumented-consumer';
import type { MskEvent } from '../../lambdas/shared/kafka/msk-event';
import { type EventPublisher, PublishError } from '../../lambdas/shared/kafka/publisher';
import { type Instruments, instrumentsFor } from '../../lambdas/shared/observability';
import { dynamoIdempotency } from '../../lambdas/shared/powertools-idempotency';
import { METRICS } from '../../lib/runtime-contract';
import { sampleData } from '../../local/samples';
import fixture from '../fixtures/apigw-proxy-event.json';
import { startDynamo, type TestDynamo } from '../support/dynalite';
import { InMemoryPublisher } from '../support/in-memory-publisher';
import { lambdaContext } from '../support/lambda-context';
import { mskEventOf } from '../support/msk';

type Line = Record<string, unknown>;
interface EmfLine extends Line {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
}

/** Everything written to stdout and stderr (warnings, errors) while `act` runs, one JSON value per line. */
async function stdoutOf(act: () => Promise<unknown>): Promise<{ logs: Line[]; emf: EmfLine[]; raw: string[] }> {
  const raw: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    raw.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    await act();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  const lines = raw.map((line) => JSON.parse(line) as Line);
  return {
    raw,
    emf: lines.filter((l): l is EmfLine => '_aws' in l),
    logs: lines.filter((l) => !('_aws' in l)),
  };
}

const CORRELATION_A = 'corr-aaaa-0001';
const CORRELATION_B = 'corr-bbbb-0002';

function orderCreated(orderId: string, correlationId: string, time: Date): CloudEvent<EventData['OrderCreated']> {
  const data = sampleData('OrderCreated', {
    orderId,
    items: [{ sku: 'SKU-001', quantity: 1, unitPriceCents: 1999 }],
    totalCents: 1999,
  });
  return createEvent('OrderCreated', data, { subject: orderId, correlationId, time });
}

/** Kafka is unreachable for one order's events only. */
class FailingFor implements EventPublisher {
  constructor(
    private readonly inner: InMemoryPublisher,
    private readonly subject: string,
  ) {}
  async publish(events: readonly CloudEvent[]): Promise<void> {
    if (events.some((e) => e.subject === this.subject)) throw new PublishError('Kafka is unreachable (test)');
    await this.inner.publish(events);
  }
}

describe('payment handler instrumentation (dynalite, real Powertools)', () => {
  let dynamo: TestDynamo;
  let output: Awaited<ReturnType<typeof invoke>>;
  beforeAll(async () => {
    dynamo = await startDynamo();
    output = await invoke();
  });
  afterAll(async () => dynamo.stop());

  const eventTime = new Date('2026-11-28T10:00:00.000Z');
  const handledAt = eventTime.getTime() + 4_321;
  const okOrder = 'ord_INSTR000000001';
  const failingOrder = 'ord_INSTR000000002';
  const a = orderCreated(okOrder, CORRELATION_A, eventTime);
  const b = orderCreated(failingOrder, CORRELATION_B, eventTime);

  /** Partition 0: a, a again, b (its publish fails); partition 1: a record that is not JSON. */
  function batch(): MskEvent {
    const event = mskEventOf([a, a, b]);
    const [topicPartition, records] = Object.entries(event.records)[0] as [string, MskEvent['records'][string]];
    const topic = topicPartition.replace(/-0$/, '');
    const junk = { ...(records[0] as MskEvent['records'][string][number]) };
    return {
      ...event,
      records: {
        ...event.records,
        [`${topic}-1`]: [
          { ...junk, partition: 1, offset: 7, key: null, value: Buffer.from('not json').toString('base64') },
        ],
      },
    };
  }

  async function invoke() {
    const deadLettered: string[] = [];
    const deadLetters: DeadLetterSink = { send: async (_record, reason) => void deadLettered.push(reason) };
    const handler = instrumentedConsumer(
      ({ log, publisher }) =>
        paymentHandlers({
          store: dynamoPaymentStore(dynamo.items, dynamo.tableName('payments')),
          publisher,
          logger: log,
        }),
      {
        instruments: instrumentsFor('payment'),
        publisher: new FailingFor(new InMemoryPublisher(), failingOrder),
        idempotency: dynamoIdempotency({
          client: dynamo.client,
          tableName: dynamo.tableName('idempotency'),
          keyPrefix: 'payment',
        }),
        deadLetters,
        now: () => handledAt,
      },
    );
    let response: unknown;
    const output = await stdoutOf(async () => {
      response = await handler(batch(), lambdaContext('payment'));
    });
    return { ...output, response, deadLettered };
  }

  it('answers the ESM as before: the failed record retried, the junk dead-lettered', () => {
    expect(output.response).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'orders.events-0', offset: 2 } }],
    });
    expect(output.deadLettered).toEqual(['value is not JSON']);
  });

  it('writes one EMF line with the batch counts and the age of the handled event', () => {
    // Assess
    expect(output.emf).toHaveLength(1);
    const [emf] = output.emf as [EmfLine];
    expect(emf._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS.namespace,
        Dimensions: [[METRICS.serviceDimension]],
        Metrics: expect.arrayContaining([
          { Name: METRICS.eventsHandled, Unit: 'Count' },
          { Name: METRICS.duplicatesSkipped, Unit: 'Count' },
          { Name: METRICS.eventsDeadLettered, Unit: 'Count' },
          { Name: METRICS.eventsFailed, Unit: 'Count' },
          { Name: METRICS.eventsSkipped, Unit: 'Count' },
          { Name: METRICS.eventsDeferred, Unit: 'Count' },
          { Name: METRICS.eventAgeMs, Unit: 'Milliseconds' },
        ]),
      },
    ]);
    expect(emf._aws.CloudWatchMetrics[0]?.Metrics).toHaveLength(7);
    expect(emf).toMatchObject({
      [METRICS.serviceDimension]: 'payment',
      [METRICS.eventsHandled]: 1,
      [METRICS.duplicatesSkipped]: 1,
      [METRICS.eventsDeadLettered]: 1,
      [METRICS.eventsFailed]: 1,
      [METRICS.eventsSkipped]: 0,
      [METRICS.eventsDeferred]: 0,
      // Only the handled event has an age: handling time minus its CloudEvent time.
      [METRICS.eventAgeMs]: 4_321,
    });
  });

  it("puts each record's correlation id, event id and order id on the lines written while it is processed", () => {
    const settled = output.logs.find((l) => l.message === 'payment settled');
    expect(settled).toMatchObject({
      level: 'INFO',
      service: 'payment',
      correlationId: CORRELATION_A,
      eventId: a.id,
      eventType: a.type,
      orderId: okOrder,
      function_request_id: expect.any(String),
    });
    expect(output.logs.find((l) => l.message === 'duplicate skipped')).toMatchObject({
      correlationId: CORRELATION_A,
      eventId: a.id,
      orderId: okOrder,
    });
    expect(output.logs.find((l) => l.message === 'record failed')).toMatchObject({
      level: 'ERROR',
      correlationId: CORRELATION_B,
      eventId: b.id,
      orderId: failingOrder,
    });
  });

  it('lets no key leak into the next record or past the invocation', async () => {
    // The junk record comes right after the failed one: it must not carry that record's keys.
    const deadLettered = output.logs.find((l) => l.message === 'record dead-lettered');
    expect(deadLettered).toMatchObject({ level: 'WARN', partition: 'orders.events-1', offset: 7 });
    for (const key of ['correlationId', 'eventId', 'eventType', 'orderId'])
      expect(deadLettered).not.toHaveProperty(key);

    // A second invocation: a's keys must not come back on its lines.
    const again = await invoke();
    const junkLine = again.logs.find((l) => l.message === 'record dead-lettered');
    expect(junkLine).not.toHaveProperty('orderId');
    expect(again.emf).toHaveLength(1);
    expect(again.emf[0]).toMatchObject({ [METRICS.eventsHandled]: 0, [METRICS.duplicatesSkipped]: 2 });
    // Nothing handled, so no age this time.
    expect(again.emf[0]).not.toHaveProperty(METRICS.eventAgeMs);
  });

  it('writes nothing but JSON: tracing is off outside Lambda, without noise', () => {
    expect(output.raw.length).toBe(output.logs.length + output.emf.length);
  });
});

describe('order API instrumentation (dynalite, real Powertools)', () => {
  let dynamo: TestDynamo;
  let deps: OrderApiDeps;
  let instruments: Instruments;
  beforeAll(async () => {
    dynamo = await startDynamo();
    await seedCatalogue(dynamo.items, dynamo.tableName('inventory'));
  });
  afterAll(async () => dynamo.stop());

  beforeEach(() => {
    // The deps log through the handler's own logger, as lambdas/order-api/handler.ts wires them.
    instruments = instrumentsFor('order-api');
    const { logger } = instruments;
    deps = {
      publisher: new InMemoryPublisher(),
      products: (skus) => getProducts(dynamo.items, dynamo.tableName('inventory'), skus),
      orderView: async () => undefined,
      requestIdempotency: dynamoRequestIdempotency({
        client: dynamo.client,
        tableName: dynamo.tableName('idempotency'),
      }),
      newOrderId: () => 'ord_APITEST0000000001',
      newUserId: () => 'usr_APITEST0000000001',
      newCorrelationId: () => 'corr-generated',
      logger: { info: (m, f) => logger.info(m, f ?? {}), error: (m, f) => logger.error(m, f ?? {}) },
    };
  });

  const request = (body: string): APIGatewayProxyEvent => {
    const event = structuredClone(fixture) as APIGatewayProxyEvent;
    event.body = body;
    return event;
  };

  it('counts an accepted order, and logs it with the request id, correlation id and order id', async () => {
    // Prepare
    const handler = apiHandler(deps, instruments);
    const event = request(fixture.body);

    // Act
    const output = await stdoutOf(() => handler(event, lambdaContext('order-api')));

    // Assess
    expect(output.emf).toHaveLength(1);
    expect(output.emf[0]?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS.namespace,
        Dimensions: [[METRICS.serviceDimension]],
        Metrics: [{ Name: METRICS.ordersAccepted, Unit: 'Count' }],
      },
    ]);
    expect(output.emf[0]).toMatchObject({ service: 'order-api', [METRICS.ordersAccepted]: 1 });
    const requestLine = output.logs.find((l) => l.message === 'request');
    expect(requestLine).toMatchObject({
      service: 'order-api',
      status: 202,
      requestId: event.requestContext.requestId,
      correlationId: event.requestContext.requestId,
      orderId: 'ord_APITEST0000000001',
    });
    expect(output.logs.find((l) => l.message === 'order accepted')).toMatchObject({
      requestId: event.requestContext.requestId,
    });
  });

  it('counts a rejected request under its reason, on its own EMF line, and forgets the last order id', async () => {
    // Prepare
    const handler = apiHandler(deps, instruments);
    await stdoutOf(() => handler(request(fixture.body), lambdaContext('order-api')));

    // Act
    const output = await stdoutOf(() => handler(request('{"customerId":'), lambdaContext('order-api')));

    // Assess
    expect(output.emf).toHaveLength(1);
    expect(output.emf[0]?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS.namespace,
        Dimensions: [[METRICS.serviceDimension, METRICS.reasonDimension]],
        Metrics: [{ Name: METRICS.requestsRejected, Unit: 'Count' }],
      },
    ]);
    expect(output.emf[0]).toMatchObject({
      service: 'order-api',
      [METRICS.reasonDimension]: 'malformed_json',
      [METRICS.requestsRejected]: 1,
    });
    const requestLine = output.logs.find((l) => l.message === 'request');
    expect(requestLine).toMatchObject({ status: 400 });
    expect(requestLine).not.toHaveProperty('orderId');
  });
});
