import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  type InventoryStore,
  inventoryHandlers,
  type Line,
  outcomeEventId,
  productUpdatedId,
  type Reservation,
  reservationIdOf,
} from '../../lambdas/inventory/core';
import { dynamoInventoryStore, reservationKey } from '../../lambdas/inventory/store';
import { getProducts, type Product, SEED_CATALOGUE, seedCatalogue } from '../../lambdas/shared/catalogue';
import { createEvent } from '../../lambdas/shared/events/envelope';
import type { EventData } from '../../lambdas/shared/events/types.generated';
import type { CloudEvent } from '../../lambdas/shared/events/validation';
import { dynamoIdempotency } from '../../lambdas/shared/idempotency';
import { type ConsumerLogger, consumeBatch, type EventHandlers } from '../../lambdas/shared/kafka/consumer';
import type { DecodedRecord, MskEvent, MskRecord } from '../../lambdas/shared/kafka/msk-event';
import { startDynamo, type TestDynamo } from '../support/dynalite';
import { InMemoryPublisher } from '../support/in-memory-publisher';
import { lambdaContext } from '../support/lambda-context';

// ---------------------------------------------------------------------------------------------
// Fixtures: the seed catalogue plus a few scarce products, orders and cancellations.
// ---------------------------------------------------------------------------------------------

/** Scarce products next to the seed catalogue, for shortages and races. */
const SCARCE = [
  { sku: 'SKU-LOW', name: 'Low stock', priceCents: 1_500, currency: 'GBP', available: 3 },
  { sku: 'SKU-LAST', name: 'Last units', priceCents: 2_500, currency: 'GBP', available: 2 },
] as const;

const SEED_STOCK = new Map<string, number>([...SEED_CATALOGUE, ...SCARCE].map((p) => [p.sku, p.available]));
const PRICE = new Map<string, number>([...SEED_CATALOGUE, ...SCARCE].map((p) => [p.sku, p.priceCents]));

const CORRELATION_ID = '6f1c2a7e-3b9d-4c52-8e0f-5a4b3c2d1e0f';

let orderSequence = 0;
/** A fresh, schema-valid order id. */
function newOrderId(): string {
  orderSequence += 1;
  return `ord_TEST${String(orderSequence).padStart(10, '0')}`;
}

function orderCreated(orderId: string, items: readonly Line[]): CloudEvent<EventData['OrderCreated']> {
  return createEvent(
    'OrderCreated',
    {
      orderId,
      customerId: 'c-42',
      items: items.map((i) => ({
        ...i,
        unitPriceCents: PRICE.get(i.sku) ?? 100,
      })) as EventData['OrderCreated']['items'],
      totalCents: items.reduce((sum, i) => sum + i.quantity * (PRICE.get(i.sku) ?? 100), 0),
      currency: 'GBP',
      paymentMethod: 'tok_visa',
      shippingAddress: {
        name: 'Ada Lovelace',
        line1: '1 Main St',
        city: 'London',
        postalCode: 'N1 9GU',
        country: 'GB',
      },
      email: 'ada@example.com',
    },
    { subject: orderId, correlationId: CORRELATION_ID, id: `created-${orderId}` },
  );
}

function orderCancelled(orderId: string): CloudEvent<EventData['OrderCancelled']> {
  return createEvent(
    'OrderCancelled',
    {
      orderId,
      customerId: 'c-42',
      email: 'ada@example.com',
      reason: 'payment_failed',
      detail: 'The payment method was declined (card_declined).',
    },
    { subject: orderId, correlationId: CORRELATION_ID, id: `cancelled-${orderId}` },
  );
}

function mskRecordOf(event: CloudEvent, offset: number): MskRecord {
  return {
    topic: 'orders.events',
    partition: 0,
    offset,
    timestamp: 1_736_935_210_000 + offset,
    timestampType: 'CREATE_TIME',
    key: Buffer.from(event.subject).toString('base64'),
    value: Buffer.from(JSON.stringify(event), 'utf8').toString('base64'),
    headers: [],
  };
}

function decodedRecordOf(event: CloudEvent): DecodedRecord {
  const raw = mskRecordOf(event, 0);
  return {
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    timestamp: raw.timestamp,
    key: event.subject,
    value: Buffer.from(JSON.stringify(event), 'utf8'),
    headers: [],
    itemIdentifier: { partition: `${raw.topic}-${raw.partition}`, offset: raw.offset },
    raw,
  };
}

