/** The shared Kafka producer and dead-letter sink against the real broker. */
import { randomUUID } from 'node:crypto';
import { createEvent } from '../../lambdas/shared/events/envelope';
import { createKafka } from '../../lambdas/shared/kafka/client';
import { kafkaDeadLetters } from '../../lambdas/shared/kafka/dead-letter';
import { type Admin, Kafka, type KafkaMessage, logLevel } from '../../lambdas/shared/kafka/driver';
import { KafkaProducer, PublishError } from '../../lambdas/shared/kafka/publisher';
import { domainTopic } from '../../lib/topology';
import { TEST_BOOTSTRAP } from './broker';

const kafka = new Kafka({ clientId: 'producer-test', brokers: [TEST_BOOTSTRAP], logLevel: logLevel.NOTHING });

async function readAll(topic: string, expected: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${messages.length} of ${expected} messages in ${topic}`)),
      20_000,
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
  await consumer.disconnect();
  return messages;
}

describe('KafkaProducer against a real broker', () => {
  let admin: Admin;
  const producer = new KafkaProducer(createKafka('producer-test', { brokers: [TEST_BOOTSTRAP], auth: 'plaintext' }));

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [domainTopic('users'), 'producer-test.dlq', 'producer-test.intercepted'].map((topic) => ({
        topic,
        numPartitions: 3,
      })),
    });
  });
  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  it('publishes a CloudEvent to its domain topic, keyed by subject, with CloudEvents headers', async () => {
    const event = createEvent(
      'UserRegistered',
      { userId: 'usr_0123456789AB', email: 'ada@example.com', name: 'Ada Lovelace' },
      { subject: 'usr_0123456789AB', correlationId: 'corr-1' },
    );

    await producer.publish([event]);

    const [message] = await readAll(domainTopic('users'), 1);
    expect(message?.key?.toString()).toBe('usr_0123456789AB');
    expect(JSON.parse(message?.value?.toString() ?? '{}')).toEqual(event);
    expect(message?.headers?.['content-type']?.toString()).toBe('application/cloudevents+json');
    expect(message?.headers?.ce_id?.toString()).toBe(event.id);
  });

  it('writes a dead letter keyed by the original key, with the reason in a header and the body', async () => {
    const sink = kafkaDeadLetters(producer, 'producer-test.dlq');
    const raw = {
      topic: 'orders.events',
      partition: 2,
      offset: 7,
      timestamp: 1_767_225_600_000,
      timestampType: 'CREATE_TIME' as const,
      key: Buffer.from('ord_0123456789AB').toString('base64'),
      value: Buffer.from('not json').toString('base64'),
      headers: [],
    };

    await sink.send(raw, 'value is not JSON', { bootstrapServers: TEST_BOOTSTRAP });

    const [message] = await readAll('producer-test.dlq', 1);
    expect(message?.key?.toString()).toBe('ord_0123456789AB');
    expect(message?.headers?.['x-dlq-reason']?.toString()).toBe('value is not JSON');
    const body = JSON.parse(message?.value?.toString() ?? '{}');
    expect(body.reason).toBe('value is not JSON');
    expect(body.payload.records['orders.events-2']).toEqual([raw]);
  });

  it('runs a SendInterceptor around each actual send (callers of one turn share it), with what it sends; once removed, sends go straight', async () => {
    const seen: string[][] = [];
    let acknowledged = 0;
    producer.interceptSends(async (send, batch) => {
      seen.push(batch.map((t) => `${t.topic}:${t.messages.length}`));
      await send();
      acknowledged++;
    });
    try {
      // Three callers in one turn of the event loop, as concurrent records of a batch: one send.
      await Promise.all([
        producer.send('producer-test.intercepted', [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
        ]),
        producer.send('producer-test.intercepted', [{ key: 'c', value: '3' }]),
        producer.send('producer-test.intercepted', [{ key: 'd', value: '4' }]),
      ]);
      // A later caller: a send of its own.
      await producer.send('producer-test.intercepted', [{ key: 'e', value: '5' }]);
    } finally {
      producer.interceptSends(undefined);
    }
    await producer.send('producer-test.intercepted', [{ key: 'f', value: '6' }]);

    expect(seen).toEqual([['producer-test.intercepted:4'], ['producer-test.intercepted:1']]);
    expect(acknowledged).toBe(2);
    const values = (await readAll('producer-test.intercepted', 6)).map((m) => m.value?.toString());
    expect(values.sort()).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('fails with a PublishError when the broker cannot be reached, and recovers on the next call', async () => {
    const unreachable = new KafkaProducer(
      createKafka('unreachable', { brokers: ['127.0.0.1:1'], auth: 'plaintext' }),
      2_000,
    );
    const event = createEvent(
      'UserRegistered',
      { userId: 'usr_0123456789AC', email: 'ada@example.com', name: 'Ada' },
      { subject: 'usr_0123456789AC', correlationId: 'corr-2' },
    );
    await expect(unreachable.publish([event])).rejects.toBeInstanceOf(PublishError);
    await unreachable.disconnect();
  });
});
