/**
 * Reading the pipeline from outside: one consumer that keeps every record of every topic, the
 * triggers' consumer groups, and waiting until the pipeline has committed everything.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from '../../lambdas/shared/kafka/driver';
import { CONSUMER_SERVICES, consumerGroupId, domainTopic, SERVICE_SPECS, TOPICS } from '../../lib/topology';
import { LastingConsumer } from '../lasting-consumer';
import { sleep } from './orders';

export interface SeenRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: Buffer | null;
}

/** One consumer on every topic from the beginning, keeping every record it reads. */
export class TopicLog {
  readonly records: SeenRecord[] = [];
  private readonly next = new Map<string, number>();
  private readonly consumer: LastingConsumer;
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    log: (line: string) => void = () => undefined,
  ) {
    const groupId = `reliability-reader-${randomUUID()}`;
    this.consumer = new LastingConsumer({
      name: `every topic as ${groupId}`,
      create: () =>
        this.kafka.consumer({
          groupId,
          maxWaitTimeInMs: 100,
          // Restarts after a broker restart, but not once stop() has begun (a timer would outlive it).
          retry: { restartOnFailure: async () => !this.stopped },
        }),
      run: (consumer) => this.run(consumer),
      isStopping: () => this.stopped,
      log,
    });
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  private async run(consumer: Consumer): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({ topics: TOPICS.map((t) => t.name), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const offset = Number(message.offset);
        const key = `${topic}/${partition}`;
        // A restarted consumer resumes from the group's last auto-commit: what it reads again is kept once.
        if (offset < (this.next.get(key) ?? 0)) return;
        this.records.push({ topic, partition, offset, key: message.key?.toString() ?? null, value: message.value });
        this.next.set(key, offset + 1);
      },
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer.stopReplacing();
    await this.consumer.current?.disconnect();
  }

  /** Resolves once every record written so far has been read; fails only if reading stalls. */
  async caughtUp(stallMs = STALL_MS): Promise<void> {
    let read = this.records.length;
    let progressAt = Date.now();
    for (;;) {
      const ends = await highWatermarks(
        this.admin,
        TOPICS.map((t) => t.name),
      );
      if ([...ends].every(([key, end]) => end === 0 || (this.next.get(key) ?? 0) >= end)) return;
      if (this.records.length !== read) {
        read = this.records.length;
        progressAt = Date.now();
      } else if (Date.now() - progressAt > stallMs) {
        throw new Error(`the topic reader stalled: nothing read for ${stallMs / 1000} s`);
      }
      await sleep(200);
    }
  }

  of(topic: string): SeenRecord[] {
    return this.records.filter((r) => r.topic === topic);
  }
}

/** How long an admin read may keep failing (a broker restarting, stale leader metadata) before it gives up. */
const ADMIN_READ_PATIENCE_MS = 60_000;

/**
 * An admin read that retries what a broker restart causes ("not the leader", connection refused)
 * until it works or ADMIN_READ_PATIENCE_MS have passed: the harness reads the pipeline from outside
 * and must not fail where the pipeline itself only retries.
 */
async function retrying<T>(read: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ADMIN_READ_PATIENCE_MS;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
}

function highWatermarks(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  return retrying(() => readHighWatermarks(admin, topics));
}

async function readHighWatermarks(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const ends = new Map<string, number>();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, Number(p.high));
  }
  return ends;
}

/** Every (group, topic) of a trigger, from the topology. */
export function triggerGroups(): { groupId: string; topic: string }[] {
  return CONSUMER_SERVICES.flatMap((service) =>
    SERVICE_SPECS[service].subscriptions.map((s) => ({
      groupId: consumerGroupId(service, s.domain),
      topic: domainTopic(s.domain),
    })),
  );
}

/** How long the pipeline may make no progress at all before a wait gives up: a stall, not slowness. */
const STALL_MS = 120_000;

/**
 * Waits until every trigger has committed everything in its topic, twice in a row a second apart
 * (a commit follows the publishes of its batch, so nothing is in flight then). A busy machine only
 * makes this slower: it fails only when no trigger commits anything for STALL_MS.
 */
export async function quiesce(admin: Admin, stallMs = STALL_MS, describe?: () => string): Promise<void> {
  let calm = 0;
  let progress = -1;
  let progressAt = Date.now();
  while (calm < 2) {
    const { done, committed } = await allCommitted(admin);
    if (committed !== progress) {
      progress = committed;
      progressAt = Date.now();
    } else if (Date.now() - progressAt > stallMs) {
      const lagging = await laggingGroups(admin);
      throw new Error(
        `the pipeline stalled: no trigger committed anything for ${stallMs / 1000} s; behind: ${lagging}` +
          (describe ? `\n${describe()}` : ''),
      );
    }
    calm = done ? calm + 1 : 0;
    await sleep(calm > 0 ? 1_000 : 300);
  }
}

async function allCommitted(admin: Admin): Promise<{ done: boolean; committed: number }> {
  const behind = await groupProgress(admin);
  return {
    done: behind.every((p) => p.end === 0 || p.offset >= p.end),
    committed: behind.reduce((sum, p) => sum + Math.max(0, p.offset), 0),
  };
}

/** Each trigger's committed offset and the end of the log, per partition. */
async function groupProgress(admin: Admin): Promise<{ groupId: string; key: string; offset: number; end: number }[]> {
  const groups = triggerGroups();
  const ends = await highWatermarks(admin, [...new Set(groups.map((g) => g.topic))]);
  const progress: { groupId: string; key: string; offset: number; end: number }[] = [];
  for (const { groupId, topic } of groups) {
    const [offsets] = await retrying(() => admin.fetchOffsets({ groupId, topics: [topic] }));
    for (const p of offsets?.partitions ?? []) {
      const key = `${topic}/${p.partition}`;
      progress.push({ groupId, key, offset: Number(p.offset), end: ends.get(key) ?? 0 });
    }
  }
  return progress;
}

/** The partitions a trigger has not committed to the end, for a stall report. */
async function laggingGroups(admin: Admin): Promise<string> {
  const lagging = (await groupProgress(admin)).filter((p) => p.end > 0 && p.offset < p.end);
  return lagging.map((p) => `${p.groupId} ${p.key} at ${p.offset} of ${p.end}`).join(', ') || 'none';
}

/** Current end offset of every partition of the triggers' topics, to rewind the groups to. */
export async function topicEnds(admin: Admin): Promise<Map<string, { partition: number; offset: string }[]>> {
  const result = new Map<string, { partition: number; offset: string }[]>();
  for (const topic of new Set(triggerGroups().map((g) => g.topic))) {
    result.set(
      topic,
      (await retrying(() => admin.fetchTopicOffsets(topic))).map((p) => ({ partition: p.partition, offset: p.high })),
    );
  }
  return result;
}
