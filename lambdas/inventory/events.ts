/**
 * The events inventory publishes, derived from a reservation and the products as this delivery
 * knows them. Every id is derived from the order (and SKU), so a delivery that redoes a step after a
 * crash re-publishes the same ids and the next service drops the duplicates.
 */
import type { ConsumerServiceName, PublishedEvent } from '../../lib/topology';
import { createEvent, deterministicId } from '../shared/events/envelope';
import type { OutgoingEvent } from '../shared/events/validation';
import type { Line, Reservation, Shortage } from './reservation';

/** This service in the topology: its handlers, publisher and tables follow from it; its ids start with it. */
export const SERVICE = 'inventory' satisfies ConsumerServiceName;

/** Every event inventory may publish. */
export type InventoryEvent = OutgoingEvent<PublishedEvent<typeof SERVICE>>;

/** Event schemas cap a line's quantity at 100, the most one order line can ask for. */
const MAX_EVENT_QUANTITY = 100;

export type OutcomeEvent = 'InventoryReserved' | 'InventoryReservationFailed' | 'InventoryReleased';
export type StockStep = 'reserve' | 'release';

/** What the events of one delivery share. */
export interface Delivery {
  readonly orderId: string;
  readonly correlationId: string;
  readonly time: Date;
}

/** A product's stock as the ProductUpdated event tells it. */
export interface StockLevel {
  readonly sku: string;
  readonly available: number;
  readonly priceCents: number;
  readonly currency: string;
}

export function reservationIdOf(orderId: string): string {
  return `res_${deterministicId(SERVICE, 'reservation', orderId).replaceAll('-', '')}`;
}

export function outcomeEventId(orderId: string, name: OutcomeEvent): string {
  return deterministicId(SERVICE, orderId, name);
}

export function productUpdatedId(orderId: string, sku: string, step: StockStep): string {
  return deterministicId(SERVICE, orderId, sku, 'ProductUpdated', step);
}

/**
 * Merged lines can exceed what one event line may say; they are split into schema-sized lines of the
 * same SKU (a SKU's lines sum to its quantity). There are never more of them than the order had lines.
 */
export function eventLines(lines: readonly Line[]): Line[] {
  return lines.flatMap(({ sku, quantity }) => chunks(quantity).map((q) => ({ sku, quantity: q })));
}

export function reservedEvents(r: Reservation, stock: ReadonlyMap<string, StockLevel>, d: Delivery): InventoryEvent[] {
  const data = { orderId: r.orderId, reservationId: r.reservationId, items: nonEmpty(eventLines(r.items)) };
  return [
    createEvent('InventoryReserved', data, meta(d, outcomeEventId(r.orderId, 'InventoryReserved'))),
    ...productUpdates(
      r.items.map((l) => l.sku),
      stock,
      'reserve',
      d,
    ),
  ];
}

export function failedEvents(r: Reservation, stock: ReadonlyMap<string, StockLevel>, d: Delivery): InventoryEvent[] {
  const data = {
    orderId: r.orderId,
    reason: r.reason ?? 'out_of_stock',
    shortages: nonEmpty(eventShortages(r.shortages ?? [])),
  };
  return [
    createEvent('InventoryReservationFailed', data, meta(d, outcomeEventId(r.orderId, 'InventoryReservationFailed'))),
    ...productUpdates(r.heldSkus ?? [], stock, 'release', d),
  ];
}

export function releasedEvents(r: Reservation, stock: ReadonlyMap<string, StockLevel>, d: Delivery): InventoryEvent[] {
  const data = { orderId: r.orderId, reservationId: r.reservationId, items: nonEmpty(eventLines(r.items)) };
  return [
    createEvent('InventoryReleased', data, meta(d, outcomeEventId(r.orderId, 'InventoryReleased'))),
    ...productUpdates(
      r.items.map((l) => l.sku),
      stock,
      'release',
      d,
    ),
  ];
}

/** One ProductUpdated per SKU whose stock level is known (an unknown SKU has none). */
export function productUpdates(
  skus: readonly string[],
  stock: ReadonlyMap<string, StockLevel>,
  step: StockStep,
  d: Delivery,
): OutgoingEvent<'ProductUpdated'>[] {
  return skus.flatMap((sku) => {
    const level = stock.get(sku);
    if (!level) return [];
    const { available, priceCents, currency } = level;
    return [
      createEvent(
        'ProductUpdated',
        { sku, available, priceCents, currency },
        {
          subject: sku,
          correlationId: d.correlationId,
          id: productUpdatedId(d.orderId, sku, step),
          time: d.time,
        },
      ),
    ];
  });
}

function meta(d: Delivery, id: string) {
  return { subject: d.orderId, correlationId: d.correlationId, id, time: d.time };
}

function eventShortages(shortages: readonly Shortage[]): Shortage[] {
  return shortages.flatMap(({ sku, requested, available }) =>
    chunks(requested).map((q) => ({ sku, requested: q, available })),
  );
}

function chunks(quantity: number): number[] {
  const parts: number[] = [];
  for (let left = quantity; left > 0; left -= MAX_EVENT_QUANTITY) parts.push(Math.min(left, MAX_EVENT_QUANTITY));
  return parts;
}

/** The schemas require at least one line; a reservation always has one, so an empty list is a bug. */
function nonEmpty<T>(values: readonly T[]): [T, ...T[]] {
  if (values.length === 0) throw new Error('an inventory event needs at least one line');
  return values as [T, ...T[]];
}
