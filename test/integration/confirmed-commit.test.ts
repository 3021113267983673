/**
 * The trigger emulator's commits against the real broker and the real kafkajs consumer: a commit the
 * broker took is confirmed, and one that kafkajs drops without an error (its runner already
 * stopping: kafkajs 2.2.4 src/consumer/runner.js `commitOffsets`) is reported as not taken, so the
 * partition worker commits again instead of believing it done (local/esm/confirmed-commit.ts).
 */
import { type Admin, type Consumer, Kafka, logLevel } from '../../lambdas/shared/kafka/driver';
import { CommitNotTakenError, commitConfirmed } from '../../local/esm/confirmed-commit';
import { eventually } from '../support/eventually';
import { TEST_BOOTSTRAP } from './broker';
import { uniqueName } from './support-esm';

const kafka = new Kafka({ clientId: 'confirmed-commit-test', brokers: [TEST_BOOTSTRAP], logLevel: logLevel.NOTHING });

async function committed(admin: Admin, groupId: string, topic: string): Promise<string | undefined> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets?.partitions.find((p) => p.partition === 0)?.offset;
}

/** A consumer of `topic` that has joined its group and is running (as the emulator's is). */
async function runningConsumer(groupId: string, topic: string): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
  await joined;
  return consumer;
}

/** Commits as the partition worker does: again while kafkajs drops the commit. */
function commitUntilTaken(consumer: Consumer, topic: string, offset: number): Promise<true> {
  return eventually(`the broker to take offset ${offset}`, () =>
    commitConfirmed(consumer, topic, 0, offset).then(
      () => true as const,
      (error: unknown) => {
        if (error instanceof CommitNotTakenError) return undefined;
        throw error;
      },
    ),
  );
}

describe('confirmed commits (the trigger emulator, real broker)', () => {
  const admin = kafka.admin();
  let topic: string;

  beforeAll(async () => {
    await admin.connect();
    topic = uniqueName('confirmed-commit');
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await producer.disconnect();
  });

  afterAll(async () => {
    await admin.disconnect();
  });

  it('confirms a commit once the broker took it', async () => {
    const groupId = uniqueName('confirmed-commit-taken');
    const consumer = await runningConsumer(groupId, topic);
    try {
      // Right after joining, kafkajs sometimes still drops a commit (a new group's rejoin under way):
      // the worker commits again until one is taken, and so does this.
      await commitUntilTaken(consumer, topic, 2);
      expect(await committed(admin, groupId, topic)).toBe('2');
    } finally {
      await consumer.disconnect();
    }
  });

  it('reports a commit kafkajs drops while its consumer stops, and the broker indeed never took it', async () => {
    const groupId = uniqueName('confirmed-commit-dropped');
    const consumer = await runningConsumer(groupId, topic);
    await commitUntilTaken(consumer, topic, 1);

    // Act: the runner stops at once (as on a crash); kafkajs's commitOffsets then returns, no error.
    const stopping = consumer.stop();
    const dropped = commitConfirmed(consumer, topic, 0, 3);

    // Assess
    await expect(dropped).rejects.toBeInstanceOf(CommitNotTakenError);
    await stopping;
    await consumer.disconnect();
    expect(await committed(admin, groupId, topic)).toBe('1');
  });
});
