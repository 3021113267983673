import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onFailureRecord } from '../../lambdas/shared/kafka/on-failure-record';
import {
  CONSUMER_SERVICES,
  consumerGroupId,
  DOMAINS,
  deadLetterTopic,
  domainTopic,
  EVENTS,
  type EventName,
  SERVICE_SPECS,
  SERVICES,
  TOPICS,
} from '../../lib/topology';
import { EventStore } from '../../local/console/event-store';
import { MAX_VALUE_CHARS, type RawRecord, tappedEvent } from '../../local/console/tapped-event';
import { consumerId, publisherId, topicId, topologyGraph } from '../../local/console/topology-graph';
import { mskRecordOf } from '../../local/esm/msk-event-builder';

const EXAMPLES = join(__dirname, '../../lambdas/shared/events/examples');

function example(name: EventName): string {
  return readFileSync(join(EXAMPLES, `${name}.v1.example.json`), 'utf8');
}

function record(topic: string, offset: number, value: string | null, overrides: Partial<RawRecord> = {}): RawRecord {
  return {
    topic,
    partition: 0,
    offset: String(offset),
    timestamp: String(1_767_225_600_000 + offset),
    key: Buffer.from('ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY'),
    value: value === null ? null : Buffer.from(value),
    ...overrides,
  };
}

describe('Function: tappedEvent', () => {
  it('describes a CloudEvent: type without namespace, id, publishing service, time and order id', () => {
    // Act
    const event = tappedEvent(record('payments.events', 7, example('PaymentCompleted')));

    // Assess
    expect(event).toEqual({
      topic: 'payments.events',
      partition: 0,
      offset: 7,
      timestamp: 1_767_225_600_007,
      key: 'ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY',
      type: 'PaymentCompleted',
      id: '1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c01',
      service: 'payment',
      subject: 'ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY',
      time: '2025-01-15T10:00:00.250Z',
      orderId: 'ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY',
      value: example('PaymentCompleted'),
    });
  });

  it('gives no order id to an event about a product', () => {
    // Act
    const event = tappedEvent(
      record('inventory.events', 1, example('ProductUpdated'), { key: Buffer.from('SKU-001') }),
    );

    // Assess
    expect(event.type).toBe('ProductUpdated');
    expect(event.subject).toBe('SKU-001');
    expect(event.orderId).toBeUndefined();
  });

  it('takes the order id from the subject when an order event has none in its data', () => {
    // Prepare
    const created = JSON.parse(example('OrderConfirmed')) as { data: Record<string, unknown>; subject: string };
    delete created.data.orderId;

    // Act
    const event = tappedEvent(record('orders.events', 2, JSON.stringify(created)));

    // Assess
    expect(event.orderId).toBe(created.subject);
  });

  it.each([
    ['not JSON', '{"type":', '(not JSON)'],
    ['JSON that is not a CloudEvent', '{"hello":"world"}', '(not a CloudEvent)'],
    ['an empty value', null, '(not JSON)'],
  ])('shows %s with a placeholder type and its text', (_case, value, type) => {
    // Act
    const event = tappedEvent(record('orders.events', 3, value));

    // Assess
    expect(event).toMatchObject({ type, offset: 3, value: value ?? '' });
    expect(event.orderId).toBeUndefined();
  });

  it("shows a dead-letter record as the event it carries, with Lambda's condition and the consumer that gave up", () => {
    // Prepare: the record as the MSK trigger writes it to an on-failure destination.
    const original = mskRecordOf('orders.events', 1, {
      key: Buffer.from('ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY'),
      value: Buffer.from(example('OrderConfirmed')),
      offset: '12',
      timestamp: '1767225600000',
      headers: {},
      attributes: 0,
    });
    const failure = onFailureRecord(
      { eventSourceArn: 'arn:aws:kafka:local:000000000000:cluster/local/x', bootstrapServers: '127.0.0.1:9092' },
      original,
      {
        condition: 'RetryAttemptsExhausted',
        requestId: 'r-1',
        functionArn: 'arn:aws:lambda:local:000000000000:function:local-shipping',
        approximateInvokeCount: 4,
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      },
    );

    // Act
    const event = tappedEvent(record('shipping.dlq', 0, JSON.stringify(failure)));

    // Assess
    expect(event).toMatchObject({
      topic: 'shipping.dlq',
      type: 'OrderConfirmed',
      service: 'order',
      orderId: 'ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY',
      deadLetter: { condition: 'RetryAttemptsExhausted', service: 'shipping' },
      value: example('OrderConfirmed'),
    });
  });

  it("keeps the handler's reason of a dead letter it wrote itself", () => {
    // Prepare
    const value = Buffer.from('{"specversion":"1.0","type":"orderpipeline.OrderCreated","id":"e1"}').toString('base64');
    const dead = {
      requestContext: { condition: 'InvalidRecord' },
      payload: { records: { 'orders.events-0': [{ value }] } },
      reason: 'data must have required property orderId',
    };

    // Act
    const event = tappedEvent(record('payment.dlq', 0, JSON.stringify(dead)));

    // Assess
    expect(event.deadLetter).toEqual({
      condition: 'InvalidRecord',
      reason: 'data must have required property orderId',
      service: 'payment',
    });
    expect(event.type).toBe('OrderCreated');
  });

  it('cuts a long value, saying how long it was', () => {
    // Act
    const event = tappedEvent(record('orders.events', 0, 'x'.repeat(MAX_VALUE_CHARS + 10)));

    // Assess
    expect(event.value).toBe(`${'x'.repeat(MAX_VALUE_CHARS)}… (${MAX_VALUE_CHARS + 10} characters)`);
  });
});

