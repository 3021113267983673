/** Partitions and topic-level configs of each topology topic, for MSK, Kafka's admin API and the local broker. */
import type { PipelineConfig } from './config';
import type { TopicSpec } from './topology';

export function topicConfigs(topic: TopicSpec, config: PipelineConfig): Record<string, string> {
  const configs: Record<string, string> = {
    'retention.ms': String(topic.retentionHours * 3_600_000),
    'cleanup.policy': 'delete',
  };
  if (config.cluster.mode === 'provisioned') {
    configs['min.insync.replicas'] = String(config.cluster.minInsyncReplicas);
  }
  return configs;
}

export function topicPartitions(topic: TopicSpec, config: PipelineConfig): number {
  return topic.deadLetter ? config.deadLetterPartitions : config.partitions;
}
