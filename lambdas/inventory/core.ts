/**
 * Inventory: reserves an order's stock all or nothing when it is created, and gives it back when the
 * order is cancelled.
 *
 * Without transactions, a reservation record per order carries the decision and each product carries
 * the order's hold, so every step is a conditional single-item write that a redelivery can redo:
 *
 *   RESERVING ──every line taken──▶ RESERVED ──OrderCancelled──▶ RELEASED
 *       │ └────────OrderCancelled (crashed mid-way)──────────────────▲
 *       └──a line short──▶ FAILED (holds given back, stays FAILED)
 *   (no record) ──OrderCancelled──▶ CANCELLED (a late OrderCreated reserves nothing)
 *
 * The decision is written before its consequences (giving back stock, publishing), so a crash after
 * it is finished by the next delivery from the record, not decided again. Every published event has
 * an id derived from the order (and SKU), so a redone publish is a duplicate downstream drops.
 */
import type { Product } from '../shared/catalogue';
import { createEvent, deterministicId } from '../shared/events/envelope';
import type { EventData } from '../shared/events/types.generated';
import type { CloudEvent } from '../shared/events/validation';
import type { ConsumerLogger, EventHandlers } from '../shared/kafka/consumer';
import type { EventPublisher } from '../shared/kafka/publisher';

export type ReservationStatus = 'RESERVING' | 'RESERVED' | 'FAILED' | 'RELEASED' | 'CANCELLED';
export type FailureReason = EventData['InventoryReservationFailed']['reason'];

export interface Line {
  readonly sku: string;
  readonly quantity: number;
}

export interface Shortage {
  readonly sku: string;
  readonly requested: number;
  /** Units available when the take was tried; 0 for an unknown SKU. */
  readonly available: number;
}

export interface Reservation {
  readonly orderId: string;
  readonly status: ReservationStatus;
  readonly reservationId: string;
  readonly correlationId: string;
  /** The order's lines, one per SKU, in the order they are taken. Empty for a CANCELLED marker. */
  readonly items: readonly Line[];
  /** FAILED only. */
  readonly reason?: FailureReason;
  readonly shortages?: readonly Shortage[];
  /** FAILED only: SKUs the order held when it failed, whose stock changed back on release. */
  readonly heldSkus?: readonly string[];
}

export type NewReservation = Omit<Reservation, 'reason' | 'shortages' | 'heldSkus'>;

export interface ReservationChange {
  readonly status: ReservationStatus;
  readonly reason?: FailureReason;
  readonly shortages?: readonly Shortage[];
  readonly heldSkus?: readonly string[];
}

export type TakeOutcome =
  /** This call took the stock; `product` is the item right after. */
  | { readonly kind: 'taken'; readonly product: Product }
  /** An earlier attempt for the same order took it already. */
  | { readonly kind: 'held'; readonly product: Product }
  | { readonly kind: 'unknown_sku' }
  | { readonly kind: 'out_of_stock'; readonly available: number };

export interface InventoryStore {
  getReservation(orderId: string): Promise<Reservation | undefined>;
  /** Creates the RESERVING record unless one exists; answers with the record as stored. */
  beginReservation(record: NewReservation): Promise<Reservation>;
  /** Creates a CANCELLED marker unless a record exists; answers with the record as stored. */
  markCancelled(record: NewReservation): Promise<{ record: Reservation; created: boolean }>;
  /** Moves the record to `change.status` if its status is one of `from`; false if it was not. */
  moveReservation(orderId: string, from: readonly ReservationStatus[], change: ReservationChange): Promise<boolean>;
  /** Takes a line's stock for the order unless the order holds it already; never below zero. */
  take(orderId: string, line: Line): Promise<TakeOutcome>;
  /** Gives back the order's hold of a line; the product after, or undefined if the order held none. */
  giveBack(orderId: string, line: Line): Promise<Product | undefined>;
  products(skus: readonly string[]): Promise<Map<string, Product>>;
}

export interface InventoryDeps {
  readonly store: InventoryStore;
  readonly publisher: EventPublisher;
  readonly logger: ConsumerLogger;
  readonly now?: () => Date;
}

const SERVICE = 'inventory';

/** Event schemas cap a line's quantity at 100, the most one order line can ask for. */
const MAX_EVENT_QUANTITY = 100;

type OutcomeEvent = 'InventoryReserved' | 'InventoryReservationFailed' | 'InventoryReleased';
type StockStep = 'reserve' | 'release';

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
 * One line per SKU, so an order holds a single `holds.<orderId>` per product. Sorted by SKU so that
 * concurrent orders take shared products in the same sequence and one of them wins whole, rather
 * than each taking a part and both failing.
 */
export function mergeLines(items: readonly Line[]): Line[] {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of items) totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  return [...totals.keys()].sort().map((sku) => ({ sku, quantity: totals.get(sku) as number }));
}

/**
 * Merged lines can exceed what one event line may say; they are split into schema-sized lines of the
 * same SKU (a SKU's lines sum to its quantity). There are never more of them than the order had lines.
 */
