/** The Lambda entry shape of a Kafka-triggered service: Powertools logging around consumeBatch. */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { ConsumerServiceName } from '../../../lib/topology';
import { consumeBatch, type EventHandler } from './consumer';
import type { KafkaBatchResponse } from './msk-event';

export function kafkaHandler(
  service: ConsumerServiceName,
  handle: (logger: Logger) => EventHandler,
): (event: unknown, context: Context) => Promise<KafkaBatchResponse> {
  const logger = new Logger({ serviceName: service });
  const onEvent = handle(logger);
  return async (event, context) => {
    logger.addContext(context);
    return consumeBatch(event, onEvent, {
      info: (message, fields) => logger.info(message, fields ?? {}),
      error: (message, fields) => logger.error(message, fields ?? {}),
    });
  };
}
