/**
 * Conformance of the local MSK trigger emulator with Lambda's MSK event source mapping in
 * provisioned mode (docs: shared reference lambda-kafka-esm.md), against the real test broker.
 * Every test has its own topics and consumer group, set through `overrides`, so the topology's
 * topics are never touched.
 */
import { type Admin, Kafka, logLevel, type Producer } from '../../lambdas/shared/kafka/driver';
import { decodeMskEvent, type KafkaBatchResponse, type MskRecord } from '../../lambdas/shared/kafka/msk-event';
import { subscriptionFilterPatterns } from '../../lib/subscription-filters';
import { cloudEventType, SERVICE_SPECS, type SubscriptionSpec } from '../../lib/topology';
import { EsmEmulator, type EsmEmulatorOptions } from '../../local/esm/emulator';
import { compileFilters, FilterPatternError } from '../../local/esm/filter';
import { DEFAULT_READING, type EsmReading } from '../../local/esm/readings';
import type { FunctionObserver, InvocationOutcome } from '../../local/function-observer';
import { TEST_BOOTSTRAP } from './broker';
import {
  committedOffsets,
  createTopic,
  produce,
  readTopic,
  recordingHandler,
  sleep,
  uniqueName,
  waitFor,
} from './support-esm';

const kafka = new Kafka({ clientId: 'esm-emulator-test', brokers: [TEST_BOOTSTRAP], logLevel: logLevel.NOTHING });
/** The payment service's subscription: OrderCreated and OrderCancelled from orders.events. */
const SUBSCRIPTION: SubscriptionSpec = SERVICE_SPECS.payment.subscriptions[0];
const FUNCTION_NAME = 'esm-test-function';
const FUNCTION_ARN = `arn:aws:lambda:local:000000000000:function:${FUNCTION_NAME}`;
const CLUSTER_ARN =
  /^arn:aws:kafka:local:000000000000:cluster\/local\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-1$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let admin: Admin;
let producer: Producer;
const running: EsmEmulator[] = [];

beforeAll(async () => {
  admin = kafka.admin();
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await Promise.all([admin.connect(), producer.connect()]);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.stop()));
});

afterAll(async () => {
  await Promise.all([admin.disconnect(), producer.disconnect()]);
});

interface Setup {
  readonly topic: string;
  readonly groupId: string;
  readonly deadLetterTopic: string;
}

async function topics(name: string, partitions = 1, configEntries?: { name: string; value: string }[]): Promise<Setup> {
  const setup = {
    topic: uniqueName(`${name}.source`),
    groupId: uniqueName(`${name}.group`),
    deadLetterTopic: uniqueName(`${name}.dlq`),
  };
  await createTopic(admin, {
    topic: setup.topic,
    numPartitions: partitions,
    ...(configEntries ? { configEntries } : {}),
  });
  await createTopic(admin, { topic: setup.deadLetterTopic, numPartitions: 1 });
  return setup;
}

async function startEmulator(
  setup: Setup,
  handler: EsmEmulatorOptions['handler'],
  overrides: EsmEmulatorOptions['overrides'] = {},
  timeoutSeconds = 10,
  observer?: FunctionObserver,
  reading?: EsmReading,
): Promise<EsmEmulator> {
  const emulator = new EsmEmulator({
    ...(observer ? { observer } : {}),
    ...(reading ? { reading } : {}),
    service: 'payment',
    subscription: SUBSCRIPTION,
    kafka,
    bootstrapServers: TEST_BOOTSTRAP,
    handler,
    functionName: FUNCTION_NAME,
    timeoutSeconds,
    log: process.env.ESM_TEST_LOG ? (line) => process.stderr.write(`[esm] ${line}\n`) : undefined,
    overrides: {
      topic: setup.topic,
      groupId: setup.groupId,
      deadLetterTopic: setup.deadLetterTopic,
      batchingWindowSeconds: 0,
      ...overrides,
    },
  });
  running.push(emulator);
  await emulator.start();
  return emulator;
}

function cloudEvent(type: string, n: number): string {
  return JSON.stringify({ specversion: '1.0', id: `evt-${n}`, source: 'test', type, data: { n } });
}

function numbered(count: number, value: (i: number) => string | null = (i) => `record-${i}`) {
  return Array.from({ length: count }, (_, i) => ({ key: `key-${i}`, value: value(i) }));
}

function signed(bytes: Buffer): number[] {
  return [...bytes].map((b) => (b > 127 ? b - 256 : b));
}

