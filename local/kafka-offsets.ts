/**
 * Offsets of the local pipeline's topics and consumer groups, read on demand with one kafkajs admin
 * connection: each partition's log start and end offsets, and each group's committed offset and
 * lag. GET /metrics and the console read it at request time, so a snapshot is bounded in time and
 * never throws: when Kafka does not answer in time it reports `up: false` with the reason.
 */
import { type Admin, Kafka, logLevel } from '../lambdas/shared/kafka/driver';

export interface WatchedGroup {
  readonly group: string;
  readonly topic: string;
}

export interface PartitionOffsets {
  readonly partition: number;
  /** The log start offset: the oldest record retention kept. */
  readonly start: number;
  /** The log end offset: the offset the next record appended gets. */
  readonly end: number;
}

export interface GroupPartitionLag {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  /** Null while the group has committed nothing on this partition. */
  readonly committed: number | null;
  readonly end: number;
  /** Records the group has still to consume; from the log start when it has committed nothing (TRIM_HORIZON). */
  readonly lag: number;
}

export type OffsetsSnapshot =
  | {
      readonly up: true;
      /** When it was taken (epoch ms). */
      readonly at: number;
      readonly durationMs: number;
      readonly topics: ReadonlyArray<{ readonly topic: string; readonly partitions: readonly PartitionOffsets[] }>;
      readonly groups: readonly GroupPartitionLag[];
    }
  | { readonly up: false; readonly at: number; readonly durationMs: number; readonly error: string };

export interface OffsetMonitorOptions {
  readonly bootstrapServers: string;
  readonly topics: readonly string[];
  readonly groups: readonly WatchedGroup[];
  /** The longest a snapshot may take (default 2 s). */
  readonly timeoutMs?: number;
  /** A snapshot younger than this is reused, so several readers make one round of requests (default 500 ms). */
  readonly maxAgeMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;
const DEFAULT_MAX_AGE_MS = 500;

export class OffsetMonitor {
  private readonly kafka: Kafka;
  private readonly timeoutMs: number;
  private readonly maxAgeMs: number;
  private admin?: Promise<Admin>;
  /** The round of requests under way; a slow one is shared, never piled up. */
  private inFlight?: Promise<OffsetsSnapshot>;
  private latest?: OffsetsSnapshot;
  private stopped = false;

  constructor(private readonly options: OffsetMonitorOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.kafka = new Kafka({
      clientId: 'local-offset-monitor',
      brokers: [options.bootstrapServers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: Math.min(1_000, this.timeoutMs),
      requestTimeout: this.timeoutMs,
      // The caller asks again on its next scrape; a retry would only outlive the time bound.
      retry: { retries: 0 },
    });
  }

  /** The offsets now, or why they cannot be read; resolves within the time bound. */
  async snapshot(): Promise<OffsetsSnapshot> {
    const started = Date.now();
    if (this.stopped) return { up: false, at: started, durationMs: 0, error: 'the offset monitor is stopped' };
    if (this.latest && started - this.latest.at < this.maxAgeMs) return this.latest;
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<OffsetsSnapshot>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            up: false,
            at: started,
            durationMs: Date.now() - started,
            error: `Kafka did not answer within ${this.timeoutMs} ms`,
          }),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([this.inFlight, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const admin = await this.admin?.catch(() => undefined);
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private async read(): Promise<OffsetsSnapshot> {
    const started = Date.now();
    try {
      const admin = await this.connected();
      const topics = await Promise.all(
        this.options.topics.map(async (topic) => ({
          topic,
          partitions: (await admin.fetchTopicOffsets(topic))
            .map((p) => ({ partition: p.partition, start: Number(p.low), end: Number(p.high) }))
            .sort((a, b) => a.partition - b.partition),
        })),
      );
      const byTopic = new Map(topics.map((t) => [t.topic, t.partitions]));
      const groups = await Promise.all(
        this.options.groups.map(async ({ group, topic }) => {
          const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
          const commits = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
          return (byTopic.get(topic) ?? []).map(({ partition, start, end }): GroupPartitionLag => {
            const offset = commits.get(partition) ?? -1;
            return {
              group,
              topic,
              partition,
              committed: offset >= 0 ? offset : null,
              end,
              lag: Math.max(0, end - Math.max(offset, start)),
            };
          });
        }),
      );
      const snapshot: OffsetsSnapshot = {
        up: true,
        at: started,
        durationMs: Date.now() - started,
        topics,
        groups: groups.flat(),
      };
      this.latest = snapshot;
      return snapshot;
    } catch (error) {
      // A fresh connection next time: kafkajs may keep a broken one around after the broker went away.
      const admin = this.admin;
      this.admin = undefined;
      void admin?.then((a) => a.disconnect()).catch(() => undefined);
      return { up: false, at: started, durationMs: Date.now() - started, error: describe(error) };
    }
  }

  private connected(): Promise<Admin> {
    if (this.stopped) return Promise.reject(new Error('the offset monitor is stopped'));
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    return this.admin;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
