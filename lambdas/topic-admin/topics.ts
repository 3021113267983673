/**
 * Brings a cluster's topics to a wanted state with the Kafka admin API: creates missing topics and
 * grows partition counts. It never deletes a topic or shrinks one (Kafka cannot), and it leaves
 * topics it does not know alone.
 */
import type { Admin } from '../shared/kafka/driver';

export interface WantedTopic {
  readonly name: string;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
}

export interface TopicChanges {
  readonly created: string[];
  readonly grown: string[];
}

export async function ensureTopics(admin: Admin, wanted: readonly WantedTopic[]): Promise<TopicChanges> {
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !existing.has(t.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  const present = wanted.filter((t) => existing.has(t.name));
  const grown: string[] = [];
  if (present.length > 0) {
    const metadata = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
    const counts = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
    const toGrow = present.filter((t) => (counts.get(t.name) ?? 0) < t.partitions);
    if (toGrow.length > 0) {
      await admin.createPartitions({ topicPartitions: toGrow.map((t) => ({ topic: t.name, count: t.partitions })) });
      grown.push(...toGrow.map((t) => t.name));
    }
  }
  return { created: missing.map((t) => t.name), grown };
}
