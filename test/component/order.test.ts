import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type OrderHandlers, orderHandlers } from '../../lambdas/order/core';
import { dynamoOrderViewStore, type OrderViewStore, type SaveResult } from '../../lambdas/order/store';
import {
  applyEvent,
  applyRecording,
  decisionEventId,
  type OrderViewItem,
  recordingApplies,
  recordingOf,
  type SagaEvent,
  type SagaEventName,
  toPublicView,
} from '../../lambdas/order/view';
import { ItemClient } from '../../lambdas/shared/db/item-client';
import { createEvent } from '../../lambdas/shared/events/envelope';
import type { CloudEvent } from '../../lambdas/shared/events/validation';
import { proofInDomainWrites } from '../../lambdas/shared/idempotency';
import { type ConsumerDeps, type ConsumerLogger, consumeBatch } from '../../lambdas/shared/kafka/consumer';
import type { DecodedRecord } from '../../lambdas/shared/kafka/msk-event';
import { domainTopic, eventNameOf, SERVICE_SPECS } from '../../lib/topology';
import { sampleData } from '../../local/samples';
import { startDynamo, type TestDynamo } from '../support/dynalite';
import { InMemoryPublisher } from '../support/in-memory-publisher';
import { lambdaContext } from '../support/lambda-context';
import { mskEventOf, recordOf } from '../support/msk';

const CORRELATION_ID = '6f1c2a7e-3b9d-4c52-8e0f-5a4b3c2d1e0f';
/** The README's order: 2 x SKU-001 at 19.99 GBP, to Ada Lovelace in London. */
const { shippingAddress: ADDRESS, items: ITEMS } = sampleData('OrderCreated');

let orderSeq = 0;
function newOrderId(): string {
  orderSeq += 1;
  return `ord_ORDERTEST${String(orderSeq).padStart(10, '0')}`;
}

/** The events an order can receive, built the way their producers build them. */
function eventsFor(orderId: string) {
  const meta = { subject: orderId, correlationId: CORRELATION_ID };
  return {
    created: () => createEvent('OrderCreated', sampleData('OrderCreated', { orderId }), meta),
    paid: () =>
      createEvent(
        'PaymentCompleted',
        { orderId, paymentId: 'pay_0123456789AB', amountCents: 3998, currency: 'GBP' },
        meta,
      ),
    declined: () =>
      createEvent('PaymentFailed', { orderId, reason: 'card_declined', amountCents: 3998, currency: 'GBP' }, meta),
    refunded: () =>
      createEvent(
        'PaymentRefunded',
        { orderId, paymentId: 'pay_0123456789AB', refundId: 'ref_0123456789AB', amountCents: 3998, currency: 'GBP' },
        meta,
      ),
    reserved: () =>
      createEvent(
        'InventoryReserved',
        { orderId, reservationId: 'res_0123456789AB', items: [{ sku: 'SKU-001', quantity: 2 }] },
        meta,
      ),
    short: () =>
      createEvent(
        'InventoryReservationFailed',
        { orderId, reason: 'out_of_stock', shortages: [{ sku: 'SKU-001', requested: 2, available: 0 }] },
        meta,
      ),
    released: () =>
      createEvent(
        'InventoryReleased',
        { orderId, reservationId: 'res_0123456789AB', items: [{ sku: 'SKU-001', quantity: 2 }] },
        meta,
      ),
    shipped: () =>
      createEvent(
        'ShipmentPrepared',
        {
          orderId,
          shipmentId: 'shp_0123456789AB',
          carrier: 'royal_mail',
          trackingNumber: 'RM123456785GB',
          email: 'ada@example.com',
          customerId: 'c-42',
        },
        meta,
      ),
  };
}

function nameOf(event: CloudEvent): SagaEventName {
  return eventNameOf(event.type) as SagaEventName;
}

const silentLogger: ConsumerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function permutations<T>(values: readonly T[]): T[][] {
  if (values.length <= 1) return [[...values]];
  return values.flatMap((value, i) =>
    permutations([...values.slice(0, i), ...values.slice(i + 1)]).map((rest) => [value, ...rest]),
  );
}

