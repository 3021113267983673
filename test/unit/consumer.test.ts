import { type ConsumerLogger, consumeBatch, type HandledEvent } from '../../lambdas/shared/kafka/consumer';
import type { MskEvent, MskRecord } from '../../lambdas/shared/kafka/msk-event';
import fixture from '../fixtures/msk-event.multi-partition.json';

interface LogEntry {
  readonly level: 'info' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

/** A logger that keeps what it is given. */
function memoryLogger(): ConsumerLogger & { readonly entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    info: (message, fields) => entries.push({ level: 'info', message, fields }),
    error: (message, fields) => entries.push({ level: 'error', message, fields }),
  };
}

/** A handler that records every event it is given and succeeds. */
function recordingHandler(): ((handled: HandledEvent) => Promise<void>) & { readonly calls: HandledEvent[] } {
  const calls: HandledEvent[] = [];
  return Object.assign(
    async (handled: HandledEvent) => {
      calls.push(handled);
    },
    { calls },
  );
}

// The JSON import types each header object separately; the fixture is an MskEvent as Lambda sends it.
const mskEvent = (): MskEvent => structuredClone(fixture) as unknown as MskEvent;

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

const failure = (partition: string, offset: number) => ({ itemIdentifier: { partition, offset } });

describe('Function: consumeBatch', () => {
  describe('with the two-partition fixture', () => {
    it('reports the poison record, the records after it in its partition, the schema failure and the tombstone', async () => {
      // Prepare
      const handle = recordingHandler();
      const logger = memoryLogger();

      // Act
      const response = await consumeBatch(mskEvent(), handle, logger);

      // Assess
      expect(response).toEqual({
        batchItemFailures: [
          failure('orders.events-0', 1042),
          failure('orders.events-0', 1043),
          failure('orders.events-1', 879),
          failure('orders.events-1', 880),
        ],
      });
    });

    it('hands the valid records before any failure to the handler, with event name and schema version', async () => {
      // Prepare
      const handle = recordingHandler();
      const logger = memoryLogger();

      // Act
      await consumeBatch(mskEvent(), handle, logger);

      // Assess
      expect(handle.calls.map((c) => [c.name, c.version, c.record.itemIdentifier.partition, c.record.offset])).toEqual([
        ['OrderCreated', 2, 'orders.events-0', 1041],
        ['OrderCreated', 2, 'orders.events-1', 877],
        ['OrderCancelled', 1, 'orders.events-1', 878],
      ]);
    });

    it('hands the parsed CloudEvent and the decoded record to the handler', async () => {
      // Prepare
      const handle = recordingHandler();
      const logger = memoryLogger();

      // Act
      await consumeBatch(mskEvent(), handle, logger);

      // Assess
      const [first] = handle.calls;
      expect(first?.event).toMatchObject({
        specversion: '1.0',
        id: '0f8e2b1c-6a4d-4e3f-9b2a-1c0d9e8f7a62',
        type: 'orderpipeline.OrderCreated',
        data: { orderId: 'ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY', items: [{ sku: 'SKU-001', quantity: 2 }] },
      });
      expect(first?.record.key).toBe('ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY');
    });

    it('never hands a record after a failure in the same partition to the handler, though it is valid', async () => {
      // Prepare
      const handle = recordingHandler();
      const logger = memoryLogger();

      // Act
      await consumeBatch(mskEvent(), handle, logger);

      // Assess
      expect(handle.calls.map((c) => c.record.offset)).not.toContain(1043);
    });

    it('logs one error per failing record, naming partition, offset and reason, and none for skipped ones', async () => {
      // Prepare
      const handle = recordingHandler();
      const logger = memoryLogger();

      // Act
      await consumeBatch(mskEvent(), handle, logger);

      // Assess
      expect(logger.entries).toEqual([
        {
          level: 'error',
          message: 'record failed',
          fields: { partition: 'orders.events-0', offset: 1042, reason: 'value is not JSON' },
        },
        {
          level: 'error',
          message: 'record failed',
          fields: {
            partition: 'orders.events-1',
            offset: 879,
            reason: 'OrderCreated v2 data: /items/0/quantity must be >= 1',
          },
        },
      ]);
    });
  });

  describe('with one kind of bad record alone in its partition', () => {
    it.each([
      ['a value that is not JSON', 1042, 'orders.events-0', 'value is not JSON'],
      ['a CloudEvent that fails its data schema', 879, 'orders.events-1', '/items/0/quantity must be >= 1'],
      ['a tombstone', 880, 'orders.events-1', 'record has no value'],
    ])('reports %s as a batch item failure and logs why', async (_label, offset, partition, reason) => {
      // Prepare
      const handle = recordingHandler();
      const logger = memoryLogger();

      // Act
      const response = await consumeBatch(mskEventWith([offset]), handle, logger);

      // Assess
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition, offset } }] });
      expect(handle.calls).toEqual([]);
      expect(logger.entries).toHaveLength(1);
      expect(logger.entries[0]?.fields).toEqual({ partition, offset, reason: expect.stringContaining(reason) });
    });
  });

  describe('with records that are all valid', () => {
    it('returns an empty failure list and hands every record over, partition by partition', async () => {
      // Prepare
      const handle = recordingHandler();
      const logger = memoryLogger();

      // Act
      const response = await consumeBatch(mskEventWith([1041, 1043, 877, 878]), handle, logger);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(handle.calls.map((c) => [c.name, c.record.offset])).toEqual([
        ['OrderCreated', 1041],
        ['OrderCancelled', 1043],
        ['OrderCreated', 877],
        ['OrderCancelled', 878],
      ]);
      expect(logger.entries).toEqual([]);
    });

    it('returns an empty failure list for a batch without records', async () => {
      // Prepare
      const handle = recordingHandler();
      const logger = memoryLogger();

      // Act
      const response = await consumeBatch(mskEventWith([]), handle, logger);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(handle.calls).toEqual([]);
    });
  });

  describe('with a handler that throws', () => {
    it('reports the record it threw on and the rest of that partition, and continues the other partition', async () => {
      // Prepare
      const handled: number[] = [];
      const handle = async ({ record }: HandledEvent) => {
        if (record.offset === 1041) throw new Error('DynamoDB said no');
        handled.push(record.offset);
      };
      const logger = memoryLogger();

      // Act
      const response = await consumeBatch(mskEventWith([1041, 1043, 877, 878]), handle, logger);

      // Assess
      expect(response).toEqual({
        batchItemFailures: [failure('orders.events-0', 1041), failure('orders.events-0', 1043)],
      });
      expect(handled).toEqual([877, 878]);
      expect(logger.entries).toEqual([
        {
          level: 'error',
          message: 'record failed',
          fields: { partition: 'orders.events-0', offset: 1041, reason: 'DynamoDB said no' },
        },
      ]);
    });

    it('logs a thrown non-Error as its string form', async () => {
      // Prepare
      const handle = async () => {
        throw 'throttled';
      };
      const logger = memoryLogger();

      // Act
      const response = await consumeBatch(mskEventWith([877]), handle, logger);

      // Assess
      expect(response).toEqual({ batchItemFailures: [failure('orders.events-1', 877)] });
      expect(logger.entries[0]?.fields).toEqual({ partition: 'orders.events-1', offset: 877, reason: 'throttled' });
    });

    it('waits for each handler call to settle before handing over the next record', async () => {
      // Prepare
      const log: string[] = [];
      const handle = async ({ record }: HandledEvent) => {
        log.push(`start ${record.offset}`);
        await new Promise((resolve) => setImmediate(resolve));
        log.push(`end ${record.offset}`);
      };
      const logger = memoryLogger();

      // Act
      await consumeBatch(mskEventWith([877, 878]), handle, logger);

      // Assess
      expect(log).toEqual(['start 877', 'end 877', 'start 878', 'end 878']);
    });
  });

  describe('with an event that is not an MSK event', () => {
    it('rejects with the shape error instead of reporting records', async () => {
      // Prepare
      const handle = recordingHandler();
      const logger = memoryLogger();

      // Act & Assess
      await expect(consumeBatch({ Records: [] }, handle, logger)).rejects.toThrow(
        'not an MSK event: "records" is missing or not an object',
      );
      expect(handle.calls).toEqual([]);
    });
  });
});
