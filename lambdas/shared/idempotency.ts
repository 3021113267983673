/**
 * "Effects once" for at-least-once delivery, as the consumer sees it: a guard around each event's
 * effect. Which guard a service gets follows lib/topology.ts `effectsOnce`: its own conditional
 * writes (proofInDomainWrites, here), or Powertools idempotency on the CloudEvent id
 * (./powertools-idempotency.ts), which only the functions that need it bundle.
 */
import type { Context } from 'aws-lambda';

export type IdempotentOutcome = 'processed' | 'duplicate';

export interface IdempotencyGuard {
  /** Runs `effect` unless `key` already completed; a crash mid-way lets a later delivery retry. */
  run(key: string, effect: () => Promise<void>, context?: Context): Promise<IdempotentOutcome>;
}

/**
 * For a service whose conditional writes prove an event was applied: every delivery runs the
 * handler, which finds its own effects done and re-publishes the same event ids.
 */
export const proofInDomainWrites: IdempotencyGuard = {
  async run(_key, effect) {
    await effect();
    return 'processed';
  },
};
