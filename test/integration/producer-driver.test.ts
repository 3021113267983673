/**
 * The functions' producer-only Kafka client (lambdas/shared/kafka/producer-driver.ts, kafkajs's
 * producer without its consumer and admin) against the real broker, composed as sharedProducer
 * composes it: KafkaProducer over ProducerOnlyKafka over kafkaConfig. What the functions rely on:
 * an idempotent producer, acknowledgement by all in-sync replicas, and the SASL OAUTHBEARER path
 * their IAM auth takes (here with the broker's unsecured-token listener, as no local broker checks
 * MSK's signed tokens).
 */

/// <reference path="../../lambdas/shared/kafka/kafkajs-internals.d.ts" />
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
// biome-ignore lint/style/noRestrictedImports: the test counts the wake-ups of the class lambdas/shared/kafka/request-queue-timer.ts mends.
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';
import type { KafkaSettings } from '../../lambdas/shared/env';
import { createEvent } from '../../lambdas/shared/events/envelope';
import { kafkaConfig } from '../../lambdas/shared/kafka/connection';
import { type Admin, type ISocketFactory, Kafka, type KafkaMessage, logLevel } from '../../lambdas/shared/kafka/driver';
import { ProducerOnlyKafka } from '../../lambdas/shared/kafka/producer-driver';
import { KafkaProducer, PublishError, toKafkaMessage } from '../../lambdas/shared/kafka/publisher';
import { TEST_BOOTSTRAP, TEST_OAUTHBEARER_BOOTSTRAP } from './broker';
import { readTopic, uniqueName } from './support-esm';

const kafka = new Kafka({ clientId: 'producer-driver-test', brokers: [TEST_BOOTSTRAP], logLevel: logLevel.NOTHING });
const plaintext: KafkaSettings = { brokers: [TEST_BOOTSTRAP], auth: 'plaintext' };

function userRegistered(n: number) {
  const userId = `usr_DRIVER${String(n).padStart(6, '0')}`;
  return createEvent(
    'UserRegistered',
    { userId, email: `user${n}@example.com`, name: `User ${n}` },
    { subject: userId, correlationId: `corr-driver-${n}` },
  );
}

async function newTopic(admin: Admin, prefix: string, configs: Record<string, string> = {}): Promise<string> {
  const topic = uniqueName(prefix);
  const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, configEntries }] });
  return topic;
}

/** What kafkajs decodes from the record batch header of a message (not in its public types). */
function batchContextOf(message: KafkaMessage): { producerId: string; producerEpoch: number; firstSequence: number } {
  return (message as unknown as { batchContext: { producerId: string; producerEpoch: number; firstSequence: number } })
    .batchContext;
}

/** Kafka API keys (the protocol's ApiKeys) this test looks for in what the client writes. */
const API_KEY = { produce: 0, initProducerId: 22 } as const;

/**
 * A socket factory that records every request the client writes: kafkajs writes each request,
 * size prefix included, in one write.
 */
function recordingSockets(written: Buffer[]): ISocketFactory {
  return ({ host, port, onConnect }) => {
    const socket = connect({ host, port }, onConnect);
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (Buffer.isBuffer(chunk)) written.push(Buffer.from(chunk));
      return write(chunk, ...rest);
    }) as typeof socket.write;
    return socket;
  };
}

/**
 * The `acks` of a Produce request (versions 3 to 7, the ones kafkajs speaks, none of them flexible):
 * int32 size; header int16 api_key, int16 api_version, int32 correlation_id, nullable string
 * client_id; body nullable string transactional_id, then int16 acks.
 */
function produceAcks(request: Buffer): number {
  const version = request.readInt16BE(6);
  if (version < 3 || version > 8) throw new Error(`Produce v${version}: this test reads versions 3 to 8 only`);
  const clientIdEnd = 14 + Math.max(0, request.readInt16BE(12));
  const transactionalIdEnd = clientIdEnd + 2 + Math.max(0, request.readInt16BE(clientIdEnd));
  return request.readInt16BE(transactionalIdEnd);
}

