/**
 * The order view and the saga's transitions, as pure functions over one DynamoDB item.
 *
 * The order service is the only writer of the `orders` table (partition key `orderId`, one item per
 * order); GET /orders/{orderId} reads it and answers `toPublicView(item)`. Item layout:
 *
 * | attribute       | type                                   | meaning                                               |
 * |-----------------|----------------------------------------|-------------------------------------------------------|
 * | orderId         | S                                      | key                                                   |
 * | version         | N                                      | optimistic lock: every write is `version = :expected` |
 * | status          | S  PENDING/CONFIRMED/CANCELLED/SHIPPED | PENDING until the facts settle the order              |
 * | correlationId   | S                                      | of the first event seen for the order                 |
 * | details         | M  (absent until OrderCreated)         | customerId, email, items[{sku,quantity,unitPriceCents}], totalCents, currency, shippingAddress, createdAt (OrderCreated time) |
 * | payment         | M  (optional fact)                     | {status: COMPLETED, paymentId, amountCents, currency} or {status: FAILED, reason, amountCents, currency} |
 * | inventory       | M  (optional fact)                     | {status: RESERVED, reservationId} or {status: FAILED, reason, shortages[{sku,requested,available}]} |
 * | shipment        | M  (optional fact)                     | shipmentId, carrier, trackingNumber                   |
 * | cancelReason    | S  (when CANCELLED)                    | payment_failed or out_of_stock                        |
 * | cancelDetail    | S  (when CANCELLED)                    | human-readable explanation                            |
 * | decision        | M  (once settled)                      | event (OrderConfirmed/OrderCancelled), eventId, decidedAt, decidedBy (id of the event whose write settled it) |
 * | history         | L  of M                                | {type, eventId, time} per applied event, once each, and the decision event, added by the write that decides |
 * | appliedEventIds | SS                                     | the event ids of `history`, kept by the store (store.ts) so an update can check "not applied yet" without reading |
 * | updatedAt       | S  ISO time                            | last write                                            |
 *
 * Items written before the decision was published without a second write may still carry
 * `publishedEvents` (L of S); nothing reads it, and a write keeps it as it is.
 *
 * Events of one order arrive on four topics through four event source mappings, so they race and
 * come in any order (a PaymentCompleted may be processed before its OrderCreated). Each event is
 * stored as a fact first; the order only moves once the facts, and the OrderCreated details the
 * outgoing events need, are all there. An item without `details` is an order the API does not know
 * yet: `toPublicView` answers undefined for it, which the API should treat like a missing item (404).
 */
import { type ConsumerServiceName, consumedEvents, type EventName, type SubscribedEvent } from '../../lib/topology';
import { deterministicId } from '../shared/events/envelope';
import type {
  EventData,
  InventoryReservationFailedV1,
  OrderCancelledV1,
  OrderConfirmedV1,
  PaymentFailedV1,
  ReceivedEventData,
  ShipmentPreparedV1,
} from '../shared/events/types.generated';
import type { CloudEvent } from '../shared/events/validation';

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'CANCELLED' | 'SHIPPED';
export type CancelReason = OrderCancelledV1['reason'];
export type DecisionEvent = 'OrderConfirmed' | 'OrderCancelled';

/** This service in the topology: its handlers, publisher and tables follow from it; its ids start with it. */
export const SERVICE = 'order' satisfies ConsumerServiceName;

/** The events the order service subscribes to (lib/topology.ts): every fact the saga records. */
export const SAGA_EVENTS: readonly SagaEventName[] = consumedEvents(SERVICE);
export type SagaEventName = SubscribedEvent<typeof SERVICE>;

export type SagaEvent = {
  [N in SagaEventName]: { readonly name: N; readonly event: CloudEvent<ReceivedEventData[N]> };
}[SagaEventName];

export interface OrderDetails {
  readonly customerId: string;
  readonly email: string;
  readonly items: OrderConfirmedV1['items'];
  readonly totalCents: number;
  readonly currency: string;
  readonly shippingAddress: OrderConfirmedV1['shippingAddress'];
  /** The OrderCreated event's time. */
  readonly createdAt: string;
}

export type PaymentFact =
  | {
      readonly status: 'COMPLETED';
      readonly paymentId: string;
      readonly amountCents: number;
      readonly currency: string;
    }
  | {
      readonly status: 'FAILED';
      readonly reason: PaymentFailedV1['reason'];
      readonly amountCents: number;
      readonly currency: string;
    };

export type InventoryFact =
  | { readonly status: 'RESERVED'; readonly reservationId: string }
  | {
      readonly status: 'FAILED';
      readonly reason: InventoryReservationFailedV1['reason'];
      readonly shortages: InventoryReservationFailedV1['shortages'];
    };

