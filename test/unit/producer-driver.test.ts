/**
 * The producer-only client reaches into kafkajs's source modules (lambdas/shared/kafka/producer-driver.ts),
 * which carry no promise between releases: it is written against one kafkajs version, and this
 * fails as soon as another is installed or pinned. test/integration/producer-driver.test.ts runs it
 * against the real broker.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logLevel as kafkajsLogLevel, Partitioners as kafkajsPartitioners } from '../../lambdas/shared/kafka/driver';
import { KAFKAJS_VERSION, logLevel, Partitioners, ProducerOnlyKafka } from '../../lambdas/shared/kafka/producer-driver';

const REPO = join(__dirname, '..', '..');
const readJson = (path: string) => JSON.parse(readFileSync(join(REPO, path), 'utf8'));

describe('the producer-only kafkajs client', () => {
  it('is written against the kafkajs version installed and pinned', () => {
    // Act
    const installed = readJson('node_modules/kafkajs/package.json').version;
    const pinned = readJson('package.json').dependencies.kafkajs;

    // Assess: moving kafkajs means reading its src/index.js Kafka#producer again, then this pin.
    expect({ installed, pinned }).toEqual({ installed: KAFKAJS_VERSION, pinned: KAFKAJS_VERSION });
  });

  it("hands out kafkajs's own partitioners and log levels", () => {
    // Assess
    expect(Partitioners).toBe(kafkajsPartitioners);
    expect(logLevel).toEqual(kafkajsLogLevel);
  });

  it('asks for a partitioner rather than warn about kafkajs v2 changing its default', () => {
    // Prepare
    const kafka = new ProducerOnlyKafka({ clientId: 'unit', brokers: ['127.0.0.1:1'] });

    // Act
    const withoutPartitioner = () => kafka.producer({ idempotent: true });

    // Assess
    expect(withoutPartitioner).toThrow(/needs createPartitioner \(e\.g\. Partitioners\.DefaultPartitioner\)/);
    expect(kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })).toEqual(
      expect.objectContaining({ connect: expect.any(Function), sendBatch: expect.any(Function) }),
    );
  });
});