function batchOf(...events: CloudEvent[]): MskEvent {
  return {
    eventSource: 'aws:kafka',
    bootstrapServers: 'b-1.test:9098',
    records: { 'orders.events-0': events.map((e, offset) => mskRecordOf(e, offset)) },
  };
}

const quietLogger: ConsumerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

// ---------------------------------------------------------------------------------------------
// Each test gets its own dynalite with a freshly seeded catalogue.
// ---------------------------------------------------------------------------------------------

let dynamo: TestDynamo;
let table: string;
let store: InventoryStore;
let publisher: InMemoryPublisher;
let handlers: EventHandlers;

beforeEach(async () => {
  dynamo = await startDynamo();
  table = dynamo.tableName('inventory');
  await seedCatalogue(dynamo.documents, table);
  await seedCatalogue(dynamo.documents, table, SCARCE);
  store = dynamoInventoryStore(dynamo.documents, table);
  publisher = new InMemoryPublisher();
  handlers = inventoryHandlers({ store, publisher, logger: quietLogger });
});

afterEach(async () => dynamo.stop());

async function deliverCreated(event: CloudEvent<EventData['OrderCreated']>, to = handlers): Promise<void> {
  await (to.OrderCreated as NonNullable<EventHandlers['OrderCreated']>)(event, decodedRecordOf(event));
}

async function deliverCancelled(event: CloudEvent<EventData['OrderCancelled']>, to = handlers): Promise<void> {
  await (to.OrderCancelled as NonNullable<EventHandlers['OrderCancelled']>)(event, decodedRecordOf(event));
}

async function product(sku: string): Promise<Product> {
  const found = (await getProducts(dynamo.documents, table, [sku])).get(sku);
  if (!found) throw new Error(`${sku} is not in the catalogue`);
  return found;
}

async function reservation(orderId: string): Promise<Record<string, unknown> | undefined> {
  const response = await dynamo.documents.send(
    new GetCommand({ TableName: table, Key: reservationKey(orderId), ConsistentRead: true }),
  );
  return response.Item;
}

function dataOf<N extends keyof EventData>(name: N, events: readonly CloudEvent[]): EventData[N][] {
  return events.filter((e) => e.type === `orderpipeline.${name}`).map((e) => e.data as EventData[N]);
}

function idsOf(type: string): string[] {
  return publisher.ofType(type).map((e) => e.id);
}

/** available + every hold, per SKU: what conservation of stock says must equal the seed. */
async function stockAccount(): Promise<Map<string, number>> {
  const products = await getProducts(dynamo.documents, table, [...SEED_STOCK.keys()]);
  return new Map(
    [...products.values()].map((p) => [p.sku, p.available + Object.values(p.holds).reduce((sum, q) => sum + q, 0)]),
  );
}

// ---------------------------------------------------------------------------------------------

