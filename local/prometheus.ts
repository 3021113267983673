/**
 * The local pipeline in Prometheus terms, served as GET /metrics on the API port: consumer group
 * offsets and lag and per-topic produce counters read from Kafka at scrape time (time-bounded, with
 * an `up` gauge), and per-function invocations, errors, duration, retries and dead-lettered records
 * as the emulators report them (./function-observer.ts). Names follow Prometheus conventions: one
 * prefix, snake_case, `_total` counters, base units, and what varies in labels.
 */
import { Counter, Gauge, Histogram, type LabelValues, Registry } from 'prom-client';
import type { FunctionObserver } from './function-observer';
import type { OffsetMonitor, OffsetsSnapshot } from './kafka-offsets';

export const PROMETHEUS_METRICS = {
  kafkaUp: 'orderpipeline_kafka_up',
  kafkaScrapeDuration: 'orderpipeline_kafka_scrape_duration_seconds',
  committedOffset: 'orderpipeline_consumer_group_committed_offset',
  logEndOffset: 'orderpipeline_consumer_group_log_end_offset',
  lag: 'orderpipeline_consumer_group_lag',
  topicRecords: 'orderpipeline_topic_records_produced_total',
  invocations: 'orderpipeline_function_invocations_total',
  errors: 'orderpipeline_function_errors_total',
  retries: 'orderpipeline_function_retries_total',
  deadLetters: 'orderpipeline_function_dead_letters_total',
  triggerDeadLettered: 'orderpipeline_trigger_dead_lettered_records_total',
  duration: 'orderpipeline_function_duration_seconds',
} as const;

/** Seconds; up to the 30-second timeout of the Kafka-triggered functions. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Collectors that ask within this long of each other belong to the same scrape. */
const ONE_SCRAPE_MS = 250;

export interface FunctionTotals {
  readonly function: string;
  readonly invocations: number;
  readonly errors: number;
  readonly retries: number;
}

export interface WatchedFunction {
  readonly name: string;
  /** Where its dead letters go, written by its trigger or by the handler itself. */
  readonly deadLetterTopic?: string;
}

export class PipelineMetrics {
  readonly registry = new Registry();
  private readonly invocations: Counter<'function'>;
  private readonly errors: Counter<'function'>;
  private readonly retries: Counter<'function'>;
  private readonly deadLettered: Counter<'function'>;
  private readonly duration: Histogram<'function'>;

