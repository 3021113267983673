/**
 * The full Kafka client (producer, consumer, admin) for the local runtime, the tools and the tests,
 * connected as ./connection.ts says. The Lambda functions only produce and use the producer-only
 * client instead (./producer-driver.ts, lambdas/shared/kafka/kafka-handler.ts), which keeps
 * kafkajs's consumer and admin out of their bundles.
 */
import type { KafkaSettings } from '../env';
import { kafkaConfig } from './connection';
import { Kafka } from './driver';

export function createKafka(clientId: string, settings: KafkaSettings): Kafka {
  return new Kafka(kafkaConfig(clientId, settings));
}