describe('inventory: reserving an order', () => {
  it('takes the stock of every line and publishes InventoryReserved and one ProductUpdated per SKU', async () => {
    // Prepare
    const orderId = newOrderId();
    const event = orderCreated(orderId, [
      { sku: 'SKU-002', quantity: 3 },
      { sku: 'SKU-001', quantity: 2 },
    ]);

    // Act
    await deliverCreated(event);

    // Assess
    const [first, second] = [await product('SKU-001'), await product('SKU-002')];
    expect([first.available, first.holds]).toEqual([998, { [orderId]: 2 }]);
    expect([second.available, second.holds]).toEqual([997, { [orderId]: 3 }]);

    const [reserved] = publisher.ofType('InventoryReserved');
    expect(publisher.ofType('InventoryReserved')).toHaveLength(1);
    expect(reserved).toMatchObject({
      id: outcomeEventId(orderId, 'InventoryReserved'),
      subject: orderId,
      correlationid: CORRELATION_ID,
      source: '/order-pipeline/inventory',
      data: {
        orderId,
        reservationId: reservationIdOf(orderId),
        items: [
          { sku: 'SKU-001', quantity: 2 },
          { sku: 'SKU-002', quantity: 3 },
        ],
      },
    });
    expect(reservationIdOf(orderId)).toMatch(/^res_[0-9A-Za-z]{10,40}$/);

    const updates = publisher.ofType('ProductUpdated');
    expect(updates.map((e) => [e.id, e.subject, e.correlationid, e.data])).toEqual([
      [
        productUpdatedId(orderId, 'SKU-001', 'reserve'),
        'SKU-001',
        CORRELATION_ID,
        { sku: 'SKU-001', available: 998, priceCents: 999, currency: 'GBP' },
      ],
      [
        productUpdatedId(orderId, 'SKU-002', 'reserve'),
        'SKU-002',
        CORRELATION_ID,
        { sku: 'SKU-002', available: 997, priceCents: 1_499, currency: 'GBP' },
      ],
    ]);
    expect(await reservation(orderId)).toMatchObject({
      status: 'RESERVED',
      reservationId: reservationIdOf(orderId),
      correlationId: CORRELATION_ID,
      items: [
        { sku: 'SKU-001', quantity: 2 },
        { sku: 'SKU-002', quantity: 3 },
      ],
    });
  });

  it('merges duplicate SKU lines into one hold, and splits a merged line over 100 into schema-sized event lines', async () => {
    // Prepare
    const small = newOrderId();
    const large = newOrderId();

    // Act
    await deliverCreated(
      orderCreated(small, [
        { sku: 'SKU-003', quantity: 2 },
        { sku: 'SKU-003', quantity: 3 },
      ]),
    );
    await deliverCreated(
      orderCreated(large, [
        { sku: 'SKU-004', quantity: 100 },
        { sku: 'SKU-004', quantity: 50 },
      ]),
    );

    // Assess
    expect((await product('SKU-003')).holds).toEqual({ [small]: 5 });
    expect((await product('SKU-003')).available).toBe(995);
    expect((await product('SKU-004')).holds).toEqual({ [large]: 150 });
    expect((await product('SKU-004')).available).toBe(850);
    expect(dataOf('InventoryReserved', publisher.published).map((d) => d.items)).toEqual([
      [{ sku: 'SKU-003', quantity: 5 }],
      [
        { sku: 'SKU-004', quantity: 100 },
        { sku: 'SKU-004', quantity: 50 },
      ],
    ]);
    expect(dataOf('ProductUpdated', publisher.published).map((d) => [d.sku, d.available])).toEqual([
      ['SKU-003', 995],
      ['SKU-004', 850],
    ]);
  });

  it('fails a sold-out SKU as out_of_stock and holds nothing', async () => {
    // Prepare
    const orderId = newOrderId();

    // Act
    await deliverCreated(orderCreated(orderId, [{ sku: 'SKU-SOLDOUT', quantity: 1 }]));

    // Assess
    expect(publisher.published).toHaveLength(1);
    expect(publisher.published[0]).toMatchObject({
      type: 'orderpipeline.InventoryReservationFailed',
      id: outcomeEventId(orderId, 'InventoryReservationFailed'),
      subject: orderId,
      correlationid: CORRELATION_ID,
      data: { orderId, reason: 'out_of_stock', shortages: [{ sku: 'SKU-SOLDOUT', requested: 1, available: 0 }] },
    });
    const soldOut = await product('SKU-SOLDOUT');
    expect([soldOut.available, soldOut.holds]).toEqual([0, {}]);
    expect(await reservation(orderId)).toMatchObject({ status: 'FAILED', reason: 'out_of_stock', heldSkus: [] });
  });

  it('gives back the lines already taken when a later line is short, restoring the seed stock', async () => {
    // Prepare: SKU-001 sorts before SKU-LOW, so it is taken before SKU-LOW is found short.
    const orderId = newOrderId();

    // Act
    await deliverCreated(
      orderCreated(orderId, [
        { sku: 'SKU-001', quantity: 5 },
        { sku: 'SKU-LOW', quantity: 4 },
      ]),
    );

    // Assess
    const first = await product('SKU-001');
    expect([first.available, first.holds]).toEqual([1_000, {}]);
    const low = await product('SKU-LOW');
    expect([low.available, low.holds]).toEqual([3, {}]);
    expect(dataOf('InventoryReservationFailed', publisher.published)).toEqual([
      { orderId, reason: 'out_of_stock', shortages: [{ sku: 'SKU-LOW', requested: 4, available: 3 }] },
    ]);
    expect(publisher.ofType('InventoryReserved')).toHaveLength(0);
    // SKU-001's stock went down and back up; SKU-LOW's never changed.
    expect(publisher.ofType('ProductUpdated').map((e) => [e.id, e.data])).toEqual([
      [
        productUpdatedId(orderId, 'SKU-001', 'release'),
        { sku: 'SKU-001', available: 1_000, priceCents: 999, currency: 'GBP' },
      ],
    ]);
  });

  it('fails an unknown SKU as unknown_sku with available 0, and names every short line', async () => {
    // Prepare: SKU-002 is fine, SKU-LOW is short, SKU-NOPE does not exist.
    const orderId = newOrderId();

    // Act
    await deliverCreated(
      orderCreated(orderId, [
        { sku: 'SKU-NOPE', quantity: 1 },
        { sku: 'SKU-002', quantity: 1 },
        { sku: 'SKU-LOW', quantity: 9 },
      ]),
    );

    // Assess
    expect(dataOf('InventoryReservationFailed', publisher.published)).toEqual([
      {
        orderId,
        reason: 'unknown_sku',
        shortages: [
          { sku: 'SKU-LOW', requested: 9, available: 3 },
          { sku: 'SKU-NOPE', requested: 1, available: 0 },
        ],
      },
    ]);
    expect((await product('SKU-002')).available).toBe(1_000);
    expect((await product('SKU-LOW')).available).toBe(3);
    expect((await getProducts(dynamo.documents, table, ['SKU-NOPE'])).size).toBe(0);
  });

  it('takes the stock once when the same OrderCreated is delivered twice, and re-publishes the same ids', async () => {
    // Prepare
    const orderId = newOrderId();
    const event = orderCreated(orderId, [{ sku: 'SKU-005', quantity: 7 }]);

    // Act
    await deliverCreated(event);
    await deliverCreated(event);

    // Assess
    const stock = await product('SKU-005');
    expect([stock.available, stock.holds]).toEqual([993, { [orderId]: 7 }]);
    expect(idsOf('InventoryReserved')).toEqual([
      outcomeEventId(orderId, 'InventoryReserved'),
      outcomeEventId(orderId, 'InventoryReserved'),
    ]);
    expect(new Set(idsOf('ProductUpdated'))).toEqual(new Set([productUpdatedId(orderId, 'SKU-005', 'reserve')]));
  });

  it('re-publishes the same InventoryReservationFailed for a redelivered failed order, holding nothing', async () => {
    // Prepare
    const orderId = newOrderId();
    const event = orderCreated(orderId, [
      { sku: 'SKU-001', quantity: 1 },
      { sku: 'SKU-SOLDOUT', quantity: 2 },
    ]);

    // Act
    await deliverCreated(event);
    await deliverCreated(event);

    // Assess
    expect(idsOf('InventoryReservationFailed')).toEqual([
      outcomeEventId(orderId, 'InventoryReservationFailed'),
      outcomeEventId(orderId, 'InventoryReservationFailed'),
    ]);
    expect((await product('SKU-001')).available).toBe(1_000);
    expect(publisher.ofType('InventoryReserved')).toHaveLength(0);
  });
});

