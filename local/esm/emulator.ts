/**
 * A local stand-in for one Lambda MSK event source mapping in provisioned mode, configured from
 * the same SubscriptionSpec the CDK stack turns into the real one (lib/constructs/kafka-subscription.ts):
 * its topic and consumer group, TRIM_HORIZON, batch size and window, the CloudEvent-type filter,
 * partial batch responses, retries, bisect, maximum record age and the service's dead-letter topic.
 * The behaviour follows the shared reference lambda-kafka-esm.md (§1-4, checklist §8).
 *
 * kafkajs only fetches here: every fetched record is handed to its partition's worker at once (so
 * heartbeats never wait on a slow function), and offsets are committed by hand, only for records
 * that succeeded, were filtered out or were dead-lettered.
 *
 * Where it departs from Lambda, knowingly:
 * - one partition per event (Lambda may put several partitions in one payload), so a failure in
 *   one partition never holds up another;
 * - a timed-out handler is not killed, it runs on in the background (Lambda freezes the sandbox);
 * - repeated header keys come in key order, not interleaved (kafkajs groups them on decode);
 * - retries follow after a short fixed pause (retryDelayMs); Lambda's back-off is undocumented, and
 *   retrying at once is the reading that spends retries fastest;
 * - where AWS is silent (partial responses, retry counting, plain-string filters on JSON values) it
 *   behaves as the chosen reading says (./readings.ts);
 * - only the EventBridge operators in ./filter.ts are evaluated; other patterns are refused.
 */
import type { Context } from 'aws-lambda';
import type { Consumer, Kafka, Producer } from '../../lambdas/shared/kafka/driver';
import type { MskEvent } from '../../lambdas/shared/kafka/msk-event';
import { onFailureRecord } from '../../lambdas/shared/kafka/on-failure-record';
import { MAX_KAFKA_FUNCTION_TIMEOUT_SECONDS } from '../../lib/function-settings';
import { type FilterPattern, subscriptionFilterPatterns } from '../../lib/subscription-filters';
import {
  type ConsumerServiceName,
  consumerGroupId,
  deadLetterTopic,
  domainTopic,
  SERVICE_SPECS,
  type SubscriptionSpec,
} from '../../lib/topology';
import { LOCAL_CONSUMER_TUNING } from '../consumer-tuning';
import type { FunctionObserver } from '../function-observer';
import { LastingConsumer } from '../lasting-consumer';
import { commitConfirmed } from './confirmed-commit';
import { compileFilters } from './filter';
import { createInvoker, functionArn, type Invoker } from './invoke';
import { type EventSource, localClusterArn } from './msk-event-builder';
import {
  type BatchSettings,
  type CounterName,
  type DeadLetterEntry,
  PartitionWorker,
  type WorkerHost,
} from './partition-worker';
import { DEFAULT_READING, type EsmReading, readingName } from './readings';

export interface EsmEmulatorOptions {
  readonly service: ConsumerServiceName;
  /** The same object the CDK stack uses: SERVICE_SPECS[service].subscriptions[i]. */
  readonly subscription: SubscriptionSpec;
  /** A kafkajs client for the local broker. */
  readonly kafka: Kafka;
  /** Goes into each event's bootstrapServers. */
  readonly bootstrapServers: string;
  /** The Lambda handler module's export, loaded once. */
  readonly handler: (event: MskEvent, context: Context) => Promise<unknown>;
  readonly functionName: string;
  /** The function timeout; a slower invocation counts as failed. */
  readonly timeoutSeconds: number;
  readonly log?: (line: string, fields?: Record<string, unknown>) => void;
  /** Told about every invocation and dead-lettered record (the local Prometheus endpoint). */
  readonly observer?: FunctionObserver;
  /** How to behave where AWS does not document the trigger (./readings.ts). @default DEFAULT_READING */
  readonly reading?: EsmReading;
  /** Test knobs for conformance tests; each defaults to the subscription's value. */
  readonly overrides?: Partial<
    Pick<
      SubscriptionSpec,
      'batchSize' | 'batchingWindowSeconds' | 'retryAttempts' | 'bisectOnError' | 'maxRecordAgeSeconds'
    >
  > & {
    readonly topic?: string;
    readonly groupId?: string;
    readonly deadLetterTopic?: string;
    /** EventBridge patterns on `value`, ORed; an empty list lets every record through. */
    readonly filters?: readonly FilterPattern[];
    /** Pause between a failed invocation and its retry (default 100 ms). */
    readonly retryDelayMs?: number;
  };
}