  /**
   * @param offsets read at every scrape
   * @param functions every function, so each series exists (at 0) before its first invocation
   */
  constructor(
    private readonly offsets: OffsetMonitor,
    private readonly functions: readonly WatchedFunction[],
  ) {
    const registers = [this.registry];
    const perFunction = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ['function'] as const, registers });
    this.invocations = perFunction(PROMETHEUS_METRICS.invocations, 'Function invocations, retries included.');
    this.errors = perFunction(
      PROMETHEUS_METRICS.errors,
      'Invocations that threw, timed out or returned a response the trigger could not use.',
    );
    this.retries = perFunction(
      PROMETHEUS_METRICS.retries,
      'Invocations that carried records which had failed before (a retry or a bisected half).',
    );
    this.deadLettered = perFunction(
      PROMETHEUS_METRICS.triggerDeadLettered,
      "Records the function's (emulated) event source mapping sent to its dead-letter topic: retries exhausted, too old or too big.",
    );
    this.duration = new Histogram({
      name: PROMETHEUS_METRICS.duration,
      help: 'Time spent in the function handler per invocation.',
      labelNames: ['function'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    });
    for (const { name: fn } of functions) {
      for (const counter of [this.invocations, this.errors, this.retries, this.deadLettered])
        counter.inc({ function: fn }, 0);
      this.duration.zero({ function: fn });
    }
    this.registerKafkaMetrics();
  }

  /** The observer the emulators of one function report to. */
  observer(fn: string): FunctionObserver {
    return {
      invoked: ({ durationMs, error, retry }) => {
        this.invocations.inc({ function: fn });
        if (error) this.errors.inc({ function: fn });
        if (retry) this.retries.inc({ function: fn });
        this.duration.observe({ function: fn }, durationMs / 1000);
      },
      deadLettered: (records) => this.deadLettered.inc({ function: fn }, records),
    };
  }

  /** The text exposition format, and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** The counters per function, for the console. */
  async functionTotals(): Promise<FunctionTotals[]> {
    const [invocations, errors, retries] = await Promise.all(
      [this.invocations, this.errors, this.retries].map(async (counter) => {
        const { values } = await counter.get();
        return new Map(values.map((v) => [String(v.labels.function), v.value]));
      }),
    );
    return this.functions.map(({ name }) => ({
      function: name,
      invocations: invocations?.get(name) ?? 0,
      errors: errors?.get(name) ?? 0,
      retries: retries?.get(name) ?? 0,
    }));
  }

  /**
   * Gauges and counters whose values come from one offsets snapshot per scrape. When Kafka does not
   * answer, their series are left out rather than repeated stale, and the up gauge says why.
   */
  private registerKafkaMetrics(): void {
    const registers = [this.registry];
    const snapshot = oneSnapshotPerScrape(this.offsets);
    const groupLabels = ['group', 'topic', 'partition'] as const;
    const deadLetterTopics = this.functions.flatMap(({ name, deadLetterTopic }) =>
      deadLetterTopic ? [{ name, topic: deadLetterTopic }] : [],
    );
    new Gauge({
      name: PROMETHEUS_METRICS.kafkaUp,
      help: 'Whether the last read of offsets from Kafka succeeded within its time bound (1) or not (0).',
      registers,
      async collect() {
        this.set((await snapshot()).up ? 1 : 0);
      },
    });
    new Gauge({
      name: PROMETHEUS_METRICS.kafkaScrapeDuration,
      help: 'How long reading the offsets from Kafka took.',
      registers,
      async collect() {
        this.set((await snapshot()).durationMs / 1000);
      },
    });
    new Gauge({
      name: PROMETHEUS_METRICS.committedOffset,
      help: 'The offset the consumer group committed (the next record it will read); absent until it commits.',
      labelNames: groupLabels,
      registers,
      collect: fromSnapshot(snapshot, (up) =>
        up.groups.flatMap((g) => (g.committed === null ? [] : [series(labelsOf(g), g.committed)])),
      ),
    });
    new Gauge({
      name: PROMETHEUS_METRICS.logEndOffset,
      help: 'The log end offset of a partition the consumer group reads.',
      labelNames: groupLabels,
      registers,
      collect: fromSnapshot(snapshot, (up) => up.groups.map((g) => series(labelsOf(g), g.end))),
    });
    new Gauge({
      name: PROMETHEUS_METRICS.lag,
      help: 'Records the consumer group has still to read: log end offset minus committed offset.',
      labelNames: groupLabels,
      registers,
      collect: fromSnapshot(snapshot, (up) => up.groups.map((g) => series(labelsOf(g), g.lag))),
    });
    new Counter({
      name: PROMETHEUS_METRICS.topicRecords,
      help: 'Records ever appended to the topic (the sum of its partitions end offsets); rate() is the produce rate.',
      labelNames: ['topic'] as const,
      registers,
      collect: fromSnapshot(snapshot, (up) =>
        up.topics.map(({ topic, partitions }) => series({ topic }, endOffsetSum(partitions))),
      ),
    });
    new Counter({
      name: PROMETHEUS_METRICS.deadLetters,
      help: "Records in the function's dead-letter topic, from its trigger (retries exhausted) or its handler (records that can never succeed).",
      labelNames: ['function', 'topic'] as const,
      registers,
      collect: fromSnapshot(snapshot, (up) => {
        const ends = new Map(up.topics.map((t) => [t.topic, endOffsetSum(t.partitions)]));
        return deadLetterTopics.map(({ name, topic }) => series({ function: name, topic }, ends.get(topic) ?? 0));
      }),
    });
  }
}

/** Every collect() of one scrape shares the snapshot the first one asked for. */
function oneSnapshotPerScrape(offsets: OffsetMonitor): () => Promise<OffsetsSnapshot> {
  let current: { at: number; snapshot: Promise<OffsetsSnapshot> } | undefined;
  return () => {
    const now = Date.now();
    if (!current || now - current.at > ONE_SCRAPE_MS) current = { at: now, snapshot: offsets.snapshot() };
    return current.snapshot;
  };
}

type UpSnapshot = Extract<OffsetsSnapshot, { up: true }>;
type Series<L extends string> = readonly [labels: LabelValues<L>, value: number];

function series<L extends string>(labels: LabelValues<L>, value: number): Series<L> {
  return [labels, value];
}

/**
 * A collect() that replaces a metric's series with those of this scrape's snapshot, or leaves them
 * all out when Kafka did not answer. A counter's series is its total since the topic was created,
 * so it is set the same way: reset, then counted up to the total.
 */
function fromSnapshot<L extends string>(
  snapshot: () => Promise<OffsetsSnapshot>,
  seriesOf: (up: UpSnapshot) => readonly Series<L>[],
): (this: Gauge<L> | Counter<L>) => Promise<void> {
  return async function collect() {
    const taken = await snapshot();
    this.reset();
    if (!taken.up) return;
    for (const [labels, value] of seriesOf(taken)) {
      if (this instanceof Gauge) this.set(labels, value);
      else this.inc(labels, value);
    }
  };
}

function endOffsetSum(partitions: readonly { end: number }[]): number {
  return partitions.reduce((sum, p) => sum + p.end, 0);
}

function labelsOf(g: { group: string; topic: string; partition: number }) {
  return { group: g.group, topic: g.topic, partition: String(g.partition) };
}
