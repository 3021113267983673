/**
 * Inventory: reserves an order's stock all or nothing when it is created, and gives it back when the
 * order is cancelled. This module sequences the steps; what each step decides is in reservation.ts
 * (pure), the writes are in store.ts, the events in events.ts.
 *
 * OrderCreated, first delivery (n SKUs, 2n + 2 DynamoDB calls, 3 round trips before publishing):
 *   1. open the reservation (RESERVING; or find the one that exists: a redelivery)
 *   2. take every line, concurrently (a take step per product)
 *   3. record the decision: RESERVED adopting the take steps, or FAILED naming every short line
 *   4. settle the steps (RESERVED: remove them; FAILED: give their stock back), and publish
 * OrderCancelled of a RESERVED order (2n + 2 calls): open (finds RESERVED), prepare a give step per
 * product, record RELEASED adopting them, settle them (stock back), publish.
 *
 * A delivery that finds the reservation decided (a redelivery, a replay, a lost race) reads the
 * products, settles whatever steps of the order are left and re-publishes the decision's events with
 * the same ids: the domain state itself proves the event was applied.
 */
import { randomBytes } from 'node:crypto';
import type { CloudEvent } from '../shared/events/validation';
import type { ConsumerLogger, HandlersOf } from '../shared/kafka/consumer';
import type { PublisherOf } from '../shared/kafka/publisher';
import {
  type Delivery,
  failedEvents,
  productUpdates,
  releasedEvents,
  reservationIdOf,
  reservedEvents,
  type SERVICE,
} from './events';
import {
  decideRelease,
  decideReservation,
  explainFailedTake,
  type Line,
  mergeLines,
  onCancelled,
  onCreated,
  type ProductState,
  type Reservation,
  type ReservationStatus,
  type Step,
  type StepKind,
  settlementsOf,
  type TakeOutcome,
} from './reservation';
import type { InventoryStore } from './store';
import { type StaleStepSweeper, staleStepSweeper } from './sweeper';

export { eventLines, outcomeEventId, productUpdatedId, reservationIdOf, SERVICE } from './events';
export { type Line, mergeLines } from './reservation';

export interface InventoryDeps {
  readonly store: InventoryStore;
  readonly publisher: PublisherOf<typeof SERVICE>;
  readonly logger: ConsumerLogger;
  readonly now?: () => Date;
  /** Names one attempt at an order (written into its steps); random unless a test fixes it. */
  readonly newToken?: () => string;
}

export type InventoryHandlers = HandlersOf<typeof SERVICE>;

/** One delivery of one event: its dependencies, its attempt token and what it has seen. */
interface Run {
  readonly store: InventoryStore;
  readonly publisher: PublisherOf<typeof SERVICE>;
  readonly logger: ConsumerLogger;
  readonly now: () => Date;
  readonly token: string;
  readonly d: Delivery;
  /** Products as this delivery last read or wrote them, for the events and for the sweeper. */
  readonly seen: Map<string, ProductState>;
}

type Cause = 'created' | 'cancelled';

/** A take or a give-step preparation whose product changed between the write and the read tries again. */
const STEP_ATTEMPTS = 3;

export function inventoryHandlers(deps: InventoryDeps): InventoryHandlers {
  const sweeper = staleStepSweeper(deps.store, deps.logger);
  const begin = (event: CloudEvent<{ orderId: string }>): Run => {
    const now = deps.now ?? (() => new Date());
    return {
      store: deps.store,
      publisher: deps.publisher,
      logger: deps.logger,
      now,
      token: (deps.newToken ?? randomToken)(),
      d: { orderId: event.data.orderId, correlationId: event.correlationid, time: now() },
      seen: new Map(),
    };
  };
  return {
    OrderCreated: (event) => sweptAfter(sweeper, begin(event), (run) => created(run, event.data)),
    OrderCancelled: (event) => sweptAfter(sweeper, begin(event), cancelled),
  };
}

/** Runs a delivery, then settles what stale steps of other orders it came across (never failing it). */
async function sweptAfter(sweeper: StaleStepSweeper, run: Run, handle: (run: Run) => Promise<void>): Promise<void> {
  await handle(run);
  await sweeper.sweep(run.seen.values(), run.d.orderId, run.now());
}