describe('inventory: crashes between steps, then redelivery', () => {
  it('takes the third line after a crash that left two of three taken, and reserves each line once', async () => {
    // Prepare: an earlier delivery wrote the record and took two lines, then died.
    const orderId = newOrderId();
    const lines = [
      { sku: 'SKU-006', quantity: 1 },
      { sku: 'SKU-007', quantity: 2 },
      { sku: 'SKU-008', quantity: 3 },
    ];
    await store.beginReservation({
      orderId,
      status: 'RESERVING',
      reservationId: reservationIdOf(orderId),
      correlationId: CORRELATION_ID,
      items: lines,
    });
    await store.take(orderId, { sku: 'SKU-006', quantity: 1 });
    await store.take(orderId, { sku: 'SKU-007', quantity: 2 });

    // Act
    await deliverCreated(orderCreated(orderId, lines));

    // Assess
    expect((await product('SKU-006')).available).toBe(999);
    expect((await product('SKU-007')).available).toBe(998);
    expect((await product('SKU-008')).available).toBe(997);
    expect(idsOf('InventoryReserved')).toEqual([outcomeEventId(orderId, 'InventoryReserved')]);
    expect(idsOf('ProductUpdated').sort()).toEqual(
      ['SKU-006', 'SKU-007', 'SKU-008'].map((sku) => productUpdatedId(orderId, sku, 'reserve')).sort(),
    );
    expect((await reservation(orderId))?.status).toBe('RESERVED');
  });

  it('gives back the two lines taken before a crash when the third turns out short', async () => {
    // Prepare
    const orderId = newOrderId();
    const lines = [
      { sku: 'SKU-006', quantity: 1 },
      { sku: 'SKU-007', quantity: 2 },
      { sku: 'SKU-LOW', quantity: 4 },
    ];
    await store.beginReservation({
      orderId,
      status: 'RESERVING',
      reservationId: reservationIdOf(orderId),
      correlationId: CORRELATION_ID,
      items: lines,
    });
    await store.take(orderId, { sku: 'SKU-006', quantity: 1 });
    await store.take(orderId, { sku: 'SKU-007', quantity: 2 });

    // Act
    await deliverCreated(orderCreated(orderId, lines));

    // Assess
    for (const sku of ['SKU-006', 'SKU-007', 'SKU-LOW']) {
      const stock = await product(sku);
      expect([sku, stock.available, stock.holds]).toEqual([sku, SEED_STOCK.get(sku), {}]);
    }
    expect(idsOf('InventoryReservationFailed')).toEqual([outcomeEventId(orderId, 'InventoryReservationFailed')]);
    expect(idsOf('ProductUpdated').sort()).toEqual(
      ['SKU-006', 'SKU-007'].map((sku) => productUpdatedId(orderId, sku, 'release')).sort(),
    );
  });

  it('finishes a failure decided before a crash: gives back the holds and publishes once', async () => {
    // Prepare: FAILED was recorded, but SKU-001 was never given back.
    const orderId = newOrderId();
    const lines = [
      { sku: 'SKU-001', quantity: 4 },
      { sku: 'SKU-SOLDOUT', quantity: 1 },
    ];
    await store.beginReservation({
      orderId,
      status: 'RESERVING',
      reservationId: reservationIdOf(orderId),
      correlationId: CORRELATION_ID,
      items: lines,
    });
    await store.take(orderId, { sku: 'SKU-001', quantity: 4 });
    await store.moveReservation(orderId, ['RESERVING'], {
      status: 'FAILED',
      reason: 'out_of_stock',
      shortages: [{ sku: 'SKU-SOLDOUT', requested: 1, available: 0 }],
      heldSkus: ['SKU-001'],
    });

    // Act
    await deliverCreated(orderCreated(orderId, lines));

    // Assess
    const stock = await product('SKU-001');
    expect([stock.available, stock.holds]).toEqual([1_000, {}]);
    expect(dataOf('InventoryReservationFailed', publisher.published)).toEqual([
      { orderId, reason: 'out_of_stock', shortages: [{ sku: 'SKU-SOLDOUT', requested: 1, available: 0 }] },
    ]);
    expect(dataOf('ProductUpdated', publisher.published)).toEqual([
      { sku: 'SKU-001', available: 1_000, priceCents: 999, currency: 'GBP' },
    ]);
  });

  it('publishes InventoryReserved exactly once, with the same id, when the first publish never happened', async () => {
    // Prepare: every store step succeeds, then Kafka is unreachable (as a crash before publishing).
    const orderId = newOrderId();
    const event = orderCreated(orderId, [
      { sku: 'SKU-009', quantity: 2 },
      { sku: 'SKU-010', quantity: 1 },
    ]);
    publisher.failing = true;
    await expect(deliverCreated(event)).rejects.toThrow('Kafka is unreachable');
    expect(publisher.published).toHaveLength(0);
    expect((await reservation(orderId))?.status).toBe('RESERVED');

    // Act
    publisher.failing = false;
    await deliverCreated(event);

    // Assess
    expect(idsOf('InventoryReserved')).toEqual([outcomeEventId(orderId, 'InventoryReserved')]);
    expect(dataOf('ProductUpdated', publisher.published).map((d) => [d.sku, d.available])).toEqual([
      ['SKU-009', 998],
      ['SKU-010', 999],
    ]);
    expect((await product('SKU-009')).available).toBe(998);
    expect((await product('SKU-010')).available).toBe(999);
  });

  it('publishes InventoryReleased exactly once after a crash between recording RELEASED and giving back', async () => {
    // Prepare
    const orderId = newOrderId();
    await deliverCreated(orderCreated(orderId, [{ sku: 'SKU-002', quantity: 6 }]));
    await store.moveReservation(orderId, ['RESERVED'], { status: 'RELEASED' });
    publisher.published.length = 0;

    // Act
    await deliverCancelled(orderCancelled(orderId));

    // Assess
    const stock = await product('SKU-002');
    expect([stock.available, stock.holds]).toEqual([1_000, {}]);
    expect(idsOf('InventoryReleased')).toEqual([outcomeEventId(orderId, 'InventoryReleased')]);
    expect(dataOf('ProductUpdated', publisher.published)).toEqual([
      { sku: 'SKU-002', available: 1_000, priceCents: 1_499, currency: 'GBP' },
    ]);
  });

  it('publishes InventoryReleased once when the release was done but its publish failed', async () => {
    // Prepare
    const orderId = newOrderId();
    await deliverCreated(orderCreated(orderId, [{ sku: 'SKU-003', quantity: 4 }]));
    publisher.published.length = 0;
    publisher.failing = true;
    await expect(deliverCancelled(orderCancelled(orderId))).rejects.toThrow('Kafka is unreachable');
    expect((await product('SKU-003')).available).toBe(1_000);

    // Act
    publisher.failing = false;
    await deliverCancelled(orderCancelled(orderId));

    // Assess
    expect((await product('SKU-003')).available).toBe(1_000);
    expect(idsOf('InventoryReleased')).toEqual([outcomeEventId(orderId, 'InventoryReleased')]);
    expect(idsOf('ProductUpdated')).toEqual([productUpdatedId(orderId, 'SKU-003', 'release')]);
  });

  it('converges when an order is cancelled mid-reservation and its OrderCreated is redelivered after', async () => {
    // Prepare: one of two lines taken, then the delivery died; the cancellation arrives first.
    const orderId = newOrderId();
    const lines = [
      { sku: 'SKU-004', quantity: 2 },
      { sku: 'SKU-005', quantity: 2 },
    ];
    await store.beginReservation({
      orderId,
      status: 'RESERVING',
      reservationId: reservationIdOf(orderId),
      correlationId: CORRELATION_ID,
      items: lines,
    });
    await store.take(orderId, { sku: 'SKU-004', quantity: 2 });

    // Act
    await deliverCancelled(orderCancelled(orderId));
    await deliverCreated(orderCreated(orderId, lines));

    // Assess
    for (const sku of ['SKU-004', 'SKU-005']) {
      const stock = await product(sku);
      expect([sku, stock.available, stock.holds]).toEqual([sku, 1_000, {}]);
    }
    expect((await reservation(orderId))?.status).toBe('RELEASED');
    expect(publisher.ofType('InventoryReserved')).toHaveLength(0);
    expect(idsOf('InventoryReleased')).toEqual([outcomeEventId(orderId, 'InventoryReleased')]);
  });

  it('gives back a take that raced a cancellation when the OrderCreated is redelivered', async () => {
    // Prepare: the record says RELEASED, but a racing take left a hold behind.
    const orderId = newOrderId();
    const lines = [{ sku: 'SKU-006', quantity: 3 }];
    await store.beginReservation({
      orderId,
      status: 'RESERVING',
      reservationId: reservationIdOf(orderId),
      correlationId: CORRELATION_ID,
      items: lines,
    });
    await store.moveReservation(orderId, ['RESERVING'], { status: 'RELEASED' });
    await store.take(orderId, { sku: 'SKU-006', quantity: 3 });

    // Act
    await deliverCreated(orderCreated(orderId, lines));

    // Assess
    const stock = await product('SKU-006');
    expect([stock.available, stock.holds]).toEqual([1_000, {}]);
    expect(publisher.ofType('InventoryReserved')).toHaveLength(0);
    expect(idsOf('ProductUpdated')).toEqual([productUpdatedId(orderId, 'SKU-006', 'release')]);
  });
});

