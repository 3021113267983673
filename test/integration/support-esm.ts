/** Helpers for the MSK trigger emulator's conformance tests: topics, producing, reading, waiting, a recording handler. */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { Admin, ITopicConfig, Kafka, KafkaMessage, Message, Producer } from '../../lambdas/shared/kafka/driver';
import { type DecodedRecord, decodeMskEvent, type MskEvent } from '../../lambdas/shared/kafka/msk-event';

export function uniqueName(prefix: string): string {
  return `esm-test.${prefix}.${randomUUID().slice(0, 8)}`;
}

export async function createTopic(admin: Admin, topic: ITopicConfig): Promise<void> {
  await admin.createTopics({ waitForLeaders: true, topics: [topic] });
}

export async function produce(producer: Producer, topic: string, messages: Message[]): Promise<void> {
  await producer.send({ topic, acks: -1, messages });
}

export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The group's committed offset per partition (-1 when none). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Record<number, number>> {
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries((result?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

/** Reads a topic from the beginning until `expected` messages are in (or fails after the timeout). */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  expected: number,
  timeoutMs = 10_000,
): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100, sessionTimeout: 6_000 });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${messages.length} of ${expected} messages in ${topic}`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (messages.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

export interface Invocation {
  readonly event: MskEvent;
  readonly context: Context;
  readonly records: DecodedRecord[];
  readonly startedAt: number;
  /** The remaining time the context reported when the invocation began. */
  readonly remainingAtStart: number;
  endedAt?: number;
}

/** A handler that records every invocation, then answers as `behaviour` says. */
export function recordingHandler(
  behaviour: (invocation: Invocation, index: number) => Promise<unknown> | unknown = () => undefined,
) {
  const invocations: Invocation[] = [];
  const handler = async (event: MskEvent, context: Context): Promise<unknown> => {
    const invocation: Invocation = {
      event,
      context,
      records: decodeMskEvent(event),
      startedAt: Date.now(),
      remainingAtStart: context.getRemainingTimeInMillis(),
    };
    invocations.push(invocation);
    try {
      return await behaviour(invocation, invocations.length - 1);
    } finally {
      invocation.endedAt = Date.now();
    }
  };
  const offsets = () => invocations.map((i) => i.records.map((r) => r.offset));
  const delivered = () => invocations.reduce((sum, i) => sum + i.records.length, 0);
  return { handler, invocations, offsets, delivered };
}
