import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type OrderHandlers, orderHandlers } from '../../lambdas/order/core';
import { dynamoOrderViewStore, type OrderViewStore } from '../../lambdas/order/store';
import {
  applyEvent,
  decisionEventId,
  type OrderViewItem,
  type SagaEventName,
  toPublicView,
} from '../../lambdas/order/view';
import { createEvent } from '../../lambdas/shared/events/envelope';
import type { CloudEvent } from '../../lambdas/shared/events/validation';
import { dynamoIdempotency } from '../../lambdas/shared/idempotency';
import { type ConsumerDeps, type ConsumerLogger, consumeBatch } from '../../lambdas/shared/kafka/consumer';
import type { DecodedRecord } from '../../lambdas/shared/kafka/msk-event';
import { domainTopic } from '../../lib/topology';
import { startDynamo, type TestDynamo } from '../support/dynalite';
import { InMemoryPublisher } from '../support/in-memory-publisher';
import { lambdaContext } from '../support/lambda-context';
import { mskEventOf, recordOf } from '../support/msk';

const CORRELATION_ID = '6f1c2a7e-3b9d-4c52-8e0f-5a4b3c2d1e0f';
const ADDRESS = { name: 'Ada Lovelace', line1: '1 Main St', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
const ITEMS = [{ sku: 'SKU-001', quantity: 2, unitPriceCents: 1999 }];

let orderSeq = 0;
function newOrderId(): string {
  orderSeq += 1;
  return `ord_ORDERTEST${String(orderSeq).padStart(10, '0')}`;
}

/** The events an order can receive, built the way their producers build them. */
function eventsFor(orderId: string) {
  const meta = { subject: orderId, correlationId: CORRELATION_ID };
  return {
    created: () =>
      createEvent(
        'OrderCreated',
        {
          orderId,
          customerId: 'c-42',
          items: ITEMS,
          totalCents: 3998,
          currency: 'GBP',
          paymentMethod: 'tok_visa',
          shippingAddress: ADDRESS,
          email: 'ada@example.com',
        },
        meta,
      ),
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
  return event.type.slice('orderpipeline.'.length) as SagaEventName;
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
    store = dynamoOrderViewStore(dynamo.documents, dynamo.tableName('orders'));
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
        publishedEvents: ['OrderConfirmed'],
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
        expect(await storedItem(orderId)).toMatchObject({ status: 'CONFIRMED', publishedEvents: ['OrderConfirmed'] });
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
      expect(await storedItem(orderId)).toMatchObject({
        status: 'CANCELLED',
        cancelReason: 'payment_failed',
        publishedEvents: ['OrderCancelled'],
      });
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
      expect(await storedItem(orderId)).toMatchObject({ status: 'SHIPPED', publishedEvents: ['OrderConfirmed'] });
      expect(publisher.ofType('OrderConfirmed')).toHaveLength(1);
    });
  });

  describe('at-least-once delivery', () => {
    it('applies each event once when every event is delivered twice', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const [created, paid, reserved, shipped] = [e.created(), e.paid(), e.reserved(), e.shipped()];

      // Act
      await deliverAll(created, created, paid, paid, reserved, reserved, shipped, shipped);

      // Assess
      expect(publisher.published.map((p) => p.id)).toEqual([decisionEventId(orderId, 'OrderConfirmed')]);
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
          publishedEvents: ['OrderConfirmed'],
        });
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

      // Assess: a copy of the settling event running alongside it may find the decision not yet
      // marked and publish it too (in production the idempotency guard keeps two copies of one id
      // from running at once); any copy carries the one decision id, which consumers drop.
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

      // Assess
      expect(afterFailure).toMatchObject({ status: 'CONFIRMED', publishedEvents: [] });
      expect(publisher.published.map((p) => p.id)).toEqual([decisionEventId(orderId, 'OrderConfirmed')]);
      expect(await storedItem(orderId)).toMatchObject({ publishedEvents: ['OrderConfirmed'] });
    });

    it('publishes once after a crash between the transition and the publish', async () => {
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
      expect(crashed).toMatchObject({ status: 'CANCELLED', publishedEvents: [] });
      expect(publisher.published.map((p) => p.id)).toEqual([decisionEventId(orderId, 'OrderCancelled')]);
      const item = await storedItem(orderId);
      expect(item).toMatchObject({ status: 'CANCELLED', publishedEvents: ['OrderCancelled'] });
      expect(item?.history.filter((h) => h.type === 'OrderCancelled')).toHaveLength(1);
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
      expect(await storedItem(orderId)).toMatchObject({ status: 'SHIPPED', publishedEvents: [] });
    });

    it('re-publishes with the same id after a crash between the publish and marking it published', async () => {
      // Prepare: a store that dies on the write marking the decision published, once.
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      const reserved = e.reserved();
      let failMark = true;
      const crashingStore: OrderViewStore = {
        get: (id) => store.get(id),
        async save(item, expected) {
          if (failMark && item.publishedEvents.length > 0) {
            failMark = false;
            throw new Error('process died');
          }
          return store.save(item, expected);
        },
      };
      handlers = orderHandlers({ store: crashingStore, publisher, logger: silentLogger });
      await deliverAll(e.created(), e.paid());
      await expect(deliver(reserved)).rejects.toThrow('process died');

      // Act
      await deliver(reserved);

      // Assess: at least once, with one id, so downstream consumers drop the second copy.
      const ids = publisher.published.map((p) => p.id);
      expect(ids).toEqual([decisionEventId(orderId, 'OrderConfirmed'), decisionEventId(orderId, 'OrderConfirmed')]);
      expect(publisher.published[1]).toEqual(publisher.published[0]);
      const item = await storedItem(orderId);
      expect(item?.publishedEvents).toEqual(['OrderConfirmed']);
      expect(item?.history.filter((h) => h.type === 'OrderConfirmed')).toHaveLength(1);
    });

    it('gives up after bounded attempts when the item keeps changing, so the ESM retries', async () => {
      // Prepare
      const orderId = newOrderId();
      const e = eventsFor(orderId);
      let saves = 0;
      const contendedStore: OrderViewStore = {
        get: (id) => store.get(id),
        save: async () => {
          saves += 1;
          return 'conflict';
        },
      };
      handlers = orderHandlers({ store: contendedStore, publisher, logger: silentLogger, maxAttempts: 3 });

      // Act & Assess
      await expect(deliver(e.created())).rejects.toThrow(`order ${orderId} changed under each of 3 attempts`);
      expect(saves).toBe(3);
      expect(await storedItem(orderId)).toBeUndefined();
    });
  });

  describe('through the consumer wrapper', () => {
    const consumerDeps = (): ConsumerDeps => ({
      handlers,
      idempotency: dynamoIdempotency({
        client: dynamo.client,
        tableName: dynamo.tableName('idempotency'),
        keyPrefix: 'order',
      }),
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

      // Assess
      expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
      expect(publisher.ofType('OrderConfirmed').map((p) => p.id)).toEqual([decisionEventId(orderId, 'OrderConfirmed')]);
      expect(await storedItem(orderId)).toMatchObject({ status: 'CONFIRMED', publishedEvents: ['OrderConfirmed'] });
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
