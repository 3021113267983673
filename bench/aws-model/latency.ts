/**
 * The round-trip latencies the AWS model injects per remote call, at p50 and p99: the one place
 * these figures live, each with where it comes from. `perf-anchors.md` is the project's compiled
 * reference (../shared/reference/perf-anchors.md); it has the Kafka figures but none for DynamoDB or
 * SNS, so those two come from the sources named here. AWS publishes no percentile for any of them.
 */

export type LatencyProfileName = 'p50' | 'p99';

export const LATENCY_PROFILES: readonly LatencyProfileName[] = ['p50', 'p99'];

export interface RemoteCallLatency {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly source: string;
}

export type RemoteCallKind = 'dynamodb' | 'kafkaSend' | 'snsPublish';

export const REMOTE_CALL_LATENCY: Readonly<Record<RemoteCallKind, RemoteCallLatency>> = {
  dynamodb: {
    p50Ms: 5,
    p99Ms: 20,
    source:
      'AWS: "For most atomic operations, such as GetItem and PutItem, an average latency is in single-digit milliseconds" ' +
      '(service side, network excluded; repost.aws/knowledge-center/dynamodb-high-latency), no percentile published. ' +
      'Measured from Node.js on Lambda in the same region: 4.8-7.8 ms, outliers 20-26 ms (soto-project/soto#202, 2019); ' +
      '"10 to 20 ms under typical conditions" (dynobase.dev/dynamodb-performance-latency, 2022). p50 5 ms (issue 12 uses ~5 ms), p99 20 ms.',
  },
  kafkaSend: {
    p50Ms: 4.3,
    p99Ms: 18.6,
    source:
      'perf-anchors.md §0/§3: KafkaJS send() in production at ~135 msg/s, p50 4.26 ms, p99 18.6 ms ' +
      "(confluent-kafka-javascript#335, 2025-06; KafkaJS's default acks is -1, all in-sync replicas). Not MSK-specific; AWS publishes no produce latency.",
  },
  snsPublish: {
    p50Ms: 20,
    p99Ms: 80,
    source:
      "No published figure found (AWS documents none; perf-anchors.md has none). p50 20 ms is issue 12's assumption; " +
      'p99 80 ms is derived: 4x p50, the p99/p50 ratio of the two measured anchors above (4.3x Kafka, 4x DynamoDB).',
  },
};

export type LatencyProfile = Readonly<Record<RemoteCallKind, number>>;

export function latencyProfile(name: LatencyProfileName): LatencyProfile {
  const pick = (kind: RemoteCallKind) =>
    name === 'p50' ? REMOTE_CALL_LATENCY[kind].p50Ms : REMOTE_CALL_LATENCY[kind].p99Ms;
  return { dynamodb: pick('dynamodb'), kafkaSend: pick('kafkaSend'), snsPublish: pick('snsPublish') };
}