/** An unsigned JWT of the shape Kafka's default (unsecured) OAUTHBEARER validator accepts. */
function unsecuredToken(subject: string, expiresInSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (json: object) => Buffer.from(JSON.stringify(json)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub: subject, iat: now, exp: now + expiresInSeconds })}.`;
}

describe('the producer-only Kafka client against a real broker', () => {
  let admin: Admin;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(() => admin.disconnect());

  it('writes as an idempotent producer asking acks=all: a producer id first, then every Produce with acks -1', async () => {
    // Prepare: the socket factory the client is given sees every request it writes.
    const topic = await newTopic(admin, 'idempotent');
    const written: Buffer[] = [];
    const producer = new KafkaProducer(
      new ProducerOnlyKafka({
        ...kafkaConfig('producer-driver-idempotent', plaintext),
        socketFactory: recordingSockets(written),
      }),
    );
    const messages = [1, 2, 3].map((n) => toKafkaMessage(userRegistered(n)));

    // Act
    try {
      await producer.send(topic, messages.slice(0, 2));
      await producer.send(topic, messages.slice(2));
    } finally {
      await producer.disconnect();
    }

    // Assess: what went over the wire, and what the broker stored (a producer that is not
    // idempotent writes producer id -1 and no sequence numbers).
    const apis = written.map((request) => request.readInt16BE(4));
    expect(apis).toContain(API_KEY.initProducerId);
    expect(apis.indexOf(API_KEY.initProducerId)).toBeLessThan(apis.indexOf(API_KEY.produce));
    const acks = written.filter((request) => request.readInt16BE(4) === API_KEY.produce).map(produceAcks);
    expect(acks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(acks)).toEqual(new Set([-1]));
    const delivered = await readTopic(kafka, topic, 3, 20_000);
    expect(delivered.map((m) => m.value?.toString()).sort()).toEqual(messages.map((m) => m.value).sort());
    for (const message of delivered) {
      const context = batchContextOf(message);
      expect(Number(context.producerId)).toBeGreaterThanOrEqual(0);
      expect(context.producerEpoch).toBeGreaterThanOrEqual(0);
      expect(context.firstSequence).toBeGreaterThanOrEqual(0);
    }
  });

  it('leaves its connections asleep between sends (no 1 ms re-check of an empty request queue)', async () => {
    // Prepare: a producer that has sent, so every connection it opened has had answers.
    const topic = await newTopic(admin, 'quiet');
    const producer = new KafkaProducer(new ProducerOnlyKafka(kafkaConfig('producer-driver-quiet', plaintext)));
    const check = RequestQueue.prototype.checkPendingRequests;
    let checks = 0;
    try {
      await producer.send(topic, [toKafkaMessage(userRegistered(6))]);
      RequestQueue.prototype.checkPendingRequests = function counted(this: RequestQueue) {
        checks++;
        check.call(this);
      };

      // Act: a second of nothing to send
      await sleep(1_000);
    } finally {
      RequestQueue.prototype.checkPendingRequests = check;
      await producer.disconnect();
    }

    // Assess: kafkajs 2.2.4 unmended re-checks every queue about 800 times in that second (this
    // producer's connections and the admin's); mended, only a request's answer makes a check.
    expect(checks).toBeLessThan(20);
  });

  it('authenticates with SASL OAUTHBEARER, taking its token from the configured provider', async () => {
    // Prepare
    const topic = await newTopic(admin, 'sasl');
    const tokensAskedFor: string[] = [];
    const producer = new KafkaProducer(
      new ProducerOnlyKafka({
        ...kafkaConfig('producer-driver-sasl', { brokers: [TEST_OAUTHBEARER_BOOTSTRAP], auth: 'plaintext' }),
        sasl: {
          mechanism: 'oauthbearer',
          oauthBearerProvider: async () => {
            tokensAskedFor.push(new Date().toISOString());
            return { value: unsecuredToken('producer-driver-test', 600) };
          },
        },
      }),
    );
    const message = toKafkaMessage(userRegistered(4));

    // Act
    try {
      await producer.send(topic, [message]);
    } finally {
      await producer.disconnect();
    }

    // Assess
    expect(tokensAskedFor.length).toBeGreaterThanOrEqual(1);
    const delivered = await readTopic(kafka, topic, 1, 20_000);
    expect(delivered.map((m) => m.value?.toString())).toEqual([message.value]);
  });

  it('fails with a PublishError, writing nothing, when the broker refuses the token', async () => {
    // Prepare: an expired token, which the broker's validator refuses.
    const topic = await newTopic(admin, 'sasl-refused');
    let tokensAskedFor = 0;
    const producer = new KafkaProducer(
      new ProducerOnlyKafka({
        ...kafkaConfig('producer-driver-sasl-refused', { brokers: [TEST_OAUTHBEARER_BOOTSTRAP], auth: 'plaintext' }),
        sasl: {
          mechanism: 'oauthbearer',
          oauthBearerProvider: async () => {
            tokensAskedFor++;
            return { value: unsecuredToken('producer-driver-test', -600) };
          },
        },
      }),
    );

    // Act
    const sent = producer.send(topic, [toKafkaMessage(userRegistered(5))]);

    // Assess
    await expect(sent).rejects.toThrow(PublishError);
    await producer.disconnect();
    expect(tokensAskedFor).toBeGreaterThanOrEqual(1);
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.map((p) => p.high)).toEqual(['0', '0', '0']);
  });
});
