/** scripts/dlq.ts against a real broker: dead letters written as the handlers write them, read back and replayed. */
import { randomUUID } from 'node:crypto';
import { createKafka } from '../../lambdas/shared/kafka/client';
import { kafkaDeadLetters } from '../../lambdas/shared/kafka/dead-letter';
import { type Admin, Kafka, type KafkaMessage, logLevel } from '../../lambdas/shared/kafka/driver';
import type { MskRecord } from '../../lambdas/shared/kafka/msk-event';
import { KafkaProducer } from '../../lambdas/shared/kafka/publisher';
import { readDeadLetters, replay } from '../../scripts/dlq';
import { TEST_BOOTSTRAP } from './broker';

const kafka = new Kafka({ clientId: 'dlq-tool-test', brokers: [TEST_BOOTSTRAP], logLevel: logLevel.NOTHING });

async function readOne(topic: string): Promise<KafkaMessage> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    return await new Promise<KafkaMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nothing in ${topic}`)), 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

describe('scripts/dlq.ts against a real broker', () => {
  const source = `dlq-tool-src-${randomUUID()}`;
  const dlq = `dlq-tool-${randomUUID()}.dlq`;
  const tool = createKafka('dlq-tool-test', { brokers: [TEST_BOOTSTRAP], auth: 'plaintext' });
  const producer = new KafkaProducer(tool);
  let admin: Admin;

  const record = (offset: number, value: string): MskRecord => ({
    topic: source,
    partition: 0,
    offset,
    timestamp: Date.parse('2026-11-28T10:00:00.000Z'),
    timestampType: 'CREATE_TIME',
    key: Buffer.from(`ord_${offset}`).toString('base64'),
    value: Buffer.from(value).toString('base64'),
    headers: [{ 'content-type': [...Buffer.from('application/cloudevents+json')] }],
  });

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: source, numPartitions: 1 },
        { topic: dlq, numPartitions: 2 },
      ],
    });
  });
  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  it('reads every dead letter with its reason and original record, then replays one byte for byte', async () => {
    // Prepare
    const sink = kafkaDeadLetters(producer, dlq);
    await sink.send(record(41, 'not json'), 'value is not JSON', { bootstrapServers: TEST_BOOTSTRAP });
    await sink.send(record(42, '{"specversion":"1.0"}'), 'missing id', { bootstrapServers: TEST_BOOTSTRAP });

    // Act
    const letters = await readDeadLetters(tool, dlq);

    // Assess
    expect(letters.map((l) => [l.condition, l.reason, l.original.offset])).toEqual(
      expect.arrayContaining([
        ['InvalidRecord', 'value is not JSON', 41],
        ['InvalidRecord', 'missing id', 42],
      ]),
    );
    expect(letters).toHaveLength(2);

    // Act
    const second = letters.find((l) => l.original.offset === 42);
    await replay(producer, second ? [second] : []);

    // Assess
    const replayed = await readOne(source);
    expect(replayed.key?.toString()).toBe('ord_42');
    expect(replayed.value?.toString()).toBe('{"specversion":"1.0"}');
    expect(replayed.headers?.['content-type']?.toString()).toBe('application/cloudevents+json');
  });

  it('reads an empty dead-letter topic as no dead letters, without waiting', async () => {
    const empty = `dlq-tool-${randomUUID()}.dlq`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: empty, numPartitions: 1 }] });
    await expect(readDeadLetters(tool, empty)).resolves.toEqual([]);
  });
});
