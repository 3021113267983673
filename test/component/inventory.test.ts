import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  type InventoryHandlers,
  inventoryHandlers,
  type Line,
  outcomeEventId,
  productUpdatedId,
  reservationIdOf,
} from '../../lambdas/inventory/core';
import {
  type ProductState,
  RESERVATION_LIFETIME_MS,
  type Reservation,
  STALE_STEP_MS,
} from '../../lambdas/inventory/reservation';
import {
  dynamoInventoryStore,
  type InventoryStore,
  reservationKey,
  stepAttribute,
} from '../../lambdas/inventory/store';
import { getProducts, productKey, SEED_CATALOGUE, seedCatalogue } from '../../lambdas/shared/catalogue';
import { ItemClient } from '../../lambdas/shared/db/item-client';
import { createEvent } from '../../lambdas/shared/events/envelope';
import type { EventData } from '../../lambdas/shared/events/types.generated';
import type { CloudEvent } from '../../lambdas/shared/events/validation';
import { type ConsumerLogger, consumeBatch } from '../../lambdas/shared/kafka/consumer';
import type { DecodedRecord, MskEvent, MskRecord } from '../../lambdas/shared/kafka/msk-event';
import { dynamoIdempotency } from '../../lambdas/shared/powertools-idempotency';
import { cloudEventType, type EventName } from '../../lib/topology';
import { sampleData } from '../../local/samples';
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
  const data = sampleData('OrderCreated', {
    orderId,
    items: items.map((i) => ({
      ...i,
      unitPriceCents: PRICE.get(i.sku) ?? 100,
    })) as EventData['OrderCreated']['items'],
    totalCents: items.reduce((sum, i) => sum + i.quantity * (PRICE.get(i.sku) ?? 100), 0),
  });
  return createEvent('OrderCreated', data, {
    subject: orderId,
    correlationId: CORRELATION_ID,
    id: `created-${orderId}`,
  });
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
let handlers: InventoryHandlers;

beforeEach(async () => {
  dynamo = await startDynamo();
  table = dynamo.tableName('inventory');
  await seedCatalogue(dynamo.items, table);
  await seedCatalogue(dynamo.items, table, SCARCE);
  store = dynamoInventoryStore(dynamo.items, table);
  publisher = new InMemoryPublisher();
  handlers = inventoryHandlers({ store, publisher, logger: quietLogger });
});

afterEach(async () => {
  for (const client of attemptClients.splice(0)) client.destroy();
  await dynamo.stop();
});

async function deliverCreated(event: CloudEvent<EventData['OrderCreated']>, to = handlers): Promise<void> {
  await to.OrderCreated(event, decodedRecordOf(event));
}

async function deliverCancelled(event: CloudEvent<EventData['OrderCancelled']>, to = handlers): Promise<void> {
  await to.OrderCancelled(event, decodedRecordOf(event));
}

/** A product as inventory reads it (strongly consistent, with its steps in flight). */
async function product(sku: string): Promise<ProductState> {
  const found = (await store.products([sku])).get(sku);
  if (!found) throw new Error(`${sku} is not in the catalogue`);
  return found;
}

/** [available, steps in flight] of a product: what most tests check. */
async function stockOf(sku: string): Promise<[number, number]> {
  const p = await product(sku);
  return [p.available, p.steps.length];
}

async function reservation(orderId: string): Promise<Record<string, unknown> | undefined> {
  const response = await dynamo.documents.send(
    new GetCommand({ TableName: table, Key: reservationKey(orderId), ConsistentRead: true }),
  );
  return response.Item;
}

function dataOf<N extends keyof EventData>(name: N, events: readonly CloudEvent[]): EventData[N][] {
  return events.filter((e) => e.type === cloudEventType(name)).map((e) => e.data as EventData[N]);
}

function idsOf(type: EventName): string[] {
  return publisher.ofType(type).map((e) => e.id);
}

async function scanInventory(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.documents.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (start);
  return items;
}

/**
 * What each order holds, per SKU, read from the tables as the fault suite reads them: the lines of
 * its RESERVED reservation, plus any take step its reservation did not adopt (a take not decided
 * yet, or one taken twice). Also the stock on its way back: adopted give steps of RELEASED orders.
 */
async function holdings(): Promise<{ heldBy: Map<string, Map<string, number>>; returning: Map<string, number> }> {
  const items = await scanInventory();
  const reservations = new Map(
    items.filter((i) => i.sk === 'RESERVATION').map((r) => [r.orderId as string, r as unknown as Reservation]),
  );
  const heldBy = new Map<string, Map<string, number>>();
  const hold = (orderId: string, sku: string, quantity: number) => {
    const held = heldBy.get(orderId) ?? new Map<string, number>();
    heldBy.set(orderId, held.set(sku, (held.get(sku) ?? 0) + quantity));
  };
  for (const r of reservations.values()) {
    if (r.status === 'RESERVED') for (const { sku, quantity } of r.items) hold(r.orderId, sku, quantity);
  }
  const returning = new Map<string, number>();
  for (const item of items.filter((i) => i.sk === 'PRODUCT')) {
    const sku = item.sku as string;
    for (const [name, value] of Object.entries(item)) {
      const step = /^(take|give)#(.+)$/.exec(name);
      if (!step) continue;
      const [, kind, orderId] = step as unknown as [string, 'take' | 'give', string];
      const { quantity, token } = value as { quantity: number; token: string };
      const r = reservations.get(orderId);
      const adopted = (kind === 'take' ? r?.taken : r?.released)?.[sku];
      if (kind === 'take' && !(adopted === token && (r?.status === 'RESERVED' || r?.status === 'RELEASED'))) {
        hold(orderId, sku, quantity);
      }
      if (kind === 'give' && adopted === token && r?.status === 'RELEASED') {
        returning.set(sku, (returning.get(sku) ?? 0) + quantity);
      }
    }
  }
  return { heldBy, returning };
}

