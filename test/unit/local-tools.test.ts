/**
 * npm run invoke and npm run produce, before they touch a broker: what they accept, how they shape
 * an event or a record, and how they refuse a wrong function, topic or type (naming the valid ones,
 * from lib/topology.ts). Both tools run against a real broker in test/integration/local-tools.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCloudEvent } from '../../lambdas/shared/events/validation';
import { decodeMskEvent } from '../../lambdas/shared/kafka/msk-event';
import { readEventExample } from '../../lib/schema-files';
import { EVENT_NAMES, SERVICES, TOPICS } from '../../lib/topology';
import { formatReport, prepareEvent, requireFunction } from '../../local/invoke-function';
import { buildMessage, parseProduceArgs } from '../../local/produce';

const FIXTURES = join(__dirname, '..', 'fixtures');
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
const BOOTSTRAP = '127.0.0.1:9092';

describe('npm run invoke: choosing the function and shaping the event', () => {
  it('refuses an unknown function, listing every function', () => {
    expect(() => requireFunction('billing')).toThrow(`Unknown function "billing". Functions: ${SERVICES.join(', ')}.`);
  });

  it('wraps a bare CloudEvent into the MSK event its trigger delivers from the home topic', () => {
    // Prepare
    const cloudEvent = readEventExample('OrderCreated', 2);

    // Act
    const prepared = prepareEvent('payment', cloudEvent, BOOTSTRAP);
    const records = decodeMskEvent(prepared.event);

    // Assess
    expect(prepared.description).toBe('OrderCreated as 1 record of orders.events');
    expect(prepared.warnings).toEqual([]);
    expect(prepared.event).toMatchObject({ eventSource: 'aws:kafka', bootstrapServers: BOOTSTRAP });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ topic: 'orders.events', partition: 0, key: cloudEvent.subject });
    expect(JSON.parse(records[0]?.value?.toString('utf8') ?? '')).toEqual(cloudEvent);
    expect(records[0]?.headers.map((h) => [h.name, h.value.toString()])).toEqual(
      expect.arrayContaining([['ce_type', 'orderpipeline.OrderCreated']]),
    );
  });

  it('warns, and still delivers, a CloudEvent that breaks its schema (the function should dead-letter it)', () => {
    // Prepare
    const broken = { ...readEventExample('OrderCreated', 2), data: { orderId: 'ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY' } };

    // Act
    const prepared = prepareEvent('inventory', broken, BOOTSTRAP);

    // Assess
    expect(prepared.warnings).toEqual([expect.stringMatching(/^The CloudEvent is not valid \(OrderCreated v2 data: /)]);
    expect(decodeMskEvent(prepared.event)).toHaveLength(1);
  });

  it('refuses a CloudEvent the function never receives, naming the types its triggers deliver', () => {
    expect(() => prepareEvent('shipping', readEventExample('PaymentCompleted', 1), BOOTSTRAP)).toThrow(
      'shipping does not receive "orderpipeline.PaymentCompleted": its triggers deliver OrderConfirmed (lib/topology.ts).',
    );
  });

  it('passes an MSK event through as it is', () => {
    // Prepare
    const event = fixture('msk-event.multi-partition.json');

    // Act
    const prepared = prepareEvent('order', event, BOOTSTRAP);

    // Assess
    expect(prepared.event).toBe(event);
    expect(prepared.description).toMatch(/^an MSK event of \d+ records$/);
  });

  it('gives order-api an API Gateway proxy event, and refuses anything else for it', () => {
    // Act
    const prepared = prepareEvent('order-api', fixture('apigw-proxy-event.json'), BOOTSTRAP);

    // Assess
    expect(prepared.description).toBe('POST /orders');
    expect(() => prepareEvent('order-api', readEventExample('OrderCreated', 2), BOOTSTRAP)).toThrow(
      'order-api is invoked by API Gateway: give it an API Gateway proxy event',
    );
  });

  it('refuses what is neither an MSK event nor a CloudEvent for a Kafka-triggered function', () => {
    expect(() => prepareEvent('payment', { orderId: 'x' }, BOOTSTRAP)).toThrow(
      'payment is triggered by Kafka: give it an MSK event (eventSource "aws:kafka") or a CloudEvent',
    );
    expect(() => prepareEvent('payment', [1, 2], BOOTSTRAP)).toThrow('The event is not a JSON object.');
  });

  it('reports the response, the log lines and what was published', () => {
    // Act
    const text = formatReport(
      {
        function: 'payment',
        requestId: 'req-1',
        durationMs: 12,
        response: { batchItemFailures: [] },
        logs: ['{"level":"INFO","message":"payment settled"}'],
        published: [
          {
            topic: 'payments.events',
            key: 'ord_1',
            headers: { ce_type: 'orderpipeline.PaymentCompleted' },
            value: { id: 'e1' },
          },
        ],
      },
      'OrderCreated as 1 record of orders.events',
    );

    // Assess
    expect(text.split('\n')).toEqual([
      'payment invoked with OrderCreated as 1 record of orders.events: returned in 12 ms (request req-1)',
      '',
      'Response: {"batchItemFailures":[]}',
      '',
      'Log lines (1):',
      '  {"level":"INFO","message":"payment settled"}',
      '',
      'Published (1):',
      '  payments.events  key ord_1  orderpipeline.PaymentCompleted',
      '    {"id":"e1"}',
    ]);
  });
});

describe('npm run produce: the record it builds', () => {
  it('takes a raw record with its key and headers from a file', () => {
    // Act
    const request = parseProduceArgs(['orders.events', '--key', 'ord_1', '--header', 'trace=a=b', 'poison.bin']);
    const message = buildMessage(request, 'not json at all');

    // Assess
    expect(request).toEqual({ topic: 'orders.events', key: 'ord_1', headers: { trace: 'a=b' }, source: 'poison.bin' });
    expect(message).toEqual({ key: 'ord_1', value: 'not json at all', headers: { trace: 'a=b' } });
  });

  it("builds a valid CloudEvent of a type from the type's example, keyed by its aggregate id", () => {
    // Act
    const message = buildMessage(parseProduceArgs(['orders.events', '--event', 'OrderCancelled']), undefined);
    const event = JSON.parse(String(message.value)) as { subject: string; type: string };

    // Assess
    expect(validateCloudEvent(event)).toMatchObject({ ok: true, name: 'OrderCancelled' });
    expect(message.key).toBe(event.subject);
    expect(message.headers).toMatchObject({ 'content-type': 'application/cloudevents+json', ce_type: event.type });
  });

  it('builds it from a data file, and accepts the CloudEvent type as well as the bare name', () => {
    // Prepare
    const data = {
      ...(readEventExample('UserRegistered', 1).data as object),
      userId: 'usr_01JH3Q8Z5K7M9N2P4R6T8V0ABC',
    };

    // Act
    const message = buildMessage(
      parseProduceArgs(['users.events', '--event', 'orderpipeline.UserRegistered', 'user.json']),
      JSON.stringify(data),
    );

    // Assess
    expect(message.key).toBe('usr_01JH3Q8Z5K7M9N2P4R6T8V0ABC');
    expect(JSON.parse(String(message.value))).toMatchObject({ type: 'orderpipeline.UserRegistered', data });
  });

  it('refuses data that breaks the schema, naming the field', () => {
    expect(() =>
      buildMessage(parseProduceArgs(['orders.events', '--event', 'OrderCancelled', 'd.json']), '{"orderId":"ord_1"}'),
    ).toThrow(
      /^refusing to publish an invalid OrderCancelled: OrderCancelled v1 data: .*required property 'customerId'/,
    );
  });

  it('refuses an event on another topic than its own', () => {
    expect(() => buildMessage(parseProduceArgs(['payments.events', '--event', 'OrderCreated']), undefined)).toThrow(
      'OrderCreated events live on orders.events, not payments.events; produce it there.',
    );
  });

  it('refuses an unknown topic or type, listing the valid ones', () => {
    expect(() => parseProduceArgs(['orders', 'file.json'])).toThrow(
      `Unknown topic "orders". Topics: ${TOPICS.map((t) => t.name).join(', ')}.`,
    );
    expect(() => parseProduceArgs(['orders.events', '--event', 'OrderPlaced'])).toThrow(
      `Unknown event type "OrderPlaced". Types: ${EVENT_NAMES.join(', ')}.`,
    );
  });

  it('refuses a raw record without a file, and a malformed header', () => {
    expect(() => parseProduceArgs(['orders.events'])).toThrow('A raw record needs a file, or - for stdin.');
    expect(() => parseProduceArgs(['orders.events', '--header', 'novalue', '-'])).toThrow(
      '--header takes <name>=<value>, not "novalue".',
    );
  });
});
