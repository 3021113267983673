/**
 * Settles steps that other orders left on a product: a step of an attempt that died and was never
 * redelivered (its record dead-lettered), or one an abandoned attempt wrote after its order was
 * settled. Whoever writes the product next comes across them in the item it gets back; the
 * reservation of their order says what becomes of them (reservation.ts, `settlementOf`).
 *
 * Best effort by design: it runs after the delivery's own work, never fails it, and a step it
 * cannot settle yet (its order still RESERVING) is looked at again by a later writer.
 */
import type { ConsumerLogger } from '../shared/kafka/consumer';
import { type ProductState, STALE_STEP_MS, settlementOf, staleSteps } from './reservation';
import type { InventoryStore } from './store';

export interface StaleStepSweeper {
  sweep(products: Iterable<ProductState>, orderId: string, now: Date): Promise<void>;
}

/** At most this many stale steps per delivery, so a product full of them never slows one delivery much. */
const MAX_PER_SWEEP = 10;

export function staleStepSweeper(store: InventoryStore, logger: ConsumerLogger): StaleStepSweeper {
  // Steps looked at lately by this execution environment: a step that must wait (its order is still
  // RESERVING) costs one reservation read per environment and period, not one per order sold.
  const lookedAt = new Map<string, number>();

  function notLookedAtLately(key: string, now: number): boolean {
    const last = lookedAt.get(key);
    return last === undefined || now - last > STALE_STEP_MS;
  }

  function forgetOld(now: number): void {
    for (const [key, at] of lookedAt) if (now - at > STALE_STEP_MS) lookedAt.delete(key);
  }

  return {
    async sweep(products, orderId, now) {
      const ms = now.getTime();
      const keyOf = (s: { sku: string; step: { kind: string; orderId: string } }) =>
        `${s.sku}/${s.step.kind}#${s.step.orderId}`;
      const stale = staleSteps(products, orderId, now)
        .filter((s) => notLookedAtLately(keyOf(s), ms))
        .slice(0, MAX_PER_SWEEP);
      if (stale.length === 0) return;
      forgetOld(ms);
      for (const s of stale) lookedAt.set(keyOf(s), ms);
      try {
        const reservations = await store.getReservations(stale.map((s) => s.step.orderId));
        await Promise.all(
          stale.map(async ({ sku, step }) => {
            const settlement = settlementOf(step, sku, reservations.get(step.orderId), now);
            if (settlement === 'keep') return;
            if (await store.settle(sku, step, settlement)) {
              logger.warn('settled a step left behind on a product', {
                sku,
                orderId: step.orderId,
                step: step.kind,
                settlement,
                at: step.at,
              });
            }
          }),
        );
      } catch (error) {
        logger.warn('could not settle steps left behind; a later writer of the product will', {
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    },
  };
}