/** available + held + on its way back, per SKU: what conservation of stock says must equal the seed. */
async function stockAccount(): Promise<Map<string, number>> {
  const { heldBy, returning } = await holdings();
  const products = await store.products([...SEED_STOCK.keys()]);
  const account = new Map([...products.values()].map((p) => [p.sku, p.available + (returning.get(p.sku) ?? 0)]));
  for (const held of heldBy.values()) {
    for (const [sku, quantity] of held) account.set(sku, (account.get(sku) ?? 0) + quantity);
  }
  return account;
}

/** Every product of the catalogue with no step in flight. */
async function expectNothingInFlight(): Promise<void> {
  const products = await store.products([...SEED_STOCK.keys()]);
  expect([...products.values()].flatMap((p) => p.steps.map((s) => `${p.sku}: ${s.kind}#${s.orderId}`))).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Attempts with their own DynamoDB client, to count their calls, crash them, or hold one call in
// flight while another attempt runs (an invocation Lambda abandoned at its timeout).
// ---------------------------------------------------------------------------------------------

const attemptClients: DynamoDBClient[] = [];

interface Attempt {
  readonly handlers: InventoryHandlers;
  /** The commands this attempt sent, in order. */
  readonly calls: string[];
  /** Resolves once the held call is reached (it has not been sent yet). */
  readonly held: Promise<void>;
  /** Sends the held call; with `thenDie`, every call after it fails as if the process were gone. */
  release(options?: { thenDie?: boolean }): void;
}

interface AttemptOptions {
  /** The process dies right after this call (1-based) returns: it and the calls before it landed. */
  readonly dieAfterCall?: number;
  /** This call (1-based) waits, unsent, until `release()`. */
  readonly holdCall?: number;
  readonly now?: () => Date;
  readonly publisher?: InMemoryPublisher;
}

function attempt(options: AttemptOptions = {}): Attempt {
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  attemptClients.push(client);
  const calls: string[] = [];
  let dead = false;
  let dieAfterHeld = false;
  let reached: () => void = () => undefined;
  let go: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const released = new Promise<void>((resolve) => {
    go = resolve;
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (dead) throw new Error('injected crash: the process is gone');
      const n = calls.push((context as { commandName: string }).commandName);
      if (n === options.holdCall) {
        reached();
        await released;
      }
      // A call DynamoDB refused (a condition that failed) landed too: the crash follows either way.
      const dies = () => n === options.dieAfterCall || (n === options.holdCall && dieAfterHeld);
      try {
        return await next(args);
      } finally {
        if (dies()) {
          dead = true;
          // biome-ignore lint/correctness/noUnsafeFinally: the crash replaces whatever the call answered.
          throw new Error(`injected crash after DynamoDB call ${n}`);
        }
      }
    },
    { step: 'initialize', name: 'attemptFaults' },
  );
  return {
    handlers: inventoryHandlers({
      store: dynamoInventoryStore(new ItemClient(client), table),
      publisher: options.publisher ?? publisher,
      logger: quietLogger,
      ...(options.now ? { now: options.now } : {}),
    }),
    calls,
    held,
    release(release = {}) {
      dieAfterHeld = release.thenDie ?? false;
      go();
    },
  };
}

/** A delivery some time after now, so every step written before it is stale to it. */
function later(): () => Date {
  return () => new Date(Date.now() + STALE_STEP_MS + 60_000);
}

// ---------------------------------------------------------------------------------------------

describe('inventory: reserving an order', () => {
  it('takes the stock of every line, publishes InventoryReserved and one ProductUpdated per SKU, and leaves no step behind', async () => {
    // Prepare
    const orderId = newOrderId();
    const event = orderCreated(orderId, [
      { sku: 'SKU-002', quantity: 3 },
      { sku: 'SKU-001', quantity: 2 },
    ]);

    // Act
    await deliverCreated(event);

    // Assess
    expect([await stockOf('SKU-001'), await stockOf('SKU-002')]).toEqual([
      [998, 0],
      [997, 0],
    ]);
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
    const stored = await reservation(orderId);
    expect(stored).toMatchObject({
      status: 'RESERVED',
      reservationId: reservationIdOf(orderId),
      correlationId: CORRELATION_ID,
      items: [
        { sku: 'SKU-001', quantity: 2 },
        { sku: 'SKU-002', quantity: 3 },
      ],
    });
    // The proof that the order took stock now lives in its reservation: one adopted step per SKU.
    expect(Object.keys(stored?.taken as object).sort()).toEqual(['SKU-001', 'SKU-002']);
    expect((await holdings()).heldBy.get(orderId)).toEqual(
      new Map([
        ['SKU-001', 2],
        ['SKU-002', 3],
      ]),
    );
  });

  it('merges duplicate SKU lines into one step, and splits a merged line over 100 into schema-sized event lines', async () => {
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
    expect(await stockOf('SKU-003')).toEqual([995, 0]);
    expect(await stockOf('SKU-004')).toEqual([850, 0]);
    expect((await reservation(small))?.items).toEqual([{ sku: 'SKU-003', quantity: 5 }]);
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
    expect(await stockOf('SKU-SOLDOUT')).toEqual([0, 0]);
    expect(await reservation(orderId)).toMatchObject({ status: 'FAILED', reason: 'out_of_stock', heldSkus: [] });
  });

  it('gives back the lines it took when another line is short, restoring the seed stock', async () => {
    // Prepare
    const orderId = newOrderId();

    // Act
    await deliverCreated(
      orderCreated(orderId, [
        { sku: 'SKU-001', quantity: 5 },
        { sku: 'SKU-LOW', quantity: 4 },
      ]),
    );

    // Assess
    expect(await stockOf('SKU-001')).toEqual([1_000, 0]);
    expect(await stockOf('SKU-LOW')).toEqual([3, 0]);
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
    expect(await reservation(orderId)).toMatchObject({ status: 'FAILED', heldSkus: ['SKU-001'] });
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
    expect(await stockOf('SKU-002')).toEqual([1_000, 0]);
    expect(await stockOf('SKU-LOW')).toEqual([3, 0]);
    expect((await getProducts(dynamo.items, table, ['SKU-NOPE'])).size).toBe(0);
  });

  it('takes the stock once when the same OrderCreated is delivered twice, and re-publishes the same ids', async () => {
    // Prepare
    const orderId = newOrderId();
    const event = orderCreated(orderId, [{ sku: 'SKU-005', quantity: 7 }]);

    // Act
    await deliverCreated(event);
    await deliverCreated(event);

    // Assess
    expect(await stockOf('SKU-005')).toEqual([993, 0]);
    expect(idsOf('InventoryReserved')).toEqual([
      outcomeEventId(orderId, 'InventoryReserved'),
      outcomeEventId(orderId, 'InventoryReserved'),
    ]);
    expect(new Set(idsOf('ProductUpdated'))).toEqual(new Set([productUpdatedId(orderId, 'SKU-005', 'reserve')]));
  });

  it('takes the stock once when the same OrderCreated is delivered three times at once', async () => {
    // Prepare
    const orderId = newOrderId();
    const event = orderCreated(orderId, [
      { sku: 'SKU-006', quantity: 2 },
      { sku: 'SKU-LAST', quantity: 2 },
    ]);
    const copies = [attempt(), attempt(), attempt()];

    // Act
    await Promise.all(copies.map((copy) => deliverCreated(event, copy.handlers)));

    // Assess
    expect([await stockOf('SKU-006'), await stockOf('SKU-LAST')]).toEqual([
      [998, 0],
      [0, 0],
    ]);
    expect(new Set(idsOf('InventoryReserved'))).toEqual(new Set([outcomeEventId(orderId, 'InventoryReserved')]));
    expect(publisher.ofType('InventoryReservationFailed')).toHaveLength(0);
    expect(await stockAccount()).toEqual(SEED_STOCK);
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
    expect(await stockOf('SKU-001')).toEqual([1_000, 0]);
    expect(publisher.ofType('InventoryReserved')).toHaveLength(0);
  });
});

describe('inventory: replays after the steps are gone', () => {
  it('takes nothing when an OrderCreated is replayed long after its order was reserved', async () => {
    // Prepare: reserved and settled; the product no longer says anything about the order.
    const orderId = newOrderId();
    const event = orderCreated(orderId, [{ sku: 'SKU-007', quantity: 4 }]);
    await deliverCreated(event);
    await deliverCreated(orderCreated(newOrderId(), [{ sku: 'SKU-007', quantity: 1 }]));
    expect(await stockOf('SKU-007')).toEqual([995, 0]);
    publisher.published.length = 0;

    // Act
    await deliverCreated(event);

    // Assess: the reservation proves it, so the stock is untouched and the same ids go out again.
    expect(await stockOf('SKU-007')).toEqual([995, 0]);
    expect(idsOf('InventoryReserved')).toEqual([outcomeEventId(orderId, 'InventoryReserved')]);
    expect(idsOf('ProductUpdated')).toEqual([productUpdatedId(orderId, 'SKU-007', 'reserve')]);
  });

  it('takes nothing when an OrderCreated is replayed after its order was released', async () => {
    // Prepare
    const orderId = newOrderId();
    const event = orderCreated(orderId, [{ sku: 'SKU-008', quantity: 3 }]);
    await deliverCreated(event);
    await deliverCancelled(orderCancelled(orderId));
    publisher.published.length = 0;

    // Act
    await deliverCreated(event);

    // Assess
    expect(await stockOf('SKU-008')).toEqual([1_000, 0]);
    expect(publisher.published).toHaveLength(0);
    expect((await reservation(orderId))?.status).toBe('RELEASED');
  });

  it('gives back nothing more when an OrderCancelled is replayed after the release', async () => {
    // Prepare
    const orderId = newOrderId();
    await deliverCreated(orderCreated(orderId, [{ sku: 'SKU-009', quantity: 3 }]));
    const cancelled = orderCancelled(orderId);
    await deliverCancelled(cancelled);
    await deliverCreated(orderCreated(newOrderId(), [{ sku: 'SKU-009', quantity: 1 }]));

    // Act
    await deliverCancelled(cancelled);

    // Assess
    expect(await stockOf('SKU-009')).toEqual([999, 0]);
    expect(idsOf('InventoryReleased')).toEqual([
      outcomeEventId(orderId, 'InventoryReleased'),
      outcomeEventId(orderId, 'InventoryReleased'),
    ]);
  });
});

describe('inventory: DynamoDB calls per event', () => {
  async function counted(deliver: (a: Attempt) => Promise<void>): Promise<string[]> {
    const a = attempt();
    await deliver(a);
    return a.calls;
  }

  it('costs 2n + 2 calls for an OrderCreated of n SKUs, and 2 for a redelivery', async () => {
    // Prepare
    const one = orderCreated(newOrderId(), [{ sku: 'SKU-001', quantity: 1 }]);
    const two = orderCreated(newOrderId(), [
      { sku: 'SKU-001', quantity: 1 },
      { sku: 'SKU-002', quantity: 1 },
    ]);

    // Act
    const oneSku = await counted((a) => deliverCreated(one, a.handlers));
    const twoSkus = await counted((a) => deliverCreated(two, a.handlers));
    const again = await counted((a) => deliverCreated(two, a.handlers));

    // Assess: open, take per SKU, decide, settle per SKU; a redelivery opens and reads.
    expect(oneSku).toEqual(Array(4).fill('UpdateItemCommand'));
    expect(twoSkus).toEqual(Array(6).fill('UpdateItemCommand'));
    expect(again).toEqual(['UpdateItemCommand', 'BatchGetItemCommand']);
  });

  it('costs 2n + 2 calls for an OrderCancelled of a reserved order of n SKUs, 2 for a redelivery, 1 when nothing is held', async () => {
    // Prepare
    const [one, two, failed] = [newOrderId(), newOrderId(), newOrderId()];
    await deliverCreated(orderCreated(one, [{ sku: 'SKU-003', quantity: 1 }]));
    await deliverCreated(
      orderCreated(two, [
        { sku: 'SKU-003', quantity: 1 },
        { sku: 'SKU-004', quantity: 1 },
      ]),
    );
    await deliverCreated(orderCreated(failed, [{ sku: 'SKU-SOLDOUT', quantity: 1 }]));

    // Act
    const oneSku = await counted((a) => deliverCancelled(orderCancelled(one), a.handlers));
    const twoSkus = await counted((a) => deliverCancelled(orderCancelled(two), a.handlers));
    const again = await counted((a) => deliverCancelled(orderCancelled(two), a.handlers));
    const nothingHeld = await counted((a) => deliverCancelled(orderCancelled(failed), a.handlers));
    const beforeCreated = await counted((a) => deliverCancelled(orderCancelled(newOrderId()), a.handlers));

    // Assess: open, prepare a give step per SKU, decide, settle per SKU.
    expect(oneSku).toEqual(Array(4).fill('UpdateItemCommand'));
    expect(twoSkus).toEqual(Array(6).fill('UpdateItemCommand'));
    expect(again).toEqual(['UpdateItemCommand', 'BatchGetItemCommand']);
    expect([nothingHeld, beforeCreated]).toEqual([['UpdateItemCommand'], ['UpdateItemCommand']]);
  });
});

// ---------------------------------------------------------------------------------------------
// Every DynamoDB call of a flow, in turn: a crash right after it, or the attempt abandoned with
// that call still in flight while its retry runs (Lambda stops a timed-out invocation, but a
// request it already sent may land at any time), and it landing late.
// ---------------------------------------------------------------------------------------------

interface Flow {
  readonly name: string;
  readonly lines: readonly Line[];
  /** What happens to the order before the delivery under test (a reservation before a cancellation). */
  readonly before?: (orderId: string) => Promise<void>;
  readonly deliver: (orderId: string, lines: readonly Line[], to: InventoryHandlers) => Promise<void>;
  readonly status: Reservation['status'];
  /** What the order holds at the end. */
  readonly holds: Record<string, number>;
  readonly outcome: 'InventoryReserved' | 'InventoryReservationFailed' | 'InventoryReleased';
}

const FLOWS: readonly Flow[] = [
  {
    name: 'OrderCreated, every line in stock',
    lines: [
      { sku: 'SKU-006', quantity: 1 },
      { sku: 'SKU-007', quantity: 2 },
    ],
    deliver: (orderId, lines, to) => deliverCreated(orderCreated(orderId, lines), to),
    status: 'RESERVED',
    holds: { 'SKU-006': 1, 'SKU-007': 2 },
    outcome: 'InventoryReserved',
  },
  {
    name: 'OrderCreated, one line short',
    lines: [
      { sku: 'SKU-006', quantity: 1 },
      { sku: 'SKU-LOW', quantity: 4 },
    ],
    deliver: (orderId, lines, to) => deliverCreated(orderCreated(orderId, lines), to),
    status: 'FAILED',
    holds: {},
    outcome: 'InventoryReservationFailed',
  },
  {
    name: 'OrderCancelled of a reserved order',
    lines: [
      { sku: 'SKU-006', quantity: 1 },
      { sku: 'SKU-007', quantity: 2 },
    ],
    before: async (orderId) => deliverCreated(orderCreated(orderId, FLOWS[2]?.lines ?? []), attempt().handlers),
    deliver: (orderId, _lines, to) => deliverCancelled(orderCancelled(orderId), to),
    status: 'RELEASED',
    holds: {},
    outcome: 'InventoryReleased',
  },
];

/** The calls a flow makes when nothing goes wrong. */
async function callsOf(flow: Flow): Promise<number> {
  const orderId = newOrderId();
  await flow.before?.(orderId);
  const clean = attempt();
  await flow.deliver(orderId, flow.lines, clean.handlers);
  return clean.calls.length;
}

/**
 * The end state of an order, in one comparable value: what must hold whatever went wrong. `since`
 * is how many events were published before the delivery under test.
 */
async function outcomeOf(orderId: string, since: number) {
  const { heldBy } = await holdings();
  const account = await stockAccount();
  const products = await store.products([...SEED_STOCK.keys()]);
  const outcomes = publisher.published
    .slice(since)
    .filter((e) => e.subject === orderId && e.type !== 'orderpipeline.ProductUpdated');
  return {
    status: (await reservation(orderId))?.status,
    holds: Object.fromEntries(heldBy.get(orderId) ?? []),
    outcomeIds: [...new Set(outcomes.map((e) => e.id))],
    stockConserved: [...SEED_STOCK].every(([sku, seeded]) => account.get(sku) === seeded),
    negative: [...products.values()].filter((p) => p.available < 0).map((p) => p.sku),
    inFlight: [...products.values()].flatMap((p) => p.steps.map((s) => `${p.sku}: ${s.kind}#${s.orderId}`)),
  };
}

function expected(flow: Flow, orderId: string) {
  return {
    status: flow.status,
    holds: flow.holds,
    outcomeIds: [outcomeEventId(orderId, flow.outcome)],
    stockConserved: true,
    negative: [],
    inFlight: [],
  };
}

describe('inventory: a crash after any DynamoDB call, then the redelivery', () => {
  for (const flow of FLOWS) {
    it(`${flow.name}: ends as a clean run does, whichever call it crashed after`, async () => {
      const calls = await callsOf(flow);
      expect(calls).toBeGreaterThanOrEqual(4);
      for (let call = 1; call <= calls; call++) {
        // Prepare
        const orderId = newOrderId();
        await flow.before?.(orderId);
        const since = publisher.published.length;
        const crashing = attempt({ dieAfterCall: call });
        await expect(flow.deliver(orderId, flow.lines, crashing.handlers)).rejects.toThrow('injected crash');

        // Act: the trigger delivers the record again, to a fresh invocation.
        await flow.deliver(orderId, flow.lines, attempt().handlers);

        // Assess
        expect({ call, ...(await outcomeOf(orderId, since)) }).toEqual({ call, ...expected(flow, orderId) });
      }
    });
  }
});

describe('inventory: an abandoned attempt whose call lands while, or after, its retry runs', () => {
  for (const flow of FLOWS) {
    it(`${flow.name}: the late call changes nothing once the abandoned attempt carries on`, async () => {
      const calls = await callsOf(flow);
      for (let call = 1; call <= calls; call++) {
        // Prepare: the first attempt has sent calls up to `call`, which is still on its way.
        const orderId = newOrderId();
        await flow.before?.(orderId);
        const since = publisher.published.length;
        const abandoned = attempt({ holdCall: call });
        const first = flow.deliver(orderId, flow.lines, abandoned.handlers);
        await abandoned.held;

        // Act: the retry runs to the end, then the call lands and the first attempt goes on.
        await flow.deliver(orderId, flow.lines, attempt().handlers);
        abandoned.release();
        await Promise.allSettled([first]);

        // Assess
        expect({ call, ...(await outcomeOf(orderId, since)) }).toEqual({ call, ...expected(flow, orderId) });
      }
    });

    it(`${flow.name}: what the late call leaves is settled by the next writer of the product`, async () => {
      const calls = await callsOf(flow);
      for (let call = 1; call <= calls; call++) {
        // Prepare: as above, but the process is gone right after the late call lands.
        const orderId = newOrderId();
        await flow.before?.(orderId);
        const since = publisher.published.length;
        const abandoned = attempt({ holdCall: call });
        const first = flow.deliver(orderId, flow.lines, abandoned.handlers);
        await abandoned.held;
        await flow.deliver(orderId, flow.lines, attempt().handlers);
        abandoned.release({ thenDie: true });
        await Promise.allSettled([first]);

        // Act: another order of the same products, once the late step is stale.
        const next = newOrderId();
        await deliverCreated(
          orderCreated(
            next,
            flow.lines.map((l) => ({ sku: l.sku, quantity: 1 })),
          ),
          attempt({ now: later() }).handlers,
        );

        // Assess
        expect({ call, ...(await outcomeOf(orderId, since)) }).toEqual({ call, ...expected(flow, orderId) });
      }
    });
  }
});

describe('inventory: publishing fails, cancellations race the reservation', () => {
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
    expect([await stockOf('SKU-009'), await stockOf('SKU-010')]).toEqual([
      [998, 0],
      [999, 0],
    ]);
  });

  it('publishes InventoryReleased once when the release was done but its publish failed', async () => {
    // Prepare
    const orderId = newOrderId();
    await deliverCreated(orderCreated(orderId, [{ sku: 'SKU-003', quantity: 4 }]));
    publisher.published.length = 0;
    publisher.failing = true;
    await expect(deliverCancelled(orderCancelled(orderId))).rejects.toThrow('Kafka is unreachable');
    expect(await stockOf('SKU-003')).toEqual([1_000, 0]);

    // Act
    publisher.failing = false;
    await deliverCancelled(orderCancelled(orderId));

    // Assess
    expect(await stockOf('SKU-003')).toEqual([1_000, 0]);
    expect(idsOf('InventoryReleased')).toEqual([outcomeEventId(orderId, 'InventoryReleased')]);
    expect(idsOf('ProductUpdated')).toEqual([productUpdatedId(orderId, 'SKU-003', 'release')]);
  });

  it('releases what a reservation that never finished took, when the order is cancelled, and a late OrderCreated takes nothing', async () => {
    // Prepare: one of two lines taken, then the delivery died for good (its record dead-lettered).
    const orderId = newOrderId();
    const lines = [
      { sku: 'SKU-004', quantity: 2 },
      { sku: 'SKU-005', quantity: 2 },
    ];
    await store.openReservation({
      orderId,
      status: 'RESERVING',
      reservationId: reservationIdOf(orderId),
      correlationId: CORRELATION_ID,
      items: lines,
    });
    await store.take('SKU-004', {
      kind: 'take',
      orderId,
      quantity: 2,
      token: 'dead0001',
      at: new Date().toISOString(),
    });
    expect(await stockOf('SKU-004')).toEqual([998, 1]);

    // Act
    await deliverCancelled(orderCancelled(orderId));
    await deliverCreated(orderCreated(orderId, lines));

    // Assess
    expect([await stockOf('SKU-004'), await stockOf('SKU-005')]).toEqual([
      [1_000, 0],
      [1_000, 0],
    ]);
    expect((await reservation(orderId))?.status).toBe('RELEASED');
    expect(publisher.ofType('InventoryReserved')).toHaveLength(0);
    expect(idsOf('InventoryReleased')).toEqual([outcomeEventId(orderId, 'InventoryReleased')]);
  });

  it('still releases the order when a cancellation of an unfinished reservation loses the race to its reservation', async () => {
    // Prepare: an OrderCreated attempt is about to record RESERVED; a cancellation found it RESERVING.
    const orderId = newOrderId();
    const lines = [{ sku: 'SKU-005', quantity: 3 }];
    const reserving = attempt({ holdCall: 3 });
    const created = deliverCreated(orderCreated(orderId, lines), reserving.handlers);
    await reserving.held;
    const cancelling = attempt({ holdCall: 2 });
    const cancelled = deliverCancelled(orderCancelled(orderId), cancelling.handlers);
    await cancelling.held;

    // Act: the reservation is recorded first, then the cancellation's decision lands.
    reserving.release();
    await created;
    cancelling.release();
    await cancelled;

    // Assess
    expect((await reservation(orderId))?.status).toBe('RELEASED');
    expect(await stockOf('SKU-005')).toEqual([1_000, 0]);
    expect(idsOf('InventoryReserved')).toEqual([outcomeEventId(orderId, 'InventoryReserved')]);
    expect(idsOf('InventoryReleased')).toEqual([outcomeEventId(orderId, 'InventoryReleased')]);
  });

  it('gives back a take that landed after the order was released when the OrderCreated is redelivered', async () => {
    // Prepare: the reservation says RELEASED, but a racing take left its step behind.
    const orderId = newOrderId();
    const lines = [{ sku: 'SKU-006', quantity: 3 }];
    await store.openReservation({
      orderId,
      status: 'RESERVING',
      reservationId: reservationIdOf(orderId),
      correlationId: CORRELATION_ID,
      items: lines,
    });
    await store.decide(orderId, 'RESERVING', { status: 'RELEASED' });
    await store.take('SKU-006', {
      kind: 'take',
      orderId,
      quantity: 3,
      token: 'late0001',
      at: new Date().toISOString(),
    });

    // Act
    await deliverCreated(orderCreated(orderId, lines));

    // Assess
    expect(await stockOf('SKU-006')).toEqual([1_000, 0]);
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
    expect(await stockOf('SKU-LOW')).toEqual([1, 0]);
    publisher.published.length = 0;
    const cancelled = orderCancelled(orderId);

    // Act
    await deliverCancelled(cancelled);
    await deliverCancelled(cancelled);

    // Assess
    expect([await stockOf('SKU-001'), await stockOf('SKU-LOW')]).toEqual([
      [1_000, 0],
      [3, 0],
    ]);
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
    expect(await reservation(orderId)).toMatchObject({ status: 'RELEASED' });
    expect((await holdings()).heldBy.get(orderId)).toBeUndefined();
  });

  it('gives back a reservation once when OrderCancelled is delivered three times at once', async () => {
    // Prepare
    const orderId = newOrderId();
    await deliverCreated(
      orderCreated(orderId, [
        { sku: 'SKU-002', quantity: 5 },
        { sku: 'SKU-LAST', quantity: 2 },
      ]),
    );

    // Act
    await Promise.all(
      [attempt(), attempt(), attempt()].map((a) => deliverCancelled(orderCancelled(orderId), a.handlers)),
    );

    // Assess
    expect([await stockOf('SKU-002'), await stockOf('SKU-LAST')]).toEqual([
      [1_000, 0],
      [2, 0],
    ]);
    expect(new Set(idsOf('InventoryReleased'))).toEqual(new Set([outcomeEventId(orderId, 'InventoryReleased')]));
    expect(await stockAccount()).toEqual(SEED_STOCK);
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
    expect(await stockOf('SKU-SOLDOUT')).toEqual([0, 0]);
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
    expect(await stockOf('SKU-007')).toEqual([1_000, 0]);
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
    expect(await stockOf('SKU-LAST')).toEqual([0, 0]);
    expect((await holdings()).heldBy).toEqual(new Map([[winner, new Map([['SKU-LAST', 2]])]]));
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
    expect(await stockOf('SKU-LOW')).toEqual([0, 0]);
    expect([...(await holdings()).heldBy.keys()].sort()).toEqual([...winners].sort());
  });

  it('keeps available + held equal to the seed for every SKU after a mix of orders and cancellations', async () => {
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
    expect(new Set((await holdings()).heldBy.keys())).toEqual(stillReserved);
    await expectNothingInFlight();
    for (const p of (await store.products([...SEED_STOCK.keys()])).values()) {
      expect(p.available).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('inventory: steps left behind', () => {
  it('gives back, once, a take an abandoned attempt wrote after its order was reserved, when the next order of the product finds it stale', async () => {
    // Prepare: reserved and settled; then a late take of another attempt lands.
    const orderId = newOrderId();
    await deliverCreated(orderCreated(orderId, [{ sku: 'SKU-008', quantity: 4 }]));
    const late = { kind: 'take', orderId, quantity: 4, token: 'late0002', at: new Date().toISOString() } as const;
    expect(await store.take('SKU-008', late)).toBeDefined();
    expect(await stockOf('SKU-008')).toEqual([992, 1]);

    // Act: another order, now (not stale yet), then later twice.
    await deliverCreated(orderCreated(newOrderId(), [{ sku: 'SKU-008', quantity: 1 }]));
    const untouched = await stockOf('SKU-008');
    await deliverCreated(
      orderCreated(newOrderId(), [{ sku: 'SKU-008', quantity: 1 }]),
      attempt({ now: later() }).handlers,
    );
    await deliverCreated(
      orderCreated(newOrderId(), [{ sku: 'SKU-008', quantity: 1 }]),
      attempt({ now: later() }).handlers,
    );

    // Assess
    expect(untouched).toEqual([991, 1]);
    expect(await stockOf('SKU-008')).toEqual([993, 0]);
    expect((await holdings()).heldBy.get(orderId)).toEqual(new Map([['SKU-008', 4]]));
    expect(await stockAccount()).toEqual(SEED_STOCK);
  });

  it('leaves alone the step of an order still being reserved, and settles it once the order is decided', async () => {
    // Prepare: a delivery took one line and died; its redelivery has not come yet.
    const orderId = newOrderId();
    const lines = [{ sku: 'SKU-009', quantity: 2 }];
    await store.openReservation({
      orderId,
      status: 'RESERVING',
      reservationId: reservationIdOf(orderId),
      correlationId: CORRELATION_ID,
      items: lines,
    });
    await store.take('SKU-009', {
      kind: 'take',
      orderId,
      quantity: 2,
      token: 'dead0002',
      at: new Date().toISOString(),
    });

    // Act
    await deliverCreated(
      orderCreated(newOrderId(), [{ sku: 'SKU-009', quantity: 1 }]),
      attempt({ now: later() }).handlers,
    );
    const whileReserving = await stockOf('SKU-009');
    await deliverCreated(orderCreated(orderId, lines));

    // Assess: the redelivery adopted the step it found, so nothing was taken twice.
    expect(whileReserving).toEqual([997, 1]);
    expect(await stockOf('SKU-009')).toEqual([997, 0]);
    expect(await reservation(orderId)).toMatchObject({ status: 'RESERVED', taken: { 'SKU-009': 'dead0002' } });
  });

  it('gives back the take of an order whose reservation expired long ago', async () => {
    // Prepare: a step with no reservation, written longer ago than any replay could come.
    const orderId = newOrderId();
    const at = new Date(Date.now() - RESERVATION_LIFETIME_MS - 60_000).toISOString();
    await store.take('SKU-010', { kind: 'take', orderId, quantity: 5, token: 'gone0001', at });

    // Act
    await deliverCreated(orderCreated(newOrderId(), [{ sku: 'SKU-010', quantity: 1 }]));

    // Assess
    expect(await stockOf('SKU-010')).toEqual([999, 0]);
  });
});

describe('inventory: bounded state', () => {
  /** The product item as DynamoDB stores it, serialized: what every write and read of it is billed by. */
  async function serializedProduct(sku: string): Promise<string> {
    const { Item } = await dynamo.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: productKey(sku).pk }, sk: { S: 'PRODUCT' } } }),
    );
    return JSON.stringify(Item);
  }

  it('keeps the product item and the order API’s read of it flat over 2,000 orders of one SKU', async () => {
    // Prepare: a client that asks DynamoDB what each call consumed, and notes the steps each write saw.
    const HOT = { sku: 'SKU-HOT', name: 'Hot seller', priceCents: 500, currency: 'GBP', available: 9_999 };
    await seedCatalogue(dynamo.items, table, [HOT]);
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    attemptClients.push(client);
    const writeUnits: number[] = [];
    const stepsSeen: number[] = [];
    const readUnits: number[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        const output = result.output as {
          ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
          Attributes?: Record<string, unknown>;
        };
        const consumed = [output.ConsumedCapacity ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
        if ('UpdateExpression' in (args.input as object)) writeUnits.push(consumed);
        else readUnits.push(consumed);
        if (output.Attributes?.sku === HOT.sku) {
          stepsSeen.push(Object.keys(output.Attributes).filter((name) => /^(take|give)#/.test(name)).length);
        }
        return result;
      },
      { step: 'initialize', name: 'capacity' },
    );
    const items = new ItemClient(client);
    const measuredStore = dynamoInventoryStore(items, table);
    const idleAt = new Date().toISOString();
    const measured = inventoryHandlers({
      store: measuredStore,
      publisher: new InMemoryPublisher(),
      logger: quietLogger,
    });
    const idle = await serializedProduct(HOT.sku);
    const apiRead = async () => {
      readUnits.length = 0;
      const read = JSON.stringify([...(await getProducts(items, table, [HOT.sku])).values()]);
      return { bytes: read.length, units: readUnits.reduce((a, b) => a + b, 0) };
    };
    const firstApiRead = await apiRead();
    const ORDERS = 2_000;
    const IN_FLIGHT = 25;
    const item: number[] = [];
    const api: { bytes: number; units: number }[] = [];

    // Act: 2,000 orders of one unit, 25 at a time; every tenth is cancelled.
    for (let wave = 0; wave < ORDERS / IN_FLIGHT; wave++) {
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async (_, i) => {
          const orderId = newOrderId();
          await deliverCreated(orderCreated(orderId, [{ sku: HOT.sku, quantity: 1 }]), measured);
          if ((wave * IN_FLIGHT + i) % 10 === 0) await deliverCancelled(orderCancelled(orderId), measured);
        }),
      );
      item.push((await serializedProduct(HOT.sku)).length);
      api.push(await apiRead());
    }

    // Assess: once the orders are settled the item is byte for byte the size it was seeded with
    // (the count of units keeps its four digits), the API reads the same bytes and capacity, and
    // while orders are in flight a write sees at most one step per order in flight.
    expect(new Set(item)).toEqual(new Set([idle.length]));
    expect(api.every((read) => read.bytes === firstApiRead.bytes && read.units === firstApiRead.units)).toBe(true);
    expect(firstApiRead.units).toBe(0.5);
    expect(Math.max(...stepsSeen)).toBeLessThanOrEqual(IN_FLIGHT);
    const hot = await product(HOT.sku);
    expect([hot.available, hot.steps]).toEqual([HOT.available - (ORDERS - ORDERS / 10), []]);
    // What a write costs with 25 orders in flight on the product bounds what any write cost.
    const busiest = [...writeUnits];
    for (let i = 1; i < IN_FLIGHT; i++) {
      await store.take(HOT.sku, {
        kind: 'take',
        orderId: newOrderId(),
        quantity: 1,
        token: 'b0und0000001',
        at: idleAt,
      });
    }
    writeUnits.length = 0;
    await measuredStore.take(HOT.sku, {
      kind: 'take',
      orderId: newOrderId(),
      quantity: 1,
      token: 'b0und0000001',
      at: idleAt,
    });
    expect(Math.max(...busiest)).toBeLessThanOrEqual(writeUnits[0] as number);
  }, 600_000);
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
    expect(await stockOf('SKU-008')).toEqual([995, 0]);
  });
});

