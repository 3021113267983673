/**
 * The Lambda entry of a Kafka-triggered service: Powertools logging, the shared producer, the
 * idempotency guard and the dead-letter sink around consumeBatch. Everything here lives for the
 * execution environment; each invocation only adds its context.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { tableEnvVar } from '../../../lib/runtime-contract';
import { type ConsumerServiceName, deadLetterTopic } from '../../../lib/topology';
import { dynamoClient } from '../aws-clients';
import { kafkaSettings, requireEnv } from '../env';
import { dynamoIdempotency } from '../idempotency';
import { createKafka } from './client';
import { type ConsumerLogger, consumeBatch, type EventHandlers } from './consumer';
import { kafkaDeadLetters } from './dead-letter';
import type { KafkaBatchResponse } from './msk-event';
import { type EventPublisher, KafkaProducer } from './publisher';

export interface ServiceRuntime {
  readonly logger: Logger;
  /** The same logger behind the small interface the cores take. */
  readonly log: ConsumerLogger;
  readonly publisher: EventPublisher;
}

let producer: KafkaProducer | undefined;

/** The execution environment's producer, shared by the service's publisher and its dead letters. */
export function sharedProducer(clientId: string): KafkaProducer {
  producer ??= new KafkaProducer(createKafka(clientId, kafkaSettings()));
  return producer;
}

export function consumerLogger(logger: Logger): ConsumerLogger {
  return {
    info: (message, fields) => logger.info(message, fields ?? {}),
    warn: (message, fields) => logger.warn(message, fields ?? {}),
    error: (message, fields) => logger.error(message, fields ?? {}),
  };
}

export function kafkaHandler(
  service: ConsumerServiceName,
  makeHandlers: (runtime: ServiceRuntime) => EventHandlers,
): (event: unknown, context: Context) => Promise<KafkaBatchResponse> {
  const logger = new Logger({ serviceName: service });
  const kafka = sharedProducer(service);
  const log = consumerLogger(logger);
  const handlers = makeHandlers({ logger, log, publisher: kafka });
  const idempotency = dynamoIdempotency({
    client: dynamoClient(),
    tableName: requireEnv(tableEnvVar('idempotency')),
    keyPrefix: service,
  });
  const deadLetters = kafkaDeadLetters(kafka, deadLetterTopic(service));
  return async (event, context) => {
    logger.addContext(context);
    return consumeBatch(event, { handlers, idempotency, deadLetters, logger: log }, context);
  };
}
