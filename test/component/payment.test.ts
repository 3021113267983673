import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type PaymentRecord, type PaymentStore, paymentHandlers, paymentIdFor } from '../../lambdas/payment/core';
import { dynamoPaymentStore } from '../../lambdas/payment/store';
import { createEvent, deterministicId } from '../../lambdas/shared/events/envelope';
import type { EventData } from '../../lambdas/shared/events/types.generated';
import type { CloudEvent } from '../../lambdas/shared/events/validation';
import { type ConsumerLogger, consumeBatch } from '../../lambdas/shared/kafka/consumer';
import { dynamoIdempotency } from '../../lambdas/shared/powertools-idempotency';
import { domainTopic } from '../../lib/topology';
import { sampleData } from '../../local/samples';
import { startDynamo, type TestDynamo } from '../support/dynalite';
import { InMemoryPublisher } from '../support/in-memory-publisher';
import { lambdaContext } from '../support/lambda-context';
import { mskEventOf, recordOf } from '../support/msk';

const CORRELATION_ID = '6f1c2a7e-3b9d-4c52-8e0f-5a4b3c2d1e0f';
const PAYMENT_ID = /^pay_[0-9A-Za-z]{10,40}$/;
const REFUND_ID = /^ref_[0-9A-Za-z]{10,40}$/;

let orderSeq = 0;
function newOrderId(): string {
  orderSeq += 1;
  return `ord_PAYTEST${String(orderSeq).padStart(10, '0')}`;
}

function orderCreated(
  orderId: string,
  paymentMethod: string,
  totalCents = 3998,
): CloudEvent<EventData['OrderCreated']> {
  const data = sampleData('OrderCreated', {
    orderId,
    items: [{ sku: 'SKU-001', quantity: 2, unitPriceCents: totalCents / 2 }],
    totalCents,
    paymentMethod,
  });
  return createEvent('OrderCreated', data, { subject: orderId, correlationId: CORRELATION_ID });
}

function orderCancelled(orderId: string, reason: 'payment_failed' | 'out_of_stock' = 'out_of_stock') {
  return createEvent(
    'OrderCancelled',
    { orderId, customerId: 'c-42', email: 'ada@example.com', reason, detail: 'SKU-001 is sold out' },
    { subject: orderId, correlationId: CORRELATION_ID },
  );
}

/** The data of a published event; fails the test if the event is not there. */
function dataOf<T>(event: CloudEvent | undefined): T {
  if (!event) throw new Error('expected an event that was not published');
  return event.data as T;
}

const silentLogger: ConsumerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A clock that moves one second per reading, so a rewritten timestamp shows up. */
function tickingClock(): () => Date {
  let ms = Date.parse('2026-03-01T09:00:00.000Z');
  return () => {
    ms += 1_000;
    return new Date(ms);
  };
}

