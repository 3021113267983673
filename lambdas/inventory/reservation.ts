/**
 * Inventory's state machine, as pure functions over the items it reads and writes (the store does
 * the conditional writes, core.ts sequences them). There are no transactions, so an order's stock
 * moves in steps that are each one conditional single-item write:
 *
 *   reservation  pk = "RESERVATION#<orderId>", sk = "RESERVATION"   one per order, expires (TTL)
 *   product      pk = "SKU#<sku>", sk = "PRODUCT"                    one per SKU, never grows
 *
 * A product carries, besides its stock, one attribute per step *in flight* of an order on it:
 * `take#<orderId>` (stock taken, the order's decision not yet recorded) and `give#<orderId>` (stock
 * to give back, the release not yet recorded). Each says how much and which attempt wrote it (a
 * random token). The order's reservation records the decision and the tokens of the steps it
 * adopted; then the steps are settled: removed, or removed with the stock given back. So a product
 * holds only the orders in flight on it, and what proves that an order took stock moves from the
 * product to the reservation, which lives as long as a replay could need it.
 *
 *   (none) ──OrderCreated──▶ RESERVING ──every line taken──▶ RESERVED ──OrderCancelled──▶ RELEASED
 *                                │ ├──a line short──▶ FAILED                                ▲
 *                                │ └──OrderCancelled (a reservation that never finished)────┘
 *   (none) ──OrderCancelled──▶ CANCELLED (a late OrderCreated takes nothing)
 *
 * Why each step is safe to redo, or to find done: a take is guarded by the absence of the order's
 * take step, a release by the absence of its give step, so a second attempt adopts the first one's
 * step instead of taking twice; a decision is guarded by the status it leaves; settling is guarded
 * by the step's token, so it happens once. A step written late by an abandoned attempt, after its
 * order was settled, carries a token the decision did not adopt: settling gives its stock back (a
 * take) or drops it (a give, whose stock was never added), never counting it twice. Stock is only
 * ever added back by settling a step the decision adopted, or a take it did not: never on a guess.
 */
import { proofLifetimeSeconds } from '../../lib/topology';
import type { Product } from '../shared/catalogue';
import type { EventData } from '../shared/events/types.generated';
import { SERVICE } from './events';

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

/** Per SKU, the token of the step a decision adopted. */
export type AdoptedSteps = Readonly<Record<string, string>>;

export interface Reservation {
  readonly orderId: string;
  readonly status: ReservationStatus;
  readonly reservationId: string;
  readonly correlationId: string;
  /** The order's lines, one per SKU, sorted by SKU. Empty for a CANCELLED marker. */
  readonly items: readonly Line[];
  /** RESERVED, and kept when RELEASED: the take steps that hold the order's stock. */
  readonly taken?: AdoptedSteps;
  /** RELEASED from RESERVED: the give steps whose stock goes back. */
  readonly released?: AdoptedSteps;
  /** FAILED only. */
  readonly reason?: FailureReason;
  readonly shortages?: readonly Shortage[];
  /** FAILED only: SKUs the order had taken when it failed, whose stock changed back. */
  readonly heldSkus?: readonly string[];
}

export type NewReservation = Pick<Reservation, 'orderId' | 'status' | 'reservationId' | 'correlationId' | 'items'>;

export type ReservationChange = Pick<
  Reservation,
  'status' | 'taken' | 'released' | 'reason' | 'shortages' | 'heldSkus'
>;

export type StepKind = 'take' | 'give';

/** An order's step in flight on a product. */
export interface Step {
  readonly kind: StepKind;
  readonly orderId: string;
  readonly quantity: number;
  /** The attempt that wrote it. */
  readonly token: string;
  /** When it was written (ISO time). */
  readonly at: string;
}

/** A product as inventory reads it: the catalogue fields and the steps in flight on it. */
export interface ProductState extends Product {
  readonly steps: readonly Step[];
}

/** What settling a step writes: nothing yet, drop it, or drop it and give its quantity back. */
export type Settlement = 'keep' | 'remove' | 'giveBack';

/** The result of trying to take one line. */
export type TakeOutcome =
  /** This attempt took it, or adopted the take step an earlier attempt wrote. */
  | { readonly kind: 'held'; readonly sku: string; readonly step: Step }
  | { readonly kind: 'short'; readonly shortage: Shortage; readonly unknown: boolean };

/** How long a reservation is kept: as long as the order's events can reach inventory again (lib/topology.ts). */
export const RESERVATION_LIFETIME_MS = proofLifetimeSeconds(SERVICE) * 1_000;

/**
 * One line per SKU, so an order has at most one step of each kind on a product; sorted by SKU so the
 * reservation, its events and its writes always list them alike.
 */
export function mergeLines(items: readonly Line[]): Line[] {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of items) totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  return [...totals.keys()].sort().map((sku) => ({ sku, quantity: totals.get(sku) as number }));
}

/** What to do next with an OrderCreated, given the reservation as it was before this delivery. */
export function onCreated(existing: Reservation | undefined): 'reserve' | 'finish' | 'ignore' {
  if (!existing || existing.status === 'RESERVING') return 'reserve';
  return existing.status === 'CANCELLED' ? 'ignore' : 'finish';
}

