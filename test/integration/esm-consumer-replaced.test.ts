/**
 * The trigger emulator when kafkajs gives up on its consumer, against the real test broker. After a
 * crash with an error kafkajs deems final (after a broker restart: "Failed to find group
 * coordinator"), kafkajs disconnects the consumer, emits CRASH with `restart: false` and never
 * polls again (kafkajs 2.2.4 src/consumer/index.js `onCrash`). Lambda's poller does not stop, so
 * the emulator starts a new consumer. The real consumer is given up on here exactly as kafkajs does
 * it: disconnected, then its CRASH listeners told.
 */
import type { Kafka as KafkaClient } from '../../lambdas/shared/kafka/driver';
import { Kafka, logLevel } from '../../lambdas/shared/kafka/driver';
import { SERVICE_SPECS } from '../../lib/topology';
import { EsmEmulator } from '../../local/esm/emulator';
import { givingUpKafka } from '../support/giving-up-kafka';
import { TEST_BOOTSTRAP } from './broker';
import { committedOffsets, createTopic, produce, recordingHandler, sleep, uniqueName, waitFor } from './support-esm';

const kafka = new Kafka({ clientId: 'esm-replaced-test', brokers: [TEST_BOOTSTRAP], logLevel: logLevel.NOTHING });

describe('the trigger emulator after kafkajs gave up on its consumer (real broker)', () => {
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const running: EsmEmulator[] = [];

  beforeAll(async () => {
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((emulator) => emulator.stop()));
  });

  afterAll(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  async function setUp(kafkaClient: KafkaClient, handler: ReturnType<typeof recordingHandler>['handler']) {
    const topic = uniqueName('replaced.source');
    const groupId = uniqueName('replaced.group');
    const deadLetterTopic = uniqueName('replaced.dlq');
    await createTopic(admin, { topic, numPartitions: 2 });
    await createTopic(admin, { topic: deadLetterTopic, numPartitions: 1 });
    const lines: string[] = [];
    const emulator = new EsmEmulator({
      service: 'payment',
      subscription: SERVICE_SPECS.payment.subscriptions[0],
      kafka: kafkaClient,
      bootstrapServers: TEST_BOOTSTRAP,
      handler,
      functionName: 'esm-replaced-test',
      timeoutSeconds: 10,
      log: (line) => lines.push(line),
      overrides: { topic, groupId, deadLetterTopic, batchingWindowSeconds: 0, filters: [] },
    });
    running.push(emulator);
    await emulator.start();
    return { topic, groupId, emulator, lines };
  }

  it('starts a new consumer, which fetches and commits what the old one never reached', async () => {
    // Prepare
    const { client, consumers, giveUp } = givingUpKafka(kafka);
    const recorder = recordingHandler();
    const { topic, groupId, emulator, lines } = await setUp(client, recorder.handler);
    await produce(producer, topic, [
      { key: 'a', value: 'one', partition: 0 },
      { key: 'b', value: 'two', partition: 1 },
    ]);
    await waitFor('the first records committed', async () => {
      const offsets = await committedOffsets(admin, groupId, topic);
      return offsets[0] === 1 && offsets[1] === 1;
    });

    // Act: kafkajs gives up; records arrive while no consumer polls.
    await giveUp(0);
    await produce(producer, topic, [
      { key: 'c', value: 'three', partition: 0 },
      { key: 'd', value: 'four', partition: 1 },
    ]);

    // Assess: a second consumer took over, delivered the new records once, and committed them.
    await waitFor(
      'the records produced after the give-up, committed',
      async () => {
        const offsets = await committedOffsets(admin, groupId, topic);
        return offsets[0] === 2 && offsets[1] === 2;
      },
      30_000,
    );
    expect(consumers).toHaveLength(2);
    expect(emulator.stats().consumersStarted).toBe(2);
    expect(recorder.invocations.flatMap((i) => i.records.map((r) => `${r.partition}@${r.offset}`)).sort()).toEqual([
      '0@0',
      '0@1',
      '1@0',
      '1@1',
    ]);
    expect(lines).toContain(
      `kafkajs gave up on the consumer of ${topic} as ${groupId} (Failed to find group coordinator); a new one starts in 1000 ms`,
    );
    expect(lines).toContain(`a new consumer of ${topic} as ${groupId} runs`);
  });

  it('does not replace a consumer that kafkajs restarts itself, nor one given up on during stop()', async () => {
    // Prepare
    const { client, consumers, giveUp } = givingUpKafka(kafka);
    const { emulator, lines } = await setUp(client, recordingHandler().handler);

    // Act: a retriable crash (kafkajs restarts that consumer itself), then a final one while stopping.
    const entry = consumers[0];
    if (!entry) throw new Error('no consumer');
    for (const listener of entry.crashListeners) {
      listener({
        id: '0',
        type: 'consumer.crash',
        timestamp: Date.now(),
        payload: { error: new Error('Connection error'), groupId: 'ignored', restart: true },
      });
    }
    const stopping = emulator.stop();
    await giveUp(0);
    await stopping;
    await sleep(1_500); // past the first pause before a replacement

    // Assess
    expect(lines.filter((line) => line.includes('gave up'))).toEqual([]);
    expect(consumers).toHaveLength(1);
    expect(emulator.stats()).toMatchObject({ running: false, consumersStarted: 1 });
  });

  it('keeps a partition paused for back-pressure paused on the new consumer, then delivers each record once', async () => {
    // Prepare: the function holds its first batch until the gate opens, so fetched records pile up.
    const { client, consumers, giveUp } = givingUpKafka(kafka);
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const recorder = recordingHandler(() => gate);
    const { topic, groupId, emulator } = await setUp(client, recorder.handler);
    const count = 700;
    await produce(
      producer,
      topic,
      Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: 0 })),
    );
    await waitFor('the partition paused', () => consumers[0]?.consumer.paused().length === 1, 30_000);

    // Act
    await giveUp(0);
    await waitFor('a new consumer', () => emulator.stats().consumersStarted === 2, 30_000);
    await waitFor('the new consumer to join with the partition paused', () =>
      (consumers[1]?.consumer.paused() ?? []).some((p) => p.topic === topic && p.partitions.includes(0)),
    );
    open();

    // Assess
    await waitFor(
      'every record committed',
      async () => (await committedOffsets(admin, groupId, topic))[0] === count,
      60_000,
    );
    const offsets = recorder.invocations.flatMap((i) =>
      i.records.filter((r) => r.partition === 0).map((r) => r.offset),
    );
    expect(offsets).toEqual(Array.from({ length: count }, (_, i) => i));
  });
});
