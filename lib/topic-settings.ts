/** Partitions and topic-level configs of each topology topic, for MSK, Kafka's admin API and the local broker. */
import type { PipelineConfig } from './config';
import { MAX_EVENT_BYTES, type TopicSpec } from './topology';

/**
 * Records a domain topic accepts: headroom over MAX_EVENT_BYTES, so a producer that ignores the
 * limit still lands its record where a consumer dead-letters it as oversize.
 */
export const DOMAIN_TOPIC_MAX_MESSAGE_BYTES = 2 * MAX_EVENT_BYTES;

/**
 * A dead-letter record carries the original one base64-encoded (4/3 of its size) inside Lambda's
 * on-failure JSON, so a dead-letter topic must take more than the largest record a domain topic
 * accepts: twice that leaves room for the envelope, the record's headers and our reason.
 */
export const DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES = 2 * DOMAIN_TOPIC_MAX_MESSAGE_BYTES;

export function topicConfigs(topic: TopicSpec, config: PipelineConfig): Record<string, string> {
  const configs: Record<string, string> = {
    'retention.ms': String(topic.retentionHours * 3_600_000),
    'cleanup.policy': 'delete',
    'max.message.bytes': String(
      topic.deadLetter ? DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES : DOMAIN_TOPIC_MAX_MESSAGE_BYTES,
    ),
  };
  if (config.cluster.mode === 'provisioned') {
    configs['min.insync.replicas'] = String(config.cluster.minInsyncReplicas);
  }
  return configs;
}

export function topicPartitions(topic: TopicSpec, config: PipelineConfig): number {
  return topic.deadLetter ? config.deadLetterPartitions : config.partitions;
}