export interface ShipmentFact {
  readonly shipmentId: string;
  readonly carrier: ShipmentPreparedV1['carrier'];
  readonly trackingNumber: string;
}

export interface Decision {
  readonly event: DecisionEvent;
  readonly eventId: string;
  readonly decidedAt: string;
  /** The event whose write settled the order: its handler publishes the decision, and so does each redelivery. */
  readonly decidedBy: string;
}

export interface HistoryEntry {
  readonly type: EventName;
  readonly eventId: string;
  readonly time: string;
}

/** A type alias, not an interface, so an item is also a `Record<string, unknown>`. */
export type OrderViewItem = {
  readonly orderId: string;
  readonly version: number;
  readonly status: OrderStatus;
  readonly correlationId: string;
  readonly details?: OrderDetails;
  readonly payment?: PaymentFact;
  readonly inventory?: InventoryFact;
  readonly shipment?: ShipmentFact;
  readonly cancelReason?: CancelReason;
  readonly cancelDetail?: string;
  readonly decision?: Decision;
  readonly history: readonly HistoryEntry[];
  readonly updatedAt: string;
};

/** What GET /orders/{orderId} answers. */
export interface PublicOrderView {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly customerId: string;
  readonly items: OrderDetails['items'];
  readonly totalCents: number;
  readonly currency: string;
  readonly cancelReason?: CancelReason;
  readonly cancelDetail?: string;
  readonly shipment?: { readonly carrier: ShipmentFact['carrier']; readonly trackingNumber: string };
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly history: readonly HistoryEntry[];
}

/** The result of a transition: `changed` is false when there is nothing to write. */
export interface Transition {
  readonly item: OrderViewItem;
  readonly changed: boolean;
}

/** One decision per order, so (orderId, event name) names it; a redone publish reuses the id. */
export function decisionEventId(orderId: string, event: DecisionEvent): string {
  return deterministicId(SERVICE, orderId, event);
}

/**
 * Applies one incoming event: records its fact and its history entry, then settles the order if
 * the facts now allow it. A redelivered event (its id already in the history) records nothing; it
 * only settles an order that its facts allow and that is not settled yet, which happens when a
 * handler died between recording its event and settling (`recordingOf`).
 */
export function applyEvent(current: OrderViewItem | undefined, incoming: SagaEvent, now: string): Transition {
  const { event } = incoming;
  const orderId = event.data.orderId;
  const base = current ?? emptyItem(orderId, event.correlationid);
  if (base.history.some((entry) => entry.eventId === event.id)) return settleTransition(base, event.id, now);

  const withFact: OrderViewItem = { ...base, ...factOf(base, incoming), history: [...base.history, entryOf(incoming)] };
  const settled = settle(withFact, event.id, now);
  return { item: { ...settled, version: base.version + 1, updatedAt: now }, changed: true };
}

/** Settles the order as far as its facts allow, as the write of `eventId`; unchanged when they allow nothing new. */
export function settleTransition(item: OrderViewItem, eventId: string, now: string): Transition {
  const settled = settle(item, eventId, now);
  if (settled === item) return { item, changed: false };
  return { item: { ...settled, version: item.version + 1, updatedAt: now }, changed: true };
}

/**
 * How an event is recorded without reading its order first: one conditional update that appends
 * its history entry, sets its fact, and makes the one status move the event makes on its own
 * (ShipmentPrepared: CONFIRMED to SHIPPED). The update applies only when the stored item exists,
 * has not applied the event, lacks the fact and has the status `from`; under those conditions its
 * result, settled by `settleTransition`, is what `applyEvent` makes of the same item (a property
 * test in test/unit/order-saga.test.ts holds the two together). Undefined for OrderCreated, which
 * is nearly always its order's first event and so first writes the whole item without reading.
 */
export interface Recording {
  readonly eventId: string;
  readonly entry: HistoryEntry;
  readonly fact?: RecordedFact;
  readonly status?: { readonly from: OrderStatus; readonly to: OrderStatus };
}

export type RecordedFact =
  | { readonly name: 'payment'; readonly value: PaymentFact }
  | { readonly name: 'inventory'; readonly value: InventoryFact }
  | { readonly name: 'shipment'; readonly value: ShipmentFact };

export function recordingOf(incoming: SagaEvent): Recording | undefined {
  if (incoming.name === 'OrderCreated') return undefined;
  const { event } = incoming;
  const facts = factOf(emptyItem(event.data.orderId, event.correlationid), incoming);
  const fact: RecordedFact | undefined = facts.payment
    ? { name: 'payment', value: facts.payment }
    : facts.inventory
      ? { name: 'inventory', value: facts.inventory }
      : facts.shipment
        ? { name: 'shipment', value: facts.shipment }
        : undefined;
  return {
    eventId: event.id,
    entry: entryOf(incoming),
    ...(fact ? { fact } : {}),
    // settle() moves a CONFIRMED order with a shipment to SHIPPED whatever else it holds.
    ...(incoming.name === 'ShipmentPrepared' ? { status: { from: 'CONFIRMED', to: 'SHIPPED' } } : {}),
  };
}