/** What to do next with an OrderCancelled, given the reservation as it was before this delivery. */
export function onCancelled(existing: Reservation | undefined): 'release' | 'abandon' | 'finish' | 'ignore' {
  switch (existing?.status) {
    case 'RESERVED':
      return 'release';
    case 'RESERVING':
      // The OrderCreated never finished (it was dead-lettered): whatever it took goes back.
      return 'abandon';
    case 'RELEASED':
      return 'finish';
    default:
      // Not created yet (now marked CANCELLED), already CANCELLED, or FAILED: nothing is held.
      return 'ignore';
  }
}

/**
 * Reads a failed take from the product as it is now: the order's own take step (an earlier
 * attempt's, adopted), a shortage, or `undefined` when the stock came back in between (try again).
 */
export function explainFailedTake(
  orderId: string,
  line: Line,
  product: ProductState | undefined,
): TakeOutcome | undefined {
  if (!product) {
    return { kind: 'short', shortage: { sku: line.sku, requested: line.quantity, available: 0 }, unknown: true };
  }
  const held = stepOf(product, 'take', orderId);
  if (held) return { kind: 'held', sku: line.sku, step: held };
  if (product.available < line.quantity) {
    return {
      kind: 'short',
      shortage: { sku: line.sku, requested: line.quantity, available: product.available },
      unknown: false,
    };
  }
  return undefined;
}

/** The decision once every line was tried: RESERVED when all are held, else FAILED naming every short line. */
export function decideReservation(outcomes: readonly TakeOutcome[]): ReservationChange {
  const held = outcomes.filter((o) => o.kind === 'held');
  const short = outcomes.filter((o) => o.kind === 'short');
  if (short.length === 0) {
    return { status: 'RESERVED', taken: Object.fromEntries(held.map((o) => [o.sku, o.step.token])) };
  }
  return {
    status: 'FAILED',
    reason: short.some((o) => o.unknown) ? 'unknown_sku' : 'out_of_stock',
    shortages: short.map((o) => o.shortage).sort((a, b) => compare(a.sku, b.sku)),
    heldSkus: held.map((o) => o.sku).sort(compare),
  };
}

/** The decision to give back a RESERVED order, adopting the give steps prepared on each product. */
export function decideRelease(prepared: AdoptedSteps): ReservationChange {
  return { status: 'RELEASED', released: prepared };
}

/**
 * What becomes of a step once its order's reservation is known (`undefined`: none is stored). The
 * one rule for every settling, by the order's own deliveries and by anyone who finds a step left
 * behind: a step the decision adopted is settled its way, any other is undone.
 */
export function settlementOf(step: Step, sku: string, reservation: Reservation | undefined, now: Date): Settlement {
  if (!reservation) {
    // A reservation is written before any step and kept while a replay could come: without one,
    // the step is either of a reservation being written right now, or of an order long gone.
    if (now.getTime() - Date.parse(step.at) <= RESERVATION_LIFETIME_MS) return 'keep';
    return step.kind === 'take' ? 'giveBack' : 'remove';
  }
  const { status } = reservation;
  if (step.kind === 'take') {
    if (status === 'RESERVING') return 'keep';
    if (status === 'RESERVED' || status === 'RELEASED') {
      // The adopted take moved the stock into the reservation (from which a release gives it back).
      return reservation.taken?.[sku] === step.token ? 'remove' : 'giveBack';
    }
    return 'giveBack';
  }
  if (status === 'RESERVED') return 'keep';
  // Only the adopted give step adds stock back; any other never added any, so it just goes.
  return status === 'RELEASED' && reservation.released?.[sku] === step.token ? 'giveBack' : 'remove';
}

/** The order's steps on the products, each with what settling it writes (`keep` left out). */
export function settlementsOf(
  reservation: Reservation,
  products: ReadonlyMap<string, ProductState>,
  now: Date,
): { sku: string; step: Step; settlement: Exclude<Settlement, 'keep'> }[] {
  return [...products.values()].flatMap((product) =>
    product.steps
      .filter((step) => step.orderId === reservation.orderId)
      .map((step) => ({ sku: product.sku, step, settlement: settlementOf(step, product.sku, reservation, now) }))
      .filter((s): s is typeof s & { settlement: Exclude<Settlement, 'keep'> } => s.settlement !== 'keep'),
  );
}

/** How long another order's step may be in flight before a writer of its product looks into it. */
export const STALE_STEP_MS = 5 * 60_000;

/**
 * Other orders' steps that have been in flight for long: left by an attempt that died, or written
 * late by an abandoned one. Whoever writes the product next settles them from their reservation.
 */
export function staleSteps(
  products: Iterable<ProductState>,
  orderId: string,
  now: Date,
): { sku: string; step: Step }[] {
  return [...products].flatMap((product) =>
    product.steps
      .filter((step) => step.orderId !== orderId && now.getTime() - Date.parse(step.at) > STALE_STEP_MS)
      .map((step) => ({ sku: product.sku, step })),
  );
}

export function stepOf(product: ProductState, kind: StepKind, orderId: string): Step | undefined {
  return product.steps.find((s) => s.kind === kind && s.orderId === orderId);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
