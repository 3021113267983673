/** Plain-text rendering of what the ops CLI found: one screen, problems marked with `!`. */
import type { BrokerSummary, ClusterSummary, TopicSummary } from './cluster';
import { type MappingSummary, mappingNeedsAttention } from './mappings';

export interface StatusReport {
  readonly cluster: ClusterSummary;
  readonly bootstrapBrokers: string;
  readonly brokers: readonly BrokerSummary[];
  /** Undefined where MSK has no topic API (Serverless); `topicsNote` says so. */
  readonly topics?: readonly TopicSummary[];
  readonly topicsNote?: string;
  readonly mappings: readonly MappingSummary[];
}

/** Whether anything in the report needs an operator: the cluster not ACTIVE, a topic or mapping in trouble. */
export function needsAttention(report: StatusReport): boolean {
  return (
    report.cluster.state !== 'ACTIVE' ||
    (report.topics ?? []).some((t) => t.outOfSyncReplicas > 0) ||
    report.mappings.some(mappingNeedsAttention)
  );
}

export function formatStatus(report: StatusReport): string[] {
  const { cluster } = report;
  const mark = (bad: boolean) => (bad ? '! ' : '  ');
  const shape =
    cluster.type === 'SERVERLESS'
      ? 'MSK Serverless'
      : [
          `Kafka ${cluster.kafkaVersion ?? '?'}`,
          `${cluster.brokerCount ?? '?'} × ${cluster.brokerType ?? '?'}`,
          `configuration revision ${cluster.configurationRevision ?? '?'}`,
        ].join(', ');
  const lines = [
    `${mark(cluster.state !== 'ACTIVE')}Cluster ${cluster.name}: ${cluster.state} (${shape})`,
    `    ${cluster.arn}`,
    ...(cluster.stateInfo ? [`    ${cluster.stateInfo}`] : []),
    '',
    ...formatBrokers(report.bootstrapBrokers, report.brokers),
    '',
  ];
  if (report.topics) {
    lines.push(`  Topics (${report.topics.length})`);
    for (const t of report.topics) {
      const configs = Object.entries(t.configs)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      const replicas = t.outOfSyncReplicas > 0 ? `, ${t.outOfSyncReplicas} replicas out of sync` : '';
      lines.push(
        `${mark(t.outOfSyncReplicas > 0)}  ${t.name}: ${t.partitions} partitions, RF ${t.replicationFactor}${replicas}, ${t.status ?? '?'}`,
        ...(configs ? [`      ${configs}`] : []),
      );
    }
  } else {
    lines.push(`  Topics: ${report.topicsNote ?? 'not listed'}`);
  }
  lines.push('', `  Event source mappings (${report.mappings.filter((m) => m.state !== 'MISSING').length})`);
  for (const m of report.mappings) {
    const pollers = m.pollers ? `, pollers ${m.pollers.min ?? '?'}-${m.pollers.max ?? '?'}` : '';
    lines.push(
      `${mark(mappingNeedsAttention(m))}  ${m.consumerGroup} <- ${m.topic}: ${m.state}${pollers}${m.functionName ? `, ${m.functionName}` : ''}`,
      ...(m.uuid ? [`      uuid ${m.uuid}`] : []),
      ...(m.lastProcessingResult ? [`      last processing result: ${m.lastProcessingResult}`] : []),
      ...(m.stateReason ? [`      state reason: ${m.stateReason}`] : []),
    );
  }
  return lines;
}

export function formatBrokers(bootstrapBrokers: string, brokers: readonly BrokerSummary[]): string[] {
  return [
    '  Bootstrap brokers (IAM, port 9098; reachable from inside the VPC):',
    `    ${bootstrapBrokers}`,
    ...(brokers.length === 0 ? [] : [`  Brokers (${brokers.length})`]),
    ...brokers.map(
      (b) =>
        `    ${b.id}: ${b.endpoints.join(', ') || '?'}${b.subnet ? `, ${b.subnet}` : ''}${b.instanceType ? `, ${b.instanceType}` : ''}${b.kafkaVersion ? `, Kafka ${b.kafkaVersion}` : ''}`,
    ),
  ];
}
