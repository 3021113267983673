/**
 * Type tests: what the compiler refuses because the topology (lib/topology.ts) says otherwise.
 *
 * Never run, only compiled: `npm run typecheck` (part of `npm run lint`) fails if a line marked
 * `@ts-expect-error` compiles, and test/unit/type-tests.test.ts compiles this file without the
 * marks and checks that each marked line fails for the reason written after its mark (a fragment
 * of the compiler's message), and that nothing else fails.
 */
import type { NotificationHandlers } from '../../lambdas/notification/core';
import type { SagaEventName } from '../../lambdas/order/view';
import { type PaymentStore, paymentHandlers } from '../../lambdas/payment/core';
import { createEvent } from '../../lambdas/shared/events/envelope';
import type { EventData } from '../../lambdas/shared/events/types.generated';
import type { ConsumerLogger, HandlersOf } from '../../lambdas/shared/kafka/consumer';
import { kafkaHandler } from '../../lambdas/shared/kafka/kafka-handler';
import type { PublisherOf } from '../../lambdas/shared/kafka/publisher';

declare const store: PaymentStore;
declare const logger: ConsumerLogger;
declare const notificationMap: NotificationHandlers;
declare const orderApiPublisher: PublisherOf<'order-api'>;
declare const confirmed: EventData['OrderConfirmed'];
declare const completed: EventData['PaymentCompleted'];
const done = async (): Promise<void> => undefined;
const meta = { subject: 'ord_0000000000', correlationId: 'corr-1' };

export function handlerMaps(): void {
  // Exactly the events payment subscribes to: compiles.
  kafkaHandler('payment', () => ({ OrderCreated: done, OrderCancelled: done }));

  // @ts-expect-error Property 'OrderCancelled' is missing
  kafkaHandler('payment', () => ({ OrderCreated: done }));

  // @ts-expect-error payment does not subscribe to OrderConfirmed (lib/topology.ts)
  kafkaHandler('payment', () => ({ OrderCreated: done, OrderCancelled: done, OrderConfirmed: done }));

  // Another service's handler map, not a fresh object: still refused for what shipping does not read.
  // @ts-expect-error shipping does not subscribe to UserRegistered (lib/topology.ts)
  kafkaHandler('shipping', () => notificationMap);

  // A core's own map: an extra key is refused where the core builds it.
  const shipping: HandlersOf<'shipping'> = {
    OrderConfirmed: done,
    // @ts-expect-error 'OrderCancelled' does not exist in type 'HandlersOf<"shipping">'
    OrderCancelled: done,
  };
  void shipping;

  // @ts-expect-error not assignable to parameter of type 'ConsumerServiceName'
  kafkaHandler('order-api', () => ({}));
}

export function publishers(): void {
  kafkaHandler('shipping', ({ publisher }) => ({
    OrderConfirmed: async () => {
      await publisher.publish([createEvent('ShipmentPrepared', {} as EventData['ShipmentPrepared'], meta)]);
      // @ts-expect-error is not assignable to type 'CloudEvent<ShipmentPreparedV1, "orderpipeline.ShipmentPrepared">'
      await publisher.publish([createEvent('OrderConfirmed', confirmed, meta)]);
    },
  }));

  // A publisher that cannot publish what payment produces is no payment publisher.
  // @ts-expect-error Type 'PublisherOf<"order-api">' is not assignable to type 'PublisherOf<"payment">'
  paymentHandlers({ store, logger, publisher: orderApiPublisher });

  // @ts-expect-error not assignable to type 'CloudEvent<OrderCreatedV2, "orderpipeline.OrderCreated"> | CloudEvent<UserRegisteredV1, "orderpipeline.UserRegistered">'
  void orderApiPublisher.publish([createEvent('PaymentCompleted', completed, meta)]);
}

export function tables(): void {
  kafkaHandler('payment', ({ tables }) => ({
    OrderCreated: async () => {
      void tables.payments;
      // @ts-expect-error Property 'orders' does not exist on type 'Readonly<Record<"payments", string>>'
      void tables.orders;
    },
    OrderCancelled: done,
  }));

  // Notification proves its effects by event id: the idempotency table follows from the topology.
  kafkaHandler('notification', ({ tables }) => ({
    OrderConfirmed: async () => void tables.idempotency,
    OrderCancelled: done,
    ShipmentPrepared: done,
    UserRegistered: done,
  }));

  kafkaHandler('shipping', ({ tables }) => ({
    OrderConfirmed: async () => {
      // @ts-expect-error Property 'idempotency' does not exist on type 'Readonly<Record<never, string>>'
      void tables.idempotency;
    },
  }));
}

export function sagaEvents(): void {
  const applied: SagaEventName = 'InventoryReleased';
  // @ts-expect-error Type '"OrderConfirmed"' is not assignable to type
  const published: SagaEventName = 'OrderConfirmed';
  void [applied, published];
}
