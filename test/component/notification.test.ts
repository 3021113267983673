import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  messageIdFor,
  type NotificationHandlers,
  notificationHandlers,
  notificationSentIdFor,
} from '../../lambdas/notification/core';
import type { NotificationMessage, Notifier } from '../../lambdas/notification/notifier';
import { notifierFromEnv } from '../../lambdas/notification/notifier';
import { OUTBOX_FILE, OutboxNotifier, readOutbox } from '../../lambdas/notification/outbox-notifier';
import { SNS_SUBJECT_MAX_CHARS, SnsNotifier } from '../../lambdas/notification/sns-notifier';
import { MissingConfigError } from '../../lambdas/shared/env';
import { createEvent, deterministicId } from '../../lambdas/shared/events/envelope';
import type { EventData } from '../../lambdas/shared/events/types.generated';
import type { CloudEvent } from '../../lambdas/shared/events/validation';
import { type ConsumerLogger, consumeBatch } from '../../lambdas/shared/kafka/consumer';
import type { DecodedRecord } from '../../lambdas/shared/kafka/msk-event';
import { PublishError } from '../../lambdas/shared/kafka/publisher';
import { dynamoIdempotency } from '../../lambdas/shared/powertools-idempotency';
import { ENV } from '../../lib/runtime-contract';
import { domainTopic } from '../../lib/topology';
import { sampleData } from '../../local/samples';
import { startDynamo, type TestDynamo } from '../support/dynalite';
import { InMemoryPublisher } from '../support/in-memory-publisher';
import { lambdaContext } from '../support/lambda-context';
import { mskEventOf, nameOf, recordOf } from '../support/msk';

const CORRELATION_ID = '6f1c2a7e-3b9d-4c52-8e0f-5a4b3c2d1e0f';
const FIXED_NOW = new Date('2026-03-01T09:00:00.000Z');
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:order-pipeline-notifications';

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

let seq = 0;
function newId(prefix: 'ord' | 'usr'): string {
  seq += 1;
  return `${prefix}_NOTIFYTEST${String(seq).padStart(10, '0')}`;
}

function orderConfirmed(orderId: string, email = 'ada@example.com'): CloudEvent<EventData['OrderConfirmed']> {
  const data = sampleData('OrderConfirmed', { orderId, email });
  return createEvent('OrderConfirmed', data, { subject: orderId, correlationId: CORRELATION_ID });
}

function orderCancelled(orderId: string): CloudEvent<EventData['OrderCancelled']> {
  return createEvent(
    'OrderCancelled',
    {
      orderId,
      customerId: 'c-42',
      email: 'grace@example.com',
      reason: 'out_of_stock',
      detail: 'SKU-SOLDOUT is sold out.',
    },
    { subject: orderId, correlationId: CORRELATION_ID },
  );
}

function shipmentPrepared(orderId: string): CloudEvent<EventData['ShipmentPrepared']> {
  return createEvent(
    'ShipmentPrepared',
    {
      orderId,
      shipmentId: 'shp_01JH3QB5E7F9G1H3J4K6M8N0PQ',
      carrier: 'royal_mail',
      trackingNumber: 'RM123456785GB',
      email: 'alan@example.com',
      customerId: 'c-43',
    },
    { subject: orderId, correlationId: CORRELATION_ID },
  );
}

function userRegistered(userId: string, name = 'Katherine Johnson'): CloudEvent<EventData['UserRegistered']> {
  return createEvent(
    'UserRegistered',
    { userId, email: 'katherine@example.com', name },
    { subject: userId, correlationId: CORRELATION_ID },
  );
}

/** Hands an event to the handler for its type, as the consumer wrapper does. */
function deliver(handlers: NotificationHandlers, event: CloudEvent): Promise<void> {
  const handler = handlers[nameOf(event) as keyof NotificationHandlers] as (
    event: CloudEvent,
    record: DecodedRecord,
  ) => Promise<void>;
  return handler(event, recordOf(event));
}

const silentLogger: ConsumerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

// ---------------------------------------------------------------------------------------------
// A stand-in SNS endpoint: records each request and answers as SNS's Query API does.
// ---------------------------------------------------------------------------------------------

interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly contentType: string;
  readonly authorization: string;
  readonly params: URLSearchParams;
}

interface FakeSns {
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  /** When set, the next requests are answered with this SNS error. */
  failWith: { status: number; code: string; message: string } | undefined;
  stop(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function startFakeSns(): Promise<FakeSns> {
  let published = 0;
  const fake: FakeSns = {
    endpoint: '',
    requests: [],
    failWith: undefined,
    stop: async () => undefined,
  };
  const server: Server = createServer(async (request, response) => {
    const params = new URLSearchParams(await bodyOf(request));
    fake.requests.push({
      method: request.method ?? '',
      url: request.url ?? '',
      contentType: request.headers['content-type'] ?? '',
      authorization: request.headers.authorization ?? '',
      params,
    });
    const requestId = `req-${fake.requests.length}`;
    response.setHeader('content-type', 'text/xml');
    if (fake.failWith) {
      response.statusCode = fake.failWith.status;
      response.end(
        `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>` +
          `<Code>${fake.failWith.code}</Code><Message>${fake.failWith.message}</Message></Error>` +
          `<RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
      return;
    }
    published += 1;
    response.statusCode = 200;
    response.end(
      `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>` +
        `<MessageId>sns-message-${published}</MessageId></PublishResult>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

function snsClientFor(endpoint: string): SNSClient {
  return new SNSClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

/** The MessageAttributes of a Query API Publish request, by name. */
function messageAttributes(params: URLSearchParams): Record<string, { type: string | null; value: string | null }> {
  const attributes: Record<string, { type: string | null; value: string | null }> = {};
  for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    attributes[params.get(`${prefix}.Name`) as string] = {
      type: params.get(`${prefix}.Value.DataType`),
      value: params.get(`${prefix}.Value.StringValue`),
    };
  }
  return attributes;
}

function message(overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    messageId: deterministicId('test', String(++seq)),
    channel: 'email',
    template: 'order_confirmed',
    recipient: 'ada@example.com',
    subject: 'Order ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY confirmed',
    body: 'Hello Ada,\n\nThank you for your order.',
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------

describe('notification service', () => {
  let dir: string;
  let printed: string[];
  let outbox: OutboxNotifier;
  let publisher: InMemoryPublisher;
  let handlers: NotificationHandlers;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'notification-test-'));
    printed = [];
    outbox = new OutboxNotifier({ dir, print: (line) => printed.push(line), now: () => FIXED_NOW });
    publisher = new InMemoryPublisher();
    handlers = notificationHandlers({ notifier: outbox, publisher, logger: silentLogger, now: () => FIXED_NOW });
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('one message and one NotificationSent per event', () => {
    const orderId = newId('ord');
    const userId = newId('usr');
    it.each([
      {
        event: orderConfirmed(orderId),
        template: 'order_confirmed',
        recipient: 'ada@example.com',
        about: { orderId },
        subject: `Order ${orderId} confirmed`,
        bodyIncludes: [orderId, '£39.98', 'London'],
      },
      {
        event: orderCancelled(orderId),
        template: 'order_cancelled',
        recipient: 'grace@example.com',
        about: { orderId },
        subject: `Order ${orderId} cancelled`,
        bodyIncludes: [orderId, 'out of stock', 'SKU-SOLDOUT is sold out.'],
      },
      {
        event: shipmentPrepared(orderId),
        template: 'order_shipped',
        recipient: 'alan@example.com',
        about: { orderId },
        subject: `Order ${orderId} shipped`,
        bodyIncludes: [orderId, 'Royal Mail', 'RM123456785GB'],
      },
      {
        event: userRegistered(userId),
        template: 'welcome',
        recipient: 'katherine@example.com',
        about: { userId },
        subject: 'Welcome, Katherine Johnson',
        bodyIncludes: ['Katherine Johnson', userId],
      },
    ])(
      '$event.type sends $template to $recipient',
      async ({ event, template, recipient, about, subject, bodyIncludes }) => {
        // Prepare: the event above.

        // Act
        await deliver(handlers, event);

        // Assess: the message
        const entries = await readOutbox(outbox.file);
        expect(entries).toHaveLength(1);
        const [entry] = entries;
        expect(entry).toMatchObject({
          messageId: messageIdFor(event.id),
          sentAt: FIXED_NOW.toISOString(),
          channel: 'email',
          template,
          recipient,
          subject,
        });
        for (const text of bodyIncludes) expect(entry?.body).toContain(text);
        expect(printed).toEqual([`[outbox] email ${template} to ${recipient}: ${subject}`]);

        // Assess: the event, about exactly one aggregate
        expect(publisher.published).toHaveLength(1);
        const [sent] = publisher.ofType('NotificationSent');
        expect(sent).toMatchObject({
          id: deterministicId('notification', event.id, 'NotificationSent'),
          source: '/order-pipeline/notification',
          subject: Object.values(about)[0],
          correlationid: CORRELATION_ID,
          time: FIXED_NOW.toISOString(),
        });
        expect(sent?.data).toEqual({ ...about, channel: 'email', template, recipient });
      },
    );
  });

  it('gives the messages and events of different incoming events different ids', async () => {
    // Prepare
    const orderId = newId('ord');
    const confirmed = orderConfirmed(orderId);
    const shipped = shipmentPrepared(orderId);

    // Act
    await deliver(handlers, confirmed);
    await deliver(handlers, shipped);

    // Assess
    const ids = publisher.published.map((e) => e.id);
    expect(new Set(ids).size).toBe(2);
    expect((await readOutbox(outbox.file)).map((e) => e.messageId)).toEqual([
      messageIdFor(confirmed.id),
      messageIdFor(shipped.id),
    ]);
  });

  it('notifies a shipment that arrives before its confirmation, and the late confirmation too', async () => {
    // Prepare: shipping.events and orders.events are different topics, so no order holds between them.
    const orderId = newId('ord');

    // Act
    await deliver(handlers, shipmentPrepared(orderId));
    await deliver(handlers, orderConfirmed(orderId));

    // Assess
    expect((await readOutbox(outbox.file)).map((e) => e.template)).toEqual(['order_shipped', 'order_confirmed']);
    expect(publisher.published.map((e) => (e.data as EventData['NotificationSent']).template)).toEqual([
      'order_shipped',
      'order_confirmed',
    ]);
  });

  describe('failures', () => {
    it('publishes nothing when the notifier fails, so the record is retried', async () => {
      // Prepare
      const failing: Notifier = {
        send: async () => {
          throw new Error('SNS is unavailable (test)');
        },
      };
      const failingHandlers = notificationHandlers({ notifier: failing, publisher, logger: silentLogger });

      // Act
      const attempt = deliver(failingHandlers, orderConfirmed(newId('ord')));

      // Assess
      await expect(attempt).rejects.toThrow('SNS is unavailable (test)');
      expect(publisher.published).toEqual([]);
    });

    it('fails the record when Kafka does not acknowledge, after the message was sent', async () => {
      // Prepare
      const event = orderConfirmed(newId('ord'));
      publisher.failing = true;

      // Act
      const attempt = deliver(handlers, event);

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(PublishError);
      expect(await readOutbox(outbox.file)).toHaveLength(1);
      expect(publisher.published).toEqual([]);
    });
  });

  describe('the same event delivered twice', () => {
    it('sends one message and publishes the same NotificationSent both times', async () => {
      // Prepare
      const event = userRegistered(newId('usr'));

      // Act
      await deliver(handlers, event);
      await deliver(handlers, event);

      // Assess
      expect(await readOutbox(outbox.file)).toHaveLength(1);
      expect(printed).toHaveLength(1);
      const sent = publisher.ofType('NotificationSent');
      expect(sent.map((e) => e.id)).toEqual([notificationSentIdFor(event.id), notificationSentIdFor(event.id)]);
      expect(sent[1]).toEqual(sent[0]);
    });

    it('after a crash between sending and publishing, the redelivery publishes once and sends nothing more', async () => {
      // Prepare: the message goes out, then Kafka is unreachable and the handler fails.
      const event = orderCancelled(newId('ord'));
      publisher.failing = true;
      await expect(deliver(handlers, event)).rejects.toBeInstanceOf(PublishError);
      publisher.failing = false;

      // Act
      await deliver(handlers, event);

      // Assess
      const entries = await readOutbox(outbox.file);
      expect(entries.map((e) => e.messageId)).toEqual([messageIdFor(event.id)]);
      expect(publisher.published.map((e) => e.id)).toEqual([
        deterministicId('notification', event.id, 'NotificationSent'),
      ]);
    });
  });

  describe('through the consumer wrapper', () => {
    let dynamo: TestDynamo;
    let prefixes = 0;

    beforeAll(async () => {
      dynamo = await startDynamo();
    });
    afterAll(async () => dynamo.stop());

    const deps = () => ({
      handlers,
      idempotency: dynamoIdempotency({
        client: dynamo.client,
        tableName: dynamo.tableName('idempotency'),
        keyPrefix: `notification-test-${++prefixes}`,
      }),
      deadLetters: { send: async () => undefined },
      logger: silentLogger,
    });

    it('drops a redelivered record by event id: one message, one NotificationSent', async () => {
      // Prepare
      const mskEvent = mskEventOf(shipmentPrepared(newId('ord')), 5);
      const consumer = deps();

      // Act
      const first = await consumeBatch(mskEvent, consumer, lambdaContext('notification'));
      const second = await consumeBatch(mskEvent, consumer, lambdaContext('notification'));

      // Assess
      expect(first.batchItemFailures).toEqual([]);
      expect(second.batchItemFailures).toEqual([]);
      expect(await readOutbox(outbox.file)).toHaveLength(1);
      expect(publisher.ofType('NotificationSent')).toHaveLength(1);
    });

    it('reports a failed publish as a batch item failure, and the retry publishes once without resending', async () => {
      // Prepare
      const event = orderConfirmed(newId('ord'));
      const mskEvent = mskEventOf(event, 6);
      const consumer = deps();
      publisher.failing = true;

      // Act
      const failed = await consumeBatch(mskEvent, consumer, lambdaContext('notification'));
      publisher.failing = false;
      const retried = await consumeBatch(mskEvent, consumer, lambdaContext('notification'));

      // Assess
      expect(failed.batchItemFailures).toEqual([
        { itemIdentifier: { partition: `${domainTopic('orders')}-0`, offset: 6 } },
      ]);
      expect(retried.batchItemFailures).toEqual([]);
      expect(await readOutbox(outbox.file)).toHaveLength(1);
      expect(publisher.published.map((e) => e.id)).toEqual([notificationSentIdFor(event.id)]);
    });
  });
});

describe('OutboxNotifier', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'outbox-test-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates its directory and writes one JSON line and one console line per message', async () => {
    // Prepare
    const dir = join(root, 'does', 'not', 'exist', 'yet');
    const printed: string[] = [];
    const notifier = new OutboxNotifier({ dir, print: (line) => printed.push(line), now: () => FIXED_NOW });
    const first = message({ recipient: 'ada@example.com' });
    const second = message({ template: 'welcome', recipient: 'grace@example.com', subject: 'Welcome,\nGrace' });

    // Act
    const results = [await notifier.send(first), await notifier.send(second)];

    // Assess
    expect(notifier.file).toBe(join(dir, OUTBOX_FILE));
    expect(results).toEqual([
      { status: 'sent', transportMessageId: first.messageId },
      { status: 'sent', transportMessageId: second.messageId },
    ]);
    const lines = (await readFile(notifier.file, 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0] as string)).toEqual({ ...first, sentAt: FIXED_NOW.toISOString() });
    expect(JSON.parse(lines[1] as string)).toEqual({ ...second, sentAt: FIXED_NOW.toISOString() });
    expect(printed).toEqual([
      `[outbox] email order_confirmed to ada@example.com: ${first.subject}`,
      '[outbox] email welcome to grace@example.com: Welcome, Grace',
    ]);
  });

  it('skips a message whose id is already in the outbox', async () => {
    // Prepare
    const printed: string[] = [];
    const notifier = new OutboxNotifier({ dir: root, print: (line) => printed.push(line) });
    const original = message();
    await notifier.send(original);

    // Act
    const again = await notifier.send({ ...original, body: 'a different body, same id' });

    // Assess
    expect(again.status).toBe('duplicate');
    expect(await readOutbox(notifier.file)).toEqual([expect.objectContaining({ body: original.body })]);
    expect(printed).toHaveLength(1);
  });

  it('sees a line written by an earlier instance (a restarted process)', async () => {
    // Prepare
    const original = message();
    await new OutboxNotifier({ dir: root, print: () => undefined }).send(original);
    const restarted = new OutboxNotifier({ dir: root, print: () => undefined });

    // Act
    const result = await restarted.send(original);

    // Assess
    expect(result.status).toBe('duplicate');
    expect(await readOutbox(restarted.file)).toHaveLength(1);
  });

  it('writes one line when the same message is sent twice at once', async () => {
    // Prepare
    const notifier = new OutboxNotifier({ dir: root, print: () => undefined });
    const twice = message();

    // Act
    const results = await Promise.all([notifier.send(twice), notifier.send(twice)]);

    // Assess
    expect(results.map((r) => r.status).sort()).toEqual(['duplicate', 'sent']);
    expect(await readOutbox(notifier.file)).toHaveLength(1);
  });

  it('starts on a fresh line after a torn write, and does not count the torn message as sent', async () => {
    // Prepare: a crash mid-append left half a line with no newline.
    const torn = message();
    const whole = JSON.stringify({ ...torn, sentAt: FIXED_NOW.toISOString() });
    const file = join(root, OUTBOX_FILE);
    await writeFile(file, whole.slice(0, whole.length / 2), 'utf8');
    const notifier = new OutboxNotifier({ dir: root, print: () => undefined });

    // Act
    const result = await notifier.send(torn);

    // Assess
    expect(result.status).toBe('sent');
    expect((await readOutbox(file)).map((e) => e.messageId)).toEqual([torn.messageId]);
    expect((await readFile(file, 'utf8')).split('\n')).toHaveLength(3);
  });
  it('sees a line another writer appended between two of its own sends', async () => {
    // Prepare: the notifier has read the file once; then an earlier process's line appears.
    const notifier = new OutboxNotifier({ dir: root, print: () => undefined });
    await notifier.send(message());
    const elsewhere = message();
    await appendFile(notifier.file, `${JSON.stringify({ ...elsewhere, sentAt: FIXED_NOW.toISOString() })}\n`, 'utf8');

    // Act
    const result = await notifier.send(elsewhere);

    // Assess
    expect(result.status).toBe('duplicate');
    expect(await readOutbox(notifier.file)).toHaveLength(2);
  });

  it('counts a whole line that lost only its newline to a crash as sent', async () => {
    // Prepare
    const written = message();
    const file = join(root, OUTBOX_FILE);
    await writeFile(file, JSON.stringify({ ...written, sentAt: FIXED_NOW.toISOString() }), 'utf8');
    const notifier = new OutboxNotifier({ dir: root, print: () => undefined });

    // Act
    const result = await notifier.send(written);

    // Assess
    expect(result.status).toBe('duplicate');
  });

  it('indexes a replaced (reset) outbox anew: an id only the old file held is sent again', async () => {
    // Prepare
    const notifier = new OutboxNotifier({ dir: root, print: () => undefined });
    const before = message();
    await notifier.send(before);
    await notifier.send(message());
    await rm(notifier.file);
    await notifier.send(message({ recipient: 'grace@example.com' }));

    // Act
    const result = await notifier.send(before);

    // Assess
    expect(result.status).toBe('sent');
    expect(await readOutbox(notifier.file)).toHaveLength(2);
  });
});

describe('SnsNotifier', () => {
  let sns: FakeSns;
  let client: SNSClient;

  beforeAll(async () => {
    sns = await startFakeSns();
    client = snsClientFor(sns.endpoint);
  });

  afterAll(async () => {
    client.destroy();
    await sns.stop();
  });

  beforeEach(() => {
    sns.requests.length = 0;
    sns.failWith = undefined;
  });

  it('publishes the message to the topic through the SNS Query API, with template, recipient and message id', async () => {
    // Prepare
    const notifier = new SnsNotifier(client, TOPIC_ARN);
    const sent = message({ template: 'order_shipped', recipient: 'alan@example.com' });

    // Act
    const result = await notifier.send(sent);

    // Assess
    expect(sns.requests).toHaveLength(1);
    const [request] = sns.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/');
    expect(request?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/eu-west-1\/sns\/aws4_request/);
    const params = request?.params as URLSearchParams;
    expect(params.get('Action')).toBe('Publish');
    expect(params.get('Version')).toBe('2010-03-31');
    expect(params.get('TopicArn')).toBe(TOPIC_ARN);
    expect(params.get('Subject')).toBe(sent.subject);
    expect(params.get('Message')).toBe(sent.body);
    expect(messageAttributes(params)).toEqual({
      template: { type: 'String', value: 'order_shipped' },
      recipient: { type: 'String', value: 'alan@example.com' },
      messageId: { type: 'String', value: sent.messageId },
    });
    expect(result).toEqual({ status: 'sent', transportMessageId: expect.stringMatching(/^sns-message-\d+$/) });
  });

  it('keeps the Subject under 100 characters and on one line', async () => {
    // Prepare
    const notifier = new SnsNotifier(client, TOPIC_ARN);
    const longName = `Ada\n${'Augusta King, Countess of Lovelace '.repeat(3)}`.slice(0, 100);

    // Act
    await notifier.send(message({ template: 'welcome', subject: `Welcome, ${longName}` }));

    // Assess
    const subject = sns.requests[0]?.params.get('Subject') as string;
    expect(subject.length).toBeLessThanOrEqual(SNS_SUBJECT_MAX_CHARS);
    expect(SNS_SUBJECT_MAX_CHARS).toBeLessThan(100);
    expect(subject).toMatch(/^Welcome, Ada Augusta King, Countess of Lovelace Augusta King/);
    expect(subject).toMatch(/\.\.\.$/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting there are none.
    expect(subject).not.toMatch(/[\u0000-\u001f]/);
  });

  it('fails the send when SNS answers with an error', async () => {
    // Prepare
    const notifier = new SnsNotifier(client, TOPIC_ARN);
    sns.failWith = { status: 404, code: 'NotFound', message: 'Topic does not exist' };

    // Act
    const attempt = notifier.send(message());

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'NotFoundException', message: 'Topic does not exist' });
  });

  it('carries a redelivered event as the same SNS message id, and publishes the same NotificationSent', async () => {
    // Prepare
    const publisher = new InMemoryPublisher();
    const handlers = notificationHandlers({
      notifier: new SnsNotifier(client, TOPIC_ARN),
      publisher,
      logger: silentLogger,
      now: () => FIXED_NOW,
    });
    const event = orderConfirmed(newId('ord'));

    // Act
    await deliver(handlers, event);
    await deliver(handlers, event);

    // Assess: SNS cannot deduplicate, so both went out, carrying one id a subscriber can drop on.
    expect(sns.requests.map((r) => messageAttributes(r.params).messageId?.value)).toEqual([
      messageIdFor(event.id),
      messageIdFor(event.id),
    ]);
    expect(publisher.published.map((e) => e.id)).toEqual([
      notificationSentIdFor(event.id),
      notificationSentIdFor(event.id),
    ]);
  });
});

describe('notifierFromEnv', () => {
  it('writes to the outbox when an outbox directory is set, even if a topic is set too', () => {
    // Act
    const notifier = notifierFromEnv({
      [ENV.notificationOutboxDir]: '/tmp/outbox-dir',
      [ENV.notificationTopicArn]: TOPIC_ARN,
    });

    // Assess
    expect(notifier).toBeInstanceOf(OutboxNotifier);
    expect((notifier as OutboxNotifier).file).toBe(join('/tmp/outbox-dir', OUTBOX_FILE));
  });

  it('publishes to SNS when only the topic is set', () => {
    // Act
    const notifier = notifierFromEnv({ [ENV.notificationTopicArn]: TOPIC_ARN });

    // Assess
    expect(notifier).toBeInstanceOf(SnsNotifier);
  });

  it('refuses to start with neither, naming both settings', () => {
    // Act
    const attempt = () => notifierFromEnv({ [ENV.notificationOutboxDir]: '' });

    // Assess
    expect(attempt).toThrow(MissingConfigError);
    expect(attempt).toThrow(/NOTIFICATION_TOPIC_ARN.*NOTIFICATION_OUTBOX_DIR/);
  });
});
