/**
 * Reads a service's dead-letter topic, and replays its records to the topics they came from.
 *
 *   npx tsx scripts/dlq.ts read <service>                      one JSON line per dead letter
 *   npx tsx scripts/dlq.ts replay <service> [<partition>:<offset> ...]
 *                                                              all of them, or the ones listed
 *
 * Connects as the handlers do, from KAFKA_BOOTSTRAP_SERVERS, KAFKA_AUTH (`iam` on AWS, `plaintext`
 * locally) and AWS_REGION. Replaying is safe: consumers skip event ids they already handled.
 */

import { kafkaSettings } from '../lambdas/shared/env';
import { createKafka } from '../lambdas/shared/kafka/client';
import { type DeadLetter, readDeadLetter } from '../lambdas/shared/kafka/dead-letter';
import type { Kafka } from '../lambdas/shared/kafka/driver';
import { KafkaProducer } from '../lambdas/shared/kafka/publisher';
import { CONSUMER_SERVICES, type ConsumerServiceName, deadLetterTopic } from '../lib/topology';

export interface StoredDeadLetter extends DeadLetter {
  readonly partition: number;
  readonly offset: string;
}

/** Every message in the topic now, read with a throw-away consumer group that commits nothing. */
export async function readDeadLetters(kafka: Kafka, topic: string): Promise<StoredDeadLetter[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const pending = new Map(
    ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high) - 1n]),
  );
  const found: StoredDeadLetter[] = [];
  if (pending.size === 0) return found;
  const consumer = kafka.consumer({ groupId: `dlq-reader-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            if (!pending.has(partition)) return;
            found.push({ partition, offset: message.offset, ...readDeadLetter(message.value ?? '') });
            if (BigInt(message.offset) >= (pending.get(partition) as bigint)) pending.delete(partition);
            if (pending.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return found.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** Sends each dead letter's original record back to its topic, key, value and headers unchanged. */
export async function replay(producer: KafkaProducer, letters: readonly DeadLetter[]): Promise<void> {
  for (const letter of letters) await producer.send(letter.replay.topic, [letter.replay.message]);
}

/**
 * The dead letters named by DLQ `<partition>:<offset>`, or all of them when none is named. A name
 * that matches no dead letter is an error, so a typo never replays less than was asked for.
 */
export function pickDeadLetters(letters: readonly StoredDeadLetter[], picks: readonly string[]): StoredDeadLetter[] {
  if (picks.length === 0) return [...letters];
  const unknown = picks.filter((p) => !letters.some((l) => `${l.partition}:${l.offset}` === p));
  if (unknown.length > 0) {
    throw new Error(
      `no dead letter at ${unknown.join(', ')}; name them as <partition>:<offset>, as "read" prints them under "dlq"`,
    );
  }
  return letters.filter((l) => picks.includes(`${l.partition}:${l.offset}`));
}

/** One dead letter as the tools print it: where it sits, why it is there, where it came from, what it was. */
export function dlqSummary(letter: StoredDeadLetter): Record<string, unknown> {
  const value = letter.replay.message.value?.toString('utf8');
  let event: unknown = value ?? null;
  try {
    event = value === undefined ? null : JSON.parse(value);
  } catch {
    // Not JSON: shown as the text it is.
  }
  return {
    dlq: `${letter.partition}:${letter.offset}`,
    condition: letter.condition,
    ...(letter.reason ? { reason: letter.reason } : {}),
    from: `${letter.original.topic}-${letter.original.partition}@${letter.original.offset}`,
    event,
  };
}

async function main(args: string[]): Promise<void> {
  const [command, service, ...picked] = args;
  if (!['read', 'replay'].includes(command ?? '') || !CONSUMER_SERVICES.includes(service as ConsumerServiceName)) {
    throw new Error(`usage: dlq.ts read|replay <${CONSUMER_SERVICES.join('|')}> [<partition>:<offset> ...]`);
  }
  const kafka = createKafka('dlq-tool', kafkaSettings());
  const letters = await readDeadLetters(kafka, deadLetterTopic(service as ConsumerServiceName));
  if (command === 'read') {
    for (const letter of letters) console.log(JSON.stringify(dlqSummary(letter)));
    return;
  }
  const chosen = pickDeadLetters(letters, picked);
  const producer = new KafkaProducer(kafka);
  try {
    await replay(producer, chosen);
  } finally {
    await producer.disconnect();
  }
  console.log(`replayed ${chosen.length} of ${letters.length} dead letters`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
