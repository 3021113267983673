/**
 * The console's event tap against the real test broker: it shows a backlog, and when kafkajs gives
 * its consumer up (as after a broker restart: test/support/giving-up-kafka.ts) a new consumer
 * carries on from the last event shown, so the console misses nothing and shows nothing twice.
 */
import { Kafka, logLevel } from '../../lambdas/shared/kafka/driver';
import { EventTap } from '../../local/console/event-tap';
import type { OffsetsSnapshot } from '../../local/kafka-offsets';
import { givingUpKafka } from '../support/giving-up-kafka';
import { TEST_BOOTSTRAP } from './broker';
import { createTopic, produce, uniqueName, waitFor } from './support-esm';

const kafka = new Kafka({ clientId: 'event-tap-test', brokers: [TEST_BOOTSTRAP], logLevel: logLevel.NOTHING });

describe('the console event tap (real broker)', () => {
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let tap: EventTap | undefined;

  beforeAll(async () => {
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterEach(async () => {
    await tap?.stop();
  });

  afterAll(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  async function snapshot(topic: string): Promise<OffsetsSnapshot> {
    const partitions = (await admin.fetchTopicOffsets(topic)).map((p) => ({
      partition: p.partition,
      start: Number(p.low),
      end: Number(p.high),
    }));
    return { up: true, at: Date.now(), durationMs: 0, topics: [{ topic, partitions }], groups: [] };
  }

  function event(n: number): { key: string; value: string; partition: number } {
    const value = { specversion: '1.0', id: `evt-${n}`, source: 'test', type: 'orderpipeline.OrderCreated', data: {} };
    return { key: `k${n}`, value: JSON.stringify(value), partition: 0 };
  }

  it('carries on from the last event shown after kafkajs gave its consumer up, each event once', async () => {
    // Prepare: three events before the tap starts (its backlog), then the tap.
    const topic = uniqueName('tap');
    await createTopic(admin, { topic, numPartitions: 1 });
    await produce(producer, topic, [0, 1, 2].map(event));
    const { client, consumers, giveUp } = givingUpKafka(kafka);
    const lines: string[] = [];
    tap = new EventTap({
      bootstrapServers: TEST_BOOTSTRAP,
      topics: [topic],
      offsets: () => snapshot(topic),
      backlog: 2,
      log: (line) => lines.push(line),
      kafka: client,
    });
    await tap.start();
    const shown = () => (tap?.store.latest(topic) ?? []).map((e) => e.offset).sort((a, b) => a - b);
    await waitFor('the backlog of two shown', () => shown().length === 2, 30_000);

    // Act: kafkajs gives the consumer up; events arrive while none reads.
    await giveUp(0);
    await produce(producer, topic, [3, 4].map(event));

    // Assess
    await waitFor('the events produced meanwhile shown', () => shown().length === 4, 30_000);
    expect(shown()).toEqual([1, 2, 3, 4]);
    expect(consumers).toHaveLength(2);
    expect(tap.status()).toMatchObject({ state: 'running', records: 4 });
    expect(lines.some((line) => line.startsWith('console event tap: a new consumer of'))).toBe(true);
  });
});