describe('inventory: cancellation', () => {
  it('gives back a reservation once when OrderCancelled is delivered twice, re-publishing the same ids', async () => {
    // Prepare
    const orderId = newOrderId();
    await deliverCreated(
      orderCreated(orderId, [
        { sku: 'SKU-001', quantity: 3 },
        { sku: 'SKU-LOW', quantity: 2 },
      ]),
    );
    expect((await product('SKU-LOW')).available).toBe(1);
    publisher.published.length = 0;
    const cancelled = orderCancelled(orderId);

    // Act
    await deliverCancelled(cancelled);
    await deliverCancelled(cancelled);

    // Assess
    const [first, low] = [await product('SKU-001'), await product('SKU-LOW')];
    expect([first.available, first.holds]).toEqual([1_000, {}]);
    expect([low.available, low.holds]).toEqual([3, {}]);
    expect(idsOf('InventoryReleased')).toEqual([
      outcomeEventId(orderId, 'InventoryReleased'),
      outcomeEventId(orderId, 'InventoryReleased'),
    ]);
    expect(publisher.ofType('InventoryReleased')[0]).toMatchObject({
      subject: orderId,
      correlationid: CORRELATION_ID,
      data: {
        orderId,
        reservationId: reservationIdOf(orderId),
        items: [
          { sku: 'SKU-001', quantity: 3 },
          { sku: 'SKU-LOW', quantity: 2 },
        ],
      },
    });
    expect(dataOf('ProductUpdated', publisher.published.slice(0, 3)).map((d) => [d.sku, d.available])).toEqual([
      ['SKU-001', 1_000],
      ['SKU-LOW', 3],
    ]);
    expect(new Set(idsOf('ProductUpdated'))).toEqual(
      new Set([productUpdatedId(orderId, 'SKU-001', 'release'), productUpdatedId(orderId, 'SKU-LOW', 'release')]),
    );
    expect((await reservation(orderId))?.status).toBe('RELEASED');
  });

  it('does nothing for an order whose reservation failed', async () => {
    // Prepare
    const orderId = newOrderId();
    await deliverCreated(orderCreated(orderId, [{ sku: 'SKU-SOLDOUT', quantity: 1 }]));
    publisher.published.length = 0;

    // Act
    await deliverCancelled(orderCancelled(orderId));

    // Assess
    expect(publisher.published).toHaveLength(0);
    expect((await reservation(orderId))?.status).toBe('FAILED');
    expect((await product('SKU-SOLDOUT')).available).toBe(0);
  });

  it('marks an order cancelled before its OrderCreated arrived, so the late OrderCreated reserves nothing', async () => {
    // Prepare
    const orderId = newOrderId();

    // Act
    await deliverCancelled(orderCancelled(orderId));
    await deliverCreated(orderCreated(orderId, [{ sku: 'SKU-007', quantity: 1 }]));

    // Assess
    expect(publisher.published).toHaveLength(0);
    expect(await reservation(orderId)).toMatchObject({ status: 'CANCELLED', items: [] });
    const stock = await product('SKU-007');
    expect([stock.available, stock.holds]).toEqual([1_000, {}]);
  });
});

