import { createEvent } from '../../lambdas/shared/events/envelope';
import OrderCreatedV1 from '../../lambdas/shared/events/examples/OrderCreated.v1.example.json';
import type { CloudEvent } from '../../lambdas/shared/events/validation';
import type { IdempotencyGuard } from '../../lambdas/shared/idempotency';
import {
  type AroundRecord,
  type BatchOutcome,
  type ConsumerDeps,
  type ConsumerLogger,
  consumeBatch,
  type EventHandlers,
} from '../../lambdas/shared/kafka/consumer';
import {
  type DeadLetterContext,
  type DeadLetterSink,
  deadLetterRecord,
  kafkaDeadLetters,
} from '../../lambdas/shared/kafka/dead-letter';
import type { Message } from '../../lambdas/shared/kafka/driver';
import {
  type DecodedRecord,
  decodeMskEvent,
  type MskEvent,
  type MskRecord,
} from '../../lambdas/shared/kafka/msk-event';
import { dynamoIdempotency } from '../../lambdas/shared/powertools-idempotency';
import { type EventName, MAX_EVENT_BYTES } from '../../lib/topology';
import fixture from '../fixtures/msk-event.multi-partition.json';
import { startDynamo, type TestDynamo } from '../support/dynalite';
import { lambdaContext } from '../support/lambda-context';

// ---------------------------------------------------------------------------------------------
// Test doubles: a logger, handlers and a dead-letter sink that keep what they are given.
// ---------------------------------------------------------------------------------------------

interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

function memoryLogger(): ConsumerLogger & { readonly entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    info: (message, fields) => entries.push({ level: 'info', message, fields }),
    warn: (message, fields) => entries.push({ level: 'warn', message, fields }),
    error: (message, fields) => entries.push({ level: 'error', message, fields }),
  };
}

interface HandlerCall {
  readonly name: EventName;
  readonly event: CloudEvent;
  readonly record: DecodedRecord;
}

/** Runs before a handler records its call; throwing here makes the handler throw. */
type Behaviour = (name: EventName, event: CloudEvent, record: DecodedRecord) => Promise<void> | void;

/** Handlers for OrderCreated and OrderCancelled that record every event they are handed. */
function recordingHandlers(
  calls: HandlerCall[],
  behaviour: Behaviour = () => undefined,
  names: readonly EventName[] = ['OrderCreated', 'OrderCancelled'],
): EventHandlers {
  const handlers: Partial<Record<EventName, (event: CloudEvent, record: DecodedRecord) => Promise<void>>> = {};
  for (const name of names) {
    handlers[name] = async (event, record) => {
      await behaviour(name, event, record);
      calls.push({ name, event, record });
    };
  }
  return handlers as EventHandlers;
}

interface DeadLetter {
  readonly record: MskRecord;
  readonly reason: string;
  readonly context: DeadLetterContext;
}

/** A DeadLetterSink that keeps every record it is sent, and can be told to fail (Kafka unreachable). */
function recordingDeadLetters(): DeadLetterSink & { readonly sent: DeadLetter[]; failing: boolean } {
  const sink = {
    sent: [] as DeadLetter[],
    failing: false,
    async send(record: MskRecord, reason: string, context: DeadLetterContext) {
      if (sink.failing) throw new Error('dead-letter topic unreachable');
      sink.sent.push({ record, reason, context });
    },
  };
  return sink;
}

// ---------------------------------------------------------------------------------------------
// Batches: the two-partition fixture, parts of it, and records built from events.
// ---------------------------------------------------------------------------------------------

// The JSON import types each header object separately; the fixture is an MskEvent as Lambda sends it.
const mskEvent = (): MskEvent => structuredClone(fixture) as unknown as MskEvent;

/** The fixture's record at `offset` (offsets are unique across its two partitions). */
function fixtureRecord(offset: number): MskRecord {
  const found = Object.values(mskEvent().records)
    .flat()
    .find((r) => r.offset === offset);
  if (!found) throw new Error(`no record at offset ${offset} in the fixture`);
  return found;
}

/** The fixture with only the records whose offsets are listed, partitions without any dropped. */
function mskEventWith(offsets: readonly number[]): MskEvent {
  const event = mskEvent();
  const records: Record<string, MskRecord[]> = {};
  for (const [key, partitionRecords] of Object.entries(event.records)) {
    const kept = partitionRecords.filter((r) => offsets.includes(r.offset));
    if (kept.length > 0) records[key] = kept;
  }
  return { ...event, records };
}

/** An MSK event of the fixture's cluster carrying exactly these records, grouped as Lambda groups them. */
function batchOf(...records: MskRecord[]): MskEvent {
  const grouped: Record<string, MskRecord[]> = {};
  for (const record of records) {
    const key = `${record.topic}-${record.partition}`;
    grouped[key] = [...(grouped[key] ?? []), record];
  }
  return { ...mskEvent(), records: grouped };
}

/** A record of orders.events carrying `value` as JSON (or `null`, a tombstone). */
function recordOf(value: unknown, offset: number, partition = 2): MskRecord {
  return {
    topic: 'orders.events',
    partition,
    offset,
    timestamp: 1_736_935_210_000 + offset,
    timestampType: 'CREATE_TIME',
    key: null,
    value: value === null ? null : Buffer.from(JSON.stringify(value), 'utf8').toString('base64'),
    headers: [],
  };
}

/** The CloudEvent a fixture record carries. */
function eventIn(offset: number): CloudEvent {
  return JSON.parse(Buffer.from(fixtureRecord(offset).value ?? '', 'base64').toString('utf8'));
}

const failure = (partition: string, offset: number) => ({ itemIdentifier: { partition, offset } });

// The fixture's poison records and the reason each can never succeed.
const NOT_JSON = { partition: 'orders.events-0', offset: 1042, reason: 'value is not JSON' };
const BAD_QUANTITY = {
  partition: 'orders.events-1',
  offset: 879,
  reason: 'OrderCreated v2 data: /items/0/quantity must be >= 1',
};
const TOMBSTONE = { partition: 'orders.events-1', offset: 880, reason: 'record has no value' };

