import {
  applyEvent,
  applyRecording,
  decisionEventId,
  decisionOwedBy,
  decisionPayload,
  type OrderViewItem,
  recordingApplies,
  recordingOf,
  type SagaEvent,
  settleTransition,
  toPublicView,
} from '../../lambdas/order/view';
import { createEvent } from '../../lambdas/shared/events/envelope';
import { sampleData } from '../../local/samples';

const ORDER_ID = 'ord_SAGAUNIT000001';
const CORRELATION_ID = '6f1c2a7e-3b9d-4c52-8e0f-5a4b3c2d1e0f';
const NOW = '2026-03-01T09:00:00.000Z';
/** The README's order: 2 x SKU-001 at 19.99 GBP, to Ada Lovelace in London. */
const ADDRESS = sampleData('OrderCreated').shippingAddress;

let seconds = 0;
/** Each event gets a later time than the one built before it, so history order is checkable. */
function meta(id: string) {
  seconds += 1;
  return { subject: ORDER_ID, correlationId: CORRELATION_ID, id, time: new Date(Date.UTC(2026, 2, 1, 8, 0, seconds)) };
}

const events = {
  created: (): SagaEvent => ({
    name: 'OrderCreated',
    event: createEvent('OrderCreated', sampleData('OrderCreated', { orderId: ORDER_ID }), meta('evt-created')),
  }),
  paid: (): SagaEvent => ({
    name: 'PaymentCompleted',
    event: createEvent(
      'PaymentCompleted',
      { orderId: ORDER_ID, paymentId: 'pay_0123456789AB', amountCents: 3998, currency: 'GBP' },
      meta('evt-paid'),
    ),
  }),
  declined: (): SagaEvent => ({
    name: 'PaymentFailed',
    event: createEvent(
      'PaymentFailed',
      { orderId: ORDER_ID, reason: 'card_declined', amountCents: 3998, currency: 'GBP' },
      meta('evt-declined'),
    ),
  }),
  refunded: (): SagaEvent => ({
    name: 'PaymentRefunded',
    event: createEvent(
      'PaymentRefunded',
      {
        orderId: ORDER_ID,
        paymentId: 'pay_0123456789AB',
        refundId: 'ref_0123456789AB',
        amountCents: 3998,
        currency: 'GBP',
      },
      meta('evt-refunded'),
    ),
  }),
  reserved: (): SagaEvent => ({
    name: 'InventoryReserved',
    event: createEvent(
      'InventoryReserved',
      { orderId: ORDER_ID, reservationId: 'res_0123456789AB', items: [{ sku: 'SKU-001', quantity: 2 }] },
      meta('evt-reserved'),
    ),
  }),
  short: (reason: 'out_of_stock' | 'unknown_sku' = 'out_of_stock'): SagaEvent => ({
    name: 'InventoryReservationFailed',
    event: createEvent(
      'InventoryReservationFailed',
      { orderId: ORDER_ID, reason, shortages: [{ sku: 'SKU-001', requested: 2, available: 0 }] },
      meta('evt-short'),
    ),
  }),
  released: (): SagaEvent => ({
    name: 'InventoryReleased',
    event: createEvent(
      'InventoryReleased',
      { orderId: ORDER_ID, reservationId: 'res_0123456789AB', items: [{ sku: 'SKU-001', quantity: 2 }] },
      meta('evt-released'),
    ),
  }),
  shipped: (): SagaEvent => ({
    name: 'ShipmentPrepared',
    event: createEvent(
      'ShipmentPrepared',
      {
        orderId: ORDER_ID,
        shipmentId: 'shp_0123456789AB',
        carrier: 'royal_mail',
        trackingNumber: 'RM123456785GB',
        email: 'ada@example.com',
        customerId: 'c-42',
      },
      meta('evt-shipped'),
    ),
  }),
};

/** Applies events in order, as the store would, returning the last stored item. */
function run(...sequence: SagaEvent[]): OrderViewItem {
  let item: OrderViewItem | undefined;
  for (const incoming of sequence) item = applyEvent(item, incoming, NOW).item;
  if (!item) throw new Error('no events applied');
  return item;
}

function permutations<T>(values: readonly T[]): T[][] {
  if (values.length <= 1) return [[...values]];
  return values.flatMap((value, i) =>
    permutations([...values.slice(0, i), ...values.slice(i + 1)]).map((rest) => [value, ...rest]),
  );
}