export interface EsmEmulatorStats {
  readonly running: boolean;
  readonly topic: string;
  readonly groupId: string;
  /** Invocations made, including retries. */
  readonly invocations: number;
  /** Invocations that carried records that had failed before (retries and bisected halves). */
  readonly retries: number;
  /** Invocations that threw, timed out or answered with an unusable response. */
  readonly failedInvocations: number;
  /** Invocations answered with a non-empty batchItemFailures. */
  readonly partialFailures: number;
  /** Records handed to the function, counted once per invocation. */
  readonly recordsInvoked: number;
  readonly recordsFiltered: number;
  readonly recordsDeadLettered: number;
  /** Batches being handled by the function right now. */
  readonly inFlight: number;
  /** Records fetched and not yet resolved. */
  readonly buffered: number;
  /** Committed offset per partition, as this emulator last committed it. */
  readonly committed: Readonly<Record<number, number>>;
  /** One line per partition worker (PartitionWorker.describe). */
  readonly workers: readonly string[];
  /** kafkajs consumers started: 1, plus one for each that kafkajs gave up on and the emulator replaced. */
  readonly consumersStarted: number;
}

/** Lambda applies at most 10 retries when they are infinite and an on-failure destination is set. */
const RETRIES_WHEN_INFINITE_WITH_DESTINATION = 10;
const DEFAULT_RETRY_DELAY_MS = 100;
/** How long stop() waits for handlers that outlived their timeout (Lambda would have killed them). */
const ABANDONED_HANDLER_WAIT_MS = 5_000;

/** The local consumers' short waits (../consumer-tuning.ts), and a trigger's own ways. */
const CONSUMER_TUNING = {
  ...LOCAL_CONSUMER_TUNING,
  rebalanceTimeout: 10_000,
} as const;

export class EsmConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EsmConfigError';
  }
}

export class EsmEmulator {
  readonly topic: string;
  readonly groupId: string;
  readonly deadLetterTopic: string;
  private readonly settings: BatchSettings;
  private readonly reading: EsmReading;
  private readonly source: EventSource;
  private readonly arn: string;
  private readonly invoker: Invoker;
  private readonly accepts: (value: Buffer | null) => boolean;
  private readonly retryDelayMs: number;
  private readonly log: (line: string, fields?: Record<string, unknown>) => void;
  private readonly workers = new Map<number, PartitionWorker>();
  /** Workers of revoked partitions whose last invocation may still be running. */
  private readonly retired = new Set<PartitionWorker>();
  private readonly counters: Record<CounterName, number> = {
    invocations: 0,
    retries: 0,
    failedInvocations: 0,
    partialFailures: 0,
    recordsInvoked: 0,
    recordsFiltered: 0,
    recordsDeadLettered: 0,
  };
  private idleWaiters: (() => boolean)[] = [];
  /** The kafkajs consumer, replaced when kafkajs gives up on it (../lasting-consumer.ts). */
  private readonly lasting: LastingConsumer;
  private producer?: Promise<Producer>;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;
  private stopped = false;

  constructor(private readonly options: EsmEmulatorOptions) {
    const { service, subscription } = options;
    const o = options.overrides ?? {};
    this.topic = o.topic ?? domainTopic(subscription.domain);
    this.groupId = o.groupId ?? consumerGroupId(service, subscription.domain);
    this.deadLetterTopic = o.deadLetterTopic ?? deadLetterTopic(service);
    const batchSize = o.batchSize ?? subscription.batchSize;
    const windowSeconds = o.batchingWindowSeconds ?? subscription.batchingWindowSeconds;
    const retryAttempts = o.retryAttempts ?? subscription.retryAttempts;
    const maxRecordAgeSeconds = o.maxRecordAgeSeconds ?? subscription.maxRecordAgeSeconds;
    checkRange('batchSize', batchSize, 1, 10_000);
    checkRange('batchingWindowSeconds', windowSeconds, 0, 300);
    if (retryAttempts !== -1) checkRange('retryAttempts', retryAttempts, 0, 10_000);
    if (maxRecordAgeSeconds !== -1) checkRange('maxRecordAgeSeconds', maxRecordAgeSeconds, 60, 604_800);
    if (!(options.timeoutSeconds > 0 && options.timeoutSeconds <= MAX_KAFKA_FUNCTION_TIMEOUT_SECONDS)) {
      throw new EsmConfigError(
        `timeoutSeconds must be above 0 and at most ${MAX_KAFKA_FUNCTION_TIMEOUT_SECONDS} for a Kafka trigger`,
      );
    }
    this.settings = {
      batchSize,
      batchingWindowMs: windowSeconds * 1000,
      // The CDK stack always sets the dead-letter topic as on-failure destination.
      retryAttempts: retryAttempts === -1 ? RETRIES_WHEN_INFINITE_WITH_DESTINATION : retryAttempts,
      bisectOnError: o.bisectOnError ?? subscription.bisectOnError,
      maxRecordAgeMs: maxRecordAgeSeconds === -1 ? -1 : maxRecordAgeSeconds * 1000,
    };
    this.reading = options.reading ?? DEFAULT_READING;
    this.accepts = compileFilters(o.filters ?? subscriptionFilterPatterns(subscription), {
      objectsAreLeaves: this.reading.filterValueMatch === 'whole-value',
    });
    this.retryDelayMs = o.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    this.source = {
      eventSourceArn: localClusterArn(options.bootstrapServers),
      bootstrapServers: options.bootstrapServers,
    };
    this.arn = functionArn(options.functionName);
    this.invoker = createInvoker(options.handler, {
      functionName: options.functionName,
      functionArn: this.arn,
      memoryMb: SERVICE_SPECS[service].memoryMb,
      timeoutSeconds: options.timeoutSeconds,
    });
    this.log = options.log ?? (() => undefined);
    this.lasting = new LastingConsumer({
      name: `${this.topic} as ${this.groupId}`,
      create: () => this.createConsumer(),
      run: (consumer) => this.runConsumer(consumer),
      isStopping: () => this.stopping !== undefined,
      log: (line) => this.log(line, { topic: this.topic, groupId: this.groupId }),
    });
  }