describe('Class: EventStore', () => {
  const event = (topic: string, offset: number, orderId?: string, timestamp = offset) => ({
    topic,
    partition: 0,
    offset,
    timestamp,
    key: orderId ?? null,
    type: 'OrderCreated',
    value: '{}',
    ...(orderId ? { orderId } : {}),
  });

  it('keeps the latest events of each topic, newest first, up to its limit', () => {
    // Prepare
    const store = new EventStore({ perTopic: 3, orders: 10, perOrder: 10 });

    // Act
    for (let offset = 0; offset < 5; offset += 1) store.add(event('orders.events', offset));
    store.add(event('payments.events', 0));

    // Assess
    expect(store.latest('orders.events').map((e) => e.offset)).toEqual([4, 3, 2]);
    expect(store.latest('payments.events').map((e) => e.offset)).toEqual([0]);
    expect(store.latest('users.events')).toEqual([]);
  });

  it("orders an order's events by time across topics, and keeps a refetched record once", () => {
    // Prepare
    const store = new EventStore();

    // Act
    store.add(event('payments.events', 5, 'ord_1', 200));
    store.add(event('orders.events', 9, 'ord_1', 100));
    store.add(event('orders.events', 9, 'ord_1', 100));
    store.add(event('orders.events', 10, 'ord_2', 150));

    // Assess
    expect(store.timeline('ord_1')).toEqual({
      orderId: 'ord_1',
      events: [event('orders.events', 9, 'ord_1', 100), event('payments.events', 5, 'ord_1', 200)],
      dropped: 0,
    });
    expect(store.timeline('ord_unknown')).toBeUndefined();
  });

  it('forgets the least recently active order first, and counts events dropped from a long timeline', () => {
    // Prepare
    const store = new EventStore({ perTopic: 100, orders: 2, perOrder: 2 });

    // Act
    store.add(event('orders.events', 0, 'ord_a'));
    store.add(event('orders.events', 1, 'ord_b'));
    store.add(event('orders.events', 2, 'ord_a'));
    store.add(event('orders.events', 3, 'ord_a'));
    store.add(event('orders.events', 4, 'ord_c'));

    // Assess: ord_a was active after ord_b, so ord_b went.
    expect(store.trackedOrders).toBe(2);
    expect(store.timeline('ord_b')).toBeUndefined();
    expect(store.timeline('ord_a')).toMatchObject({ dropped: 1 });
    expect(store.timeline('ord_a')?.events.map((e) => e.offset)).toEqual([2, 3]);
    expect(store.timeline('ord_c')?.events).toHaveLength(1);
  });
});

describe('Function: topologyGraph', () => {
  const graph = topologyGraph();
  const names = (kind: string) => graph.nodes.filter((n) => n.kind === kind).map((n) => n.name);

  it('has every topic once and every service, in the columns it publishes and consumes in', () => {
    // Assess
    expect([...names('topic'), ...names('dead-letter-topic')].sort()).toEqual(TOPICS.map((t) => t.name).sort());
    expect(new Set(names('service'))).toEqual(new Set(SERVICES));
    expect(
      graph.nodes
        .filter((n) => n.column === 2)
        .map((n) => n.name)
        .sort(),
    ).toEqual([...CONSUMER_SERVICES].sort());
    expect(new Set(graph.nodes.map((n) => n.id)).size).toBe(graph.nodes.length);
  });

  it('has one consume edge per subscription, named by its consumer group and carrying its event filter', () => {
    // Prepare
    const expected = CONSUMER_SERVICES.flatMap((service) =>
      SERVICE_SPECS[service].subscriptions.map((sub) => ({
        from: topicId(domainTopic(sub.domain)),
        to: consumerId(service),
        kind: 'consumes',
        events: [...sub.events],
        group: consumerGroupId(service, sub.domain),
      })),
    );

    // Assess
    expect(graph.edges.filter((e) => e.kind === 'consumes')).toEqual(expect.arrayContaining(expected));
    expect(graph.edges.filter((e) => e.kind === 'consumes')).toHaveLength(expected.length);
  });

  it("has a publish edge for every event's producer and topic, and a dead-letter edge per consumer", () => {
    // Assess
    for (const [name, spec] of Object.entries(EVENTS)) {
      const edge = graph.edges.find(
        (e) =>
          e.kind === 'publishes' && e.from === publisherId(spec.producer) && e.to === topicId(domainTopic(spec.domain)),
      );
      expect(edge?.events).toContain(name);
    }
    expect(graph.edges.filter((e) => e.kind === 'dead-letters')).toEqual(
      expect.arrayContaining(
        CONSUMER_SERVICES.map((s) => ({
          from: consumerId(s),
          to: topicId(deadLetterTopic(s)),
          kind: 'dead-letters',
          events: [],
        })),
      ),
    );
  });

  it('refers only to nodes it has, and gives each node of a column its own row', () => {
    // Assess
    const ids = new Set(graph.nodes.map((n) => n.id));
    for (const edge of graph.edges) {
      expect(ids).toContain(edge.from);
      expect(ids).toContain(edge.to);
    }
    for (let column = 0; column < graph.columns.length; column += 1) {
      const rows = graph.nodes.filter((n) => n.column === column).map((n) => n.row);
      expect(rows.sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
    }
    expect(graph.nodes.filter((n) => n.column === 1).map((n) => n.name)).toEqual(DOMAINS.map(domainTopic));
  });
});
