/**
 * The Lambda entry of a Kafka-triggered service: the instrumented consumer wired to the shared
 * producer, the idempotency table and the service's dead-letter topic. Everything here lives for
 * the execution environment; each invocation only adds its context.
 */
import type { Context } from 'aws-lambda';
import {
  type ConsumerServiceName,
  deadLetterTopic,
  SERVICE_SPECS,
  type ServiceTable,
  type SubscribedEvent,
  subscriptionOf,
} from '../../../lib/topology';
import { kafkaSettings, tableNamesOf } from '../env';
import { type IdempotencyGuard, proofInDomainWrites } from '../idempotency';
import { instrumentsFor } from '../observability';
import { kafkaConfig } from './connection';
import type { HandlersOf } from './consumer';
import { kafkaDeadLetters } from './dead-letter';
import { type ConsumerRuntime, instrumentedConsumer } from './instrumented-consumer';
import type { KafkaBatchResponse } from './msk-event';
import { ProducerOnlyKafka } from './producer-driver';
import { KafkaProducer, type PublisherOf, type SentBatch } from './publisher';

const producers = new Map<string, KafkaProducer>();
const sentListeners = new Set<(clientId: string, batch: SentBatch) => void>();

/**
 * Tells `listener` about every batch a shared producer of this process has had acknowledged, until
 * the returned function is called. For local tools only (npm run invoke prints what a function
 * published); nothing on AWS listens.
 */
export function watchSharedProducers(listener: (clientId: string, batch: SentBatch) => void): () => void {
  sentListeners.add(listener);
  return () => sentListeners.delete(listener);
}

/**
 * The execution environment's producer, shared by the service's publisher and its dead letters.
 * On AWS a process hosts one function, so there is one; the local runtime hosts every function in
 * one process and gives each its own, as Lambda would, so no service queues behind another's sends.
 */
export function sharedProducer(clientId: string): KafkaProducer {
  let producer = producers.get(clientId);
  if (!producer) {
    producer = new KafkaProducer(new ProducerOnlyKafka(kafkaConfig(clientId, kafkaSettings())), undefined, (batch) => {
      for (const listener of sentListeners) listener(clientId, batch);
    });
    producers.set(clientId, producer);
  }
  return producer;
}

/**
 * Disconnects every producer this process made (the local runtime's stop). They stay registered:
 * the handler modules hold them, and each reconnects on its next send.
 */
export async function disconnectSharedProducers(): Promise<void> {
  await Promise.all([...producers.values()].map((producer) => producer.disconnect()));
}

/** Powertools idempotency on the CloudEvent id for a service (lambdas/shared/powertools-idempotency.ts). */
export type EventIdIdempotency = (service: ConsumerServiceName) => IdempotencyGuard;

export interface KafkaHandlerOptions {
  /**
   * Given by the handler module of a service whose topology says `effectsOnce: 'event-ids'`, and by
   * no other: importing it there, not here, keeps Powertools idempotency (with its JMESPath) and,
   * for a service without tables, the DynamoDB client out of the bundles of the services whose own
   * conditional writes are the proof (docs/TUNING.md).
   */
  readonly eventIdIdempotency?: EventIdIdempotency;
}

/**
 * The guard lib/topology.ts `effectsOnce` asks for. A handler module that disagrees with the
 * topology fails at initialisation, before it could handle an event under the wrong guarantee.
 */
export function idempotencyFor(service: ConsumerServiceName, options: KafkaHandlerOptions): IdempotencyGuard {
  const { effectsOnce } = SERVICE_SPECS[service];
  const { eventIdIdempotency } = options;
  if (effectsOnce === 'event-ids' && !eventIdIdempotency) {
    throw new Error(
      `${service}: lib/topology.ts says effectsOnce 'event-ids', but its handler gives kafkaHandler no ` +
        'eventIdIdempotency: pass { eventIdIdempotency } from lambdas/shared/powertools-idempotency.ts',
    );
  }
  if (effectsOnce !== 'event-ids' && eventIdIdempotency) {
    throw new Error(
      `${service}: lib/topology.ts says effectsOnce '${effectsOnce}', so its own writes are the proof, but its ` +
        "handler gives kafkaHandler eventIdIdempotency: drop it, or set effectsOnce to 'event-ids'",
    );
  }
  return eventIdIdempotency ? eventIdIdempotency(service) : proofInDomainWrites;
}

/** What a service's handler map is made from, typed by the service's entry in lib/topology.ts. */
export interface ServiceRuntime<S extends ConsumerServiceName> extends ConsumerRuntime {
  readonly service: S;
  /** Takes only the events the service produces. */
  readonly publisher: PublisherOf<S>;
  /** The name of each table the topology gives the service (tablesOf), and no other. */
  readonly tables: Readonly<Record<ServiceTable<S>, string>>;
}

/**
 * A handler map in which a handler of an event the service does not subscribe to must be of a type
 * no function has (a sentence), so an extra handler fails to compile and the error says why.
 */
export type OnlySubscribed<S extends ConsumerServiceName, H> = H & {
  readonly [N in Exclude<keyof H, SubscribedEvent<S>>]: `${S} does not subscribe to ${N & string} (lib/topology.ts)`;
};

/**
 * The Lambda handler of a Kafka-triggered service. Everything follows from `service`: the handler
 * map must have exactly the events its subscriptions deliver, the publisher takes only the events
 * it produces, `tables` holds only the tables it uses, and the dead-letter topic, idempotency and
 * concurrency are the topology's. Reads the tables' names from the environment at once, so a
 * missing one fails the cold start with its name.
 */
export function kafkaHandler<S extends ConsumerServiceName, H extends HandlersOf<S>>(
  service: S,
  makeHandlers: (runtime: ServiceRuntime<S>) => OnlySubscribed<S, H>,
  options: KafkaHandlerOptions = {},
): (event: unknown, context: Context) => Promise<KafkaBatchResponse> {
  const kafka = sharedProducer(service);
  const tables = tableNamesOf(service);
  return instrumentedConsumer((runtime) => makeHandlers({ ...runtime, service, tables }), {
    instruments: instrumentsFor(service),
    publisher: kafka,
    idempotency: idempotencyFor(service, options),
    deadLetters: kafkaDeadLetters(kafka, deadLetterTopic(service)),
    concurrency: (topic) => subscriptionOf(service, topic)?.concurrency ?? 1,
  });
}