describe('order saga transitions', () => {
  it('starts a PENDING order with the OrderCreated details and one history entry', () => {
    // Act
    const { item, changed } = applyEvent(undefined, events.created(), NOW);

    // Assess
    expect(changed).toBe(true);
    expect(item).toMatchObject({
      orderId: ORDER_ID,
      version: 1,
      status: 'PENDING',
      correlationId: CORRELATION_ID,
      details: { customerId: 'c-42', email: 'ada@example.com', totalCents: 3998, currency: 'GBP' },
      updatedAt: NOW,
    });
    expect(item.history).toEqual([{ type: 'OrderCreated', eventId: 'evt-created', time: '2026-03-01T08:00:01.000Z' }]);
    expect(item.decision).toBeUndefined();
  });

  const confirming = permutations(['created', 'paid', 'reserved'] as const);
  it.each(confirming.map((order) => [order.join(' → '), order]))('confirms whatever the order: %s', (_label, order) => {
    // Prepare
    const sequence = order.map((name) => events[name]());
    const last = sequence[sequence.length - 1] as SagaEvent;

    // Act
    const item = run(...sequence);

    // Assess
    expect(item.status).toBe('CONFIRMED');
    expect(item.version).toBe(3);
    expect(item.decision).toEqual({
      event: 'OrderConfirmed',
      eventId: decisionEventId(ORDER_ID, 'OrderConfirmed'),
      decidedAt: NOW,
      decidedBy: last.event.id,
    });
    expect(decisionOwedBy(item, last.event.id)).toEqual(item.decision);
    expect(item.history.at(-1)).toEqual({
      type: 'OrderConfirmed',
      eventId: decisionEventId(ORDER_ID, 'OrderConfirmed'),
      time: NOW,
    });
  });

  it('stays PENDING while payment and stock are settled but the OrderCreated details are missing', () => {
    // Act
    const item = run(events.paid(), events.reserved());

    // Assess
    expect(item.status).toBe('PENDING');
    expect(item.payment).toMatchObject({ status: 'COMPLETED', paymentId: 'pay_0123456789AB' });
    expect(item.inventory).toMatchObject({ status: 'RESERVED', reservationId: 'res_0123456789AB' });
    expect(item.decision).toBeUndefined();
    expect(toPublicView(item)).toBeUndefined();
  });

  it('cancels with payment_failed when the payment is declined', () => {
    // Act
    const item = run(events.created(), events.declined());

    // Assess
    expect(item).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'payment_failed',
      cancelDetail: 'The card was declined.',
      decision: { event: 'OrderCancelled', decidedBy: 'evt-declined' },
    });
  });

  it('cancels with out_of_stock, naming the shortages, when the reservation fails', () => {
    // Act
    const item = run(events.short(), events.created());

    // Assess
    expect(item).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'out_of_stock',
      cancelDetail: 'Not enough stock: SKU-001 (requested 2, available 0).',
      decision: { event: 'OrderCancelled', decidedBy: 'evt-created' },
    });
  });

  it('cancels with out_of_stock, naming the SKU, when a SKU is unknown', () => {
    // Act
    const item = run(events.created(), events.short('unknown_sku'));

    // Assess
    expect(item.cancelReason).toBe('out_of_stock');
    expect(item.cancelDetail).toBe('Not in the catalogue: SKU-001.');
  });

  it('cancels when one side fails even though the other succeeded', () => {
    // Act
    const declinedButReserved = run(events.reserved(), events.created(), events.declined());
    const paidButShort = run(events.created(), events.paid(), events.short());

    // Assess
    expect(declinedButReserved).toMatchObject({ status: 'CANCELLED', cancelReason: 'payment_failed' });
    expect(paidButShort).toMatchObject({ status: 'CANCELLED', cancelReason: 'out_of_stock' });
  });

  it.each([
    ['payment first', ['created', 'declined', 'short'], 'payment_failed', 'evt-declined'],
    ['stock first', ['created', 'short', 'declined'], 'out_of_stock', 'evt-short'],
    ['both before the order, payment first', ['declined', 'short', 'created'], 'payment_failed', 'evt-created'],
    ['both before the order, stock first', ['short', 'declined', 'created'], 'payment_failed', 'evt-created'],
  ] as const)('cancels once when both fail (%s)', (_label, order, reason, decidedBy) => {
    // Prepare
    const sequence = order.map((name) => events[name]());

    // Act
    const item = run(...sequence);

    // Assess
    expect(item).toMatchObject({ status: 'CANCELLED', cancelReason: reason, decision: { decidedBy } });
    expect(item.payment?.status).toBe('FAILED');
    expect(item.inventory?.status).toBe('FAILED');
    // Each event once, and the one decision, recorded when the deciding event was applied.
    expect(item.history.map((h) => h.eventId).sort()).toEqual(
      [...sequence.map((e) => e.event.id), decisionEventId(ORDER_ID, 'OrderCancelled')].sort(),
    );
  });

  it('changes nothing for an event it has already applied', () => {
    // Prepare
    const created = events.created();
    const item = run(created, events.paid());

    // Act
    const again = applyEvent(item, created, '2026-03-01T10:00:00.000Z');

    // Assess
    expect(again.changed).toBe(false);
    expect(again.item).toBe(item);
  });

  it('ships a confirmed order on ShipmentPrepared', () => {
    // Act
    const item = run(events.created(), events.paid(), events.reserved(), events.shipped());

    // Assess
    expect(item.status).toBe('SHIPPED');
    expect(item.shipment).toEqual({
      shipmentId: 'shp_0123456789AB',
      carrier: 'royal_mail',
      trackingNumber: 'RM123456785GB',
    });
    expect(item.decision?.decidedBy).toBe('evt-reserved');
  });

  it('keeps a ShipmentPrepared that overtook the confirmation and ships when confirming', () => {
    // Act
    const early = run(events.created(), events.shipped(), events.paid());
    const confirmed = applyEvent(early, events.reserved(), NOW).item;

    // Assess
    expect(early.status).toBe('PENDING');
    expect(early.shipment?.trackingNumber).toBe('RM123456785GB');
    expect(confirmed.status).toBe('SHIPPED');
    expect(confirmed.decision).toMatchObject({ event: 'OrderConfirmed', decidedBy: 'evt-reserved' });
  });

  it('never ships a cancelled order', () => {
    // Act
    const item = run(events.created(), events.declined(), events.shipped());

    // Assess
    expect(item.status).toBe('CANCELLED');
  });

  it('only adds compensations (refund, release) to the history', () => {
    // Prepare
    const cancelled = run(events.created(), events.paid(), events.short());

    // Act
    const refunded = applyEvent(cancelled, events.refunded(), NOW).item;
    const item = applyEvent(refunded, events.released(), NOW).item;

    // Assess
    expect({ ...item, history: undefined, version: undefined }).toEqual({
      ...cancelled,
      history: undefined,
      version: undefined,
    });
    expect(item.history.map((h) => h.type)).toEqual([
      'OrderCreated',
      'PaymentCompleted',
      'InventoryReservationFailed',
      'OrderCancelled',
      'PaymentRefunded',
      'InventoryReleased',
    ]);
  });

  it('leaves the publication to the event that settled the order', () => {
    // Act
    const item = run(events.created(), events.paid(), events.reserved());

    // Assess
    expect(decisionOwedBy(item, 'evt-reserved')).toEqual(item.decision);
    expect(decisionOwedBy(item, 'evt-paid')).toBeUndefined();
    expect(decisionOwedBy(item, 'evt-created')).toBeUndefined();
    expect(decisionOwedBy(run(events.created(), events.paid()), 'evt-paid')).toBeUndefined();
  });

  it('records the decision in the history with the write that decides, once', () => {
    // Prepare
    const reserved = events.reserved();
    const confirmed = run(events.created(), events.paid(), reserved);

    // Act: the deciding event again, then the order's later events.
    const redelivered = applyEvent(confirmed, reserved, '2026-03-01T09:00:01.000Z');
    const shipped = applyEvent(confirmed, events.shipped(), '2026-03-01T09:00:02.000Z').item;

    // Assess
    const decisionEntry = { type: 'OrderConfirmed', eventId: decisionEventId(ORDER_ID, 'OrderConfirmed'), time: NOW };
    expect(confirmed.history.at(-1)).toEqual(decisionEntry);
    expect(redelivered.changed).toBe(false);
    // The redelivery still owes the publication: it publishes the decision again, same id.
    expect(decisionOwedBy(redelivered.item, reserved.event.id)).toEqual(confirmed.decision);
    expect(shipped.decision).toEqual(confirmed.decision);
    expect(shipped.history.filter((h) => h.type === 'OrderConfirmed' || h.type === 'OrderCancelled')).toEqual([
      decisionEntry,
    ]);
    expect(decisionOwedBy(shipped, 'evt-shipped')).toBeUndefined();
  });

  it('derives a schema-valid OrderConfirmed from the stored item', () => {
    // Prepare
    const item = run(events.created(), events.paid(), events.reserved());

    // Act
    const payload = decisionPayload(item);

    // Assess
    expect(payload).toEqual({
      name: 'OrderConfirmed',
      data: {
        orderId: ORDER_ID,
        customerId: 'c-42',
        email: 'ada@example.com',
        totalCents: 3998,
        currency: 'GBP',
        items: [{ sku: 'SKU-001', quantity: 2, unitPriceCents: 1999 }],
        shippingAddress: ADDRESS,
      },
    });
  });

  it('derives an OrderCancelled with reason and detail', () => {
    // Prepare
    const item = run(events.created(), events.declined());

    // Act
    const payload = decisionPayload(item);

    // Assess
    expect(payload).toEqual({
      name: 'OrderCancelled',
      data: {
        orderId: ORDER_ID,
        customerId: 'c-42',
        email: 'ada@example.com',
        reason: 'payment_failed',
        detail: 'The card was declined.',
      },
    });
  });
});

