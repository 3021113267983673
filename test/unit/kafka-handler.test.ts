/**
 * Which idempotency guard a consumer gets follows lib/topology.ts `effectsOnce`, while the handler
 * module supplies Powertools idempotency (so only the functions that use it bundle it): a handler
 * that disagrees with the topology fails at initialisation, with the fix in the message.
 */
import { proofInDomainWrites } from '../../lambdas/shared/idempotency';
import { idempotencyFor } from '../../lambdas/shared/kafka/kafka-handler';
import { CONSUMER_SERVICES, SERVICE_SPECS } from '../../lib/topology';

const byEventIds = CONSUMER_SERVICES.filter((s) => SERVICE_SPECS[s].effectsOnce === 'event-ids');
const byDomainWrites = CONSUMER_SERVICES.filter((s) => SERVICE_SPECS[s].effectsOnce === 'domain-writes');

describe('the idempotency guard of a Kafka-triggered service', () => {
  it('covers both kinds of service', () => {
    expect(byEventIds.length).toBeGreaterThan(0);
    expect(byDomainWrites.length).toBeGreaterThan(0);
  });

  it.each(byDomainWrites)('%s proves effects by its own writes, with no idempotency table', (service) => {
    // Act
    const guard = idempotencyFor(service, {});

    // Assess
    expect(guard).toBe(proofInDomainWrites);
  });

  it.each(byDomainWrites)('%s refuses the Powertools guard its topology does not ask for', (service) => {
    // Act
    const misconfigured = () => idempotencyFor(service, { eventIdIdempotency: () => proofInDomainWrites });

    // Assess
    expect(misconfigured).toThrow(
      `${service}: lib/topology.ts says effectsOnce 'domain-writes', so its own writes are the proof, but its ` +
        "handler gives kafkaHandler eventIdIdempotency: drop it, or set effectsOnce to 'event-ids'",
    );
  });

  it.each(byEventIds)('%s takes the guard its handler gives, made for it', (service) => {
    // Prepare
    const made: string[] = [];
    const guard = { run: async () => 'processed' as const };

    // Act
    const chosen = idempotencyFor(service, {
      eventIdIdempotency: (forService) => {
        made.push(forService);
        return guard;
      },
    });

    // Assess
    expect(chosen).toBe(guard);
    expect(made).toEqual([service]);
  });

  it.each(byEventIds)('%s fails without it, naming the module to pass', (service) => {
    // Act
    const misconfigured = () => idempotencyFor(service, {});

    // Assess
    expect(misconfigured).toThrow(
      `${service}: lib/topology.ts says effectsOnce 'event-ids', but its handler gives kafkaHandler no ` +
        'eventIdIdempotency: pass { eventIdIdempotency } from lambdas/shared/powertools-idempotency.ts',
    );
  });
});