async function created(run: Run, data: { readonly items: readonly Line[] }): Promise<void> {
  const opened = {
    orderId: run.d.orderId,
    status: 'RESERVING',
    reservationId: reservationIdOf(run.d.orderId),
    correlationId: run.d.correlationId,
    items: mergeLines(data.items),
  } as const;
  const before = await run.store.openReservation(opened);
  const record = before ?? opened;
  switch (onCreated(before)) {
    case 'reserve':
      return reserve(run, record);
    case 'finish':
      return finish(run, record, 'created');
    case 'ignore':
      run.logger.info('order was cancelled before it was created; nothing reserved', { orderId: run.d.orderId });
  }
}

async function cancelled(run: Run): Promise<void> {
  const marker = {
    orderId: run.d.orderId,
    status: 'CANCELLED',
    reservationId: reservationIdOf(run.d.orderId),
    correlationId: run.d.correlationId,
    items: [],
  } as const;
  return cancelFrom(run, await run.store.openReservation(marker));
}

/** Carries an OrderCancelled on from the reservation as found (`undefined`: this delivery marked it). */
async function cancelFrom(run: Run, found: Reservation | undefined): Promise<void> {
  const next = onCancelled(found);
  if (next === 'ignore' || !found) {
    run.logger.info(nothingToRelease(found?.status), { orderId: run.d.orderId });
    return;
  }
  if (next === 'release') return release(run, found);
  if (next === 'abandon') return abandon(run, found);
  return finish(run, found, 'cancelled');
}

function nothingToRelease(status: ReservationStatus | undefined): string {
  if (status === undefined) return 'order cancelled before it was created; marked';
  return status === 'FAILED' ? 'reservation had failed; nothing to release' : 'order already cancelled';
}

async function reserve(run: Run, record: Reservation): Promise<void> {
  const outcomes = await Promise.all(record.items.map((line) => takeLine(run, line)));
  const change = decideReservation(outcomes);
  if (!(await run.store.decide(record.orderId, 'RESERVING', change))) return afterLostRace(run, 'created');
  const decided: Reservation = { ...record, ...change };
  const held = outcomes.flatMap((o) => (o.kind === 'held' ? [{ sku: o.sku, step: o.step }] : []));
  if (decided.status === 'RESERVED') {
    // The events need only what the takes answered, so publishing runs beside the clean-up.
    const events = reservedEvents(decided, run.seen, run.d);
    await Promise.all([
      settle(
        run,
        held.map((h) => ({ ...h, settlement: 'remove' as const })),
      ),
      run.publisher.publish(events),
    ]);
    run.logger.info('stock reserved', { orderId: decided.orderId, lines: decided.items.length });
    return;
  }
  await settle(
    run,
    held.map((h) => ({ ...h, settlement: 'giveBack' as const })),
  );
  await run.publisher.publish(failedEvents(decided, run.seen, run.d));
  run.logger.warn('reservation failed', {
    orderId: decided.orderId,
    reason: decided.reason,
    shortages: decided.shortages,
  });
}

/** Takes one line, or adopts the take an earlier attempt made, or says why it cannot. */
async function takeLine(run: Run, line: Line): Promise<TakeOutcome> {
  for (let attempt = 0; attempt < STEP_ATTEMPTS; attempt++) {
    const step = newStep(run, 'take', line);
    const product = await run.store.take(line.sku, step);
    if (product) {
      run.seen.set(line.sku, product);
      return { kind: 'held', sku: line.sku, step };
    }
    // The refusal does not say which condition failed; the product does.
    const outcome = explainFailedTake(run.d.orderId, line, await readProduct(run, line.sku));
    if (outcome) return outcome;
  }
  throw new Error(`stock of ${line.sku} kept changing while order ${run.d.orderId} tried to take it; retry later`);
}

async function release(run: Run, record: Reservation): Promise<void> {
  const gives = await Promise.all(record.items.map((line) => prepareGive(run, line)));
  const change = decideRelease(Object.fromEntries(gives.map((g) => [g.sku, g.step.token])));
  if (!(await run.store.decide(record.orderId, 'RESERVED', change))) return afterLostRace(run, 'cancelled');
  await settle(
    run,
    gives.map((g) => ({ ...g, settlement: 'giveBack' as const })),
  );
  await run.publisher.publish(releasedEvents({ ...record, ...change }, run.seen, run.d));
  run.logger.info('stock released', { orderId: record.orderId, lines: record.items.length });
}