/** Whether the store's update of `recording` applies to `item` (undefined: no item). */
export function recordingApplies(item: OrderViewItem | undefined, recording: Recording): item is OrderViewItem {
  if (!item || item.history.some((entry) => entry.eventId === recording.eventId)) return false;
  if (recording.fact && item[recording.fact.name] !== undefined) return false;
  return !recording.status || item.status === recording.status.from;
}

/** The item as the store's update leaves it, when `recordingApplies`: the pure twin of that update. */
export function applyRecording(item: OrderViewItem, recording: Recording, now: string): OrderViewItem {
  return {
    ...item,
    ...(recording.fact ? { [recording.fact.name]: recording.fact.value } : {}),
    ...(recording.status ? { status: recording.status.to } : {}),
    history: [...item.history, recording.entry],
    version: item.version + 1,
    updatedAt: now,
  };
}

/**
 * The decision that `eventId`'s handler publishes: the one its write made. A redelivery of that
 * event finds it applied and publishes the decision again, with the same id and data, which covers
 * a crash or a failed send between the write and the publish; every reader of the decision events
 * drops the copy by its id. No other event publishes it.
 */
export function decisionOwedBy(item: OrderViewItem, eventId: string): Decision | undefined {
  return item.decision?.decidedBy === eventId ? item.decision : undefined;
}

export type DecisionPayload =
  | { readonly name: 'OrderConfirmed'; readonly data: EventData['OrderConfirmed'] }
  | { readonly name: 'OrderCancelled'; readonly data: EventData['OrderCancelled'] };

/** The data of the decision event, derived from the item as stored so a re-publish is identical. */
export function decisionPayload(item: OrderViewItem): DecisionPayload {
  const { decision, details } = item;
  if (!decision || !details) throw new Error(`order ${item.orderId} has no decision to publish`);
  if (decision.event === 'OrderConfirmed') {
    return {
      name: 'OrderConfirmed',
      data: {
        orderId: item.orderId,
        customerId: details.customerId,
        email: details.email,
        totalCents: details.totalCents,
        currency: details.currency,
        items: details.items,
        shippingAddress: details.shippingAddress,
      },
    };
  }
  if (!item.cancelReason || !item.cancelDetail) throw new Error(`cancelled order ${item.orderId} has no reason`);
  return {
    name: 'OrderCancelled',
    data: {
      orderId: item.orderId,
      customerId: details.customerId,
      email: details.email,
      reason: item.cancelReason,
      detail: item.cancelDetail,
    },
  };
}

/**
 * The order as the API shows it, or undefined while the item only holds facts that overtook the
 * order's OrderCreated (the order is not known yet). Accepts the raw item the API reads.
 */
export function toPublicView(item: OrderViewItem | Record<string, unknown>): PublicOrderView | undefined {
  const view = item as Partial<OrderViewItem>;
  const { details } = view;
  if (typeof view.orderId !== 'string' || !view.status || !details) return undefined;
  return {
    orderId: view.orderId,
    status: view.status,
    customerId: details.customerId,
    items: details.items.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents })),
    totalCents: details.totalCents,
    currency: details.currency,
    ...(view.status === 'CANCELLED' && view.cancelReason
      ? { cancelReason: view.cancelReason, ...(view.cancelDetail ? { cancelDetail: view.cancelDetail } : {}) }
      : {}),
    ...(view.status === 'SHIPPED' && view.shipment
      ? { shipment: { carrier: view.shipment.carrier, trackingNumber: view.shipment.trackingNumber } }
      : {}),
    createdAt: details.createdAt,
    updatedAt: view.updatedAt ?? details.createdAt,
    history: inTimeOrder(view.history ?? []).map(({ type, eventId, time }) => ({ type, eventId, time })),
  };
}

function entryOf({ name, event }: SagaEvent): HistoryEntry {
  return { type: name, eventId: event.id, time: normalizeTime(event.time) };
}

function emptyItem(orderId: string, correlationId: string): OrderViewItem {
  return { orderId, version: 0, status: 'PENDING', correlationId, history: [], updatedAt: '' };
}

/**
 * The fact an event contributes. Facts are written once: payment and inventory each decide one
 * outcome per order, so a second, different fact could only come from a replay and is ignored.
 */
