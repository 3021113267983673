/**
 * The Kafka client library, behind one module: every other file, here and in local/, scripts/,
 * bench/ and test/, takes its Kafka types and constructors from this one (a lint rule refuses a
 * direct import), so moving to another client changes this file and the few adapters in this
 * folder, not every module that handles a record.
 */
// kafkajs's request queue, mended before any client is made (see the module).
import './request-queue-timer';

export type {
  Admin,
  Consumer,
  ConsumerCrashEvent,
  ISocketFactory,
  ITopicConfig,
  ITopicPartitionConfig,
  KafkaConfig,
  KafkaMessage,
  Message,
  Producer,
} from 'kafkajs';
export { Kafka, logLevel, Partitioners } from 'kafkajs';
