/**
 * The order service: the saga that confirms or cancels each order, and the only writer of the order
 * view. Every event is applied to the order's view item by a pure transition (view.ts) under an
 * optimistic lock, so the four subscriptions, which run concurrently, never lose each other's
 * facts, and the write that settles an order is made exactly once.
 *
 * Publishing follows the write and writes nothing: the handler of the event whose write settled the
 * order publishes the decision (deterministic id, data derived from the stored item). If it dies or
 * Kafka fails in between, the ESM redelivers that same event, which changes nothing in the view but
 * publishes the decision again, identical; a redelivery after a successful publish does the same,
 * and every reader of OrderConfirmed and OrderCancelled drops the copy by its id (docs/TUNING.md).
 *
 * DynamoDB calls per event, first attempts without a read: an OrderCreated is nearly always an
 * order's first event, so it writes the whole item on condition that there is none. Every other
 * event is recorded by one conditional update that answers the item it leaves (`recordingOf` in
 * view.ts); only the event that completes the facts writes again, to settle the order. So a
 * happy-path order costs five calls: OrderCreated 1, the first of payment and stock 1, the second 2
 * (record, settle), ShipmentPrepared 1 (its update also moves CONFIRMED to SHIPPED). Whenever a
 * first attempt is refused (no item yet, a redelivery, a lost race on the settling write), the
 * handler reads the item and applies the event in full with `applyEvent`, as every attempt did
 * before: one refused write and one read more. A redelivery costs those two and no write.
 */
import { createEvent } from '../shared/events/envelope';
import type { CloudEvent } from '../shared/events/validation';
import type { ConsumerLogger, HandlersOf } from '../shared/kafka/consumer';
import type { PublisherOf } from '../shared/kafka/publisher';
import type { OrderViewStore } from './store';
import {
  applyEvent,
  type Decision,
  decisionOwedBy,
  decisionPayload,
  type OrderViewItem,
  recordingOf,
  type SagaEvent,
  type SERVICE,
  settleTransition,
  type Transition,
} from './view';

export { SERVICE } from './view';

export interface OrderDeps {
  readonly store: OrderViewStore;
  readonly publisher: PublisherOf<typeof SERVICE>;
  readonly logger: ConsumerLogger;
  readonly now?: () => Date;
  /** Writes tried per event before giving up to the ESM's retry; contention is four writers at most. */
  readonly maxAttempts?: number;
}

export type OrderHandlers = HandlersOf<typeof SERVICE>;

export class OrderContentionError extends Error {
  constructor(orderId: string, attempts: number) {
    super(`order ${orderId} changed under each of ${attempts} attempts to update it`);
    this.name = 'OrderContentionError';
  }
}

export function orderHandlers(deps: OrderDeps): OrderHandlers {
  const clock = deps.now ?? (() => new Date());
  const now = () => clock().toISOString();
  const maxAttempts = deps.maxAttempts ?? 10;

  /**
   * Read, transform, conditional write; on a lost race, read again. With `firstEventLikely` the
   * first attempt does not read: it writes the transform of no item, on condition that there is
   * none, and reads only if another event of the order got there first.
   */
  async function update(
    orderId: string,
    transform: (current: OrderViewItem | undefined) => Transition | undefined,
    firstEventLikely: boolean,
  ): Promise<OrderViewItem | undefined> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const current = firstEventLikely && attempt === 1 ? undefined : await deps.store.get(orderId);
      const transition = transform(current);
      if (!transition?.changed) return current;
      if ((await deps.store.save(transition.item, current?.version)) === 'saved') return transition.item;
    }
    // Transient by nature: throwing lets the ESM retry the record later.
    throw new OrderContentionError(orderId, maxAttempts);
  }

  /**
   * The first attempt of every event but OrderCreated: record it without reading, then settle if
   * the item it leaves allows. Undefined when the update was refused or the settling write lost a
   * race: the read-and-write loop then applies the event in full (it settles an applied event too).
   */
  async function recordThenSettle(orderId: string, incoming: SagaEvent): Promise<OrderViewItem | undefined> {
    const recording = recordingOf(incoming);
    if (!recording) return undefined;
    const recorded = await deps.store.record(orderId, recording, now());
    if (!recorded) return undefined;
    const settled = settleTransition(recorded, incoming.event.id, now());
    if (!settled.changed) return recorded;
    return (await deps.store.save(settled.item, recorded.version)) === 'saved' ? settled.item : undefined;
  }

  async function publishDecision(item: OrderViewItem, decision: Decision, incoming: CloudEvent): Promise<void> {
    const payload = decisionPayload(item);
    const meta = {
      subject: item.orderId,
      correlationId: incoming.correlationid,
      id: decision.eventId,
      time: new Date(decision.decidedAt),
    };
    const event =
      payload.name === 'OrderConfirmed'
        ? createEvent('OrderConfirmed', payload.data, meta)
        : createEvent('OrderCancelled', payload.data, meta);
    await deps.publisher.publish([event]);
    deps.logger.info('order decision published', {
      orderId: item.orderId,
      type: decision.event,
      eventId: decision.eventId,
      ...(item.cancelReason ? { reason: item.cancelReason } : {}),
    });
  }

  async function handle(incoming: SagaEvent): Promise<void> {
    const { event } = incoming;
    const orderId = event.data.orderId;
    // The item as stored, whether this delivery wrote it or found the event already applied.
    const item =
      (await recordThenSettle(orderId, incoming)) ??
      (await update(orderId, (current) => applyEvent(current, incoming, now()), incoming.name === 'OrderCreated'));
    if (!item) throw new Error(`order ${orderId} has no view item after applying ${event.id}`);
    deps.logger.info('order event applied', { orderId, type: incoming.name, eventId: event.id, status: item.status });
    const decision = decisionOwedBy(item, event.id);
    if (decision) await publishDecision(item, decision, event);
  }

  return {
    OrderCreated: (event) => handle({ name: 'OrderCreated', event }),
    PaymentCompleted: (event) => handle({ name: 'PaymentCompleted', event }),
    PaymentFailed: (event) => handle({ name: 'PaymentFailed', event }),
    PaymentRefunded: (event) => handle({ name: 'PaymentRefunded', event }),
    InventoryReserved: (event) => handle({ name: 'InventoryReserved', event }),
    InventoryReservationFailed: (event) => handle({ name: 'InventoryReservationFailed', event }),
    InventoryReleased: (event) => handle({ name: 'InventoryReleased', event }),
    ShipmentPrepared: (event) => handle({ name: 'ShipmentPrepared', event }),
  };
}