describe('inventory: concurrency and conservation', () => {
  it('lets exactly one of two orders racing for the last units win, and never goes below zero', async () => {
    // Prepare: SKU-LAST has 2 units; each order wants both.
    const [a, b] = [newOrderId(), newOrderId()];

    // Act
    await Promise.all([
      deliverCreated(orderCreated(a, [{ sku: 'SKU-LAST', quantity: 2 }])),
      deliverCreated(orderCreated(b, [{ sku: 'SKU-LAST', quantity: 2 }])),
    ]);

    // Assess
    const reserved = dataOf('InventoryReserved', publisher.published).map((d) => d.orderId);
    const failed = dataOf('InventoryReservationFailed', publisher.published);
    expect(reserved).toHaveLength(1);
    expect(failed).toHaveLength(1);
    const winner = reserved[0] as string;
    expect([a, b]).toContain(winner);
    expect(failed[0]?.orderId).toBe(winner === a ? b : a);
    expect(failed[0]?.shortages).toEqual([{ sku: 'SKU-LAST', requested: 2, available: 0 }]);
    const last = await product('SKU-LAST');
    expect([last.available, last.holds]).toEqual([0, { [winner]: 2 }]);
  });

  it('lets exactly as many single-unit orders win as there are units when ten race', async () => {
    // Prepare: SKU-LOW has 3 units.
    const orders = Array.from({ length: 10 }, () => newOrderId());

    // Act
    await Promise.all(orders.map((id) => deliverCreated(orderCreated(id, [{ sku: 'SKU-LOW', quantity: 1 }]))));

    // Assess
    const winners = dataOf('InventoryReserved', publisher.published).map((d) => d.orderId);
    expect(winners).toHaveLength(3);
    expect(dataOf('InventoryReservationFailed', publisher.published)).toHaveLength(7);
    const low = await product('SKU-LOW');
    expect(low.available).toBe(0);
    expect(Object.keys(low.holds).sort()).toEqual([...winners].sort());
  });

  it('keeps available + holds equal to the seed for every SKU after a mix of orders and cancellations', async () => {
    // Prepare: overlapping orders (some short), run concurrently, then some cancelled, some twice.
    const orders = Array.from({ length: 12 }, (_, i) => ({
      id: newOrderId(),
      lines: [
        { sku: `SKU-00${(i % 5) + 1}`, quantity: (i % 4) + 1 },
        { sku: i % 3 === 0 ? 'SKU-LOW' : 'SKU-LAST', quantity: 1 },
        ...(i % 4 === 0 ? [{ sku: 'SKU-SOLDOUT', quantity: 1 }] : []),
      ],
    }));

    // Act
    await Promise.all(orders.map((o) => deliverCreated(orderCreated(o.id, o.lines))));
    const cancelled = orders.filter((_, i) => i % 2 === 0).map((o) => o.id);
    await Promise.all(cancelled.map((id) => deliverCancelled(orderCancelled(id))));
    await Promise.all(cancelled.slice(0, 3).map((id) => deliverCancelled(orderCancelled(id))));
    await Promise.all(orders.slice(0, 4).map((o) => deliverCreated(orderCreated(o.id, o.lines))));

    // Assess
    expect(await stockAccount()).toEqual(SEED_STOCK);
    const stillReserved = new Set(
      dataOf('InventoryReserved', publisher.published)
        .map((d) => d.orderId)
        .filter((id) => !cancelled.includes(id)),
    );
    expect(stillReserved.size).toBeGreaterThan(0);
    const products = await getProducts(dynamo.documents, table, [...SEED_STOCK.keys()]);
    const holders = new Set([...products.values()].flatMap((p) => Object.keys(p.holds)));
    expect(holders).toEqual(stillReserved);
    for (const p of products.values()) expect(p.available).toBeGreaterThanOrEqual(0);
  });
});

