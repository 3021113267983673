import { decodeMskEvent, type MskEvent, MskEventShapeError } from '../../lambdas/shared/kafka/msk-event';
import fixture from '../fixtures/msk-event.multi-partition.json';

// The JSON import types each header object separately; the fixture is an MskEvent as Lambda sends it.
const mskEvent = (): MskEvent => structuredClone(fixture) as unknown as MskEvent;

describe('Function: decodeMskEvent', () => {
  describe('with a two-partition MSK event of a dotted topic', () => {
    it('flattens every partition in order, each partition in its delivered offset order', () => {
      // Prepare
      const event = mskEvent();

      // Act
      const records = decodeMskEvent(event);

      // Assess
      expect(records.map((r) => [r.topic, r.partition, r.offset])).toEqual([
        ['orders.events', 0, 1041],
        ['orders.events', 0, 1042],
        ['orders.events', 0, 1043],
        ['orders.events', 1, 877],
        ['orders.events', 1, 878],
        ['orders.events', 1, 879],
        ['orders.events', 1, 880],
      ]);
    });

    it('names each record by the "<topic>-<partition>" key it was delivered under, dots and all', () => {
      // Prepare
      const event = mskEvent();

      // Act
      const records = decodeMskEvent(event);

      // Assess
      expect(records.map((r) => r.itemIdentifier)).toEqual([
        { partition: 'orders.events-0', offset: 1041 },
        { partition: 'orders.events-0', offset: 1042 },
        { partition: 'orders.events-0', offset: 1043 },
        { partition: 'orders.events-1', offset: 877 },
        { partition: 'orders.events-1', offset: 878 },
        { partition: 'orders.events-1', offset: 879 },
        { partition: 'orders.events-1', offset: 880 },
      ]);
      for (const record of records) {
        expect(Object.keys(event.records)).toContain(record.itemIdentifier.partition);
      }
    });

    it('decodes a base64 key to its UTF-8 text', () => {
      // Prepare
      const event = mskEvent();

      // Act
      const [first] = decodeMskEvent(event);

      // Assess
      expect(first?.key).toBe('ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY');
    });

    it('decodes a base64 value to the raw bytes of the CloudEvent JSON', () => {
      // Prepare
      const event = mskEvent();

      // Act
      const [first] = decodeMskEvent(event);

      // Assess
      expect(Buffer.isBuffer(first?.value)).toBe(true);
      const cloudEvent = JSON.parse(first?.value?.toString('utf8') ?? 'null');
      expect(cloudEvent).toMatchObject({
        type: 'orderpipeline.OrderCreated',
        subject: 'ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY',
        data: { orderId: 'ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY', totalCents: 3998 },
      });
    });

    it('keeps the timestamp as delivered', () => {
      // Prepare
      const event = mskEvent();

      // Act
      const [first] = decodeMskEvent(event);

      // Assess
      expect(first?.timestamp).toBe(1736935200000);
    });

    it('decodes signed Java header bytes to UTF-8, keeping every header in order', () => {
      // Prepare
      const event = mskEvent();

      // Act
      const [first] = decodeMskEvent(event);

      // Assess
      expect(first?.headers.map((h) => [h.name, h.value.toString('utf8')])).toEqual([
        ['content-type', 'application/cloudevents+json'],
        ['origin', 'café'],
      ]);
      expect([...(first?.headers[1]?.value ?? [])]).toEqual([99, 97, 102, 0xc3, 0xa9]);
    });

    it('gives an empty header list to a record delivered with "headers": []', () => {
      // Prepare
      const event = mskEvent();

      // Act
      const records = decodeMskEvent(event);

      // Assess
      expect(records.find((r) => r.offset === 1042)?.headers).toEqual([]);
    });

    it('gives a null key to a record whose key is omitted', () => {
      // Prepare
      const event = mskEvent();
      expect(event.records['orders.events-1']?.[0]).not.toHaveProperty('key');

      // Act
      const records = decodeMskEvent(event);

      // Assess
      expect(records.find((r) => r.offset === 877)?.key).toBeNull();
    });

    it('gives a null key to a record delivered with "key": null', () => {
      // Prepare
      const event = mskEvent();
      expect(event.records['orders.events-1']?.[1]?.key).toBeNull();

      // Act
      const records = decodeMskEvent(event);

      // Assess
      expect(records.find((r) => r.offset === 878)?.key).toBeNull();
    });

    it('gives a null value to a tombstone', () => {
      // Prepare
      const event = mskEvent();

      // Act
      const records = decodeMskEvent(event);

      // Assess
      const tombstone = records.find((r) => r.offset === 880);
      expect(tombstone?.value).toBeNull();
      expect(tombstone?.key).toBe('ord_01JH3S5V7X9Z1B3D5F7H9K1M3P');
    });
  });

  describe('with hand-built records', () => {
    it('gives a null value to a record whose value is omitted', () => {
      // Prepare
      const event = {
        eventSource: 'aws:kafka',
        bootstrapServers: 'b-1.example:9098',
        records: {
          'users.events-2': [
            { topic: 'users.events', partition: 2, offset: 5, timestamp: 1, timestampType: 'CREATE_TIME' },
          ],
        },
      };

      // Act
      const [record] = decodeMskEvent(event);

      // Assess
      expect(record?.value).toBeNull();
      expect(record?.headers).toEqual([]);
      expect(record?.itemIdentifier).toEqual({ partition: 'users.events-2', offset: 5 });
    });

    it('names a partition of a topic containing dashes and dots by topic and partition', () => {
      // Prepare
      const event = {
        records: {
          'order-api.v1.events-10': [
            { topic: 'order-api.v1.events', partition: 10, offset: 0, timestamp: 1, timestampType: 'CREATE_TIME' },
          ],
        },
      };

      // Act
      const [record] = decodeMskEvent(event);

      // Assess
      expect(record?.topic).toBe('order-api.v1.events');
      expect(record?.partition).toBe(10);
      expect(record?.itemIdentifier.partition).toBe('order-api.v1.events-10');
    });

    it('returns no records for an event with an empty records map', () => {
      // Prepare
      const event = { eventSource: 'aws:kafka', bootstrapServers: 'b-1.example:9098', records: {} };

      // Act
      const records = decodeMskEvent(event);

      // Assess
      expect(records).toEqual([]);
    });
  });

  describe('with a payload of the wrong shape', () => {
    it.each([
      ['undefined', undefined],
      ['null', null],
      ['a string', 'aws:kafka'],
      ['an object without records', { eventSource: 'aws:kafka', bootstrapServers: 'b-1.example:9098' }],
      ['records as an array', { records: [] }],
      ['records as null', { records: null }],
    ])('throws MskEventShapeError for %s', (_label, event) => {
      // Prepare, Act & Assess
      expect(() => decodeMskEvent(event)).toThrow(MskEventShapeError);
      expect(() => decodeMskEvent(event)).toThrow('not an MSK event: "records" is missing or not an object');
    });

    it('throws MskEventShapeError naming the key when records[key] is not an array', () => {
      // Prepare
      const event = { records: { 'orders.events-0': { topic: 'orders.events', partition: 0, offset: 1 } } };

      // Act & Assess
      expect(() => decodeMskEvent(event)).toThrow(MskEventShapeError);
      expect(() => decodeMskEvent(event)).toThrow('records["orders.events-0"] is not an array');
    });

    it('throws MskEventShapeError naming the key when a record has no offset', () => {
      // Prepare
      const event = mskEvent() as unknown as { records: Record<string, Record<string, unknown>[]> };
      delete event.records['orders.events-1']?.[2]?.offset;

      // Act & Assess
      expect(() => decodeMskEvent(event)).toThrow(MskEventShapeError);
      expect(() => decodeMskEvent(event)).toThrow('a record under "orders.events-1" lacks topic, partition or offset');
    });

    it('throws MskEventShapeError when a record has its offset as a string', () => {
      // Prepare
      const event = {
        records: { 'orders.events-0': [{ topic: 'orders.events', partition: 0, offset: '1041', timestamp: 1 }] },
      };

      // Act & Assess
      expect(() => decodeMskEvent(event)).toThrow(MskEventShapeError);
    });

    it.each(['topic', 'partition'])('throws MskEventShapeError when a record has no %s', (field) => {
      // Prepare
      const event = mskEvent() as unknown as { records: Record<string, Record<string, unknown>[]> };
      delete event.records['orders.events-0']?.[0]?.[field];

      // Act & Assess
      expect(() => decodeMskEvent(event)).toThrow(/a record under "orders\.events-0" lacks topic, partition or offset/);
    });

    it('gives the error the name MskEventShapeError', () => {
      // Prepare
      let thrown: unknown;

      // Act
      try {
        decodeMskEvent({});
      } catch (error) {
        thrown = error;
      }

      // Assess
      expect(thrown).toBeInstanceOf(Error);
      expect((thrown as Error).name).toBe('MskEventShapeError');
    });
  });
});

describe('Function: decodeMskEvent with malformed records', () => {
  it('reports a null record as a shape error', () => {
    expect(() => decodeMskEvent({ records: { 't-0': [null] } })).toThrow(MskEventShapeError);
  });

  it('reports a null header and a header that is not a byte array as shape errors', () => {
    const record = { topic: 't', partition: 0, offset: 1, timestamp: 0, timestampType: 'CREATE_TIME' };
    expect(() => decodeMskEvent({ records: { 't-0': [{ ...record, headers: [null] }] } })).toThrow(
      /header of t-0@1 is not an object/,
    );
    expect(() => decodeMskEvent({ records: { 't-0': [{ ...record, headers: [{ h: 'abc' }] }] } })).toThrow(
      /header "h" of t-0@1 is not an array of bytes/,
    );
  });
});
