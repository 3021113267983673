/**
 * What the smoke test reads from Kafka itself: the end offsets of the dead-letter topics, and
 * whether every consumer group of the topology has caught up, so "no dead letter" is checked after
 * the last event an order caused was handled, not after a guessed pause.
 */
import type { Admin, Kafka } from '../../lambdas/shared/kafka/driver';
import { CONSUMER_SERVICES, consumerGroupId, domainTopic, SERVICE_SPECS, TOPICS } from '../../lib/topology';

/** `topic` → partition → offset. */
export type Offsets = Map<string, Map<number, bigint>>;

export interface PipelineWatch {
  /** The end offset of each partition of every dead-letter topic. */
  deadLetterEnds(): Promise<Offsets>;
  /**
   * Waits until each consumer group has committed at least the end offsets its topic had when
   * this was called; resolves to the groups still behind when the deadline passed (empty: all).
   */
  consumersCaughtUp(deadline: number): Promise<string[]>;
  close(): Promise<void>;
}

const POLL_MS = 250;
const DEAD_LETTER_TOPICS = TOPICS.filter((t) => t.deadLetter).map((t) => t.name);
const SUBSCRIPTIONS = CONSUMER_SERVICES.flatMap((service) =>
  SERVICE_SPECS[service].subscriptions.map((sub) => ({
    group: consumerGroupId(service, sub.domain),
    topic: domainTopic(sub.domain),
  })),
);

export async function kafkaWatch(kafka: Kafka): Promise<PipelineWatch> {
  const admin = kafka.admin();
  await admin.connect();
  return {
    deadLetterEnds: () => endOffsets(admin, DEAD_LETTER_TOPICS),
    consumersCaughtUp: async (deadline) => {
      const targets = await unreadRanges(admin, [...new Set(SUBSCRIPTIONS.map((s) => s.topic))]);
      let behind = await laggingGroups(admin, targets);
      while (behind.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        behind = await laggingGroups(admin, targets);
      }
      return behind;
    },
    close: () => admin.disconnect(),
  };
}

async function endOffsets(admin: Admin, topics: readonly string[]): Promise<Offsets> {
  const ends: Offsets = new Map();
  for (const topic of topics) {
    const partitions = await admin.fetchTopicOffsets(topic);
    ends.set(topic, new Map(partitions.map((p) => [p.partition, BigInt(p.high)])));
  }
  return ends;
}

/** Each partition's first and next offset: a group is caught up once it committed `high`. */
async function unreadRanges(admin: Admin, topics: readonly string[]): Promise<Map<string, Map<number, Range>>> {
  const ranges = new Map<string, Map<number, Range>>();
  for (const topic of topics) {
    const partitions = await admin.fetchTopicOffsets(topic);
    ranges.set(topic, new Map(partitions.map((p) => [p.partition, { low: BigInt(p.low), high: BigInt(p.high) }])));
  }
  return ranges;
}

interface Range {
  readonly low: bigint;
  readonly high: bigint;
}

async function laggingGroups(admin: Admin, targets: Map<string, Map<number, Range>>): Promise<string[]> {
  const behind: string[] = [];
  for (const { group, topic } of SUBSCRIPTIONS) {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const target = targets.get(topic) ?? new Map<number, Range>();
    const lagging = [...target].some(([partition, { low, high }]) => {
      const offset = BigInt(committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
      // -1: nothing committed yet; that is caught up only for a partition with nothing to read.
      return (offset < 0n ? low : offset) < high;
    });
    if (lagging) behind.push(group);
  }
  return behind;
}

/** How many records each dead-letter topic gained between two readings. */
export function grownTopics(before: Offsets, after: Offsets): { topic: string; records: number }[] {
  const grown: { topic: string; records: number }[] = [];
  for (const [topic, partitions] of after) {
    let records = 0n;
    for (const [partition, end] of partitions) records += end - (before.get(topic)?.get(partition) ?? 0n);
    if (records > 0n) grown.push({ topic, records: Number(records) });
  }
  return grown;
}