describe('recording an event without reading the order', () => {
  // Built in the tests, not here: building an event advances the clock the tests above read.
  const allEvents = () => Object.values(events).map((make) => make());

  /**
   * Every item some sequence of up to four distinct events leaves: each state the saga can be in,
   * including those a crash between recording an event and settling the order leaves (the
   * recording's item, not settled), from which the next events go on.
   */
  function reachableItems(all: readonly SagaEvent[]): { items: OrderViewItem[]; unsettled: number } {
    const items: OrderViewItem[] = [];
    let unsettled = 0;
    const extend = (item: OrderViewItem | undefined, used: readonly SagaEvent[]) => {
      if (item) items.push(item);
      if (used.length === 4) return;
      for (const incoming of all.filter((e) => !used.includes(e))) {
        extend(applyEvent(item, incoming, NOW).item, [...used, incoming]);
        const recording = recordingOf(incoming);
        if (!recording || !recordingApplies(item, recording)) continue;
        const recorded = applyRecording(item, recording, NOW);
        if (settleTransition(recorded, incoming.event.id, NOW).item === recorded) continue;
        unsettled += 1;
        extend(recorded, [...used, incoming]);
      }
    };
    extend(undefined, []);
    return { items, unsettled };
  }

  it('leaves, once settled, what applying the event in full leaves, from every reachable item', () => {
    // Prepare
    const all = allEvents();
    const { items, unsettled } = reachableItems(all);
    let recorded = 0;

    // Act & Assess
    for (const item of items) {
      for (const incoming of all) {
        const recording = recordingOf(incoming);
        if (!recording || !recordingApplies(item, recording)) continue;
        recorded += 1;
        const once = applyRecording(item, recording, NOW);
        const settled = settleTransition(once, incoming.event.id, NOW).item;
        const full = applyEvent(item, incoming, NOW).item;
        expect({ ...settled, version: 0 }).toEqual({ ...full, version: 0 });
        // One write more only when the recording left something to settle.
        expect(settled.version - full.version).toBe(settled === once ? 0 : 1);
      }
    }
    // Holds the enumeration to its purpose: thousands of cases, each kind of event among them, and
    // hundreds of them from an item a crash left recorded but not settled.
    expect(items.length).toBeGreaterThan(1000);
    expect(recorded).toBeGreaterThan(1000);
    expect(unsettled).toBeGreaterThan(100);
  });

  it('never records an event twice, nor a fact over another, nor a shipment on an unconfirmed order', () => {
    // Prepare
    const paid = run(events.created(), events.paid());
    const confirmed = run(events.created(), events.paid(), events.reserved());

    // Act & Assess
    const ofPaid = recordingOf(events.paid());
    const ofDeclined = recordingOf(events.declined());
    const ofShipped = recordingOf(events.shipped());
    if (!ofPaid || !ofDeclined || !ofShipped) throw new Error('no recording');
    expect(recordingApplies(paid, ofPaid)).toBe(false);
    expect(recordingApplies(paid, ofDeclined)).toBe(false);
    expect(recordingApplies(undefined, ofPaid)).toBe(false);
    expect(recordingApplies(paid, ofShipped)).toBe(false);
    expect(recordingApplies(confirmed, ofShipped)).toBe(true);
  });

  it('leaves OrderCreated to its write of the whole item', () => {
    expect(recordingOf(events.created())).toBeUndefined();
  });

  it('moves a confirmed order to SHIPPED in the recording of its shipment', () => {
    // Prepare
    const confirmed = run(events.created(), events.paid(), events.reserved());
    const recording = recordingOf(events.shipped());
    if (!recording) throw new Error('no recording');

    // Act
    const item = applyRecording(confirmed, recording, NOW);

    // Assess: nothing left to settle.
    expect(item).toMatchObject({ status: 'SHIPPED', shipment: { trackingNumber: 'RM123456785GB' } });
    expect(settleTransition(item, 'evt-shipped', NOW).changed).toBe(false);
  });

  it('settles, on a redelivery, an order whose last fact was recorded by a handler that died before settling', () => {
    // Prepare
    const reserved = events.reserved();
    const recording = recordingOf(reserved);
    if (!recording) throw new Error('no recording');
    const unsettled = applyRecording(run(events.created(), events.paid()), recording, NOW);

    // Act
    const again = applyEvent(unsettled, reserved, NOW);

    // Assess
    expect(unsettled.status).toBe('PENDING');
    expect(again.changed).toBe(true);
    expect(again.item).toMatchObject({ status: 'CONFIRMED', decision: { decidedBy: reserved.event.id } });
    expect(decisionOwedBy(again.item, reserved.event.id)).toEqual(again.item.decision);
  });
});