/** Writes the order's give step on a product, or adopts the one an earlier attempt wrote. */
async function prepareGive(run: Run, line: Line): Promise<{ sku: string; step: Step }> {
  for (let attempt = 0; attempt < STEP_ATTEMPTS; attempt++) {
    const step = newStep(run, 'give', line);
    if (await run.store.prepareGive(line.sku, step)) return { sku: line.sku, step };
    const product = await readProduct(run, line.sku);
    if (!product) throw new Error(`product ${line.sku} of reserved order ${run.d.orderId} is not in the catalogue`);
    const earlier = product.steps.find((s) => s.kind === 'give' && s.orderId === run.d.orderId);
    if (earlier) return { sku: line.sku, step: earlier };
    // Settled between the write and the read: the release is decided; the next try finds out.
  }
  throw new Error(`release of ${line.sku} for order ${run.d.orderId} kept changing; retry later`);
}

/** An OrderCancelled for a reservation that never finished: it is released, and what it took goes back. */
async function abandon(run: Run, record: Reservation): Promise<void> {
  if (!(await run.store.decide(record.orderId, 'RESERVING', { status: 'RELEASED' }))) {
    return afterLostRace(run, 'cancelled');
  }
  return finish(run, { ...record, status: 'RELEASED' }, 'cancelled');
}

/**
 * Another delivery decided first: carry on from the decision as stored. Statuses only move forward
 * (RESERVING, then RESERVED, FAILED or RELEASED; RESERVED, then RELEASED), so this ends.
 */
async function afterLostRace(run: Run, cause: Cause): Promise<void> {
  const stored = await run.store.getReservation(run.d.orderId);
  if (!stored || stored.status === 'RESERVING') {
    throw new Error(`reservation of ${run.d.orderId} changed under a decision and is not decided; retry later`);
  }
  // A cancellation that lost to the order's reservation still has to release it.
  return cause === 'cancelled' ? cancelFrom(run, stored) : finish(run, stored, cause);
}

/**
 * Completes a decided reservation from wherever an earlier delivery stopped: settles the order's
 * steps still on its products, then publishes the decision's events (the same ids as before).
 */
async function finish(run: Run, record: Reservation, cause: Cause): Promise<void> {
  const products = await run.store.products(record.items.map((l) => l.sku));
  for (const product of products.values()) run.seen.set(product.sku, product);
  const changed = await settle(run, settlementsOf(record, products, run.now()));
  switch (record.status) {
    case 'RESERVED':
      return run.publisher.publish(reservedEvents(record, run.seen, run.d));
    case 'FAILED':
      return run.publisher.publish(failedEvents(record, run.seen, run.d));
    case 'RELEASED':
      if (cause === 'cancelled') return run.publisher.publish(releasedEvents(record, run.seen, run.d));
      if (changed.size > 0) {
        // A take that raced the cancellation, given back now.
        run.logger.warn('gave back stock taken after the order was cancelled', { orderId: run.d.orderId });
        await run.publisher.publish(productUpdates([...changed.keys()], changed, 'release', run.d));
      }
  }
}

/** Settles steps concurrently (different products); answers with the products this delivery changed. */
async function settle(
  run: Run,
  steps: readonly { sku: string; step: Step; settlement: 'remove' | 'giveBack' }[],
): Promise<Map<string, ProductState>> {
  const changed = new Map<string, ProductState>();
  await Promise.all(
    steps.map(async ({ sku, step, settlement }) => {
      const product = await run.store.settle(sku, step, settlement);
      // Undefined: another delivery settled it first.
      if (!product) return;
      changed.set(sku, product);
      run.seen.set(sku, product);
    }),
  );
  return changed;
}

async function readProduct(run: Run, sku: string): Promise<ProductState | undefined> {
  const product = (await run.store.products([sku])).get(sku);
  if (product) run.seen.set(sku, product);
  return product;
}

function newStep(run: Run, kind: StepKind, line: Line): Step {
  return { kind, orderId: run.d.orderId, quantity: line.quantity, token: run.token, at: run.now().toISOString() };
}

function randomToken(): string {
  return randomBytes(6).toString('hex');
}