// The store's item layout is part of the contract with operators reading the table.
describe('inventory store', () => {
  it('opens a reservation once, answering with the one that exists, and sets it to expire after the replay window', async () => {
    // Prepare
    const orderId = newOrderId();
    const first = {
      orderId,
      status: 'RESERVING',
      reservationId: reservationIdOf(orderId),
      correlationId: CORRELATION_ID,
      items: [{ sku: 'SKU-001', quantity: 1 }],
    } as const;
    const before = Date.now();

    // Act
    const created = await store.openReservation(first);
    const again = await store.openReservation({ ...first, status: 'CANCELLED', correlationId: 'another', items: [] });

    // Assess
    expect(created).toBeUndefined();
    expect(again).toEqual(first);
    const stored = await reservation(orderId);
    expect(stored).toMatchObject({ pk: `RESERVATION#${orderId}`, sk: 'RESERVATION', ...first });
    const expiresMs = (stored?.expiration as number) * 1_000;
    expect(expiresMs).toBeGreaterThanOrEqual(before + RESERVATION_LIFETIME_MS);
    // Fifteen days: the dead-letter topic's 14 days of retention (a replay source) plus one.
    expect(RESERVATION_LIFETIME_MS).toBe(15 * 24 * 3_600_000);
  });

  it('writes a step as its own attribute, and settles it only with its own token and quantity', async () => {
    // Prepare
    const orderId = newOrderId();
    const step = { kind: 'take', orderId, quantity: 2, token: 'tok00001', at: '2026-11-28T10:00:00.000Z' } as const;
    await store.take('SKU-001', step);

    // Act
    const otherToken = await store.settle('SKU-001', { ...step, token: 'tok00002' }, 'giveBack');
    const otherQuantity = await store.settle('SKU-001', { ...step, quantity: 5 }, 'giveBack');
    const own = await store.settle('SKU-001', step, 'giveBack');
    const again = await store.settle('SKU-001', step, 'giveBack');

    // Assess
    expect([otherToken, otherQuantity, again]).toEqual([undefined, undefined, undefined]);
    expect(own).toMatchObject({ sku: 'SKU-001', available: 1_000, steps: [] });
    const { Item } = await dynamo.documents.send(
      new GetCommand({ TableName: table, Key: productKey('SKU-001'), ConsistentRead: true }),
    );
    expect(Object.keys(Item ?? {}).sort()).toEqual(['available', 'currency', 'name', 'pk', 'priceCents', 'sk', 'sku']);
    expect(stepAttribute('take', orderId)).toBe(`take#${orderId}`);
  });
});
