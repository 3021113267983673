/**
 * The Lambda entry of a Kafka-triggered service: the instrumented consumer wired to the shared
 * producer, the idempotency table and the service's dead-letter topic. Everything here lives for
 * the execution environment; each invocation only adds its context.
 */
import type { Context } from 'aws-lambda';
import { tableEnvVar } from '../../../lib/runtime-contract';
import {
  type ConsumerServiceName,
  deadLetterTopic,
  proofLifetimeSeconds,
  SERVICE_SPECS,
  subscriptionOf,
} from '../../../lib/topology';
import { dynamoClient } from '../aws-clients';
import { kafkaSettings, requireEnv } from '../env';
import { dynamoIdempotency, type IdempotencyGuard, proofInDomainWrites } from '../idempotency';
import { instrumentsFor } from '../observability';
import { kafkaConfig } from './connection';
import type { EventHandlers } from './consumer';
import { kafkaDeadLetters } from './dead-letter';
import { instrumentedConsumer, type ServiceRuntime } from './instrumented-consumer';
import type { KafkaBatchResponse } from './msk-event';
import { ProducerOnlyKafka } from './producer-driver';
import { KafkaProducer, type SentBatch } from './publisher';

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

/**
 * Powertools idempotency on the CloudEvent id where an effect outside our tables needs it; elsewhere
 * the service's own conditional writes are the proof, and a second write per event would be waste
 * (lib/topology.ts `effectsOnce`, docs/TUNING.md).
 */
function idempotencyFor(service: ConsumerServiceName): IdempotencyGuard {
  if (SERVICE_SPECS[service].effectsOnce !== 'event-ids') return proofInDomainWrites;
  return dynamoIdempotency({
    client: dynamoClient(),
    tableName: requireEnv(tableEnvVar('idempotency')),
    keyPrefix: service,
    expiresAfterSeconds: proofLifetimeSeconds(service),
  });
}

export function kafkaHandler(
  service: ConsumerServiceName,
  makeHandlers: (runtime: ServiceRuntime) => EventHandlers,
): (event: unknown, context: Context) => Promise<KafkaBatchResponse> {
  const kafka = sharedProducer(service);
  return instrumentedConsumer(makeHandlers, {
    instruments: instrumentsFor(service),
    publisher: kafka,
    idempotency: idempotencyFor(service),
    deadLetters: kafkaDeadLetters(kafka, deadLetterTopic(service)),
    concurrency: (topic) => subscriptionOf(service, topic)?.concurrency ?? 1,
  });
}