describe('the local MSK trigger emulator', () => {
  it('delivers events shaped byte for byte like Lambda’s MSK event', async () => {
    // Prepare
    const setup = await topics('shape', 2);
    const recorder = recordingHandler();
    await produce(producer, setup.topic, [
      {
        partition: 0,
        key: 'order-1',
        value: '{"orderId":"order-1"}',
        timestamp: '1767225600123',
        headers: {
          'ce-type': 'orderpipeline.OrderCreated',
          origin: 'café ë',
          binary: Buffer.from([0, 1, 127, 128, 200, 255]),
          repeated: ['one', 'two'],
        },
      },
      { partition: 0, key: null, value: 'no key', timestamp: '1767225600124' },
      { partition: 0, key: 'order-1', value: null, timestamp: '1767225600125' },
      { partition: 1, key: 'order-2', value: 'other partition', timestamp: '1767225600126' },
    ]);

    // Act
    await startEmulator(setup, recorder.handler, { filters: [], batchSize: 10, maxRecordAgeSeconds: -1 });
    await waitFor('4 records', () => recorder.delivered() === 4);

    // Assess
    for (const { event, context } of recorder.invocations) {
      expect(event.eventSource).toBe('aws:kafka');
      expect(event.eventSourceArn).toMatch(CLUSTER_ARN);
      expect(event.bootstrapServers).toBe(TEST_BOOTSTRAP);
      expect(Object.keys(event)).toEqual(['eventSource', 'eventSourceArn', 'bootstrapServers', 'records']);
      expect(context.awsRequestId).toMatch(UUID);
      expect(context.functionName).toBe(FUNCTION_NAME);
      expect(context.invokedFunctionArn).toBe(FUNCTION_ARN);
    }
    const raw = recorder.invocations.flatMap((i) => Object.entries(i.event.records));
    const byKey = (key: string) => raw.filter(([k]) => k === key).flatMap(([, records]) => records);
    const p0 = byKey(`${setup.topic}-0`);
    const p1 = byKey(`${setup.topic}-1`);
    const base64 = (text: string) => Buffer.from(text).toString('base64');
    expect(p0).toEqual([
      {
        topic: setup.topic,
        partition: 0,
        offset: 0,
        timestamp: 1767225600123,
        timestampType: 'CREATE_TIME',
        key: base64('order-1'),
        value: base64('{"orderId":"order-1"}'),
        headers: [
          { 'ce-type': signed(Buffer.from('orderpipeline.OrderCreated')) },
          { origin: [99, 97, 102, -61, -87, 32, -61, -85] },
          { binary: [0, 1, 127, -128, -56, -1] },
          { repeated: signed(Buffer.from('one')) },
          { repeated: signed(Buffer.from('two')) },
        ],
      },
      {
        topic: setup.topic,
        partition: 0,
        offset: 1,
        timestamp: 1767225600124,
        timestampType: 'CREATE_TIME',
        value: base64('no key'),
        headers: [],
      },
      {
        topic: setup.topic,
        partition: 0,
        offset: 2,
        timestamp: 1767225600125,
        timestampType: 'CREATE_TIME',
        key: base64('order-1'),
        value: null,
        headers: [],
      },
    ]);
    expect(Object.keys(p0[1] as MskRecord)).not.toContain('key');
    expect(p1).toEqual([
      {
        topic: setup.topic,
        partition: 1,
        offset: 0,
        timestamp: 1767225600126,
        timestampType: 'CREATE_TIME',
        key: base64('order-2'),
        value: base64('other partition'),
        headers: [],
      },
    ]);
    const decoded = recorder.invocations.flatMap((i) => decodeMskEvent(i.event));
    const first = decoded.find((r) => r.partition === 0 && r.offset === 0);
    expect(first?.headers).toEqual([
      { name: 'ce-type', value: Buffer.from('orderpipeline.OrderCreated') },
      { name: 'origin', value: Buffer.from('café ë') },
      { name: 'binary', value: Buffer.from([0, 1, 127, 128, 200, 255]) },
      { name: 'repeated', value: Buffer.from('one') },
      { name: 'repeated', value: Buffer.from('two') },
    ]);
    expect(decoded.find((r) => r.partition === 0 && r.offset === 1)?.key).toBeNull();
    expect(decoded.find((r) => r.partition === 0 && r.offset === 2)?.value).toBeNull();
  });

  it('reports LOG_APPEND_TIME and the broker’s timestamp on a topic that stamps records on append', async () => {
    // Prepare
    const setup = await topics('append-time', 1, [{ name: 'message.timestamp.type', value: 'LogAppendTime' }]);
    const recorder = recordingHandler();
    const before = Date.now();

    // Act
    await produce(producer, setup.topic, [{ value: 'x', timestamp: '1000' }]);
    await startEmulator(setup, recorder.handler, { filters: [] });
    await waitFor('the record', () => recorder.delivered() === 1);

    // Assess
    const [record] = Object.values(recorder.invocations[0]?.event.records ?? {}).flat();
    expect(record?.timestampType).toBe('LOG_APPEND_TIME');
    expect(record?.timestamp).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('never puts more records in a batch than the batch size', async () => {
    // Prepare
    const setup = await topics('batch-size');
    const recorder = recordingHandler();
    await produce(producer, setup.topic, numbered(10));

    // Act
    await startEmulator(setup, recorder.handler, { filters: [], batchSize: 3 });
    await waitFor('10 records', () => recorder.delivered() === 10);

    // Assess
    expect(recorder.offsets()).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
  });

  it('caps a batch at about 6 MB of serialized event', async () => {
    // Prepare: five 1.5 MB values, 2 MB each once base64-encoded, so at most two fit in 6 MB.
    const setup = await topics('payload-cap', 1, [{ name: 'max.message.bytes', value: '2000000' }]);
    const recorder = recordingHandler();
    for (let i = 0; i < 5; i++) {
      await produce(producer, setup.topic, [{ value: Buffer.alloc(1_572_864, i) }]);
    }

    // Act: a 1 s window so every record is buffered before the first batch is cut.
    await startEmulator(setup, recorder.handler, { filters: [], batchSize: 100, batchingWindowSeconds: 1 });
    await waitFor('5 records', () => recorder.delivered() === 5, 15_000);

    // Assess
    const batches = recorder.offsets();
    expect(batches.flat()).toEqual([0, 1, 2, 3, 4]);
    expect(Math.max(...batches.map((b) => b.length))).toBe(2);
    for (const { event } of recorder.invocations) {
      expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(6 * 1024 * 1024);
    }
  });

  it('with a zero batching window, invokes as soon as a record arrives', async () => {
    // Prepare
    const setup = await topics('window-zero');
    const recorder = recordingHandler();
    await startEmulator(setup, recorder.handler, { filters: [], batchSize: 10, batchingWindowSeconds: 0 });

    // Act
    const sentAt: number[] = [];
    for (const i of [0, 1]) {
      sentAt.push(Date.now());
      await produce(producer, setup.topic, [{ value: `r${i}` }]);
      await waitFor(`record ${i}`, () => recorder.delivered() === i + 1, 5_000);
    }

    // Assess: each record alone, each well before any window would have closed.
    expect(recorder.offsets()).toEqual([[0], [1]]);
    recorder.invocations.forEach((invocation, i) => {
      expect(invocation.startedAt - (sentAt[i] as number)).toBeLessThan(1_000);
    });
  });

  it('with a 1 s batching window, gathers the records that arrive within it into one batch', async () => {
    // Prepare
    const setup = await topics('window-one');
    const recorder = recordingHandler();
    await startEmulator(setup, recorder.handler, { filters: [], batchSize: 10, batchingWindowSeconds: 1 });

    // Act
    const firstSent = Date.now();
    for (const i of [0, 1, 2]) {
      await produce(producer, setup.topic, [{ value: `r${i}` }]);
      await sleep(250);
    }
    await waitFor('3 records', () => recorder.delivered() === 3, 5_000);

    // Assess
    expect(recorder.offsets()).toEqual([[0, 1, 2]]);
    expect((recorder.invocations[0]?.startedAt ?? 0) - firstSent).toBeGreaterThanOrEqual(950);
  });

  it('keeps each partition in order with one batch in flight, while partitions run in parallel', async () => {
    // Prepare
    const setup = await topics('ordering', 3);
    const active = new Map<number, number>();
    let maxPerPartition = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const recorder = recordingHandler(async ({ records }) => {
      const partition = records[0]?.partition as number;
      active.set(partition, (active.get(partition) ?? 0) + 1);
      maxPerPartition = Math.max(maxPerPartition, active.get(partition) ?? 0);
      maxConcurrent = Math.max(maxConcurrent, ++concurrent);
      await sleep(150);
      concurrent--;
      active.set(partition, (active.get(partition) ?? 1) - 1);
    });
    await produce(
      producer,
      setup.topic,
      [0, 1, 2].flatMap((partition) => numbered(6).map((m) => ({ ...m, partition }))),
    );

    // Act
    await startEmulator(setup, recorder.handler, { filters: [], batchSize: 2 });
    await waitFor('18 records', () => recorder.delivered() === 18);

    // Assess
    expect(maxPerPartition).toBe(1);
    expect(maxConcurrent).toBeGreaterThan(1);
    for (const partition of [0, 1, 2]) {
      const seen = recorder.invocations.flatMap((i) => i.records).filter((r) => r.partition === partition);
      expect(seen.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5]);
    }
    for (const { event } of recorder.invocations) expect(Object.keys(event.records)).toHaveLength(1);
  });

  it('applies the subscription’s filter: its own types and poison pass, other subscribers’ events are dropped and committed', async () => {
    // Prepare: the payment subscription handles OrderCreated and OrderCancelled of orders.events.
    const setup = await topics('filter');
    const recorder = recordingHandler();
    await produce(producer, setup.topic, [
      { value: cloudEvent(cloudEventType('OrderCreated'), 0) },
      { value: cloudEvent(cloudEventType('PaymentCompleted'), 1) },
      { value: 'not json' },
      { value: cloudEvent(cloudEventType('OrderCancelled'), 3) },
      { value: null },
      { value: JSON.stringify({ data: { type: cloudEventType('OrderCreated') } }) },
      { value: cloudEvent('OrderCreated', 6) },
      { value: cloudEvent(cloudEventType('OrderConfirmed'), 7) },
    ]);

    // Act
    const emulator = await startEmulator(setup, recorder.handler);
    await waitFor('all 8 records committed', async () => {
      return (await committedOffsets(admin, setup.groupId, setup.topic))[0] === 8;
    });

    // Assess: a type of another topic, not JSON, no type and an unknown type reach the function
    // (which dead-letters them); the tombstone and OrderConfirmed (shipping's) are filtered out.
    expect(recorder.offsets().flat()).toEqual([0, 1, 2, 3, 5, 6]);
    expect(emulator.stats().recordsFiltered).toBe(2);
    const invocations = recorder.invocations.length;

    // Act: a fetch with nothing that matches is committed without an invocation.
    await produce(producer, setup.topic, [{ value: cloudEvent(cloudEventType('OrderConfirmed'), 8) }, { value: null }]);
    await waitFor('the 2 dropped records committed', async () => {
      return (await committedOffsets(admin, setup.groupId, setup.topic))[0] === 10;
    });
    await emulator.idle();

    // Assess
    expect(recorder.invocations).toHaveLength(invocations);
    expect(emulator.stats().recordsFiltered).toBe(4);
  });

  it('after a partial batch response, redelivers only the records named (AWS: "retry only the failed records")', async () => {
    // Prepare
    const setup = await topics('partial');
    const recorder = recordingHandler((_, index): KafkaBatchResponse => {
      if (index > 0) return { batchItemFailures: [] };
      return {
        batchItemFailures: [4, 2].map((offset) => ({ itemIdentifier: { partition: `${setup.topic}-0`, offset } })),
      };
    });
    await produce(producer, setup.topic, numbered(5));

    // Act
    const emulator = await startEmulator(setup, recorder.handler, { filters: [], batchSize: 5 });
    await waitFor('the redelivery', () => recorder.invocations.length === 2);
    await emulator.idle();

    // Assess
    expect(recorder.offsets()).toEqual([
      [0, 1, 2, 3, 4],
      [2, 4],
    ]);
    expect(await committedOffsets(admin, setup.groupId, setup.topic)).toEqual({ 0: 5 });
    expect(emulator.stats()).toMatchObject({ partialFailures: 1, failedInvocations: 0, recordsDeadLettered: 0 });
  });

  it('under the from-lowest reading, a partial response resumes the partition from its lowest named offset', async () => {
    // Prepare
    const setup = await topics('partial-lowest');
    const recorder = recordingHandler((_, index): KafkaBatchResponse => {
      if (index > 0) return { batchItemFailures: [] };
      return {
        batchItemFailures: [4, 2].map((offset) => ({ itemIdentifier: { partition: `${setup.topic}-0`, offset } })),
      };
    });
    await produce(producer, setup.topic, numbered(5));

    // Act
    const emulator = await startEmulator(setup, recorder.handler, { filters: [], batchSize: 5 }, 10, undefined, {
      ...DEFAULT_READING,
      partialRedelivery: 'from-lowest',
    });
    await waitFor('the redelivery', () => recorder.invocations.length === 2);
    await emulator.idle();

    // Assess
    expect(recorder.offsets()).toEqual([
      [0, 1, 2, 3, 4],
      [2, 3, 4],
    ]);
    expect(await committedOffsets(admin, setup.groupId, setup.topic)).toEqual({ 0: 5 });
  });

  it('counts retries per record or per batch as the reading says: a record named every time is exhausted only per record', async () => {
    // A function that finishes only the first record of each batch and names the rest (as one
    // short of time does): its partition moves on one record per invocation.
    const firstOnly = (topic: string) =>
      recordingHandler(
        ({ records }): KafkaBatchResponse => ({
          batchItemFailures: records
            .slice(1)
            .map((r) => ({ itemIdentifier: { partition: `${topic}-0`, offset: r.offset } })),
        }),
      );
    const run = async (reading: EsmReading) => {
      const setup = await topics(`counting-${reading.retryCounting}`);
      const recorder = firstOnly(setup.topic);
      await produce(producer, setup.topic, numbered(4));
      const emulator = await startEmulator(
        setup,
        recorder.handler,
        { filters: [], batchSize: 4, retryAttempts: 1 },
        10,
        undefined,
        reading,
      );
      await waitFor(
        'every record resolved',
        async () => (await committedOffsets(admin, setup.groupId, setup.topic))[0] === 4,
      );
      await emulator.idle();
      return { offsets: recorder.offsets(), deadLettered: emulator.stats().recordsDeadLettered };
    };

    // Per record: 2 and 3 are named twice, over one retry: dead-lettered though they would succeed.
    // This is why the topology keeps retryAttempts at or above the batch size (lib/config.ts).
    expect(await run(DEFAULT_READING)).toEqual({
      offsets: [
        [0, 1, 2, 3],
        [1, 2, 3],
      ],
      deadLettered: 2,
    });
    // Per batch: the partition's head moves on after every invocation, so its count starts again.
    expect(await run({ ...DEFAULT_READING, retryCounting: 'per-batch' })).toEqual({
      offsets: [[0, 1, 2, 3], [1, 2, 3], [2, 3], [3]],
      deadLettered: 0,
    });
  });

  it('retries a batch whose invocation throws, then dead-letters each record in Lambda’s Kafka on-failure format', async () => {
    // Prepare
    const setup = await topics('thrown');
    const recorder = recordingHandler(() => {
      throw new Error('database unavailable');
    });
    await produce(producer, setup.topic, [
      { key: 'k0', value: 'a', timestamp: '1767225600000' },
      { key: null, value: 'b', timestamp: '1767225600001' },
      { key: 'k2', value: 'c', timestamp: '1767225600002' },
    ]);

    // Act
    const outcomes: InvocationOutcome[] = [];
    let deadLettered = 0;
    const emulator = await startEmulator(
      setup,
      recorder.handler,
      { filters: [], batchSize: 10, retryAttempts: 2, bisectOnError: false, maxRecordAgeSeconds: -1 },
      10,
      {
        invoked: (outcome) => outcomes.push(outcome),
        deadLettered: (records) => {
          deadLettered += records;
        },
      },
    );
    const dead = await readTopic(kafka, setup.deadLetterTopic, 3);
    await emulator.idle();

    // Assess: the first attempt and two retries, each with the whole batch.
    expect(recorder.offsets()).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(await committedOffsets(admin, setup.groupId, setup.topic)).toEqual({ 0: 3 });
    expect(dead.map((m) => m.key?.toString() ?? null)).toEqual(['k0', null, 'k2']);
    const last = recorder.invocations[2];
    const delivered = Object.values(last?.event.records ?? {}).flat();
    const documents = dead.map((m) => JSON.parse(m.value?.toString() ?? '{}'));
    documents.forEach((document, i) => {
      const record = delivered[i] as MskRecord;
      const payload = {
        eventSource: 'aws:kafka',
        eventSourceArn: last?.event.eventSourceArn,
        bootstrapServers: TEST_BOOTSTRAP,
        records: { [`${setup.topic}-0`]: [record] },
      };
      expect(document).toEqual({
        requestContext: {
          requestId: last?.context.awsRequestId,
          functionArn: FUNCTION_ARN,
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 3,
        },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        version: '1.0',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        KafkaBatchInfo: {
          batchSize: 1,
          eventSourceArn: last?.event.eventSourceArn,
          bootstrapServers: TEST_BOOTSTRAP,
          payloadSize: Buffer.byteLength(JSON.stringify(payload)),
          recordInfo: { offset: String(i), timestamp: new Date(1767225600000 + i).toISOString() },
        },
        payload,
      });
    });
    expect(emulator.stats()).toMatchObject({
      invocations: 3,
      retries: 2,
      failedInvocations: 3,
      recordsDeadLettered: 3,
    });
    // The observer hears the same story.
    expect(outcomes.map(({ error, retry }) => ({ error, retry }))).toEqual([
      { error: true, retry: false },
      { error: true, retry: true },
      { error: true, retry: true },
    ]);
    expect(outcomes.every((o) => o.durationMs >= 0)).toBe(true);
    expect(deadLettered).toBe(3);
  });

  it('bisects a failing batch until the poison record is alone, splits costing no retry, so the good records succeed', async () => {
    // Prepare
    const setup = await topics('bisect');
    const recorder = recordingHandler(({ records }) => {
      if (records.some((r) => r.value?.toString() === 'poison')) throw new Error('cannot handle poison');
    });
    await produce(
      producer,
      setup.topic,
      numbered(4, (i) => (i === 1 ? 'poison' : `good-${i}`)),
    );

    // Act
    const emulator = await startEmulator(setup, recorder.handler, {
      filters: [],
      batchSize: 4,
      retryAttempts: 2,
      bisectOnError: true,
    });
    const dead = await readTopic(kafka, setup.deadLetterTopic, 1);
    await emulator.idle();

    // Assess: the two splits are free (AWS: splitting "does not count towards the retry quota");
    // [1] alone then fails once and retries twice, which exhausts 2 retries.
    expect(recorder.offsets()).toEqual([[0, 1, 2, 3], [0, 1], [0], [1], [1], [1], [2, 3]]);
    const document = JSON.parse(dead[0]?.value?.toString() ?? '{}');
    expect(document.KafkaBatchInfo.recordInfo.offset).toBe('1');
    expect(document.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 5 });
    expect(await committedOffsets(admin, setup.groupId, setup.topic)).toEqual({ 0: 4 });
    expect(emulator.stats().recordsDeadLettered).toBe(1);
  });

  it('fails the whole batch when the response names a record that was not in it', async () => {
    // Prepare
    const setup = await topics('unknown-item');
    const recorder = recordingHandler((_, index): KafkaBatchResponse | undefined => {
      if (index > 0) return undefined;
      return { batchItemFailures: [{ itemIdentifier: { partition: `${setup.topic}-0`, offset: 99 } }] };
    });
    await produce(producer, setup.topic, numbered(3));

    // Act: bisect is on, and must not apply to a response Lambda cannot use.
    const emulator = await startEmulator(setup, recorder.handler, {
      filters: [],
      bisectOnError: true,
      retryAttempts: 3,
    });
    await waitFor('the retry', () => recorder.invocations.length === 2);
    await emulator.idle();

    // Assess
    expect(recorder.offsets()).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(emulator.stats()).toMatchObject({ failedInvocations: 1, partialFailures: 0 });
    expect(await committedOffsets(admin, setup.groupId, setup.topic)).toEqual({ 0: 3 });
  });

  it('sends records older than the maximum record age to the dead-letter topic without invoking', async () => {
    // Prepare
    const setup = await topics('max-age');
    const recorder = recordingHandler();
    const twoHoursAgo = Date.now() - 2 * 3_600_000;
    await produce(producer, setup.topic, [
      { key: 'old-0', value: 'a', timestamp: String(twoHoursAgo) },
      { key: 'old-1', value: 'b', timestamp: String(twoHoursAgo + 1) },
      { key: 'fresh', value: 'c' },
    ]);

    // Act
    const emulator = await startEmulator(setup, recorder.handler, { filters: [], maxRecordAgeSeconds: 60 });
    const dead = await readTopic(kafka, setup.deadLetterTopic, 2);
    await waitFor('the fresh record', () => recorder.delivered() === 1);
    await emulator.idle();

    // Assess
    expect(recorder.offsets()).toEqual([[2]]);
    const documents = dead.map((m) => JSON.parse(m.value?.toString() ?? '{}'));
    expect(dead.map((m) => m.key?.toString())).toEqual(['old-0', 'old-1']);
    for (const document of documents) {
      expect(document.requestContext).toMatchObject({ condition: 'RecordAgeExceeded', approximateInvokeCount: 0 });
      expect(document.responseContext).toBeNull();
    }
    expect(await committedOffsets(admin, setup.groupId, setup.topic)).toEqual({ 0: 3 });
  });

  it('counts an invocation slower than the function timeout as failed, and retries it', async () => {
    // Prepare
    const setup = await topics('timeout');
    const recorder = recordingHandler(async (_, index) => {
      if (index === 0) await sleep(1_500);
    });
    await produce(producer, setup.topic, numbered(2));

    // Act
    const emulator = await startEmulator(
      setup,
      recorder.handler,
      { filters: [], retryAttempts: 2, bisectOnError: false },
      1,
    );
    await waitFor('the retry', () => recorder.invocations.length === 2, 5_000);
    await emulator.idle();

    // Assess
    expect(recorder.offsets()).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(recorder.invocations[0]?.remainingAtStart).toBeLessThanOrEqual(1_000);
    expect(recorder.invocations[0]?.remainingAtStart).toBeGreaterThan(500);
    expect(emulator.stats()).toMatchObject({ failedInvocations: 1, recordsDeadLettered: 0 });
  });

  it('commits only after success: stopped mid-way and restarted, it loses nothing and redelivers nothing committed', async () => {
    // Prepare
    const setup = await topics('restart');
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const first = recordingHandler(async ({ records }) => {
      if (records.some((r) => r.offset === 2)) await gate;
    });
    await produce(producer, setup.topic, numbered(6));
    const emulator = await startEmulator(setup, first.handler, { filters: [], batchSize: 1 });
    await waitFor('offset 2 in flight', () => first.invocations.length === 3);

    // Act: stop while offset 2 is in flight, with 3..5 fetched but not yet invoked.
    expect(await committedOffsets(admin, setup.groupId, setup.topic)).toEqual({ 0: 2 });
    expect(emulator.stats()).toMatchObject({ inFlight: 1, buffered: 4 });
    let stopped = false;
    const stopping = emulator.stop().then(() => {
      stopped = true;
    });
    await sleep(300);
    expect(stopped).toBe(false);
    openGate();
    await stopping;

    // Assess
    expect(first.offsets()).toEqual([[0], [1], [2]]);
    expect(await committedOffsets(admin, setup.groupId, setup.topic)).toEqual({ 0: 3 });

    // Act: the same group again.
    const second = recordingHandler();
    await startEmulator(setup, second.handler, { filters: [], batchSize: 1 });
    await waitFor('offsets 3 to 5', () => second.delivered() === 3);

    // Assess
    expect(second.offsets()).toEqual([[3], [4], [5]]);
    await waitFor('offset 6 committed', async () => {
      return (await committedOffsets(admin, setup.groupId, setup.topic))[0] === 6;
    });
  });

  it('shares the partitions with another member of its consumer group, losing nothing', async () => {
    // Prepare
    const setup = await topics('shared-group', 2);
    const a = recordingHandler();
    const b = recordingHandler();
    const both = (partition: number) =>
      [...a.invocations, ...b.invocations]
        .flatMap((i) => i.records)
        .filter((r) => r.partition === partition)
        .map((r) => r.offset);
    await produce(
      producer,
      setup.topic,
      [0, 1].flatMap((partition) => numbered(4).map((m) => ({ ...m, partition }))),
    );
    await startEmulator(setup, a.handler, { filters: [] });
    await waitFor('the first 8 records', () => a.delivered() === 8);

    // Act: a second member joins; the group rebalances.
    await startEmulator(setup, b.handler, { filters: [] });
    await produce(
      producer,
      setup.topic,
      [0, 1].flatMap((partition) => numbered(4).map((m) => ({ ...m, partition }))),
    );
    await waitFor('every record committed', async () => {
      const committed = await committedOffsets(admin, setup.groupId, setup.topic);
      return committed[0] === 8 && committed[1] === 8;
    });

    // Assess: at least once, and the newcomer got a partition.
    for (const partition of [0, 1]) expect(new Set(both(partition))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(b.delivered()).toBeGreaterThan(0);
  });

  it('leaves nothing running after stop()', async () => {
    // Prepare
    const setup = await topics('stop');
    const recorder = recordingHandler();
    const emulator = await startEmulator(setup, recorder.handler, { filters: [] });
    await produce(producer, setup.topic, numbered(1));
    await waitFor('the record', () => recorder.delivered() === 1);

    // Act
    await emulator.stop();
    await produce(producer, setup.topic, numbered(1));
    await sleep(500);

    // Assess
    const { groups } = await admin.describeGroups([setup.groupId]);
    expect(groups[0]?.members).toEqual([]);
    expect(groups[0]?.state).toBe('Empty');
    expect(emulator.stats()).toMatchObject({ running: false, inFlight: 0 });
    expect(recorder.invocations).toHaveLength(1);
    await emulator.idle();
  });
});

describe('the emulator’s filter criteria (EventBridge patterns on the record value)', () => {
  const matches = (patterns: Parameters<typeof compileFilters>[0], value: string | Buffer | null) =>
    compileFilters(patterns)(typeof value === 'string' ? Buffer.from(value) : value);

  it('uses the one set of patterns the CDK stack renders: handled types, then what no subscriber of the topic expects', () => {
    const orders = (['OrderCreated', 'OrderConfirmed', 'OrderCancelled'] as const).map(cloudEventType);
    expect(subscriptionFilterPatterns(SUBSCRIPTION)).toEqual([
      { value: { type: [cloudEventType('OrderCreated'), cloudEventType('OrderCancelled')] } },
      { value: { type: [{ 'anything-but': orders }] } },
      { value: { type: [{ exists: false }] } },
      { value: [{ 'anything-but': [''] }] },
    ]);
    const accepts = compileFilters(subscriptionFilterPatterns(SUBSCRIPTION));
    const value = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
    expect(accepts(value({ type: cloudEventType('OrderCreated') }))).toBe(true);
    expect(accepts(value({ type: cloudEventType('OrderConfirmed') }))).toBe(false);
    expect(accepts(value({ type: cloudEventType('PaymentCompleted') }))).toBe(true);
    expect(accepts(value({ type: 'x.Unknown' }))).toBe(true);
    expect(accepts(value({ type: 42 }))).toBe(true);
    expect(accepts(value({ id: 'no type' }))).toBe(true);
    expect(accepts(value('<xml/>'))).toBe(true);
    expect(accepts(Buffer.from([0xff, 0xfe, 0x7b]))).toBe(false);
    expect(accepts(null)).toBe(false);
  });

  it('applies value matchers to leaves only: a JSON object never matches a plain-string pattern', () => {
    expect(matches([{ value: [{ 'anything-but': [''] }] }], '{"type":"a"}')).toBe(false);
    expect(matches([{ value: [{ 'anything-but': [''] }] }], 'plain')).toBe(true);
    expect(matches([{ value: { type: [{ exists: false }] } }], '{"type":{"nested":1}}')).toBe(true);
    expect(matches([{ value: { type: [{ exists: true }] } }], '{"type":{"nested":1}}')).toBe(false);
  });

  it('under the whole-value reading, a plain-string pattern matches JSON values too, so every event passes', () => {
    const accepts = compileFilters(subscriptionFilterPatterns(SUBSCRIPTION), { objectsAreLeaves: true });
    const value = (v: unknown) => Buffer.from(JSON.stringify(v));
    expect(accepts(value({ type: cloudEventType('OrderConfirmed') }))).toBe(true);
    expect(accepts(value({ type: cloudEventType('OrderCreated') }))).toBe(true);
    expect(accepts(Buffer.from('<xml/>'))).toBe(true);
    // Still nothing that is not UTF-8, and no tombstone: those have no value to match.
    expect(accepts(Buffer.from([0xff, 0xfe, 0x7b]))).toBe(false);
    expect(accepts(null)).toBe(false);
  });

  it('matches exact values on a nested key, and nothing that is not JSON, not UTF-8 or a tombstone', () => {
    const patterns = [{ value: { type: ['a', 'b'] } }];
    expect(matches(patterns, '{"type":"b"}')).toBe(true);
    expect(matches(patterns, '{"type":"c"}')).toBe(false);
    expect(matches(patterns, '{"data":{"type":"a"}}')).toBe(false);
    expect(matches(patterns, 'type a')).toBe(false);
    expect(matches(patterns, Buffer.from([0xff, 0xfe, 0x7b]))).toBe(false);
    expect(matches(patterns, null)).toBe(false);
    expect(matches([], 'anything')).toBe(true);
  });

  it('supports prefix, suffix, anything-but, numeric, exists, wildcard, $or and ORed patterns', () => {
    expect(matches([{ value: { id: [{ prefix: 'ord_' }] } }], '{"id":"ord_1"}')).toBe(true);
    expect(matches([{ value: { id: [{ suffix: '_9' }] } }], '{"id":"ord_1"}')).toBe(false);
    expect(matches([{ value: { s: [{ 'anything-but': ['x', 'y'] }] } }], '{"s":"z"}')).toBe(true);
    expect(matches([{ value: { s: [{ 'anything-but': { prefix: 'x' } }] } }], '{"s":"xy"}')).toBe(false);
    expect(matches([{ value: { s: [{ 'anything-but': 'x' }] } }], '{}')).toBe(false);
    expect(matches([{ value: { n: [{ numeric: ['>', 0, '<=', 5] }] } }], '{"n":5}')).toBe(true);
    expect(matches([{ value: { n: [{ numeric: ['>', 0, '<=', 5] }] } }], '{"n":6}')).toBe(false);
    expect(matches([{ value: { gone: [{ exists: false }] } }], '{"here":1}')).toBe(true);
    expect(matches([{ value: { here: [{ exists: true }] } }], '{"here":1}')).toBe(true);
    expect(matches([{ value: { f: [{ wildcard: 'a*.json' }] } }], '{"f":"abc.json"}')).toBe(true);
    expect(matches([{ value: { tags: ['red'] } }], '{"tags":["blue","red"]}')).toBe(true);
    expect(matches([{ value: [{ prefix: 'ERR' }] }], 'ERROR: disk')).toBe(true);
    const either = { value: { $or: [{ a: [1] }, { b: [2] }] } };
    expect(matches([either], '{"b":2}')).toBe(true);
    expect(matches([either], '{"a":2}')).toBe(false);
    expect(matches([{ value: { a: [1] } }, { value: { b: [2] } }], '{"b":2}')).toBe(true);
  });

  it('refuses a pattern it cannot evaluate rather than mis-matching it', () => {
    expect(() => compileFilters([{ value: { ip: [{ cidr: '10.0.0.0/24' }] } }])).toThrow(FilterPatternError);
  });
});
