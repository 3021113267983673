/**
 * The notification service's Lambda entry: the shared Kafka consumer around the notification core,
 * sending through SNS on AWS or the file outbox in the local runtime (see notifierFromEnv).
 */
import { kafkaHandler } from '../shared/kafka/kafka-handler';
import { eventIdIdempotency } from '../shared/powertools-idempotency';
import { notificationHandlers, SERVICE } from './core';
import { notifierFromEnv } from './notifier';

export const handler = kafkaHandler(
  SERVICE,
  ({ log, publisher }) =>
    notificationHandlers({
      notifier: notifierFromEnv(),
      publisher,
      logger: log,
    }),
  // Its effect (an SNS message) leaves our tables: lib/topology.ts effectsOnce 'event-ids'.
  { eventIdIdempotency },
);