function factOf(item: OrderViewItem, { name, event }: SagaEvent): Partial<OrderViewItem> {
  switch (name) {
    case 'OrderCreated': {
      if (item.details) return {};
      const { customerId, email, items, totalCents, currency, shippingAddress } = event.data;
      return {
        details: {
          customerId,
          email,
          items,
          totalCents,
          currency,
          shippingAddress,
          createdAt: normalizeTime(event.time),
        },
      };
    }
    case 'PaymentCompleted': {
      const { paymentId, amountCents, currency } = event.data;
      return item.payment ? {} : { payment: { status: 'COMPLETED', paymentId, amountCents, currency } };
    }
    case 'PaymentFailed': {
      const { reason, amountCents, currency } = event.data;
      return item.payment ? {} : { payment: { status: 'FAILED', reason, amountCents, currency } };
    }
    case 'InventoryReserved':
      return item.inventory ? {} : { inventory: { status: 'RESERVED', reservationId: event.data.reservationId } };
    case 'InventoryReservationFailed': {
      const { reason, shortages } = event.data;
      return item.inventory ? {} : { inventory: { status: 'FAILED', reason, shortages } };
    }
    case 'ShipmentPrepared': {
      const { shipmentId, carrier, trackingNumber } = event.data;
      return item.shipment ? {} : { shipment: { shipmentId, carrier, trackingNumber } };
    }
    case 'PaymentRefunded':
    case 'InventoryReleased':
      // Compensations of a cancelled order: they change nothing but the history.
      return {};
  }
}

/**
 * Moves the order as far as its facts allow. A failure cancels as soon as the details are known;
 * when both failures are known at that moment, payment_failed is the reason (fixed, so every
 * arrival order gives the same answer). A ShipmentPrepared that overtook the confirmation is
 * applied in the same write that confirms.
 */
function settle(item: OrderViewItem, eventId: string, now: string): OrderViewItem {
  if (item.status === 'PENDING' && item.details) {
    const cancellation = cancellationOf(item);
    if (cancellation) {
      return {
        ...decided(item, 'OrderCancelled', eventId, now),
        status: 'CANCELLED',
        cancelReason: cancellation.reason,
        cancelDetail: cancellation.detail,
      };
    }
    if (item.payment?.status === 'COMPLETED' && item.inventory?.status === 'RESERVED') {
      return { ...decided(item, 'OrderConfirmed', eventId, now), status: item.shipment ? 'SHIPPED' : 'CONFIRMED' };
    }
  }
  if (item.status === 'CONFIRMED' && item.shipment) return { ...item, status: 'SHIPPED' };
  return item;
}

/**
 * The item with its decision, and the decision event in its history: the write that decides is the
 * only record of it (the publish that follows writes nothing), so the order view shows the decision
 * as soon as it is made, whether or not Kafka has acknowledged it yet.
 */
function decided(item: OrderViewItem, event: DecisionEvent, decidedBy: string, now: string): OrderViewItem {
  const decision: Decision = { event, eventId: decisionEventId(item.orderId, event), decidedAt: now, decidedBy };
  return {
    ...item,
    decision,
    history: [...item.history, { type: event, eventId: decision.eventId, time: decision.decidedAt }],
  };
}

const DETAIL_MAX_LENGTH = 500;

const PAYMENT_FAILURE_TEXT: Record<PaymentFailedV1['reason'], string> = {
  card_declined: 'The card was declined.',
  insufficient_funds: 'The card has insufficient funds.',
  invalid_payment_method: 'The payment method is not valid.',
};

function cancellationOf(item: OrderViewItem): { reason: CancelReason; detail: string } | undefined {
  if (item.payment?.status === 'FAILED') {
    return { reason: 'payment_failed', detail: PAYMENT_FAILURE_TEXT[item.payment.reason] };
  }
  if (item.inventory?.status === 'FAILED') {
    return { reason: 'out_of_stock', detail: truncate(stockFailureText(item.inventory)) };
  }
  return undefined;
}

function stockFailureText(fact: Extract<InventoryFact, { status: 'FAILED' }>): string {
  const skus = fact.shortages.map((s) => s.sku).join(', ');
  if (fact.reason === 'unknown_sku') return `Not in the catalogue: ${skus}.`;
  const lines = fact.shortages.map((s) => `${s.sku} (requested ${s.requested}, available ${s.available})`);
  return `Not enough stock: ${lines.join(', ')}.`;
}

function truncate(text: string): string {
  return text.length <= DETAIL_MAX_LENGTH ? text : `${text.slice(0, DETAIL_MAX_LENGTH - 1)}…`;
}

/** Event times may carry any offset; the view keeps them in one form so they sort and read alike. */
function normalizeTime(time: string): string {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : new Date(ms).toISOString();
}

/** Stable: entries with the same time keep the order they were applied in. */
function inTimeOrder(history: readonly HistoryEntry[]): HistoryEntry[] {
  return history
    .map((entry, index) => ({ entry, index, ms: Date.parse(entry.time) }))
    .sort((a, b) => a.ms - b.ms || a.index - b.index)
    .map(({ entry }) => entry);
}