const SOURCE = {
  eventSource: fixture.eventSource,
  eventSourceArn: fixture.eventSourceArn,
  bootstrapServers: fixture.bootstrapServers,
};

// ---------------------------------------------------------------------------------------------

describe('Function: consumeBatch (idempotency over dynalite)', () => {
  let dynamo: TestDynamo;
  let guards = 0;

  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => dynamo.stop());

  /** A real idempotency guard with a key prefix of its own, so each test starts with no event seen. */
  const freshGuard = (): IdempotencyGuard =>
    dynamoIdempotency({
      client: dynamo.client,
      tableName: dynamo.tableName('idempotency'),
      keyPrefix: `consumer-test-${++guards}`,
    });

  /** Everything consumeBatch needs, with every dependency recording what it is given. */
  function harness(
    options: { behaviour?: Behaviour; names?: readonly EventName[]; idempotency?: IdempotencyGuard } = {},
  ) {
    const calls: HandlerCall[] = [];
    const outcomes: BatchOutcome[] = [];
    const deadLetters = recordingDeadLetters();
    const logger = memoryLogger();
    const deps: ConsumerDeps = {
      handlers: recordingHandlers(calls, options.behaviour, options.names),
      idempotency: options.idempotency ?? freshGuard(),
      deadLetters,
      logger,
      onOutcome: (outcome) => outcomes.push(outcome),
    };
    return { deps, calls, outcomes, deadLetters, logger };
  }

  describe('with the two-partition fixture', () => {
    it('reports no batch item failure: every poison record is dead-lettered and its partition moves on', async () => {
      // Prepare
      const { deps } = harness();

      // Act
      const response = await consumeBatch(mskEvent(), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
    });

    it('hands every valid record to its handler in order, including those after a poison record', async () => {
      // Prepare
      const { deps, calls } = harness();

      // Act
      await consumeBatch(mskEvent(), deps);

      // Assess
      expect(calls.map((c) => [c.name, c.record.itemIdentifier.partition, c.record.offset])).toEqual([
        ['OrderCreated', 'orders.events-0', 1041],
        ['OrderCancelled', 'orders.events-0', 1043],
        ['OrderCreated', 'orders.events-1', 877],
        ['OrderCancelled', 'orders.events-1', 878],
      ]);
    });

    it('hands the parsed CloudEvent and the decoded record to the handler', async () => {
      // Prepare
      const { deps, calls } = harness();

      // Act
      await consumeBatch(mskEvent(), deps);

      // Assess
      const [first] = calls;
      expect(first?.event).toMatchObject({
        specversion: '1.0',
        id: '0f8e2b1c-6a4d-4e3f-9b2a-1c0d9e8f7a62',
        type: 'orderpipeline.OrderCreated',
        data: { orderId: 'ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY', items: [{ sku: 'SKU-001', quantity: 2 }] },
      });
      expect(first?.record.key).toBe('ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY');
      expect(first?.record.raw).toEqual(fixtureRecord(1041));
    });

    it('sends each poison record, raw as delivered, to the dead letters with why it can never succeed', async () => {
      // Prepare
      const { deps, deadLetters } = harness();

      // Act
      await consumeBatch(mskEvent(), deps);

      // Assess
      expect(deadLetters.sent.map((d) => [d.record, d.reason])).toEqual([
        [fixtureRecord(NOT_JSON.offset), NOT_JSON.reason],
        [fixtureRecord(BAD_QUANTITY.offset), BAD_QUANTITY.reason],
        [fixtureRecord(TOMBSTONE.offset), TOMBSTONE.reason],
      ]);
    });

    it('gives the dead letters the batch source and the invocation from the Lambda context', async () => {
      // Prepare
      const { deps, deadLetters } = harness();
      const context = lambdaContext('payment-consumer');

      // Act
      await consumeBatch(mskEvent(), deps, context);

      // Assess
      expect(deadLetters.sent).toHaveLength(3);
      for (const { context: given } of deadLetters.sent) {
        expect(given).toEqual(
          expect.objectContaining({
            ...SOURCE,
            requestId: context.awsRequestId,
            functionArn: context.invokedFunctionArn,
          }),
        );
      }
    });

    it('gives the dead letters no invocation fields when called without a Lambda context', async () => {
      // Prepare
      const { deps, deadLetters } = harness();

      // Act
      await consumeBatch(mskEventWith([NOT_JSON.offset]), deps);

      // Assess
      expect(deadLetters.sent[0]?.context).toEqual(expect.objectContaining(SOURCE));
      expect(deadLetters.sent[0]?.context).not.toHaveProperty('requestId');
      expect(deadLetters.sent[0]?.context).not.toHaveProperty('functionArn');
    });

    it('logs one warning per dead-lettered record, naming partition, offset and reason, and no error', async () => {
      // Prepare
      const { deps, logger } = harness();

      // Act
      await consumeBatch(mskEvent(), deps);

      // Assess
      expect(logger.entries).toEqual(
        [NOT_JSON, BAD_QUANTITY, TOMBSTONE].map((fields) => ({
          level: 'warn',
          message: 'record dead-lettered',
          fields,
        })),
      );
    });

    it('reports the batch outcome once, with handled and dead-lettered counts', async () => {
      // Prepare
      const { deps, outcomes } = harness();

      // Act
      await consumeBatch(mskEvent(), deps);

      // Assess
      expect(outcomes).toEqual([{ handled: 4, duplicates: 0, deadLettered: 3, failed: 0, skipped: 0, deferred: 0 }]);
    });
  });

  describe('with one kind of poison record alone in its partition', () => {
    it.each([
      ['a value that is not JSON', NOT_JSON],
      ['a CloudEvent that fails its data schema', BAD_QUANTITY],
      ['a tombstone', TOMBSTONE],
    ])('dead-letters %s instead of reporting it, and logs why', async (_label, { partition, offset, reason }) => {
      // Prepare
      const { deps, calls, deadLetters, logger, outcomes } = harness();

      // Act
      const response = await consumeBatch(mskEventWith([offset]), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(calls).toEqual([]);
      expect(deadLetters.sent.map((d) => [d.record.offset, d.reason])).toEqual([[offset, reason]]);
      expect(logger.entries).toEqual([
        { level: 'warn', message: 'record dead-lettered', fields: { partition, offset, reason } },
      ]);
      expect(outcomes).toEqual([{ handled: 0, duplicates: 0, deadLettered: 1, failed: 0, skipped: 0, deferred: 0 }]);
    });

    it('dead-letters a record without a value property at all, like a tombstone', async () => {
      // Prepare
      const { deps, deadLetters } = harness();
      const { value: _dropped, ...withoutValue } = fixtureRecord(877);

      // Act
      const response = await consumeBatch(batchOf(withoutValue), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(deadLetters.sent.map((d) => d.reason)).toEqual(['record has no value']);
    });

    it('dead-letters a JSON value that is not a CloudEvent, naming the envelope problem', async () => {
      // Prepare
      const { deps, calls, deadLetters } = harness();
      const { specversion: _dropped, ...withoutSpecversion } = eventIn(877);

      // Act
      const response = await consumeBatch(batchOf(recordOf(withoutSpecversion, 1)), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(calls).toEqual([]);
      expect(deadLetters.sent.map((d) => d.reason)).toEqual(["envelope: / must have required property 'specversion'"]);
    });

    it("skips a known event of its topic that this service does not handle (another subscriber's), as done", async () => {
      // Prepare: only the order service's view of orders.events: OrderCreated, not OrderCancelled.
      const { deps, calls, deadLetters, logger, outcomes } = harness({ names: ['OrderCreated'] });

      // Act
      const response = await consumeBatch(mskEventWith([1041, 1043]), deps);

      // Assess: done (not reported), not dead-lettered, counted and logged.
      expect(response).toEqual({ batchItemFailures: [] });
      expect(calls.map((c) => c.record.offset)).toEqual([1041]);
      expect(deadLetters.sent).toEqual([]);
      expect(logger.entries).toEqual([
        {
          level: 'info',
          message: 'event not handled by this service: skipped',
          fields: { partition: 'orders.events-0', offset: 1043, type: 'orderpipeline.OrderCancelled' },
        },
      ]);
      expect(outcomes).toEqual([{ handled: 1, duplicates: 0, deadLettered: 0, failed: 0, skipped: 1, deferred: 0 }]);
    });

    it('skips an unhandled known event without reading its data, so a schema it does not carry cannot fail it', async () => {
      // Prepare: an OrderCancelled whose data is not valid, for a service that does not handle it.
      const { deps, deadLetters, outcomes } = harness({ names: ['OrderCreated'] });
      const broken = { ...eventIn(1043), data: { orderId: 42 } };

      // Act
      const response = await consumeBatch(batchOf(recordOf(broken, 5)), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(deadLetters.sent).toEqual([]);
      expect(outcomes).toEqual([{ handled: 0, duplicates: 0, deadLettered: 0, failed: 0, skipped: 1, deferred: 0 }]);
    });

    it('dead-letters a valid event found on a topic it does not belong to, even if the service handles it', async () => {
      // Prepare: OrderCreated is an orders.events event; this copy sits on payments.events.
      const { deps, calls, deadLetters } = harness();
      const misrouted = { ...recordOf(eventIn(877), 1), topic: 'payments.events' };

      // Act
      const response = await consumeBatch(batchOf(misrouted), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(calls).toEqual([]);
      expect(deadLetters.sent.map((d) => d.reason)).toEqual([
        'OrderCreated belongs on orders.events, not payments.events',
      ]);
    });

    it('dead-letters a value over MAX_EVENT_BYTES without parsing it, naming both sizes', async () => {
      // Prepare: a valid OrderCreated padded past the limit with whitespace JSON allows.
      const { deps, calls, deadLetters } = harness();
      const padded = `${JSON.stringify(eventIn(877))}${' '.repeat(MAX_EVENT_BYTES)}`;
      const record = { ...recordOf(null, 1), value: Buffer.from(padded).toString('base64') };

      // Act
      const response = await consumeBatch(batchOf(record), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(calls).toEqual([]);
      expect(deadLetters.sent.map((d) => d.reason)).toEqual([
        `oversize: the value is ${Buffer.byteLength(padded)} bytes, over the pipeline's maximum event size of ${MAX_EVENT_BYTES}`,
      ]);
    });

    it('dead-letters an event whose dataschema names another event', async () => {
      // Prepare
      const { deps, calls, deadLetters } = harness();
      const otherSchema = 'https://schemas.orderpipeline.dev/events/OrderCancelled/v1.json';
      const mislabelled = { ...eventIn(877), dataschema: otherSchema };

      // Act
      const response = await consumeBatch(batchOf(recordOf(mislabelled, 1)), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(calls).toEqual([]);
      expect(deadLetters.sent.map((d) => d.reason)).toEqual([
        `unknown schema version in dataschema "${otherSchema}" for OrderCreated`,
      ]);
    });

    it('dead-letters an event whose dataschema names a version that does not exist', async () => {
      // Prepare
      const { deps, deadLetters } = harness();
      const futureSchema = 'https://schemas.orderpipeline.dev/events/OrderCreated/v9.json';

      // Act
      await consumeBatch(batchOf(recordOf({ ...eventIn(877), dataschema: futureSchema }, 1)), deps);

      // Assess
      expect(deadLetters.sent.map((d) => d.reason)).toEqual([
        `unknown schema version in dataschema "${futureSchema}" for OrderCreated`,
      ]);
    });

    it('dead-letters an event type that is not in the catalogue', async () => {
      // Prepare
      const { deps, deadLetters } = harness();

      // Act
      await consumeBatch(batchOf(recordOf({ ...eventIn(877), type: 'orderpipeline.OrderTeleported' }, 1)), deps);

      // Assess
      expect(deadLetters.sent.map((d) => d.reason)).toEqual(['unknown event type "orderpipeline.OrderTeleported"']);
    });
  });

  describe('with records that are all valid', () => {
    it('returns an empty failure list and hands every record over, partition by partition', async () => {
      // Prepare
      const { deps, calls, deadLetters, logger } = harness();

      // Act
      const response = await consumeBatch(mskEventWith([1041, 1043, 877, 878]), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(calls.map((c) => [c.name, c.record.offset])).toEqual([
        ['OrderCreated', 1041],
        ['OrderCancelled', 1043],
        ['OrderCreated', 877],
        ['OrderCancelled', 878],
      ]);
      expect(deadLetters.sent).toEqual([]);
      expect(logger.entries).toEqual([]);
    });

    it('hands an event of an older schema version to the handler as it is', async () => {
      // Prepare
      const { deps, calls, deadLetters } = harness();

      // Act
      const response = await consumeBatch(batchOf(recordOf(OrderCreatedV1, 1)), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(deadLetters.sent).toEqual([]);
      expect(calls.map((c) => [c.name, c.event.dataschema])).toEqual([
        ['OrderCreated', 'https://schemas.orderpipeline.dev/events/OrderCreated/v1.json'],
      ]);
    });

    it('hands over an event built by createEvent, as producers publish them', async () => {
      // Prepare
      const { deps, calls } = harness();
      const event = createEvent(
        'OrderCancelled',
        {
          orderId: 'ord_01JH3T0000000000000000000A',
          customerId: 'c-9',
          email: 'lin@example.com',
          reason: 'out_of_stock',
          detail: 'SKU-002 is out of stock.',
        },
        { subject: 'ord_01JH3T0000000000000000000A', correlationId: 'corr-9' },
      );

      // Act
      await consumeBatch(batchOf(recordOf(event, 1)), deps);

      // Assess
      expect(calls.map((c) => c.event)).toEqual([event]);
    });

    it('returns an empty failure list for a batch without records, and reports an empty outcome', async () => {
      // Prepare
      const { deps, calls, outcomes } = harness();

      // Act
      const response = await consumeBatch(mskEventWith([]), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(calls).toEqual([]);
      expect(outcomes).toEqual([{ handled: 0, duplicates: 0, deadLettered: 0, failed: 0, skipped: 0, deferred: 0 }]);
    });
  });

  describe('with the same event delivered twice', () => {
    it('hands it over once when both copies are in one batch, and counts the second as a duplicate', async () => {
      // Prepare: a producer retry writes the same event again, at a later offset.
      const { deps, calls, logger, outcomes } = harness();
      const original = fixtureRecord(877);
      const retried = { ...original, offset: 881 };

      // Act
      const response = await consumeBatch(batchOf(original, fixtureRecord(878), retried), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(calls.map((c) => [c.event.id, c.record.offset])).toEqual([
        ['7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 877],
        ['1e2d3c4b-5a69-4877-8695-a4b3c2d1e0f9', 878],
      ]);
      expect(outcomes).toEqual([{ handled: 2, duplicates: 1, deadLettered: 0, failed: 0, skipped: 0, deferred: 0 }]);
      expect(logger.entries).toEqual([
        {
          level: 'info',
          message: 'duplicate skipped',
          fields: {
            partition: 'orders.events-1',
            offset: 881,
            eventId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
            type: 'orderpipeline.OrderCreated',
          },
        },
      ]);
    });

    it('hands it over once when the whole batch is delivered again, and counts every event as a duplicate', async () => {
      // Prepare: the ESM redelivers a batch, e.g. after the function timed out having done the work.
      const { deps, calls, outcomes } = harness();
      const batch = mskEventWith([1041, 1043, 877, 878]);
      await consumeBatch(batch, deps, lambdaContext());

      // Act
      const response = await consumeBatch(structuredClone(batch), deps, lambdaContext());

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(calls.map((c) => c.record.offset)).toEqual([1041, 1043, 877, 878]);
      expect(outcomes).toEqual([
        { handled: 4, duplicates: 0, deadLettered: 0, failed: 0, skipped: 0, deferred: 0 },
        { handled: 0, duplicates: 4, deadLettered: 0, failed: 0, skipped: 0, deferred: 0 },
      ]);
    });

    it('hands it over once across two batches when it comes back at another offset and partition', async () => {
      // Prepare
      const idempotency = freshGuard();
      const first = harness({ idempotency });
      const second = harness({ idempotency });
      await consumeBatch(batchOf(fixtureRecord(1041)), first.deps);

      // Act
      const response = await consumeBatch(batchOf({ ...fixtureRecord(1041), partition: 2, offset: 5 }), second.deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(first.calls).toHaveLength(1);
      expect(second.calls).toEqual([]);
      expect(second.outcomes).toEqual([
        { handled: 0, duplicates: 1, deadLettered: 0, failed: 0, skipped: 0, deferred: 0 },
      ]);
    });

    it('treats two events with different ids but the same content as two events', async () => {
      // Prepare
      const { deps, calls } = harness();
      const again = { ...eventIn(877), id: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e' };

      // Act
      await consumeBatch(batchOf(fixtureRecord(877), recordOf(again, 881, 1)), deps);

      // Assess
      expect(calls.map((c) => c.event.id)).toEqual([
        '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
        '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e',
      ]);
    });
  });

  describe('with a delivery of the event still in flight, or crashed', () => {
    afterEach(() => jest.restoreAllMocks());

    it('fails a redelivery while the first delivery is still handling the event, so it never runs twice at once', async () => {
      // Prepare: the first invocation holds the event in its handler until released.
      let entered!: () => void;
      let release!: () => void;
      const handling = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const idempotency = freshGuard();
      const slow = harness({
        idempotency,
        behaviour: async () => {
          entered();
          await released;
        },
      });
      const concurrent = harness({ idempotency });
      // Two events of one order (one key): the second waits for the first.
      const first = consumeBatch(mskEventWith([1041, 1043]), slow.deps, lambdaContext());
      await handling;

      // Act
      const response = await consumeBatch(mskEventWith([1041, 1043]), concurrent.deps, lambdaContext());
      release();

      // Assess
      expect(response).toEqual({
        batchItemFailures: [failure('orders.events-0', 1041), failure('orders.events-0', 1043)],
      });
      expect(concurrent.calls).toEqual([]);
      expect(concurrent.logger.entries).toEqual([
        {
          level: 'error',
          message: 'record failed',
          fields: { partition: 'orders.events-0', offset: 1041, reason: expect.any(String) },
        },
      ]);
      await expect(first).resolves.toEqual({ batchItemFailures: [] });
      expect(slow.calls.map((c) => c.record.offset)).toEqual([1041, 1043]);
    });

    it('lets a redelivery handle an event whose first invocation died mid-way once that invocation timed out', async () => {
      // Prepare: the first invocation stops inside the handler and never completes (its process is gone).
      let entered!: () => void;
      const handling = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const idempotency = freshGuard();
      const crashed = harness({
        idempotency,
        behaviour: async () => {
          entered();
          await new Promise<never>(() => undefined);
        },
      });
      void consumeBatch(mskEventWith([877]), crashed.deps, lambdaContext('consumer', 5_000));
      await handling;
      // The redelivery comes after the crashed invocation's deadline (5 s) has passed.
      jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 60_000);
      const redelivered = harness({ idempotency });

      // Act
      const response = await consumeBatch(mskEventWith([877]), redelivered.deps, lambdaContext());

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(redelivered.calls.map((c) => c.record.offset)).toEqual([877]);
      expect(redelivered.outcomes).toEqual([
        { handled: 1, duplicates: 0, deadLettered: 0, failed: 0, skipped: 0, deferred: 0 },
      ]);
    });
  });

  describe('with a handler that throws', () => {
    const failOn =
      (offset: number, error: unknown = new Error('DynamoDB said no')): Behaviour =>
      (_name, _event, record) => {
        if (record.offset === offset) throw error;
      };

    it('reports the record it threw on and the later records of its key, and continues the other partition', async () => {
      // Prepare
      const { deps, calls, logger, outcomes } = harness({ behaviour: failOn(1041) });

      // Act
      const response = await consumeBatch(mskEventWith([1041, 1043, 877, 878]), deps);

      // Assess
      expect(response).toEqual({
        batchItemFailures: [failure('orders.events-0', 1041), failure('orders.events-0', 1043)],
      });
      expect(calls.map((c) => c.record.offset)).toEqual([877, 878]);
      expect(logger.entries).toEqual([
        {
          level: 'error',
          message: 'record failed',
          fields: { partition: 'orders.events-0', offset: 1041, reason: 'DynamoDB said no' },
        },
      ]);
      expect(outcomes).toEqual([{ handled: 2, duplicates: 0, deadLettered: 0, failed: 2, skipped: 0, deferred: 0 }]);
    });

    it('reports a poison record behind the failure instead of dead-lettering it, so offsets stay in order', async () => {
      // Prepare
      const { deps, calls, deadLetters } = harness({ behaviour: failOn(1041) });

      // Act
      const response = await consumeBatch(mskEvent(), deps);

      // Assess
      expect(response).toEqual({
        batchItemFailures: [
          failure('orders.events-0', 1041),
          failure('orders.events-0', 1042),
          failure('orders.events-0', 1043),
        ],
      });
      expect(calls.map((c) => c.record.offset)).toEqual([877, 878]);
      expect(deadLetters.sent.map((d) => d.record.offset)).toEqual([BAD_QUANTITY.offset, TOMBSTONE.offset]);
    });

    it('reports only the failed record when the records after it belong to other keys, which are done', async () => {
      // Prepare: 878 has no key; 879 and 880 belong to another order (and are poison).
      const { deps, calls, deadLetters } = harness({ behaviour: failOn(878) });

      // Act
      const response = await consumeBatch(mskEvent(), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [failure('orders.events-1', 878)] });
      expect(calls.map((c) => c.record.offset)).toEqual([1041, 1043, 877]);
      expect(deadLetters.sent.map((d) => d.record.offset)).toEqual([1042, 879, 880]);
    });

    it('does not remember a failed event as handled: the redelivery runs the handler again', async () => {
      // Prepare
      let attempts = 0;
      const idempotency = freshGuard();
      const flaky = harness({
        idempotency,
        behaviour: () => {
          attempts++;
          if (attempts === 1) throw new Error('throttled');
        },
      });
      const failed = await consumeBatch(mskEventWith([877]), flaky.deps);

      // Act
      const retried = await consumeBatch(mskEventWith([877]), flaky.deps);

      // Assess
      expect(failed).toEqual({ batchItemFailures: [failure('orders.events-1', 877)] });
      expect(retried).toEqual({ batchItemFailures: [] });
      expect(attempts).toBe(2);
      expect(flaky.calls.map((c) => c.record.offset)).toEqual([877]);
      expect(flaky.outcomes).toEqual([
        { handled: 0, duplicates: 0, deadLettered: 0, failed: 1, skipped: 0, deferred: 0 },
        { handled: 1, duplicates: 0, deadLettered: 0, failed: 0, skipped: 0, deferred: 0 },
      ]);
    });

    it('reports a record whose handler throws a non-Error, and logs it as failed', async () => {
      // Prepare
      const { deps, calls, logger } = harness({ behaviour: failOn(877, 'throttled') });

      // Act
      const response = await consumeBatch(mskEventWith([877]), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [failure('orders.events-1', 877)] });
      expect(calls).toEqual([]);
      // Powertools wraps a thrown non-Error in IdempotencyUnknownError, so the logged reason is its
      // generic message rather than 'throttled'.
      expect(logger.entries).toEqual([
        {
          level: 'error',
          message: 'record failed',
          fields: { partition: 'orders.events-1', offset: 877, reason: expect.any(String) },
        },
      ]);
    });

    it('waits for each handler call to settle before handing over the next record', async () => {
      // Prepare
      const log: string[] = [];
      const { deps } = harness({
        behaviour: async (_name, _event, record) => {
          log.push(`start ${record.offset}`);
          await new Promise((resolve) => setImmediate(resolve));
          log.push(`end ${record.offset}`);
        },
      });

      // Act
      await consumeBatch(mskEventWith([877, 878]), deps);

      // Assess
      expect(log).toEqual(['start 877', 'end 877', 'start 878', 'end 878']);
    });
  });

  describe('with a dead-letter sink that fails', () => {
    it('reports the poison record and the later records of its key, so nothing is lost', async () => {
      // Prepare
      const { deps, calls, deadLetters, logger, outcomes } = harness();
      deadLetters.failing = true;

      // Act
      const response = await consumeBatch(mskEventWith([1041, 1042, 1043, 877, 878]), deps);

      // Assess
      expect(response).toEqual({
        batchItemFailures: [failure('orders.events-0', 1042), failure('orders.events-0', 1043)],
      });
      expect(calls.map((c) => c.record.offset)).toEqual([1041, 877, 878]);
      expect(logger.entries).toEqual([
        {
          level: 'error',
          message: 'record failed',
          fields: { partition: 'orders.events-0', offset: 1042, reason: 'dead-letter topic unreachable' },
        },
      ]);
      expect(outcomes).toEqual([{ handled: 3, duplicates: 0, deadLettered: 0, failed: 2, skipped: 0, deferred: 0 }]);
    });

    it('dead-letters the record on redelivery once the sink is back', async () => {
      // Prepare
      const { deps, deadLetters } = harness();
      deadLetters.failing = true;
      await consumeBatch(mskEventWith([1042]), deps);
      deadLetters.failing = false;

      // Act
      const response = await consumeBatch(mskEventWith([1042]), deps);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(deadLetters.sent.map((d) => [d.record.offset, d.reason])).toEqual([[1042, 'value is not JSON']]);
    });
  });

  describe('with records of several keys in one batch', () => {
    /** Orders.events records of `keys` (one letter each), partition 0, in the order given. */
    function keyedBatch(keys: string): MskEvent {
      const records = [...keys].map((letter, i) => {
        const orderId = `ord_${letter.repeat(12)}`;
        const event = createEvent(
          'OrderCancelled',
          { orderId, customerId: 'c-1', email: 'a@example.com', reason: 'out_of_stock', detail: 'x' },
          { subject: orderId, correlationId: `corr-${letter}` },
        );
        return { ...recordOf(event, 100 + i, 0), key: Buffer.from(orderId).toString('base64') };
      });
      return batchOf(...records);
    }

    /**
     * A behaviour that tracks how many handlers run at once and the order each key's records start
     * in. The first `hold` handlers wait until all of them are running (so the test sees them
     * overlap however the machine schedules them); later ones run straight through.
     */
    function tracking(hold = 0) {
      const seen = { inFlight: 0, most: 0, starts: [] as string[] };
      const held: (() => void)[] = [];
      const behaviour: Behaviour = async (_name, _event, record) => {
        seen.inFlight++;
        seen.most = Math.max(seen.most, seen.inFlight);
        seen.starts.push(`${record.key}@${record.offset}`);
        if (seen.starts.length <= hold) {
          await new Promise<void>((resolve) => {
            held.push(resolve);
            if (held.length === hold) for (const release of held) release();
          });
        }
        await new Promise((resolve) => setImmediate(resolve));
        seen.inFlight--;
      };
      return { seen, behaviour };
    }

    it('runs records of different keys at once, up to the concurrency, and one key strictly in offset order', async () => {
      // Prepare: keys a b a c b a d e f a (10 records, 6 keys), 3 at a time.
      const { seen, behaviour } = tracking(3);
      const { deps, calls } = harness({ behaviour });

      // Act
      const response = await consumeBatch(keyedBatch('abacbadefa'), { ...deps, concurrency: () => 3 });

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(seen.most).toBe(3);
      expect(calls).toHaveLength(10);
      for (const key of ['ord_aaaaaaaaaaaa', 'ord_bbbbbbbbbbbb']) {
        const offsets = seen.starts.filter((s) => s.startsWith(`${key}@`)).map((s) => Number(s.split('@')[1]));
        expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
      }
    });

    it('handles one record at a time without a concurrency setting', async () => {
      const { seen, behaviour } = tracking();
      const { deps } = harness({ behaviour });

      await consumeBatch(keyedBatch('abcde'), deps);

      expect(seen.most).toBe(1);
      expect(seen.starts.map((s) => s.slice(4, 5) + s.slice(s.indexOf('@')))).toEqual([
        'a@100',
        'b@101',
        'c@102',
        'd@103',
        'e@104',
      ]);
    });

    it('holds back only the later records of a failed key; the other keys are done and not reported', async () => {
      // Prepare: the first record of key b fails.
      const { deps, calls, outcomes } = harness({
        behaviour: (_name, _event, record) => {
          if (record.offset === 101) throw new Error('DynamoDB throttled');
        },
      });

      // Act: keys a b a b c
      const response = await consumeBatch(keyedBatch('ababc'), { ...deps, concurrency: () => 2 });

      // Assess
      expect(response).toEqual({
        batchItemFailures: [failure('orders.events-0', 101), failure('orders.events-0', 103)],
      });
      expect(calls.map((c) => c.record.offset).sort()).toEqual([100, 102, 104]);
      expect(outcomes).toEqual([{ handled: 3, duplicates: 0, deadLettered: 0, failed: 2, skipped: 0, deferred: 0 }]);
    });

    it('stops starting records near the function timeout and reports those it did not start, as deferred', async () => {
      // Prepare: a clock the handlers move on by 2 s per record, and 10 s left in the invocation.
      let clock = 1_000_000;
      const { deps, calls, outcomes, logger } = harness({
        behaviour: () => {
          clock += 2_000;
        },
      });
      const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 10_000 };

      // Act: eight orders, one at a time; records may start until 9 s in (1 s kept back).
      const response = await consumeBatch(keyedBatch('abcdefgh'), { ...deps, now: () => clock }, context);

      // Assess: records start at 0, 2, 4 and 6 s; one at 8 s would still run at 9.8 s, when it must answer.
      expect(calls.map((c) => c.record.offset)).toEqual([100, 101, 102, 103]);
      expect(response.batchItemFailures.map((f) => f.itemIdentifier.offset)).toEqual([104, 105, 106, 107]);
      expect(outcomes).toEqual([{ handled: 4, duplicates: 0, deadLettered: 0, failed: 0, skipped: 0, deferred: 4 }]);
      expect(logger.entries).toContainEqual({
        level: 'warn',
        message: 'function time running short: records left for the retry',
        fields: { records: 4 },
      });
    });

    it('does not start a record that, as slow as the slowest so far, would still run when it must answer', async () => {
      // Prepare: records take 4 s; 10 s left, so the cut-off (9 s) alone would start one at 8 s.
      let clock = 1_000_000;
      const { deps, calls } = harness({
        behaviour: () => {
          clock += 4_000;
        },
      });
      const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 10_000 };

      // Act
      const response = await consumeBatch(keyedBatch('abcde'), { ...deps, now: () => clock }, context);

      // Assess: 0 s and 4 s started; at 8 s another 4 s would end past the answer at 9.8 s.
      expect(calls.map((c) => c.record.offset)).toEqual([100, 101]);
      expect(response.batchItemFailures.map((f) => f.itemIdentifier.offset)).toEqual([102, 103, 104]);
    });

    it('always starts the first record, so every invocation can move its partition on', async () => {
      const { deps, calls, outcomes } = harness();
      const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 500 };

      const response = await consumeBatch(keyedBatch('ab'), deps, context);

      expect(calls.map((c) => c.record.offset)).toEqual([100]);
      expect(response).toEqual({ batchItemFailures: [failure('orders.events-0', 101)] });
      expect(outcomes[0]?.deferred).toBe(1);
    });

    it('answers before the function timeout with a record still running, reporting it, and a retry may take it over', async () => {
      // Prepare: the first delivery's handler never returns; 1.5 s left in the invocation.
      const idempotency = freshGuard();
      const stuck = harness({ idempotency, behaviour: () => new Promise<never>(() => undefined) });
      const context = lambdaContext('consumer', 1_500);

      // Act
      const response = await consumeBatch(keyedBatch('a'), stuck.deps, context);
      const retry = harness({ idempotency });
      const retried = await consumeBatch(keyedBatch('a'), retry.deps, lambdaContext());

      // Assess: reported (deferred) rather than a timeout; the retry, after the answer, handles it.
      expect(response).toEqual({ batchItemFailures: [failure('orders.events-0', 100)] });
      expect(stuck.outcomes[0]?.deferred).toBe(1);
      expect(retried).toEqual({ batchItemFailures: [] });
      expect(retry.calls.map((c) => c.record.offset)).toEqual([100]);
    });
  });

  describe('with an event that is not an MSK event', () => {
    it('rejects with the shape error instead of reporting records', async () => {
      // Prepare
      const { deps, calls, deadLetters, outcomes } = harness();

      // Act & Assess
      await expect(consumeBatch({ Records: [] }, deps)).rejects.toThrow(
        'not an MSK event: "records" is missing or not an object',
      );
      expect(calls).toEqual([]);
      expect(deadLetters.sent).toEqual([]);
      expect(outcomes).toEqual([]);
    });
  });

  describe('with an aroundRecord hook', () => {
    interface Scoped {
      readonly offset: number;
      readonly eventId: string | undefined;
      readonly result: string;
      readonly logsInside: string[];
    }

    /** A hook that records what it wraps, which log lines were written inside, and how it ended. */
    function recordingHook(logger: ReturnType<typeof memoryLogger>) {
      const scoped: Scoped[] = [];
      const hook: AroundRecord = async ({ record, event }, process) => {
        const before = logger.entries.length;
        const entry = { offset: record.offset, eventId: event?.id, logsInside: [] as string[] };
        try {
          const result = await process();
          scoped.push({ ...entry, result, logsInside: logger.entries.slice(before).map((e) => e.message) });
          return result;
        } catch (error) {
          scoped.push({ ...entry, result: 'threw', logsInside: logger.entries.slice(before).map((e) => e.message) });
          throw error;
        }
      };
      return { scoped, hook };
    }

    it('wraps every processed record once, with its event when valid, and logs inside the wrap', async () => {
      // Prepare
      const { deps, logger } = harness({
        behaviour: (_name, _event, record) => {
          if (record.offset === 877) throw new Error('DynamoDB said no');
        },
      });
      const { scoped, hook } = recordingHook(logger);

      // Act
      const response = await consumeBatch(mskEvent(), { ...deps, aroundRecord: hook });

      // Assess
      expect(scoped).toEqual([
        { offset: 1041, eventId: eventIn(1041).id, result: 'handled', logsInside: [] },
        { offset: 1042, eventId: undefined, result: 'dead-lettered', logsInside: ['record dead-lettered'] },
        { offset: 1043, eventId: eventIn(1043).id, result: 'handled', logsInside: [] },
        { offset: 877, eventId: eventIn(877).id, result: 'threw', logsInside: ['record failed'] },
        // 877 has no key, so nothing waits behind it.
        { offset: 878, eventId: eventIn(878).id, result: 'handled', logsInside: [] },
        { offset: 879, eventId: undefined, result: 'dead-lettered', logsInside: ['record dead-lettered'] },
        { offset: 880, eventId: undefined, result: 'dead-lettered', logsInside: ['record dead-lettered'] },
      ]);
      expect(response.batchItemFailures.map((f) => f.itemIdentifier.offset)).toEqual([877]);
    });

    it('reports a duplicate to the hook as such', async () => {
      // Prepare
      const { deps, logger } = harness();
      const { scoped, hook } = recordingHook(logger);

      // Act
      await consumeBatch(batchOf(fixtureRecord(1041), { ...fixtureRecord(1041), offset: 1044 }), {
        ...deps,
        aroundRecord: hook,
      });

      // Assess
      expect(scoped.map((s) => s.result)).toEqual(['handled', 'duplicate']);
      expect(scoped[1]?.logsInside).toEqual(['duplicate skipped']);
    });
  });
});

describe('Function: deadLetterRecord', () => {
  const poison = (): MskRecord => fixtureRecord(NOT_JSON.offset);
  const at = new Date('2025-01-15T10:00:05.000Z');
  const invocation = {
    requestId: '3f1e2d4c-5b6a-4798-8a7b-6c5d4e3f2a1b',
    functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:order-pipeline-dev-payment',
  };

  it("has the shape of Lambda's Kafka on-failure record, with condition InvalidRecord and the reason", () => {
    // Prepare
    const record = poison();

    // Act
    const dead = deadLetterRecord(record, NOT_JSON.reason, { ...SOURCE, ...invocation }, at);

    // Assess
    expect(dead).toEqual({
      requestContext: { ...invocation, condition: 'InvalidRecord', approximateInvokeCount: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'InvalidRecord' },
      version: '1.0',
      timestamp: '2025-01-15T10:00:05.000Z',
      KafkaBatchInfo: {
        batchSize: 1,
        eventSourceArn: SOURCE.eventSourceArn,
        bootstrapServers: SOURCE.bootstrapServers,
        payloadSize: expect.any(Number),
        recordInfo: { offset: '1042', timestamp: '2025-01-15T10:00:00.150Z' },
      },
      payload: {
        eventSource: 'aws:kafka',
        eventSourceArn: SOURCE.eventSourceArn,
        bootstrapServers: SOURCE.bootstrapServers,
        records: { 'orders.events-0': [record] },
      },
      reason: 'value is not JSON',
    });
  });

  it('counts the payload size in bytes of its JSON', () => {
    // Prepare
    const record = poison();

    // Act
    const dead = deadLetterRecord(record, NOT_JSON.reason, SOURCE, at);

    // Assess
    expect(dead.KafkaBatchInfo.payloadSize).toBe(Buffer.byteLength(JSON.stringify(dead.payload)));
    expect(dead.KafkaBatchInfo.payloadSize).toBeGreaterThan(JSON.stringify(record).length);
  });

  it('carries a payload that decodes as an MSK event back to the original record', () => {
    // Prepare
    const record = poison();

    // Act
    const dead = JSON.parse(JSON.stringify(deadLetterRecord(record, NOT_JSON.reason, SOURCE, at)));

    // Assess
    const [decoded, ...rest] = decodeMskEvent(dead.payload);
    expect(rest).toEqual([]);
    expect(decoded?.itemIdentifier).toEqual({ partition: 'orders.events-0', offset: 1042 });
    expect(decoded?.raw).toEqual(record);
  });

  it('fills what the context lacks with empty values and leaves the source ARN out', () => {
    // Prepare
    const record = fixtureRecord(TOMBSTONE.offset);

    // Act
    const dead = deadLetterRecord(record, TOMBSTONE.reason, {}, at);

    // Assess
    expect(dead.requestContext).toEqual({
      requestId: '',
      functionArn: '',
      condition: 'InvalidRecord',
      approximateInvokeCount: 1,
    });
    expect(dead.payload).toEqual({
      eventSource: 'aws:kafka',
      bootstrapServers: '',
      records: { 'orders.events-1': [record] },
    });
    expect(dead.KafkaBatchInfo).not.toHaveProperty('eventSourceArn');
    expect(dead.KafkaBatchInfo.recordInfo).toEqual({ offset: '880', timestamp: '2025-01-15T10:00:02.500Z' });
  });
});

describe('Function: kafkaDeadLetters', () => {
  it('writes one message to the dead-letter topic, keyed like the original, with the reason as a header', async () => {
    // Prepare
    const written: { topic: string; messages: Message[] }[] = [];
    const sink = kafkaDeadLetters({ send: async (topic, messages) => void written.push({ topic, messages }) }, 'x.dlq');
    const record = fixtureRecord(NOT_JSON.offset);

    // Act
    await sink.send(record, NOT_JSON.reason, SOURCE);

    // Assess
    expect(written).toHaveLength(1);
    expect(written[0]?.topic).toBe('x.dlq');
    const [message, ...rest] = written[0]?.messages ?? [];
    expect(rest).toEqual([]);
    expect(message?.key).toEqual(Buffer.from('ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY'));
    expect(message?.headers).toEqual({ 'content-type': 'application/json', 'x-dlq-reason': 'value is not JSON' });
    expect(JSON.parse(String(message?.value))).toMatchObject({
      requestContext: { condition: 'InvalidRecord' },
      payload: { records: { 'orders.events-0': [record] } },
      reason: 'value is not JSON',
    });
  });

  it('writes a keyless record without a key and cuts a long reason down in the header only', async () => {
    // Prepare
    const written: Message[] = [];
    const sink = kafkaDeadLetters({ send: async (_topic, messages) => void written.push(...messages) }, 'x.dlq');
    const reason = `envelope: ${'x'.repeat(2_000)}`;

    // Act
    await sink.send(fixtureRecord(878), reason, SOURCE);

    // Assess
    expect(written[0]?.key).toBeNull();
    expect(written[0]?.headers?.['x-dlq-reason']).toBe(reason.slice(0, 1_000));
    expect(JSON.parse(String(written[0]?.value)).reason).toBe(reason);
  });
});