  private get consumer(): Consumer | undefined {
    return this.lasting.current;
  }

  /** Joins the consumer group and starts fetching; resolves once partitions are assigned. */
  start(): Promise<void> {
    if (this.starting) throw new Error('EsmEmulator.start() was already called');
    this.starting = this.connect();
    return this.starting;
  }

  /** Finishes the batches in flight, commits what is resolved, leaves the group and disconnects. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** Resolves when every record fetched so far is committed (processed, filtered out or dead-lettered). */
  idle(): Promise<void> {
    const targets = [...this.workers.values()]
      .filter((w) => w.nextFetchOffset >= 0)
      .map((worker) => ({ worker, target: worker.nextFetchOffset }));
    const reached = () =>
      this.stopping !== undefined ||
      targets.every(({ worker, target }) => worker.revoked || worker.committed >= target);
    if (reached()) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(() => {
        if (!reached()) return false;
        resolve();
        return true;
      });
    });
  }

  stats(): EsmEmulatorStats {
    const workers = [...this.workers.values()];
    return {
      running: this.starting !== undefined && !this.stopped,
      topic: this.topic,
      groupId: this.groupId,
      ...this.counters,
      inFlight: workers.filter((w) => w.inFlight).length,
      buffered: workers.reduce((sum, w) => sum + w.buffered, 0),
      committed: Object.fromEntries(workers.filter((w) => w.committed >= 0).map((w) => [w.partition, w.committed])),
      workers: [...workers, ...this.retired].map((w) => w.describe()),
      consumersStarted: this.lasting.started,
    };
  }

  private async connect(): Promise<void> {
    const { batchSize, batchingWindowMs, retryAttempts, bisectOnError, maxRecordAgeMs } = this.settings;
    await this.lasting.start();
    this.log(
      `consuming ${this.topic} as ${this.groupId}: batch ${batchSize}, window ${batchingWindowMs / 1000} s, ` +
        `${retryAttempts} retries${bisectOnError ? ', bisect' : ''}, max age ${maxRecordAgeMs < 0 ? 'none' : `${maxRecordAgeMs / 1000} s`}, ` +
        `DLQ ${this.deadLetterTopic}, reading ${readingName(this.reading)}`,
      { topic: this.topic, groupId: this.groupId },
    );
  }

  private createConsumer(): Consumer {
    return this.options.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      ...CONSUMER_TUNING,
      // Lambda's trigger does not stop polling at an error (it counts PollingErrorCount): kafkajs
      // asks this after a retriable crash (the broker gone for longer than its retries), and the
      // lasting consumer handles the others. Never once stop() has begun: a restart timer that
      // outlived the disconnect would poll a dead broker forever and keep the process alive.
      retry: { restartOnFailure: async () => this.stopping === undefined },
    });
  }

  /** Listens to, connects, subscribes and runs a new consumer of the topic in the group. */
  private async runConsumer(consumer: Consumer): Promise<void> {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      // A restart already under way when stop() disconnected can still join: leave at once.
      if (this.stopping) void consumer.disconnect().catch(() => undefined);
      else this.assigned(consumer, payload.memberAssignment[this.topic] ?? []);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.log(`consumer crashed (restart: ${payload.restart}): ${payload.error.message}`, { topic: this.topic }),
    );
    await consumer.connect();
    // TRIM_HORIZON; a group that has committed offsets resumes from them, as on AWS.
    await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        if (this.stopping) return;
        const worker = this.workerFor(batch.partition);
        const now = Date.now();
        for (const message of batch.messages) {
          worker.accept(message, now);
          // Resolved means fetched: kafkajs moves on, and commits stay ours.
          resolveOffset(message.offset);
        }
        worker.fetched();
      },
    });
  }

  private async shutdown(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.lasting.stopReplacing();
    const workers = [...this.workers.values(), ...this.retired];
    for (const worker of workers) worker.wake();
    await Promise.all(workers.map((w) => w.finished()));
    if (this.invoker.abandoned.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.invoker.abandoned]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, ABANDONED_HANDLER_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
      if (this.invoker.abandoned.size > 0) {
        this.log(`${this.invoker.abandoned.size} timed-out invocation(s) still running at stop`, { topic: this.topic });
      }
    }
    await this.consumer?.disconnect();
    const producer = await this.producer?.catch(() => undefined);
    await producer?.disconnect();
    this.stopped = true;
    this.changed();
  }

  private workerFor(partition: number): PartitionWorker {
    let worker = this.workers.get(partition);
    if (!worker) {
      worker = new PartitionWorker(this.host, this.topic, partition);
      this.workers.set(partition, worker);
    }
    return worker;
  }

  /**
   * After a (re)join: partitions now owned by another member are dropped, uncommitted work included.
   * Partitions still paused for back-pressure are paused again: a consumer kafkajs restarted, or a
   * new one, starts with none paused.
   */
  private assigned(consumer: Consumer, partitions: readonly number[]): void {
    const owned = new Set(partitions);
    const paused = partitions.filter((p) => this.workers.get(p)?.paused);
    if (paused.length > 0) consumer.pause([{ topic: this.topic, partitions: paused }]);
    for (const [partition, worker] of this.workers) {
      if (owned.has(partition)) continue;
      worker.revoke();
      this.workers.delete(partition);
      this.retired.add(worker);
      void worker.finished().then(() => this.retired.delete(worker));
      if (worker.paused) this.consumer?.resume([{ topic: this.topic, partitions: [partition] }]);
    }
    this.changed();
  }

  private changed(): void {
    if (this.idleWaiters.length > 0) this.idleWaiters = this.idleWaiters.filter((settled) => !settled());
  }

  private async sendDeadLetters(entries: readonly DeadLetterEntry[]): Promise<void> {
    this.producer ??= this.connectProducer();
    let producer: Producer;
    try {
      producer = await this.producer;
    } catch (error) {
      this.producer = undefined;
      throw error;
    }
    const now = new Date();
    await producer.send({
      topic: this.deadLetterTopic,
      acks: -1,
      messages: entries.map((entry) => ({
        key: entry.key,
        value: JSON.stringify(onFailureRecord(this.source, entry.record, entry.failure, now)),
      })),
    });
  }

  private async connectProducer(): Promise<Producer> {
    const producer = this.options.kafka.producer({
      allowAutoTopicCreation: false,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    return producer;
  }

  private get host(): WorkerHost {
    return {
      settings: this.settings,
      reading: this.reading,
      source: this.source,
      functionArn: this.arn,
      invoker: this.invoker,
      retryDelayMs: this.retryDelayMs,
      accepts: this.accepts,
      isStopping: () => this.stopping !== undefined,
      commit: async (topic, partition, offset) => {
        if (!this.consumer) throw new Error(`no consumer to commit ${topic}-${partition} with`);
        await commitConfirmed(this.consumer, topic, partition, offset);
      },
      deadLetter: (entries) => this.sendDeadLetters(entries),
      pause: (partition) => this.consumer?.pause([{ topic: this.topic, partitions: [partition] }]),
      resume: (partition) => this.consumer?.resume([{ topic: this.topic, partitions: [partition] }]),
      changed: () => this.changed(),
      count: (counter, by = 1) => {
        this.counters[counter] += by;
        if (counter === 'recordsDeadLettered') this.options.observer?.deadLettered(by);
      },
      invoked: (result, retry) => {
        if (retry) this.counters.retries += 1;
        this.options.observer?.invoked({ durationMs: result.durationMs, error: result.kind === 'error', retry });
      },
      log: this.log,
    };
  }
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new EsmConfigError(`${name} must be an integer from ${min} to ${max} (got ${value})`);
  }
}
