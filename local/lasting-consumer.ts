/**
 * A kafkajs consumer that outlives the errors kafkajs gives up on. kafkajs restarts a crashed
 * consumer only after an error it deems retriable; any other ends it for good: it disconnects,
 * emits CRASH with `restart: false` and never polls again (kafkajs 2.2.4 src/consumer/index.js
 * `onCrash`). After a broker restart, "Failed to find group coordinator"
 * (KafkaJSGroupCoordinatorNotFound, src/cluster/index.js) is such an error: it ended the trigger
 * emulators' consumers in the fault suite and the local pipeline stopped for good.
 *
 * Lambda's poller does not stop at an error (it counts it in the mapping's PollingErrorCount and
 * polls on), and a local tool reading a topic should not either: this starts a new consumer, after
 * a pause that grows while the broker stays away, until its owner stops.
 */
import type { Consumer } from '../lambdas/shared/kafka/driver';

export interface LastingConsumerOptions {
  /** What the consumer reads, for log lines ("orders.events as payment.orders"). */
  readonly name: string;
  /** A new kafkajs consumer (not connected). */
  readonly create: () => Consumer;
  /** Puts the owner's listeners on `consumer`, connects, subscribes and runs it. */
  readonly run: (consumer: Consumer, replacing: boolean) => Promise<void>;
  /** True once the owner is stopping: nothing is replaced from then on. */
  readonly isStopping: () => boolean;
  readonly log: (line: string) => void;
  /** @default 1000 */
  readonly firstDelayMs?: number;
  /** @default 15000 */
  readonly maxDelayMs?: number;
}

export class LastingConsumer {
  /** The consumer in use (the last one started). */
  current?: Consumer;
  /** Consumers started: 1, plus one for each that kafkajs gave up on. */
  started = 0;
  private readonly givenUp = new WeakSet<Consumer>();
  private replacing?: Promise<void>;
  private wakeReplacing?: () => void;
  /** The pause before the next replacement. */
  private delayMs: number;
  /** When the last replacement started running (ms). */
  private replacedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: LastingConsumerOptions) {
    this.delayMs = options.firstDelayMs ?? 1_000;
  }

  /** Starts the first consumer. */
  start(): Promise<void> {
    return this.startOne(false);
  }

  /** Ends a pending replacement (waking it from its pause) and resolves once none runs. */
  async stopReplacing(): Promise<void> {
    this.wakeReplacing?.();
    await this.replacing;
  }

  private async startOne(replacing: boolean): Promise<void> {
    const consumer = this.options.create();
    this.started += 1;
    this.current = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      this.givenUp.add(consumer);
      this.replace(consumer, payload.error);
    });
    await this.options.run(consumer, replacing);
  }

  private replace(dead: Consumer, cause: Error): void {
    if (this.options.isStopping() || this.replacing !== undefined || this.current !== dead) return;
    const firstDelayMs = this.options.firstDelayMs ?? 1_000;
    const maxDelayMs = this.options.maxDelayMs ?? 15_000;
    // A replacement that soon died as well keeps the grown pause; one that lasted starts afresh.
    if (Date.now() - this.replacedAt > maxDelayMs) this.delayMs = firstDelayMs;
    const grow = () => {
      this.delayMs = Math.min(this.delayMs * 2, maxDelayMs);
    };
    this.replacing = (async () => {
      await dead.disconnect().catch(() => undefined);
      let reason = cause.message;
      while (!this.options.isStopping()) {
        this.options.log(
          `kafkajs gave up on the consumer of ${this.options.name} (${reason}); a new one starts in ${this.delayMs} ms`,
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.delayMs);
          this.wakeReplacing = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeReplacing = undefined;
        if (this.options.isStopping()) return;
        try {
          await this.startOne(true);
          // kafkajs reports a crash while starting as an event, not as an error of run().
          if (this.current && this.givenUp.has(this.current)) throw new Error('the new consumer crashed as it started');
          this.options.log(`a new consumer of ${this.options.name} runs`);
          this.replacedAt = Date.now();
          grow();
          return;
        } catch (error) {
          reason = error instanceof Error ? error.message : String(error);
          await this.current?.disconnect().catch(() => undefined);
          grow();
        }
      }
    })().finally(() => {
      this.replacing = undefined;
    });
  }
}