describe('payment service (dynalite)', () => {
  let dynamo: TestDynamo;
  let store: PaymentStore;
  let publisher: InMemoryPublisher;
  let handlers: ReturnType<typeof paymentHandlers>;

  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => dynamo.stop());

  beforeEach(() => {
    store = dynamoPaymentStore(dynamo.items, dynamo.tableName('payments'));
    publisher = new InMemoryPublisher();
    handlers = paymentHandlers({ store, publisher, logger: silentLogger, now: tickingClock() });
  });

  const storedItem = async (orderId: string) =>
    (
      await dynamo.documents.send(
        new GetCommand({ TableName: dynamo.tableName('payments'), Key: { orderId }, ConsistentRead: true }),
      )
    ).Item as PaymentRecord | undefined;

  const create = (event: CloudEvent<EventData['OrderCreated']>) => handlers.OrderCreated(event, recordOf(event));
  const cancel = (event: CloudEvent<EventData['OrderCancelled']>) => handlers.OrderCancelled(event, recordOf(event));

  describe('OrderCreated', () => {
    it('charges tok_visa the order total and publishes one PaymentCompleted', async () => {
      // Prepare
      const orderId = newOrderId();
      const event = orderCreated(orderId, 'tok_visa', 5000);

      // Act
      await create(event);

      // Assess
      expect(publisher.published).toHaveLength(1);
      const [completed] = publisher.ofType('PaymentCompleted');
      expect(completed).toMatchObject({
        id: deterministicId('payment', orderId, 'PaymentCompleted'),
        subject: orderId,
        correlationid: CORRELATION_ID,
        source: '/order-pipeline/payment',
        data: { orderId, paymentId: paymentIdFor(orderId), amountCents: 5000, currency: 'GBP' },
      });
      expect(dataOf<EventData['PaymentCompleted']>(completed).paymentId).toMatch(PAYMENT_ID);
      expect(await storedItem(orderId)).toMatchObject({
        orderId,
        status: 'CHARGED',
        paymentId: paymentIdFor(orderId),
        amountCents: 5000,
        currency: 'GBP',
        correlationId: CORRELATION_ID,
      });
    });

    it('declines tok_declined with card_declined and records the decline', async () => {
      // Prepare
      const orderId = newOrderId();

      // Act
      await create(orderCreated(orderId, 'tok_declined'));

      // Assess
      expect(publisher.published).toHaveLength(1);
      expect(publisher.ofType('PaymentFailed')[0]).toMatchObject({
        id: deterministicId('payment', orderId, 'PaymentFailed'),
        subject: orderId,
        correlationid: CORRELATION_ID,
        data: { orderId, reason: 'card_declined', amountCents: 3998, currency: 'GBP' },
      });
      expect(await storedItem(orderId)).toMatchObject({ status: 'DECLINED', failureReason: 'card_declined' });
    });

    it('refuses an unknown token with invalid_payment_method', async () => {
      // Prepare
      const orderId = newOrderId();

      // Act
      await create(orderCreated(orderId, 'tok_mastercard'));

      // Assess
      expect(publisher.ofType('PaymentCompleted')).toHaveLength(0);
      expect(publisher.ofType('PaymentFailed').map((e) => e.data)).toEqual([
        { orderId, reason: 'invalid_payment_method', amountCents: 3998, currency: 'GBP' },
      ]);
      expect(await storedItem(orderId)).toMatchObject({ status: 'DECLINED', failureReason: 'invalid_payment_method' });
    });

    it('charges once when the same OrderCreated is delivered twice, publishing the same event both times', async () => {
      // Prepare
      const orderId = newOrderId();
      const event = orderCreated(orderId, 'tok_visa');
      await create(event);
      const afterFirst = await storedItem(orderId);

      // Act
      await create(event);

      // Assess
      const completed = publisher.ofType('PaymentCompleted');
      expect(completed).toHaveLength(2);
      expect(completed[1]).toEqual(completed[0]);
      // The ticking clock would have moved decidedAt had the second delivery written anything.
      expect(await storedItem(orderId)).toEqual(afterFirst);
    });

    it('answers a second OrderCreated for a settled order from the stored record, not a new charge', async () => {
      // Prepare
      const orderId = newOrderId();
      await create(orderCreated(orderId, 'tok_visa'));

      // Act
      await create(orderCreated(orderId, 'tok_declined'));

      // Assess
      expect(publisher.ofType('PaymentFailed')).toHaveLength(0);
      const ids = new Set(publisher.ofType('PaymentCompleted').map((e) => e.id));
      expect([...ids]).toEqual([deterministicId('payment', orderId, 'PaymentCompleted')]);
      expect(await storedItem(orderId)).toMatchObject({ status: 'CHARGED' });
    });

    it('publishes exactly once after a crash between the stored charge and the publish', async () => {
      // Prepare: the write succeeds, then Kafka is unreachable, so the handler fails after storing.
      const orderId = newOrderId();
      const event = orderCreated(orderId, 'tok_visa');
      publisher.failing = true;
      await expect(create(event)).rejects.toThrow('Kafka is unreachable');
      const stored = await storedItem(orderId);
      expect(stored).toMatchObject({ status: 'CHARGED' });
      expect(publisher.published).toHaveLength(0);

      // Act: the ESM redelivers the record.
      publisher.failing = false;
      await create(event);

      // Assess
      expect(publisher.published).toHaveLength(1);
      expect(publisher.published[0]).toMatchObject({
        id: deterministicId('payment', orderId, 'PaymentCompleted'),
        time: (stored as { decidedAt: string }).decidedAt,
        data: { paymentId: paymentIdFor(orderId), amountCents: 3998 },
      });
      expect(await storedItem(orderId)).toEqual(stored);
    });

    it('publishes the stored decision after a crash, even if the redelivery would decide otherwise', async () => {
      // Prepare: only the store step ran (as if the process died before publishing).
      const orderId = newOrderId();
      await store.putIfAbsent({
        status: 'DECLINED',
        failureReason: 'card_declined',
        orderId,
        paymentId: paymentIdFor(orderId),
        amountCents: 3998,
        currency: 'GBP',
        correlationId: CORRELATION_ID,
        decidedAt: '2026-03-01T08:00:00.000Z',
        updatedAt: '2026-03-01T08:00:00.000Z',
      });

      // Act
      await create(orderCreated(orderId, 'tok_visa'));

      // Assess
      expect(publisher.published).toHaveLength(1);
      expect(publisher.published[0]).toMatchObject({
        type: 'orderpipeline.PaymentFailed',
        id: deterministicId('payment', orderId, 'PaymentFailed'),
        time: '2026-03-01T08:00:00.000Z',
        data: { reason: 'card_declined' },
      });
    });
  });

  describe('OrderCancelled', () => {
    it('refunds a charged order exactly once', async () => {
      // Prepare
      const orderId = newOrderId();
      await create(orderCreated(orderId, 'tok_visa', 1200));

      // Act
      await cancel(orderCancelled(orderId));

      // Assess
      const refunds = publisher.ofType('PaymentRefunded');
      expect(refunds).toHaveLength(1);
      expect(refunds[0]).toMatchObject({
        id: deterministicId('payment', orderId, 'PaymentRefunded'),
        subject: orderId,
        correlationid: CORRELATION_ID,
        data: { orderId, paymentId: paymentIdFor(orderId), amountCents: 1200, currency: 'GBP' },
      });
      expect(dataOf<EventData['PaymentRefunded']>(refunds[0]).refundId).toMatch(REFUND_ID);
      expect(await storedItem(orderId)).toMatchObject({
        status: 'REFUNDED',
        refundId: dataOf<EventData['PaymentRefunded']>(refunds[0]).refundId,
      });
    });

    it('refunds once when the cancellation is delivered twice, re-publishing the same refund', async () => {
      // Prepare
      const orderId = newOrderId();
      await create(orderCreated(orderId, 'tok_visa'));
      const cancellation = orderCancelled(orderId);
      await cancel(cancellation);
      const afterFirst = await storedItem(orderId);

      // Act
      await cancel(cancellation);

      // Assess
      const refunds = publisher.ofType('PaymentRefunded');
      expect(refunds).toHaveLength(2);
      expect(refunds[1]).toEqual(refunds[0]);
      expect(await storedItem(orderId)).toEqual(afterFirst);
    });

    it('publishes the refund exactly once after a crash between the stored refund and the publish', async () => {
      // Prepare
      const orderId = newOrderId();
      await create(orderCreated(orderId, 'tok_visa'));
      const cancellation = orderCancelled(orderId);
      publisher.failing = true;
      await expect(cancel(cancellation)).rejects.toThrow('Kafka is unreachable');
      const stored = await storedItem(orderId);
      expect(stored).toMatchObject({ status: 'REFUNDED' });

      // Act
      publisher.failing = false;
      await cancel(cancellation);

      // Assess
      const refunds = publisher.ofType('PaymentRefunded');
      expect(refunds).toHaveLength(1);
      expect(refunds[0]).toMatchObject({
        id: deterministicId('payment', orderId, 'PaymentRefunded'),
        time: (stored as { refundedAt: string }).refundedAt,
      });
      expect(await storedItem(orderId)).toEqual(stored);
    });

    it('refunds once when two cancellations race, both having read the charge', async () => {
      // Prepare: the second delivery read CHARGED before the first one's refund landed.
      const orderId = newOrderId();
      await create(orderCreated(orderId, 'tok_visa'));
      const charged = await store.get(orderId);
      await cancel(orderCancelled(orderId));
      const afterFirst = await storedItem(orderId);
      const staleStore: PaymentStore = { ...store, get: async () => charged };
      const racing = paymentHandlers({ store: staleStore, publisher, logger: silentLogger, now: tickingClock() });
      const cancellation = orderCancelled(orderId);

      // Act
      await racing.OrderCancelled(cancellation, recordOf(cancellation));

      // Assess
      const refunds = publisher.ofType('PaymentRefunded');
      expect(refunds).toHaveLength(2);
      expect(refunds[1]).toEqual(refunds[0]);
      expect(await storedItem(orderId)).toEqual(afterFirst);
    });

    it('refunds a charge that OrderCreated stored between the cancellation reading nothing and writing', async () => {
      // Prepare: the cancellation's read saw no record, then the charge was written.
      const orderId = newOrderId();
      await create(orderCreated(orderId, 'tok_visa'));
      const staleStore: PaymentStore = { ...store, get: async () => undefined };
      const racing = paymentHandlers({ store: staleStore, publisher, logger: silentLogger, now: tickingClock() });
      const cancellation = orderCancelled(orderId);

      // Act
      await racing.OrderCancelled(cancellation, recordOf(cancellation));

      // Assess
      expect(publisher.ofType('PaymentRefunded').map((e) => e.id)).toEqual([
        deterministicId('payment', orderId, 'PaymentRefunded'),
      ]);
      expect(await storedItem(orderId)).toMatchObject({ status: 'REFUNDED', paymentId: paymentIdFor(orderId) });
    });

    it('does nothing for a declined order', async () => {
      // Prepare
      const orderId = newOrderId();
      await create(orderCreated(orderId, 'tok_declined'));
      const before = await storedItem(orderId);

      // Act
      await cancel(orderCancelled(orderId, 'payment_failed'));

      // Assess
      expect(publisher.ofType('PaymentRefunded')).toHaveLength(0);
      expect(await storedItem(orderId)).toEqual(before);
    });

    it('never charges an order whose cancellation arrived before its OrderCreated', async () => {
      // Prepare
      const orderId = newOrderId();
      await cancel(orderCancelled(orderId));
      expect(await storedItem(orderId)).toMatchObject({
        status: 'CANCELLED_BEFORE_CHARGE',
        correlationId: CORRELATION_ID,
      });

      // Act
      await create(orderCreated(orderId, 'tok_visa'));
      await cancel(orderCancelled(orderId));

      // Assess
      expect(publisher.published).toHaveLength(0);
      const stored = await storedItem(orderId);
      expect(stored?.status).toBe('CANCELLED_BEFORE_CHARGE');
      expect(stored).not.toHaveProperty('paymentId');
    });

    it('re-publishes the original charge, not a new one, when OrderCreated is redelivered after a refund', async () => {
      // Prepare
      const orderId = newOrderId();
      const created = orderCreated(orderId, 'tok_visa');
      await create(created);
      await cancel(orderCancelled(orderId));
      const refunded = await storedItem(orderId);

      // Act
      await create(created);

      // Assess
      const completed = publisher.ofType('PaymentCompleted');
      expect(completed).toHaveLength(2);
      expect(completed[1]).toEqual(completed[0]);
      expect(publisher.ofType('PaymentRefunded')).toHaveLength(1);
      expect(await storedItem(orderId)).toEqual(refunded);
    });
  });

  describe('through the consumer wrapper', () => {
    it('drops a redelivered record by event id, so the charge is published once', async () => {
      // Prepare
      const orderId = newOrderId();
      const mskEvent = mskEventOf(orderCreated(orderId, 'tok_visa'), 7);
      const deps = {
        handlers,
        idempotency: dynamoIdempotency({
          client: dynamo.client,
          tableName: dynamo.tableName('idempotency'),
          keyPrefix: 'payment',
        }),
        deadLetters: { send: async () => undefined },
        logger: silentLogger,
      };

      // Act
      const first = await consumeBatch(mskEvent, deps, lambdaContext('payment'));
      const second = await consumeBatch(mskEvent, deps, lambdaContext('payment'));

      // Assess
      expect(first.batchItemFailures).toEqual([]);
      expect(second.batchItemFailures).toEqual([]);
      expect(publisher.ofType('PaymentCompleted')).toHaveLength(1);
      expect(await storedItem(orderId)).toMatchObject({ status: 'CHARGED' });
    });

    it('reports a failed publish as a batch item failure, and the retry publishes once', async () => {
      // Prepare
      const orderId = newOrderId();
      const mskEvent = mskEventOf(orderCreated(orderId, 'tok_visa'), 8);
      const deps = {
        handlers,
        idempotency: dynamoIdempotency({
          client: dynamo.client,
          tableName: dynamo.tableName('idempotency'),
          keyPrefix: 'payment',
        }),
        deadLetters: { send: async () => undefined },
        logger: silentLogger,
      };
      publisher.failing = true;

      // Act
      const failed = await consumeBatch(mskEvent, deps, lambdaContext('payment'));
      publisher.failing = false;
      const retried = await consumeBatch(mskEvent, deps, lambdaContext('payment'));

      // Assess
      expect(failed.batchItemFailures).toEqual([
        { itemIdentifier: { partition: `${domainTopic('orders')}-0`, offset: 8 } },
      ]);
      expect(retried.batchItemFailures).toEqual([]);
      expect(publisher.ofType('PaymentCompleted').map((e) => e.id)).toEqual([
        deterministicId('payment', orderId, 'PaymentCompleted'),
      ]);
    });
  });
});
