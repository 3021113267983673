/**
 * The AWS model's remote calls, inside a function's process: every DynamoDB request (a middleware on
 * the function's own client, so Powertools idempotency's calls count too), every Kafka send (the
 * producer's SendInterceptor) and every SNS Publish (a middleware on the function's SNS client) is
 * counted and takes at least its modelled round trip. A call that is slower locally keeps its local
 * time and is counted as an overrun, so a busy machine shows in the results instead of hiding.
 *
 * SNS has no local stand-in: its middleware sits where the HTTP request would leave (after
 * serialization and signing) and answers with the Publish response SNS documents, so the client's
 * own work is measured and nothing leaves the machine.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { KafkaProducer } from '../../lambdas/shared/kafka/publisher';
import type { LatencyProfile, RemoteCallKind } from './latency';

export interface CallCounts {
  dynamodb: number;
  /** By operation name (GetItem, PutItem, ...). */
  dynamodbByOperation: Record<string, number>;
  /** Acknowledged sends (one kafkajs sendBatch each). */
  kafkaSends: number;
  kafkaMessages: number;
  /** Messages sent to a dead-letter topic: a happy-path run must have none. */
  deadLetterMessages: number;
  snsPublishes: number;
}

export interface PaddingStats {
  /** Calls that had a modelled latency to meet. */
  calls: number;
  /** Calls whose local round trip alone took longer than the modelled one. */
  overruns: number;
  /** How much longer, in total. */
  overrunMs: number;
  /** Achieved round trip, summed per kind: compare with calls x the modelled latency. */
  achievedMs: Record<RemoteCallKind, number>;
  callsByKind: Record<RemoteCallKind, number>;
  /** Time the main thread waited for a core while calls were under way (overlapping calls count it twice). */
  coreWaitInCallsMs: number;
}

function emptyCounts(): CallCounts {
  return {
    dynamodb: 0,
    dynamodbByOperation: {},
    kafkaSends: 0,
    kafkaMessages: 0,
    deadLetterMessages: 0,
    snsPublishes: 0,
  };
}

function emptyPadding(): PaddingStats {
  const zero = () => ({ dynamodb: 0, kafkaSend: 0, snsPublish: 0 });
  return { calls: 0, overruns: 0, overrunMs: 0, achievedMs: zero(), callsByKind: zero(), coreWaitInCallsMs: 0 };
}

/** The SNS Publish response, as in the Publish API reference's example. */
function snsPublishResponse(): string {
  return (
    '<PublishResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>' +
    `<MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId>` +
    '</ResponseMetadata></PublishResponse>'
  );
}

const MIDDLEWARE_NAME = 'awsModelRoundTrip';

export class RemoteCallModel {
  private latency: LatencyProfile | undefined;
  private counts = emptyCounts();
  private padding = emptyPadding();
  /**
   * How late a timer fires on this process's event loop, measured at start: subtracted from each
   * wait, so a 5 ms round trip takes about 5 ms rather than 5 plus the timer's lateness.
   */
  private timerLatenessMs = 0;

  /** @param coreWaitMs the main thread's time waiting for a core so far (core-wait.ts). */
  constructor(private readonly coreWaitMs: () => number = () => 0) {}

  async calibrate(): Promise<number> {
    const lateness: number[] = [];
    for (let i = 0; i < 40; i++) {
      const started = performance.now();
      await sleep(5);
      lateness.push(performance.now() - started - 5);
    }
    lateness.sort((a, b) => a - b);
    this.timerLatenessMs = Math.max(0, lateness[Math.floor(lateness.length / 2)] ?? 0);
    return this.timerLatenessMs;
  }

  /** The latencies of the next invocations; undefined runs calls at local speed (still counted). */
  use(latency: LatencyProfile | undefined): void {
    this.latency = latency;
  }

  /** What was counted since the last take, and a fresh start. */
  take(): { counts: CallCounts; padding: PaddingStats } {
    const taken = { counts: this.counts, padding: this.padding };
    this.counts = emptyCounts();
    this.padding = emptyPadding();
    return taken;
  }

  async roundTrip<T>(kind: RemoteCallKind, call: () => Promise<T>): Promise<T> {
    const target = this.latency?.[kind];
    const started = performance.now();
    const waitedBefore = this.coreWaitMs();
    try {
      return await call();
    } finally {
      const local = performance.now() - started;
      if (target !== undefined) {
        this.padding.calls++;
        if (local > target) {
          this.padding.overruns++;
          this.padding.overrunMs += local - target;
        } else {
          const wait = target - local - this.timerLatenessMs;
          if (wait > 0) await sleep(wait);
        }
        this.padding.callsByKind[kind]++;
        this.padding.achievedMs[kind] += performance.now() - started;
      }
      this.padding.coreWaitInCallsMs += this.coreWaitMs() - waitedBefore;
    }
  }

  instrumentDynamo(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
        this.counts.dynamodb++;
        this.counts.dynamodbByOperation[operation] = (this.counts.dynamodbByOperation[operation] ?? 0) + 1;
        return this.roundTrip('dynamodb', () => next(args));
      },
      // Innermost: wraps exactly the HTTP exchange, once per attempt (retries count as calls).
      { step: 'deserialize', priority: 'low', name: MIDDLEWARE_NAME },
    );
  }

  instrumentSns(client: SNSClient): void {
    client.middlewareStack.add(
      () => async () => {
        this.counts.snsPublishes++;
        return this.roundTrip('snsPublish', async () => ({
          response: {
            statusCode: 200,
            headers: { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() },
            body: Readable.from([Buffer.from(snsPublishResponse())]),
          },
          output: undefined as never,
        }));
      },
      { step: 'deserialize', priority: 'low', name: MIDDLEWARE_NAME },
    );
  }

  instrumentKafka(producer: KafkaProducer, isDeadLetterTopic: (topic: string) => boolean): void {
    producer.interceptSends(async (send, topicMessages) => {
      this.counts.kafkaSends++;
      for (const { topic, messages } of topicMessages) {
        this.counts.kafkaMessages += messages.length;
        if (isDeadLetterTopic(topic)) this.counts.deadLetterMessages += messages.length;
      }
      await this.roundTrip('kafkaSend', send);
    });
  }
}
