/**
 * Reads every domain and dead-letter topic for the console, as an observer only: its own consumer
 * group (unique per run, never one of the services' groups), no commits, so it moves nobody's
 * offsets. It starts a bounded backlog before each partition's end, so a freshly started console
 * shows recent history without reading the whole log.
 */
import { randomUUID } from 'node:crypto';
import { type Consumer, Kafka, logLevel } from '../../lambdas/shared/kafka/driver';
import { LOCAL_CONSUMER_TUNING } from '../consumer-tuning';
import type { OffsetsSnapshot } from '../kafka-offsets';
import { LastingConsumer } from '../lasting-consumer';
import { EventStore } from './event-store';
import { tappedEvent } from './tapped-event';

export interface EventTapOptions {
  readonly bootstrapServers: string;
  readonly topics: readonly string[];
  /** Where each partition's log starts and ends now, to start a backlog before the end. */
  readonly offsets: () => Promise<OffsetsSnapshot>;
  readonly store?: EventStore;
  /** Records read back per partition at start (default 500). */
  readonly backlog?: number;
  readonly log?: (line: string) => void;
  /** The Kafka client to read with (tests); by default one of its own for `bootstrapServers`. */
  readonly kafka?: Kafka;
}

export interface TapStatus {
  readonly state: 'starting' | 'running' | 'failed' | 'stopped';
  readonly error?: string;
  readonly records: number;
}

const DEFAULT_BACKLOG = 500;
const OFFSET_ATTEMPTS = 4;
const OFFSET_RETRY_MS = 500;

export class EventTap {
  readonly store: EventStore;
  private readonly consumer: LastingConsumer;
  private state: TapStatus['state'] = 'starting';
  private error?: string;
  private records = 0;
  /** The next offset to show per "topic/partition": where a replaced consumer carries on. */
  private readonly next = new Map<string, number>();

  constructor(private readonly options: EventTapOptions) {
    this.store = options.store ?? new EventStore();
    const kafka =
      options.kafka ??
      new Kafka({ clientId: 'local-console-tap', brokers: [options.bootstrapServers], logLevel: logLevel.NOTHING });
    const groupId = `local-console.${randomUUID().slice(0, 8)}`;
    this.consumer = new LastingConsumer({
      name: `the console's topics as ${groupId}`,
      create: () =>
        kafka.consumer({
          groupId,
          allowAutoTopicCreation: false,
          ...LOCAL_CONSUMER_TUNING,
          // kafkajs restarts a crashed consumer on a timer; once stop() has begun, that timer would
          // poll a stopped broker for ever and keep the process alive.
          retry: { restartOnFailure: async () => this.state !== 'stopped' },
        }),
      run: (consumer, replacing) => this.run(consumer, replacing),
      isStopping: () => this.state === 'stopped',
      log: (line) => this.options.log?.(`console event tap: ${line}`),
    });
  }

  /** Joins its group and starts reading; resolves once it is fetching (it does not wait for the backlog). */
  start(): Promise<void> {
    return this.consumer.start();
  }

  /**
   * The first consumer starts a backlog before each partition's end; after that, every join (a
   * consumer kafkajs restarted, or a new one) carries on from the next event not yet shown. The tap
   * never commits, so without that seek a restarted consumer would start at the end again.
   */
  private async run(consumer: Consumer, replacing: boolean): Promise<void> {
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.error = payload.error.message;
      if (!payload.restart && this.state !== 'stopped') this.state = 'failed';
      this.options.log?.(`console event tap: ${payload.error.message}`);
    });
    consumer.on(consumer.events.FETCH_START, () => {
      if (this.state === 'starting' || this.state === 'failed') this.state = 'running';
      this.error = undefined;
    });
    // kafkajs applies a seek on the next fetch of a partition the group has assigned; a seek is only
    // possible while the consumer runs, which a join proves.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [key, offset] of this.next) {
        const slash = key.lastIndexOf('/');
        consumer.seek({ topic: key.slice(0, slash), partition: Number(key.slice(slash + 1)), offset: String(offset) });
      }
    });
    if (!replacing) await this.startBacklog();
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const key = `${topic}/${partition}`;
        const offset = Number(message.offset);
        if (offset < (this.next.get(key) ?? 0)) return;
        this.next.set(key, offset + 1);
        this.records += 1;
        this.store.add(tappedEvent({ topic, partition, ...message }));
      },
    });
  }

  /** Where each partition's backlog starts, as the next event to show; none when offsets are unknown. */
  private async startBacklog(): Promise<void> {
    const offsets = await this.startOffsets();
    if (!offsets.up) {
      this.options.log?.(`console event tap: showing new events only, as Kafka offsets are unknown (${offsets.error})`);
      return;
    }
    const backlog = this.options.backlog ?? DEFAULT_BACKLOG;
    for (const { topic, partitions } of offsets.topics) {
      for (const { partition, start, end } of partitions) {
        this.next.set(`${topic}/${partition}`, Math.max(start, end - backlog));
      }
    }
  }

  /** Topics created a moment ago may not answer offset requests yet: a few tries, then new events only. */
  private async startOffsets(): Promise<OffsetsSnapshot> {
    let offsets = await this.options.offsets();
    for (let attempt = 1; !offsets.up && attempt < OFFSET_ATTEMPTS; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, OFFSET_RETRY_MS));
      offsets = await this.options.offsets();
    }
    return offsets;
  }

  status(): TapStatus {
    return { state: this.state, records: this.records, ...(this.error ? { error: this.error } : {}) };
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    await this.consumer.stopReplacing();
    await this.consumer.current?.disconnect();
  }
}