describe('order service (dynalite)', () => {
  let dynamo: TestDynamo;
  let store: OrderViewStore;
  let publisher: InMemoryPublisher;
  let handlers: OrderHandlers;

  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => dynamo.stop());

  beforeEach(() => {
    store = dynamoOrderViewStore(dynamo.items, dynamo.tableName('orders'));
    publisher = new InMemoryPublisher();
    handlers = orderHandlers({ store, publisher, logger: silentLogger });
  });

  const storedItem = async (orderId: string) =>
    (
      await dynamo.documents.send(
        new GetCommand({ TableName: dynamo.tableName('orders'), Key: { orderId }, ConsistentRead: true }),
      )
    ).Item as OrderViewItem | undefined;

  /** Delivers one event to its handler, as the consumer wrapper does. */
  const deliver = (event: CloudEvent): Promise<void> => {
    const handler = handlers[nameOf(event)] as (event: CloudEvent, record: DecodedRecord) => Promise<void>;
    return handler(event, recordOf(event));
  };

  const deliverAll = async (...events: CloudEvent[]) => {
    for (const event of events) await deliver(event);
  };

  const historyIds = (item: OrderViewItem | undefined) => item?.history.map((h) => h.eventId);
  /** The decision events in an item's history: the write that decides records its one decision. */
  const decisionsIn = (item: OrderViewItem | undefined) =>
    item?.history.filter((h) => h.type === 'OrderConfirmed' || h.type === 'OrderCancelled').map((h) => h.type);

  describe('confirmation', () => {
    it('confirms an order paid and reserved, publishes one OrderConfirmed and records it', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const [created, paid, reserved] = [e.created(), e.paid(), e.reserved()];

      // Act
      await deliverAll(created, paid, reserved);

      // Assess
      expect(publisher.published).toHaveLength(1);
      expect(publisher.published[0]).toMatchObject({
        id: decisionEventId(orderId, 'OrderConfirmed'),
        type: 'orderpipeline.OrderConfirmed',
        source: '/order-pipeline/order',
        subject: orderId,
        correlationid: CORRELATION_ID,
        data: {
          orderId,
          customerId: 'c-42',
          email: 'ada@example.com',
          totalCents: 3998,
          currency: 'GBP',
          items: ITEMS,
          shippingAddress: ADDRESS,
        },
      });
      const item = await storedItem(orderId);
      expect(item).toMatchObject({
        status: 'CONFIRMED',
        payment: { status: 'COMPLETED' },
        inventory: { status: 'RESERVED' },
        decision: { event: 'OrderConfirmed', decidedBy: reserved.id },
      });
      expect(item?.history.map((h) => h.type)).toEqual([
        'OrderCreated',
        'PaymentCompleted',
        'InventoryReserved',
        'OrderConfirmed',
      ]);
      expect(historyIds(item)).toEqual([created.id, paid.id, reserved.id, decisionEventId(orderId, 'OrderConfirmed')]);
    });

    const orders = permutations(['created', 'paid', 'reserved'] as const);
    it.each(orders.map((order) => [order.join(' → '), order]))(
      'confirms exactly once whatever the arrival order: %s',
      async (_label, order) => {
        // Prepare
        const orderId = newOrderId();
        const e = eventsFor(orderId);

        // Act
        await deliverAll(...order.map((name) => e[name]()));

        // Assess
        expect(publisher.published.map((p) => p.id)).toEqual([decisionEventId(orderId, 'OrderConfirmed')]);
        const item = await storedItem(orderId);
        expect(item?.status).toBe('CONFIRMED');
        expect(decisionsIn(item)).toEqual(['OrderConfirmed']);
      },
    );

    it('keeps facts that overtook OrderCreated without showing the order yet', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);

      // Act
      await deliverAll(e.paid(), e.reserved());

      // Assess
      const item = await storedItem(orderId);
      expect(item).toMatchObject({
        status: 'PENDING',
        payment: { status: 'COMPLETED' },
        inventory: { status: 'RESERVED' },
      });
      expect(item?.details).toBeUndefined();
      expect(toPublicView(item as OrderViewItem)).toBeUndefined();
      expect(publisher.published).toHaveLength(0);
    });
  });

  describe('cancellation', () => {
    it('cancels with payment_failed when the payment is declined and publishes one OrderCancelled', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);

      // Act
      await deliverAll(e.created(), e.reserved(), e.declined());

      // Assess
      expect(publisher.published).toHaveLength(1);
      expect(publisher.ofType('OrderCancelled')[0]).toMatchObject({
        id: decisionEventId(orderId, 'OrderCancelled'),
        subject: orderId,
        correlationid: CORRELATION_ID,
        data: {
          orderId,
          customerId: 'c-42',
          email: 'ada@example.com',
          reason: 'payment_failed',
          detail: 'The card was declined.',
        },
      });
      const item = await storedItem(orderId);
      expect(item).toMatchObject({ status: 'CANCELLED', cancelReason: 'payment_failed' });
      expect(decisionsIn(item)).toEqual(['OrderCancelled']);
    });

    it('cancels with out_of_stock when the reservation fails', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);

      // Act
      await deliverAll(e.paid(), e.short(), e.created());

      // Assess
      expect(publisher.published).toHaveLength(1);
      expect(publisher.ofType('OrderCancelled')[0]?.data).toMatchObject({
        reason: 'out_of_stock',
        detail: 'Not enough stock: SKU-001 (requested 2, available 0).',
      });
      expect(await storedItem(orderId)).toMatchObject({ status: 'CANCELLED', cancelReason: 'out_of_stock' });
    });

    it.each([
      ['payment first', ['declined', 'short'], 'payment_failed'],
      ['stock first', ['short', 'declined'], 'out_of_stock'],
    ] as const)('cancels once when payment and stock both fail (%s)', async (_label, failures, reason) => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);

      // Act
      await deliverAll(e.created(), ...failures.map((name) => e[name]()));

      // Assess
      expect(publisher.published).toHaveLength(1);
      expect(publisher.ofType('OrderCancelled')[0]?.data).toMatchObject({ reason });
      expect(await storedItem(orderId)).toMatchObject({ status: 'CANCELLED', cancelReason: reason });
    });

    it('only records the refund and the release that follow a cancellation', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      await deliverAll(e.created(), e.paid(), e.short());
      const before = await storedItem(orderId);

      // Act
      await deliverAll(e.refunded(), e.released());

      // Assess
      const after = await storedItem(orderId);
      expect(publisher.published).toHaveLength(1);
      expect(after?.status).toBe('CANCELLED');
      expect(after?.history.slice(-2).map((h) => h.type)).toEqual(['PaymentRefunded', 'InventoryReleased']);
      expect(after?.history).toHaveLength((before?.history.length ?? 0) + 2);
    });
  });

  describe('shipping', () => {
    it('moves a confirmed order to SHIPPED and shows the shipment in the public view', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      await deliverAll(e.created(), e.paid(), e.reserved());

      // Act
      await deliver(e.shipped());

      // Assess
      const item = await storedItem(orderId);
      expect(item?.status).toBe('SHIPPED');
      expect(publisher.published).toHaveLength(1);
      expect(toPublicView(item as OrderViewItem)).toMatchObject({
        orderId,
        status: 'SHIPPED',
        shipment: { carrier: 'royal_mail', trackingNumber: 'RM123456785GB' },
      });
    });

    it('keeps a ShipmentPrepared that arrives before the confirmation and applies it then', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);

      // Act
      await deliverAll(e.created(), e.shipped(), e.paid());
      const early = await storedItem(orderId);
      await deliver(e.reserved());

      // Assess
      expect(early).toMatchObject({ status: 'PENDING', shipment: { trackingNumber: 'RM123456785GB' } });
      const item = await storedItem(orderId);
      expect(item?.status).toBe('SHIPPED');
      expect(decisionsIn(item)).toEqual(['OrderConfirmed']);
      expect(publisher.ofType('OrderConfirmed')).toHaveLength(1);
    });
  });

  describe('at-least-once delivery', () => {
    it('applies each event once when every event is delivered twice; the deciding one publishes each time', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const [created, paid, reserved, shipped] = [e.created(), e.paid(), e.reserved(), e.shipped()];

      // Act
      await deliverAll(created, created, paid, paid, reserved, reserved, shipped, shipped);

      // Assess: one decision, sent twice as the very same event, which its readers drop by id.
      const confirmedId = decisionEventId(orderId, 'OrderConfirmed');
      expect(publisher.published.map((p) => p.id)).toEqual([confirmedId, confirmedId]);
      expect(publisher.published[1]).toEqual(publisher.published[0]);
      const item = await storedItem(orderId);
      expect(item?.status).toBe('SHIPPED');
      expect(historyIds(item)).toEqual([
        created.id,
        paid.id,
        reserved.id,
        decisionEventId(orderId, 'OrderConfirmed'),
        shipped.id,
      ]);
    });

    it('confirms exactly once when payment and stock are processed concurrently', async () => {
      // Prepare: several orders, so that the two writers really meet on some of them.
      const orders = Array.from({ length: 8 }, () => eventsFor(newOrderId()));
      const created = orders.map((e) => e.created());
      await deliverAll(...created);

      // Act
      await Promise.all(orders.map((e) => Promise.all([deliver(e.paid()), deliver(e.reserved())])));

      // Assess
      for (const event of created) {
        const orderId = event.subject;
        const item = await storedItem(orderId);
        expect(item).toMatchObject({
          status: 'CONFIRMED',
          payment: { status: 'COMPLETED' },
          inventory: { status: 'RESERVED' },
        });
        expect(decisionsIn(item)).toEqual(['OrderConfirmed']);
        expect(item?.history).toHaveLength(4);
        expect(publisher.published.filter((p) => p.subject === orderId).map((p) => p.id)).toEqual([
          decisionEventId(orderId, 'OrderConfirmed'),
        ]);
      }
    });

    it('converges when every event of an order, duplicates included, arrives at once', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const [created, paid, reserved] = [e.created(), e.paid(), e.reserved()];

      // Act
      await Promise.all([created, paid, reserved, created, paid, reserved].map(deliver));

      // Assess: each copy of the settling event publishes the decision; every copy carries the one
      // decision id, which its readers drop.
      expect(new Set(publisher.published.map((p) => p.id))).toEqual(
        new Set([decisionEventId(orderId, 'OrderConfirmed')]),
      );
      const item = await storedItem(orderId);
      expect(item?.status).toBe('CONFIRMED');
      expect(new Set(historyIds(item)).size).toBe(4);
      expect(item?.history).toHaveLength(4);
    });

    it('publishes after a failed publish when the settling event is redelivered, with the same id', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const reserved = e.reserved();
      await deliverAll(e.created(), e.paid());
      publisher.failing = true;
      await expect(deliver(reserved)).rejects.toThrow('Kafka is unreachable');
      const afterFailure = await storedItem(orderId);
      publisher.failing = false;

      // Act
      await deliver(reserved);

      // Assess: the view showed the decision from the write that made it; the retry wrote nothing.
      expect(afterFailure?.status).toBe('CONFIRMED');
      expect(decisionsIn(afterFailure)).toEqual(['OrderConfirmed']);
      expect(publisher.published.map((p) => p.id)).toEqual([decisionEventId(orderId, 'OrderConfirmed')]);
      expect(await storedItem(orderId)).toEqual(afterFailure);
    });

    it('publishes the same decision on each redelivery after a crash between the write and the publish', async () => {
      // Prepare: the store step of the settling event ran, then the process died.
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const declined = e.declined();
      await deliver(e.created());
      const current = await store.get(orderId);
      const transition = applyEvent(current, { name: 'PaymentFailed', event: declined }, new Date().toISOString());
      await store.save(transition.item, current?.version);
      const crashed = await storedItem(orderId);

      // Act
      await deliver(declined);
      await deliver(declined);

      // Assess
      expect(crashed?.status).toBe('CANCELLED');
      const cancelledId = decisionEventId(orderId, 'OrderCancelled');
      expect(publisher.published.map((p) => p.id)).toEqual([cancelledId, cancelledId]);
      expect(publisher.published[1]).toEqual(publisher.published[0]);
      const item = await storedItem(orderId);
      expect(item).toEqual(crashed);
      expect(decisionsIn(item)).toEqual(['OrderCancelled']);
    });

    it('does not publish a decision that another event settled', async () => {
      // Prepare: the decision is stored but unpublished, as after a crash of its event's handler.
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const paid = e.paid();
      await deliverAll(e.created(), e.reserved());
      const current = await store.get(orderId);
      await store.save(
        applyEvent(current, { name: 'PaymentCompleted', event: paid }, new Date().toISOString()).item,
        current?.version,
      );

      // Act: a late event of another kind is not the one whose retry owes the publication.
      await deliver(e.shipped());

      // Assess
      expect(publisher.published).toHaveLength(0);
      expect(await storedItem(orderId)).toMatchObject({ status: 'SHIPPED', decision: { decidedBy: paid.id } });
    });

    it('re-publishes the identical event after a crash between the publish and the answer', async () => {
      // Prepare: Kafka acknowledges the decision, then the process dies before the ESM hears back.
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const reserved = e.reserved();
      let dieAfterPublish = true;
      const dyingPublisher = {
        async publish(events: readonly CloudEvent[]) {
          await publisher.publish(events);
          if (dieAfterPublish) {
            dieAfterPublish = false;
            throw new Error('process died');
          }
        },
      };
      handlers = orderHandlers({ store, publisher: dyingPublisher, logger: silentLogger });
      await deliverAll(e.created(), e.paid());
      await expect(deliver(reserved)).rejects.toThrow('process died');
      const afterCrash = await storedItem(orderId);

      // Act
      await deliver(reserved);

      // Assess: at least once, with one id, so downstream consumers drop the second copy.
      const ids = publisher.published.map((p) => p.id);
      expect(ids).toEqual([decisionEventId(orderId, 'OrderConfirmed'), decisionEventId(orderId, 'OrderConfirmed')]);
      expect(publisher.published[1]).toEqual(publisher.published[0]);
      const item = await storedItem(orderId);
      expect(item).toEqual(afterCrash);
      expect(decisionsIn(item)).toEqual(['OrderConfirmed']);
    });

    it('publishes nothing and writes nothing for a redelivery of an event that did not decide', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const [created, paid, reserved, shipped] = [e.created(), e.paid(), e.reserved(), e.shipped()];
      await deliverAll(created, paid, reserved, shipped);
      const before = await storedItem(orderId);
      const published = publisher.published.length;

      // Act
      await deliverAll(created, paid, shipped);

      // Assess
      expect(published).toBe(1);
      expect(publisher.published).toHaveLength(published);
      expect(await storedItem(orderId)).toEqual(before);
    });

    it('gives up after bounded attempts when the item keeps changing, so the ESM retries', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      let saves = 0;
      let gets = 0;
      const contendedStore: OrderViewStore = {
        get: (id) => {
          gets += 1;
          return store.get(id);
        },
        save: async () => {
          saves += 1;
          return 'conflict';
        },
        // Never reached: an OrderCreated first writes the whole item.
        record: (id, recording, now) => store.record(id, recording, now),
      };
      handlers = orderHandlers({ store: contendedStore, publisher, logger: silentLogger, maxAttempts: 3 });

      // Act & Assess
      await expect(deliver(e.created())).rejects.toThrow(`order ${orderId} changed under each of 3 attempts`);
      expect(saves).toBe(3);
      // The first attempt at an OrderCreated writes without reading; each later one reads first.
      expect(gets).toBe(2);
      expect(await storedItem(orderId)).toBeUndefined();
    });
  });

  describe('DynamoDB calls', () => {
    const counters: DynamoDBClient[] = [];
    afterAll(() => {
      for (const client of counters) client.destroy();
    });

    /** Handlers on a client of their own, recording each call: its command, and `refused` when a condition failed. */
    const counted = () => {
      const client = new DynamoDBClient({
        endpoint: dynamo.endpoint,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      counters.push(client);
      const calls: string[] = [];
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const name = (context as { commandName: string }).commandName.replace(/Command$/, '');
          try {
            const result = await next(args);
            calls.push(name);
            return result;
          } catch (error) {
            calls.push((error as Error).name === 'ConditionalCheckFailedException' ? `${name} refused` : name);
            throw error;
          }
        },
        { step: 'initialize', name: 'countCalls' },
      );
      const counting = orderHandlers({
        store: dynamoOrderViewStore(new ItemClient(client), dynamo.tableName('orders')),
        publisher,
        logger: silentLogger,
      });
      const send = async (event: CloudEvent): Promise<string[]> => {
        const from = calls.length;
        const handler = counting[nameOf(event)] as (event: CloudEvent, record: DecodedRecord) => Promise<void>;
        await handler(event, recordOf(event));
        return calls.slice(from);
      };
      return { send };
    };

    it('costs 5 calls for a shipped order: a write per event, and one more to settle when the facts are complete', async () => {
      // Prepare
      const { send } = counted();
      const e = eventsFor(newOrderId());

      // Act
      const calls = {
        created: await send(e.created()),
        paid: await send(e.paid()),
        reserved: await send(e.reserved()),
        shipped: await send(e.shipped()),
      };

      // Assess: no read; the settling write records the decision; publishing it writes nothing.
      expect(calls).toEqual({
        created: ['PutItem'],
        paid: ['UpdateItem'],
        reserved: ['UpdateItem', 'PutItem'],
        shipped: ['UpdateItem'],
      });
      expect(publisher.published).toHaveLength(1);
    });

    it('costs a refused write and a read for a redelivery, and no write', async () => {
      // Prepare
      const { send } = counted();
      const e = eventsFor(newOrderId());
      const [created, paid, reserved] = [e.created(), e.paid(), e.reserved()];
      await deliverAll(created, paid, reserved);

      // Act
      const calls = { created: await send(created), paid: await send(paid), reserved: await send(reserved) };

      // Assess
      expect(calls).toEqual({
        created: ['PutItem refused', 'GetItem'],
        paid: ['UpdateItem refused', 'GetItem'],
        reserved: ['UpdateItem refused', 'GetItem'],
      });
      expect(publisher.published.map((p) => p.type)).toEqual([
        'orderpipeline.OrderConfirmed',
        'orderpipeline.OrderConfirmed',
      ]);
    });
  });

  describe('recording an event without reading the order', () => {
    const sagaEvent = (event: CloudEvent) => ({ name: nameOf(event), event }) as SagaEvent;
    const NOW = '2026-03-01T09:00:00.000Z';

    it("leaves exactly the item its pure twin describes, and is refused exactly when the twin's conditions fail", async () => {
      // Prepare: each state an event can meet, and each event.
      const cases: { state: string; events: (e: ReturnType<typeof eventsFor>) => CloudEvent[] }[] = [
        { state: 'no item', events: () => [] },
        { state: 'created', events: (e) => [e.created()] },
        { state: 'paid', events: (e) => [e.created(), e.paid()] },
        { state: 'confirmed', events: (e) => [e.created(), e.paid(), e.reserved()] },
        { state: 'cancelled', events: (e) => [e.created(), e.declined()] },
        { state: 'shipped', events: (e) => [e.created(), e.paid(), e.reserved(), e.shipped()] },
      ];
      const outcomes: string[] = [];

      for (const { state, events } of cases) {
        for (const kind of ['paid', 'declined', 'reserved', 'short', 'refunded', 'released', 'shipped'] as const) {
          const orderId = newOrderId();
          const e = eventsFor(orderId);
          await deliverAll(...events(e));
          const incoming = sagaEvent(e[kind]());
          const recording = recordingOf(incoming);
          if (!recording) throw new Error(`no recording for ${kind}`);
          const before = await store.get(orderId);

          // Act
          const recorded = await store.record(orderId, recording, NOW);

          // Assess
          if (recordingApplies(before, recording)) {
            expect(recorded).toEqual(applyRecording(before, recording, NOW));
            expect(await store.get(orderId)).toEqual(recorded);
          } else {
            expect(recorded).toBeUndefined();
            expect(await store.get(orderId)).toEqual(before);
          }
          outcomes.push(`${state} + ${kind}: ${recorded ? 'recorded' : 'refused'}`);
        }
      }
      // Both outcomes occur; the ones the happy path relies on among them.
      expect(outcomes).toEqual(expect.arrayContaining(['created + paid: recorded', 'paid + reserved: recorded']));
      expect(outcomes).toEqual(expect.arrayContaining(['confirmed + shipped: recorded', 'no item + paid: refused']));
      expect(outcomes).toEqual(expect.arrayContaining(['paid + paid: refused', 'created + shipped: refused']));
    });

    it('refuses an event already applied, so a redelivery never records twice', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const refunded = e.refunded();
      await deliverAll(e.created(), e.declined(), refunded);
      const recording = recordingOf(sagaEvent(refunded));
      if (!recording) throw new Error('no recording');
      const before = await store.get(orderId);

      // Act
      const recorded = await store.record(orderId, recording, NOW);

      // Assess: a compensation sets no fact, so only the applied ids stop it.
      expect(recording.fact).toBeUndefined();
      expect(recorded).toBeUndefined();
      expect(await store.get(orderId)).toEqual(before);
    });

    it('refuses an item written before the store kept the applied ids; the full path then writes them', async () => {
      // Prepare: a created order as the earlier code stored it, without appliedEventIds.
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const created = applyEvent(undefined, sagaEvent(e.created()), NOW).item;
      await dynamo.items.put({ TableName: dynamo.tableName('orders'), Item: created });
      const recording = recordingOf(sagaEvent(e.paid()));
      if (!recording) throw new Error('no recording');

      // Act
      const recorded = await store.record(orderId, recording, NOW);
      await deliver(e.paid());
      await deliver(e.reserved());

      // Assess
      expect(recorded).toBeUndefined();
      const item = await storedItem(orderId);
      // Created 1; the payment read and written whole 2; the reservation recorded 3 and settled 4.
      expect(item).toMatchObject({ status: 'CONFIRMED', version: 4 });
      expect((item as Record<string, unknown>).appliedEventIds).toEqual(new Set(historyIds(item)));
    });

    it('refuses an item whose applied ids lag its history, so an event an earlier writer applied is not recorded twice', async () => {
      // Prepare: a cancelled order, then a compensation applied by code from before the store kept
      // the set (a deploy's old invocations, or a rollback), which read the item whole and wrote it
      // back with the set as it found it: the event in the history, not in the set.
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      await deliverAll(e.created(), e.declined());
      const released = e.released();
      const cancelled = (await storedItem(orderId)) as OrderViewItem & { appliedEventIds?: Set<string> };
      const byEarlierCode = applyEvent(cancelled, sagaEvent(released), NOW).item;
      await dynamo.items.put({
        TableName: dynamo.tableName('orders'),
        Item: { ...byEarlierCode, appliedEventIds: cancelled.appliedEventIds },
      });
      const recording = recordingOf(sagaEvent(released));
      if (!recording) throw new Error('no recording');

      // Act: the compensation redelivered to this code.
      const recorded = await store.record(orderId, recording, NOW);
      await deliver(released);

      // Assess: refused, and the read-and-save found the event applied: it is in the history once.
      expect(recorded).toBeUndefined();
      const ids = historyIds(await storedItem(orderId)) ?? [];
      expect(ids.filter((id) => id === released.id)).toEqual([released.id]);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('settles and publishes on the redelivery after a crash between recording the last fact and settling', async () => {
      // Prepare: the reservation's update ran, then its handler died before the settling write.
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const reserved = e.reserved();
      await deliverAll(e.created(), e.paid());
      const recording = recordingOf(sagaEvent(reserved));
      if (!recording) throw new Error('no recording');
      await store.record(orderId, recording, NOW);
      const crashed = await storedItem(orderId);

      // Act
      await deliver(reserved);
      await deliver(reserved);

      // Assess: settled once, by the redelivered event, which publishes each time.
      expect(crashed).toMatchObject({ status: 'PENDING', inventory: { status: 'RESERVED' } });
      const item = await storedItem(orderId);
      expect(item).toMatchObject({ status: 'CONFIRMED', decision: { decidedBy: reserved.id } });
      expect(decisionsIn(item)).toEqual(['OrderConfirmed']);
      const confirmedId = decisionEventId(orderId, 'OrderConfirmed');
      expect(publisher.published.map((p) => p.id)).toEqual([confirmedId, confirmedId]);
    });

    it('lets another event settle an order recorded but not settled, and only that event publishes', async () => {
      // Prepare: the payment's handler died between its update and its settling write.
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const [created, paid] = [e.created(), e.paid()];
      await deliverAll(e.reserved());
      const recording = recordingOf(sagaEvent(paid));
      if (!recording) throw new Error('no recording');
      await store.record(orderId, recording, NOW);

      // Act: the OrderCreated completes the facts; then the payment's redelivery.
      await deliver(created);
      await deliver(paid);

      // Assess
      const item = await storedItem(orderId);
      expect(item).toMatchObject({ status: 'CONFIRMED', decision: { decidedBy: created.id } });
      expect(publisher.published.map((p) => p.id)).toEqual([decisionEventId(orderId, 'OrderConfirmed')]);
    });

    it('falls back to a read when its settling write loses a race, and decides once', async () => {
      // Prepare: another writer changes the item between the recording and the settling write.
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const reserved = e.reserved();
      await deliverAll(e.created(), e.paid());
      const calls: string[] = [];
      let raced = false;
      const racing: OrderViewStore = {
        get: (id) => {
          calls.push('get');
          return store.get(id);
        },
        async record(id, recording, now) {
          calls.push('record');
          const recorded = await store.record(id, recording, now);
          if (recorded && !raced) {
            raced = true;
            // Another writer of the item, which settles nothing: only its version moves.
            await store.save({ ...recorded, version: recorded.version + 1 }, recorded.version);
          }
          return recorded;
        },
        async save(item, expected) {
          const result = await store.save(item, expected);
          calls.push(`save ${result}`);
          return result;
        },
      };
      handlers = orderHandlers({ store: racing, publisher, logger: silentLogger });

      // Act
      await deliver(reserved);

      // Assess
      expect(calls).toEqual(['record', 'save conflict', 'get', 'save saved']);
      const item = await storedItem(orderId);
      expect(item).toMatchObject({ status: 'CONFIRMED', decision: { decidedBy: reserved.id } });
      expect(decisionsIn(item)).toEqual(['OrderConfirmed']);
      expect(publisher.published.map((p) => p.id)).toEqual([decisionEventId(orderId, 'OrderConfirmed')]);
    });
  });

  describe('an OrderCreated that is not the first event of its order', () => {
    it('loses its write to the item another event created, reads it and applies on top', async () => {
      // Prepare: the payment overtook the order's OrderCreated.
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const [created, paid] = [e.created(), e.paid()];
      await deliver(paid);
      const saves: SaveResult[] = [];
      let gets = 0;
      const watched: OrderViewStore = {
        get: (id) => {
          gets += 1;
          return store.get(id);
        },
        async save(item, expected) {
          const result = await store.save(item, expected);
          saves.push(result);
          return result;
        },
        record: (id, recording, now) => store.record(id, recording, now),
      };
      handlers = orderHandlers({ store: watched, publisher, logger: silentLogger });

      // Act
      await deliver(created);

      // Assess: nothing the payment wrote is lost.
      expect({ saves, gets }).toEqual({ saves: ['conflict', 'saved'], gets: 1 });
      const item = await storedItem(orderId);
      expect(item).toMatchObject({ version: 2, status: 'PENDING', payment: { status: 'COMPLETED' } });
      expect(item?.details?.customerId).toBe('c-42');
      expect(historyIds(item)).toEqual([paid.id, created.id]);
    });

    it('decides when it is the last fact, whichever write won', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const created = e.created();
      await deliverAll(e.paid(), e.reserved());

      // Act
      await deliver(created);

      // Assess
      expect(await storedItem(orderId)).toMatchObject({ status: 'CONFIRMED', decision: { decidedBy: created.id } });
      expect(publisher.published.map((p) => p.id)).toEqual([decisionEventId(orderId, 'OrderConfirmed')]);
    });

    it('keeps every fact when OrderCreated and the other events of an order arrive at once', async () => {
      // Prepare: several orders, so that the blind write really meets another writer on some.
      const orders = Array.from({ length: 8 }, () => eventsFor(newOrderId()));

      // Act
      await Promise.all(
        orders.map((e) => Promise.all([deliver(e.created()), deliver(e.paid()), deliver(e.reserved())])),
      );

      // Assess
      for (const e of orders) {
        const orderId = e.created().subject;
        const item = await storedItem(orderId);
        expect(item).toMatchObject({
          status: 'CONFIRMED',
          details: { customerId: 'c-42' },
          payment: { status: 'COMPLETED' },
          inventory: { status: 'RESERVED' },
        });
        expect(item?.history.map((h) => h.type).sort()).toEqual(
          ['InventoryReserved', 'OrderConfirmed', 'OrderCreated', 'PaymentCompleted'].sort(),
        );
        expect(publisher.published.filter((p) => p.subject === orderId).map((p) => p.id)).toEqual([
          decisionEventId(orderId, 'OrderConfirmed'),
        ]);
      }
    });
  });

  describe('items written before the decision was published without a second write', () => {
    it('carries on with an item that still has publishedEvents, and leaves it as it is', async () => {
      // Prepare: a confirmed order as the old code stored it.
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      await deliverAll(e.created(), e.paid(), e.reserved());
      const current = (await store.get(orderId)) as OrderViewItem;
      const old = { ...current, publishedEvents: ['OrderConfirmed'], version: current.version + 1 };
      await store.save(old, current.version);

      // Act
      await deliver(e.shipped());

      // Assess
      const item = await storedItem(orderId);
      expect(item).toMatchObject({ status: 'SHIPPED', publishedEvents: ['OrderConfirmed'] });
      expect(toPublicView(item as OrderViewItem)).toMatchObject({ status: 'SHIPPED' });
      expect(toPublicView(item as OrderViewItem)).not.toHaveProperty('publishedEvents');
    });
  });

  describe('through the consumer wrapper', () => {
    // As deployed: the order service's conditional writes are its proof (lib/topology.ts).
    it('runs without an idempotency record per event', () => {
      expect(SERVICE_SPECS.order.effectsOnce).toBe('domain-writes');
    });

    const consumerDeps = (): ConsumerDeps => ({
      handlers,
      idempotency: proofInDomainWrites,
      deadLetters: { send: async () => undefined },
      logger: silentLogger,
    });

    it('confirms from the three topics, a producer retry of the payment included', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const paid = e.paid();
      const deps = consumerDeps();

      // Act
      const results = await Promise.all([
        consumeBatch(mskEventOf([e.created()]), deps, lambdaContext('order')),
        consumeBatch(mskEventOf([paid, paid], 10), deps, lambdaContext('order')),
        consumeBatch(mskEventOf([e.reserved()], 20), deps, lambdaContext('order')),
      ]);

      // Assess: the deciding event publishes, and so does its copy if it was the payment's.
      expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
      const item = await storedItem(orderId);
      expect(item?.status).toBe('CONFIRMED');
      expect(decisionsIn(item)).toEqual(['OrderConfirmed']);
      const copies = item?.decision?.decidedBy === paid.id ? 2 : 1;
      expect(publisher.ofType('OrderConfirmed').map((p) => p.id)).toEqual(
        Array(copies).fill(decisionEventId(orderId, 'OrderConfirmed')),
      );
    });

    it('reports a failed publish as a batch item failure, and the retry publishes once', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const deps = consumerDeps();
      await deliverAll(e.created(), e.paid());
      const shortBatch = mskEventOf([e.short()], 30);
      publisher.failing = true;

      // Act
      const failed = await consumeBatch(shortBatch, deps, lambdaContext('order'));
      publisher.failing = false;
      const retried = await consumeBatch(shortBatch, deps, lambdaContext('order'));

      // Assess
      expect(failed.batchItemFailures).toEqual([
        { itemIdentifier: { partition: `${domainTopic('inventory')}-0`, offset: 30 } },
      ]);
      expect(retried.batchItemFailures).toEqual([]);
      expect(publisher.published.map((p) => p.id)).toEqual([decisionEventId(orderId, 'OrderCancelled')]);
    });
  });
});
