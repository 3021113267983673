/**
 * The AWS model's remote calls, inside a function's process: every DynamoDB request (a middleware on
 * the function's own client, so Powertools idempotency's calls count too), every Kafka send (the
 * producer's SendInterceptor, after coalescing: one per send that reaches the broker, however many
 * records share it) and every SNS Publish (a middleware on the function's SNS client) is counted and
 * takes at least its modelled round trip. A call that is slower locally is counted as an overrun,
 * and the time the function then waited on it alone is taken out by the wait ledger
 * (wait-ledger.ts), so a busy machine's slow servers show in the results without counting as AWS's.
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
import { type DynamoUnits, unitsOf } from './cost';
import type { LatencyProfile, RemoteCallKind } from './latency';
import { type LoopReading, WaitLedger, type WaitTotals } from './wait-ledger';

export interface CallCounts {
  dynamodb: number;
  /** By operation name (GetItem, PutItem, ...). */
  dynamodbByOperation: Record<string, number>;
  /**
   * The request units DynamoDB bills for the calls, as dynalite reports them (ReturnConsumedCapacity:
   * by the size of the item, the larger of before and after for a write); a call that reports none
   * (a refused condition) counts one unit of its kind: DynamoDB bills a refused write by the size of
   * the item it found, at least one unit, so for an item over 1 KB this counts too little.
   */
  dynamodbUnits: DynamoUnits;
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
}

function emptyCounts(): CallCounts {
  return {
    dynamodb: 0,
    dynamodbByOperation: {},
    dynamodbUnits: { read: 0, write: 0 },
    kafkaSends: 0,
    kafkaMessages: 0,
    deadLetterMessages: 0,
    snsPublishes: 0,
  };
}

function emptyPadding(): PaddingStats {
  const zero = () => ({ dynamodb: 0, kafkaSend: 0, snsPublish: 0 });
  return { calls: 0, overruns: 0, overrunMs: 0, achievedMs: zero(), callsByKind: zero() };
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

/** The event loop's clock: now, and its idle time so far. */
function loopReading(): LoopReading {
  return { now: performance.now(), idle: performance.eventLoopUtilization().idle };
}

export class RemoteCallModel {
  private latency: LatencyProfile | undefined;
  private counts = emptyCounts();
  private padding = emptyPadding();
  private ledger: WaitLedger;

  /** @param clock the event loop's readings (a test may give its own). */
  constructor(private readonly clock: () => LoopReading = loopReading) {
    this.ledger = new WaitLedger(clock);
  }

  /**
   * How late a 5 ms timer fires on this process's event loop (median of 40): reported with the
   * results. It is not subtracted from the waits: a wait that ends late ends past its call's window,
   * and the ledger drops that part.
   */
  async timerLateness(): Promise<number> {
    const lateness: number[] = [];
    for (let i = 0; i < 40; i++) {
      const started = performance.now();
      await sleep(5);
      lateness.push(performance.now() - started - 5);
    }
    lateness.sort((a, b) => a - b);
    return Math.max(0, lateness[Math.floor(lateness.length / 2)] ?? 0);
  }

  /** The latencies of the next invocations; undefined runs calls at local speed (still counted). */
  use(latency: LatencyProfile | undefined): void {
    this.latency = latency;
  }

  /** What was counted since the last take (the idle time split by the ledger), and a fresh start. */
  take(): { counts: CallCounts; padding: PaddingStats; waits: WaitTotals } {
    const taken = { counts: this.counts, padding: this.padding, waits: this.ledger.totals() };
    this.counts = emptyCounts();
    this.padding = emptyPadding();
    this.ledger = new WaitLedger(this.clock);
    return taken;
  }

  async roundTrip<T>(kind: RemoteCallKind, call: () => Promise<T>): Promise<T> {
    const target = this.latency?.[kind];
    const ledger = this.ledger;
    const token = target === undefined ? undefined : ledger.callStarted(target);
    const started = performance.now();
    try {
      return await call();
    } finally {
      const local = performance.now() - started;
      if (target !== undefined && token !== undefined) {
        this.padding.calls++;
        if (local > target) {
          this.padding.overruns++;
          this.padding.overrunMs += local - target;
        } else {
          await sleep(target - local);
        }
        this.padding.callsByKind[kind]++;
        this.padding.achievedMs[kind] += performance.now() - started;
        ledger.callEnded(token);
      }
    }
  }

  instrumentDynamo(client: DynamoDBClient): void {
    // Outermost: asks every call for the units it consumes, and reads them from the parsed answer.
    // The function's request gains that one member, and its response the ConsumedCapacity it asks for.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
        const input = args.input as { ReturnConsumedCapacity?: string };
        if (input.ReturnConsumedCapacity === undefined) input.ReturnConsumedCapacity = 'TOTAL';
        let output: unknown;
        try {
          const result = await next(args);
          output = result.output;
          return result;
        } finally {
          const units = unitsOf(operation, output);
          this.counts.dynamodbUnits.read += units.read;
          this.counts.dynamodbUnits.write += units.write;
        }
      },
      { step: 'initialize', priority: 'high', name: `${MIDDLEWARE_NAME}Units` },
    );
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
    producer.interceptSends(async (send, batch) => {
      this.counts.kafkaSends++;
      for (const { topic, messages } of batch) {
        this.counts.kafkaMessages += messages.length;
        if (isDeadLetterTopic(topic)) this.counts.deadLetterMessages += messages.length;
      }
      await this.roundTrip('kafkaSend', send);
    });
  }
}