describe('toPublicView', () => {
  it('answers the public shape, history in time order', () => {
    // Prepare: the reservation is processed before the payment but happened after it.
    const created = events.created();
    const paid = events.paid();
    const reserved = events.reserved();
    const item = run(created, reserved, paid, events.shipped());

    // Act
    const view = toPublicView(item);

    // Assess
    expect(view).toEqual({
      orderId: ORDER_ID,
      status: 'SHIPPED',
      customerId: 'c-42',
      items: [{ sku: 'SKU-001', quantity: 2, unitPriceCents: 1999 }],
      totalCents: 3998,
      currency: 'GBP',
      shipment: { carrier: 'royal_mail', trackingNumber: 'RM123456785GB' },
      createdAt: created.event.time,
      updatedAt: NOW,
      history: [
        { type: 'OrderCreated', eventId: 'evt-created', time: created.event.time },
        { type: 'PaymentCompleted', eventId: 'evt-paid', time: paid.event.time },
        { type: 'InventoryReserved', eventId: 'evt-reserved', time: reserved.event.time },
        { type: 'ShipmentPrepared', eventId: 'evt-shipped', time: expect.any(String) },
        { type: 'OrderConfirmed', eventId: decisionEventId(ORDER_ID, 'OrderConfirmed'), time: NOW },
      ],
    });
  });

  it('shows the cancel reason of a cancelled order and no shipment', () => {
    // Act
    const view = toPublicView(run(events.created(), events.short()));

    // Assess
    expect(view).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'out_of_stock',
      cancelDetail: 'Not enough stock: SKU-001 (requested 2, available 0).',
    });
    expect(view).not.toHaveProperty('shipment');
  });

  it('hides facts of an order that is not confirmed or shipped yet', () => {
    // Act
    const view = toPublicView(run(events.created(), events.shipped()));

    // Assess
    expect(view?.status).toBe('PENDING');
    expect(view).not.toHaveProperty('shipment');
    expect(view).not.toHaveProperty('cancelReason');
  });

  it('accepts the raw item as the API reads it', () => {
    // Prepare
    const raw: Record<string, unknown> = JSON.parse(JSON.stringify(run(events.created())));

    // Act
    const view = toPublicView(raw);

    // Assess
    expect(view).toMatchObject({ orderId: ORDER_ID, status: 'PENDING', customerId: 'c-42' });
  });

  it('answers undefined for an item without an order (facts that overtook OrderCreated)', () => {
    // Act & Assess
    expect(toPublicView(run(events.paid()))).toBeUndefined();
    expect(toPublicView({ orderId: ORDER_ID })).toBeUndefined();
  });
});