export function eventLines(lines: readonly Line[]): Line[] {
  return lines.flatMap(({ sku, quantity }) => chunks(quantity).map((q) => ({ sku, quantity: q })));
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

function nonEmpty<T>(values: readonly T[], what: string): [T, ...T[]] {
  if (values.length === 0) throw new Error(`${what} is empty`);
  return values as [T, ...T[]];
}

interface Delivery {
  readonly orderId: string;
  readonly correlationId: string;
  readonly time: Date;
}

/** A record whose status changed under us can only move forward, so a few re-reads settle it. */
const MAX_RESETTLES = 4;

export function inventoryHandlers(deps: InventoryDeps): EventHandlers {
  const { store, publisher, logger } = deps;
  const now = deps.now ?? (() => new Date());

  function delivery(event: CloudEvent<{ orderId: string }>): Delivery {
    return { orderId: event.data.orderId, correlationId: event.correlationid, time: now() };
  }

  function productUpdated(d: Delivery, product: Product, step: StockStep): CloudEvent {
    return createEvent(
      'ProductUpdated',
      {
        sku: product.sku,
        available: product.available,
        priceCents: product.priceCents,
        currency: product.currency,
      },
      {
        subject: product.sku,
        correlationId: d.correlationId,
        id: productUpdatedId(d.orderId, product.sku, step),
        time: d.time,
      },
    );
  }

  function productsUpdated(d: Delivery, skus: readonly string[], products: Map<string, Product>, step: StockStep) {
    return skus.flatMap((sku) => {
      const product = products.get(sku);
      return product ? [productUpdated(d, product, step)] : [];
    });
  }

  /** The products of `skus`: as this delivery last wrote them where it did, otherwise as they are now. */
  async function productsOf(skus: readonly string[], known: Map<string, Product>): Promise<Map<string, Product>> {
    const missing = skus.filter((sku) => !known.has(sku));
    const read = missing.length > 0 ? await store.products(missing) : new Map<string, Product>();
    return new Map([...read, ...known]);
  }

  /** Gives back every line the order holds; answers with the products this call changed. */
  async function giveBackAll(record: Reservation): Promise<Map<string, Product>> {
    const released = new Map<string, Product>();
    await Promise.all(
      record.items.map(async (line) => {
        const product = await store.giveBack(record.orderId, line);
        if (product) released.set(line.sku, product);
      }),
    );
    return released;
  }

  async function reread(orderId: string): Promise<Reservation> {
    const record = await store.getReservation(orderId);
    if (!record) throw new Error(`reservation of ${orderId} disappeared`);
    return record;
  }

  /** Brings an OrderCreated to its outcome from wherever an earlier delivery stopped. */
  async function settle(record: Reservation, d: Delivery, resettles = 0): Promise<void> {
    if (resettles > MAX_RESETTLES) throw new Error(`reservation of ${d.orderId} keeps changing; retry later`);
    switch (record.status) {
      case 'RESERVING':
        return reserve(record, d, resettles);
      case 'RESERVED':
        return announceReserved(record, d, new Map());
      case 'FAILED':
        return finishFailure(record, d);
      case 'RELEASED': {
        // Cancelled while this order was being reserved; a take that raced the release is undone here.
        const released = await giveBackAll(record);
        if (released.size > 0) {
          logger.warn('gave back stock taken after the order was cancelled', {
            orderId: d.orderId,
            skus: [...released.keys()],
          });
          await publisher.publish(productsUpdated(d, [...released.keys()], released, 'release'));
        }
        return;
      }
      case 'CANCELLED':
        logger.info('order was cancelled before it was created; nothing reserved', { orderId: d.orderId });
        return;
    }
  }

  async function reserve(record: Reservation, d: Delivery, resettles: number): Promise<void> {
    const held = new Map<string, Product>();
    let short: { index: number; shortage: Shortage; unknown: boolean } | undefined;
    // One line at a time: after the first shortage the order cannot succeed, so it takes nothing more.
    for (const [index, line] of record.items.entries()) {
      const outcome = await store.take(record.orderId, line);
      if (outcome.kind === 'taken' || outcome.kind === 'held') {
        held.set(line.sku, outcome.product);
        continue;
      }
      const available = outcome.kind === 'out_of_stock' ? outcome.available : 0;
      short = {
        index,
        shortage: { sku: line.sku, requested: line.quantity, available },
        unknown: outcome.kind === 'unknown_sku',
      };
      break;
    }

    if (!short) {
      if (await store.moveReservation(record.orderId, ['RESERVING'], { status: 'RESERVED' })) {
        return announceReserved(record, d, held);
      }
      return settle(await reread(record.orderId), d, resettles + 1);
    }

    // The lines after the first shortage are only looked at, so the event names every short line.
    const rest = await shortagesAmong(record.items.slice(short.index + 1));
    const shortages = [short.shortage, ...rest.map((s) => s.shortage)];
    const reason: FailureReason = short.unknown || rest.some((s) => s.unknown) ? 'unknown_sku' : 'out_of_stock';
    const change = { status: 'FAILED', reason, shortages, heldSkus: [...held.keys()] } as const;
    if (!(await store.moveReservation(record.orderId, ['RESERVING'], change))) {
      return settle(await reread(record.orderId), d, resettles + 1);
    }
    return finishFailure({ ...record, ...change }, d);
  }

  async function shortagesAmong(lines: readonly Line[]): Promise<{ shortage: Shortage; unknown: boolean }[]> {
    if (lines.length === 0) return [];
    const products = await store.products(lines.map((l) => l.sku));
    return lines.flatMap(({ sku, quantity }): { shortage: Shortage; unknown: boolean }[] => {
      const product = products.get(sku);
      if (!product) return [{ shortage: { sku, requested: quantity, available: 0 }, unknown: true }];
      if (product.available >= quantity) return [];
      return [{ shortage: { sku, requested: quantity, available: product.available }, unknown: false }];
    });
  }

  async function announceReserved(record: Reservation, d: Delivery, known: Map<string, Product>): Promise<void> {
    const skus = record.items.map((l) => l.sku);
    const products = await productsOf(skus, known);
    await publisher.publish([
      createEvent(
        'InventoryReserved',
        {
          orderId: record.orderId,
          reservationId: record.reservationId,
          items: nonEmpty(eventLines(record.items), 'reservation'),
        },
        {
          subject: record.orderId,
          correlationId: d.correlationId,
          id: outcomeEventId(record.orderId, 'InventoryReserved'),
          time: d.time,
        },
      ),
      ...productsUpdated(d, skus, products, 'reserve'),
    ]);
    logger.info('stock reserved', {
      orderId: record.orderId,
      reservationId: record.reservationId,
      lines: record.items.length,
    });
  }

  async function finishFailure(record: Reservation, d: Delivery): Promise<void> {
    const released = await giveBackAll(record);
    const heldSkus = record.heldSkus ?? [];
    const products = await productsOf(heldSkus, released);
    await publisher.publish([
      createEvent(
        'InventoryReservationFailed',
        {
          orderId: record.orderId,
          reason: record.reason ?? 'out_of_stock',
          shortages: nonEmpty(eventShortages(record.shortages ?? []), 'shortages'),
        },
        {
          subject: record.orderId,
          correlationId: d.correlationId,
          id: outcomeEventId(record.orderId, 'InventoryReservationFailed'),
          time: d.time,
        },
      ),
      ...productsUpdated(d, heldSkus, products, 'release'),
    ]);
    logger.warn('reservation failed', { orderId: record.orderId, reason: record.reason, shortages: record.shortages });
  }

  /** Gives the reservation back and announces it; redone in full by a redelivery, each effect once. */
  async function release(record: Reservation, d: Delivery): Promise<void> {
    const released = await giveBackAll(record);
    const skus = record.items.map((l) => l.sku);
    const products = await productsOf(skus, released);
    await publisher.publish([
      createEvent(
        'InventoryReleased',
        {
          orderId: record.orderId,
          reservationId: record.reservationId,
          items: nonEmpty(eventLines(record.items), 'reservation'),
        },
        {
          subject: record.orderId,
          correlationId: d.correlationId,
          id: outcomeEventId(record.orderId, 'InventoryReleased'),
          time: d.time,
        },
      ),
      ...productsUpdated(d, skus, products, 'release'),
    ]);
    logger.info('stock released', {
      orderId: record.orderId,
      reservationId: record.reservationId,
      gaveBack: released.size,
    });
  }

  async function cancel(initial: Reservation, created: boolean, d: Delivery): Promise<void> {
    let record = initial;
    for (let resettles = 0; resettles <= MAX_RESETTLES; resettles++) {
      switch (record.status) {
        case 'CANCELLED':
          logger.info(created ? 'order cancelled before it was created; marked' : 'order already cancelled', {
            orderId: d.orderId,
          });
          return;
        case 'FAILED':
          logger.info('reservation had failed; nothing to release', { orderId: d.orderId });
          return;
        case 'RELEASED':
          return release(record, d);
        case 'RESERVING':
        case 'RESERVED':
          if (await store.moveReservation(d.orderId, ['RESERVING', 'RESERVED'], { status: 'RELEASED' })) {
            return release({ ...record, status: 'RELEASED' }, d);
          }
          record = await reread(d.orderId);
      }
    }
    throw new Error(`reservation of ${d.orderId} keeps changing; retry later`);
  }

  return {
    OrderCreated: async (event) => {
      const d = delivery(event);
      const record = await store.beginReservation({
        orderId: d.orderId,
        status: 'RESERVING',
        reservationId: reservationIdOf(d.orderId),
        correlationId: d.correlationId,
        items: mergeLines(event.data.items),
      });
      await settle(record, d);
    },

    OrderCancelled: async (event) => {
      const d = delivery(event);
      const existing = await store.getReservation(d.orderId);
      if (existing) return cancel(existing, false, d);
      const { record, created } = await store.markCancelled({
        orderId: d.orderId,
        status: 'CANCELLED',
        reservationId: reservationIdOf(d.orderId),
        correlationId: d.correlationId,
        items: [],
      });
      return cancel(record, created, d);
    },
  };
}