describe('inventory behind the Kafka consumer', () => {
  it('skips a redelivered event id and retries a record whose publish failed, publishing it once', async () => {
    // Prepare
    const orderId = newOrderId();
    const created = orderCreated(orderId, [{ sku: 'SKU-008', quantity: 5 }]);
    const deps = {
      handlers,
      idempotency: dynamoIdempotency({
        client: dynamo.client,
        tableName: dynamo.tableName('idempotency'),
        keyPrefix: 'inventory',
      }),
      deadLetters: { send: async () => undefined },
      logger: quietLogger,
    };
    publisher.failing = true;
    const failed = await consumeBatch(batchOf(created), deps, lambdaContext());
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: { partition: 'orders.events-0', offset: 0 } }]);

    // Act
    publisher.failing = false;
    const retried = await consumeBatch(batchOf(created), deps, lambdaContext());
    const duplicate = await consumeBatch(batchOf(created), deps, lambdaContext());

    // Assess
    expect([retried.batchItemFailures, duplicate.batchItemFailures]).toEqual([[], []]);
    expect(idsOf('InventoryReserved')).toEqual([outcomeEventId(orderId, 'InventoryReserved')]);
    expect((await product('SKU-008')).available).toBe(995);
  });
});

// The store's record layout is part of the contract with operators reading the table.
describe('inventory store', () => {
  it('answers with the existing record when a reservation is begun twice', async () => {
    // Prepare
    const orderId = newOrderId();
    const first: Reservation = {
      orderId,
      status: 'RESERVING',
      reservationId: reservationIdOf(orderId),
      correlationId: CORRELATION_ID,
      items: [{ sku: 'SKU-001', quantity: 1 }],
    };
    await store.beginReservation(first);

    // Act
    const again = await store.beginReservation({ ...first, correlationId: 'another', items: [] });

    // Assess
    expect(again).toEqual(first);
    expect(await reservation(orderId)).toMatchObject({ pk: `RESERVATION#${orderId}`, sk: 'RESERVATION' });
  });

  it('refuses to give back a hold whose size differs from the reservation', async () => {
    // Prepare
    const orderId = newOrderId();
    await store.take(orderId, { sku: 'SKU-001', quantity: 2 });

    // Act
    const giveBack = store.giveBack(orderId, { sku: 'SKU-001', quantity: 5 });

    // Assess
    await expect(giveBack).rejects.toThrow(`order ${orderId} holds 2 of SKU-001 but its reservation says 5`);
    expect((await product('SKU-001')).available).toBe(998);
  });
});
