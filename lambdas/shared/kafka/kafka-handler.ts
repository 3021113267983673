/**
 * The Lambda entry of a Kafka-triggered service: the instrumented consumer wired to the shared
 * producer, the idempotency table and the service's dead-letter topic. Everything here lives for
 * the execution environment; each invocation only adds its context.
 */
import type { Context } from 'aws-lambda';
import { tableEnvVar } from '../../../lib/runtime-contract';
import { type ConsumerServiceName, deadLetterTopic } from '../../../lib/topology';
import { dynamoClient } from '../aws-clients';
import { kafkaSettings, requireEnv } from '../env';
import { dynamoIdempotency } from '../idempotency';
import { instrumentsFor } from '../observability';
import { createKafka } from './client';
import type { EventHandlers } from './consumer';
import { kafkaDeadLetters } from './dead-letter';
import { instrumentedConsumer, type ServiceRuntime } from './instrumented-consumer';
import type { KafkaBatchResponse } from './msk-event';
import { KafkaProducer } from './publisher';

let producer: KafkaProducer | undefined;

/** The execution environment's producer, shared by the service's publisher and its dead letters. */
export function sharedProducer(clientId: string): KafkaProducer {
  producer ??= new KafkaProducer(createKafka(clientId, kafkaSettings()));
  return producer;
}

export function kafkaHandler(
  service: ConsumerServiceName,
  makeHandlers: (runtime: ServiceRuntime) => EventHandlers,
): (event: unknown, context: Context) => Promise<KafkaBatchResponse> {
  const kafka = sharedProducer(service);
  return instrumentedConsumer(makeHandlers, {
    instruments: instrumentsFor(service),
    publisher: kafka,
    idempotency: dynamoIdempotency({
      client: dynamoClient(),
      tableName: requireEnv(tableEnvVar('idempotency')),
      keyPrefix: service,
    }),
    deadLetters: kafkaDeadLetters(kafka, deadLetterTopic(service)),
  });
}
