/**
 * Watching the local pipeline, against the real test broker: GET /metrics scraped after orders went
 * through the API, and the live console driven in headless Chromium through playwright-core: a
 * system Chrome or Chromium, else the build the @sparticuz/chromium package carries (see
 * test/support/browser.ts; no browser download).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { Kafka, logLevel } from '../../lambdas/shared/kafka/driver';
import { CONSUMER_SERVICES, consumerGroups, domainTopic, SERVICES, TOPICS } from '../../lib/topology';
import { PROMETHEUS_METRICS } from '../../local/prometheus';
import type { LocalRuntime } from '../../local/runtime';
import { sampleOrderRequest } from '../../local/samples';
import { consoleTestBrowser } from '../support/browser';
import { eventually } from '../support/eventually';
import { type Family, parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { TEST_BOOTSTRAP } from './broker';
import { readTopic } from './support-esm';
import { startTestRuntime, type TestRuntime } from './test-runtime';

const ORDER = sampleOrderRequest();
const SAGA_OF_A_SHIPPED_ORDER = [
  'OrderCreated',
  'PaymentCompleted',
  'InventoryReserved',
  'OrderConfirmed',
  'ShipmentPrepared',
  'NotificationSent',
];
/** The services subscribed to OrderCreated: each dead-letters a poison one. */
const ORDER_CREATED_CONSUMERS = ['payment', 'inventory', 'order'];

async function createOrder(api: string, body: unknown = ORDER): Promise<string> {
  const response = await fetch(`${api}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { orderId: string }).orderId;
}

async function orderStatus(api: string, orderId: string): Promise<string | undefined> {
  const response = await fetch(`${api}/orders/${orderId}`);
  return response.status === 200 ? ((await response.json()) as { status: string }).status : undefined;
}

async function settled(api: string, orderId: string): Promise<string> {
  return eventually(`order ${orderId} to settle`, async () => {
    const status = await orderStatus(api, orderId);
    return status === 'SHIPPED' || status === 'CANCELLED' ? status : undefined;
  });
}

async function scrape(runtime: LocalRuntime): Promise<Map<string, Family>> {
  const response = await fetch(runtime.metricsUrl);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

/** An OrderCreated with a valid envelope and data that breaks its schema. */
function poisonOrderCreated(orderId: string): string {
  return JSON.stringify({
    specversion: '1.0',
    id: `poison-${orderId}`,
    source: '/order-pipeline/order-api',
    type: 'orderpipeline.OrderCreated',
    subject: orderId,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    dataschema: 'https://schemas.orderpipeline.dev/events/OrderCreated/v2.json',
    correlationid: `poison-${orderId}`,
    data: { orderId },
  });
}

describe('watching the local pipeline', () => {
  const poisonId = `ord_POISON${Date.now()}`;
  let pipeline: TestRuntime | undefined;
  let runtime: LocalRuntime;
  let api: string;
  const orders: Record<string, string> = {};

  beforeAll(async () => {
    pipeline = await startTestRuntime('watch');
    runtime = pipeline.runtime;
    api = runtime.apiUrl;

    orders.shipped = await createOrder(api);
    orders.declined = await createOrder(api, { ...ORDER, paymentMethod: 'tok_declined' });
    const kafka = new Kafka({ clientId: 'watching-test', brokers: [TEST_BOOTSTRAP], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({
      topic: domainTopic('orders'),
      acks: -1,
      messages: [{ key: poisonId, value: poisonOrderCreated(poisonId) }],
    });
    await producer.disconnect();
    expect(await settled(api, orders.shipped)).toBe('SHIPPED');
    expect(await settled(api, orders.declined)).toBe('CANCELLED');
  });

  afterAll(() => pipeline?.stop());

  describe('GET /metrics', () => {
    it('is valid text exposition: HELP and TYPE for every family, every sample line parses, conventional names', async () => {
      // Act
      const response = await fetch(runtime.metricsUrl);
      const families = parsePrometheusText(await response.text());

      // Assess
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect([...families.keys()].sort()).toEqual(Object.values(PROMETHEUS_METRICS).sort());
      for (const family of families.values()) {
        expect(family.name).toMatch(/^orderpipeline_[a-z0-9_]+$/);
        expect(family.name.endsWith('_total')).toBe(family.type === 'counter');
        expect(family.help.length).toBeGreaterThan(10);
      }
      expect(sampleValue(families, PROMETHEUS_METRICS.kafkaUp, {})).toBe(1);
    });

    it('counts invocations of every function, each with its duration observed', async () => {
      // Act: notification batches for a second before its first invocation.
      const families = await eventually('every function to be invoked', async () => {
        const scraped = await scrape(runtime);
        const invoked = SERVICES.every(
          (fn) => (sampleValue(scraped, PROMETHEUS_METRICS.invocations, { function: fn }) ?? 0) > 0,
        );
        return invoked ? scraped : undefined;
      });

      // Assess
      for (const fn of SERVICES) {
        const invocations = sampleValue(families, PROMETHEUS_METRICS.invocations, { function: fn }) ?? 0;
        expect(invocations).toBeGreaterThan(0);
        const count = `${PROMETHEUS_METRICS.duration}_count`;
        expect(sampleValue(families, PROMETHEUS_METRICS.duration, { function: fn }, count)).toBe(invocations);
        expect(sampleValue(families, PROMETHEUS_METRICS.errors, { function: fn })).toBe(0);
      }
    });

    it('reaches lag 0 with the committed offset at the log end offset, for every group and partition', async () => {
      // Act
      const families = await eventually('every consumer group to catch up', async () => {
        const scraped = await scrape(runtime);
        const lags = scraped.get(PROMETHEUS_METRICS.lag)?.samples ?? [];
        return lags.length > 0 && lags.every((s) => s.value === 0) ? scraped : undefined;
      });

      // Assess
      const ends = families.get(PROMETHEUS_METRICS.logEndOffset)?.samples ?? [];
      const groups = new Set(ends.map((s) => s.labels.group));
      expect([...groups].sort()).toEqual(CONSUMER_SERVICES.flatMap(consumerGroups).sort());
      const withRecords = ends.filter((s) => s.value > 0);
      expect(withRecords.length).toBeGreaterThan(0);
      for (const end of withRecords) {
        const committed = sampleValue(
          families,
          PROMETHEUS_METRICS.committedOffset,
          end.labels as Record<string, string>,
        );
        expect({ ...end.labels, committed }).toEqual({ ...end.labels, committed: end.value });
      }
    });

    it('counts the records produced per topic, and the counters grow with new orders', async () => {
      // Prepare
      const produced = async (topic: string) =>
        sampleValue(await scrape(runtime), PROMETHEUS_METRICS.topicRecords, { topic }) ?? Number.NaN;
      const before = { orders: await produced('orders.events'), shipping: await produced('shipping.events') };

      // Act
      orders.later = await createOrder(api);
      expect(await settled(api, orders.later)).toBe('SHIPPED');

      // Assess: OrderCreated and OrderConfirmed, then ShipmentPrepared. Offsets are read at most
      // every 500 ms, so a scrape right after the order settles may still show the earlier ends.
      // eventually() fails the test when the counters never get there.
      await eventually('orders.events +2 and shipping.events +1 in the produce counters', async () => {
        const now = { orders: await produced('orders.events'), shipping: await produced('shipping.events') };
        return now.orders >= before.orders + 2 && now.shipping >= before.shipping + 1 ? now : undefined;
      });
    });

    it('counts dead letters per function from its dead-letter topic', async () => {
      // Act
      const families = await eventually('the poison record in three dead-letter topics', async () => {
        const scraped = await scrape(runtime);
        const counts = ORDER_CREATED_CONSUMERS.map(
          (fn) => sampleValue(scraped, PROMETHEUS_METRICS.deadLetters, { function: fn }) ?? 0,
        );
        return counts.every((n) => n >= 1) ? scraped : undefined;
      });

      // Assess
      expect(sampleValue(families, PROMETHEUS_METRICS.deadLetters, { function: 'payment', topic: 'payment.dlq' })).toBe(
        sampleValue(families, PROMETHEUS_METRICS.topicRecords, { topic: 'payment.dlq' }),
      );
      // Shipping does not consume OrderCreated: the poison is not among its dead letters, while it is
      // among payment's (on-failure records keep the record's key). Other test files share the
      // broker's topics, so shipping's may hold their records (a raw record from the local tools'
      // test), counted all the same.
      const count = (fn: string, topic: string) => ({
        deadLetters: sampleValue(families, PROMETHEUS_METRICS.deadLetters, { function: fn }) ?? 0,
        topicRecords: sampleValue(families, PROMETHEUS_METRICS.topicRecords, { topic }) ?? 0,
      });
      const shipping = count('shipping', 'shipping.dlq');
      expect(shipping.deadLetters).toBe(shipping.topicRecords);
      const kafka = new Kafka({ clientId: 'watching-test', brokers: [TEST_BOOTSTRAP], logLevel: logLevel.NOTHING });
      const poisonKeys = async (topic: string, records: number) =>
        records === 0
          ? []
          : (await readTopic(kafka, topic, records, 60_000)).filter((m) => m.key?.toString() === poisonId);
      expect(
        (await poisonKeys('payment.dlq', count('payment', 'payment.dlq').topicRecords)).length,
      ).toBeGreaterThanOrEqual(1);
      expect(await poisonKeys('shipping.dlq', shipping.topicRecords)).toEqual([]);
    });
  });

  describe('the console, in headless Chromium', () => {
    let context: BrowserContext;
    let page: Page;
    const profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
    const pageErrors: string[] = [];

    beforeAll(async () => {
      const browser = await consoleTestBrowser();
      process.stderr.write(`[console test] ${browser.executablePath} (${browser.source})\n`);
      context = await chromium.launchPersistentContext(profile, {
        executablePath: browser.executablePath,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(String(error)));
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text());
      });
      await page.goto(runtime.consoleUrl);
    });

    afterAll(async () => {
      await context?.close();
      rmSync(profile, { recursive: true, force: true });
    });

    it('shows the topology: every service and every topic in the graph', async () => {
      // Act
      await page.locator('#topology svg g.node').first().waitFor();
      const names = await page.locator('#topology svg g.node text.name').allTextContents();

      // Assess
      for (const service of SERVICES) expect(names).toContain(service);
      for (const topic of TOPICS) expect(names).toContain(topic.name);
      expect(await page.locator('#topology svg path.edge.consumes').count()).toBe(10);
    });

    it('shows lag and throughput per consumer group once Kafka answers', async () => {
      // Act: records just published (a notification, say) may show as lag for a moment.
      const row = page.locator('#consumers tbody tr', { hasText: 'payment.orders' });
      await row.locator('td:nth-child(3)', { hasText: /^0$/ }).waitFor({ timeout: 30_000 });

      // Assess
      expect(await row.locator('td').nth(1).textContent()).toBe('orders.events');
      // Records per second need two polls; a dash until then.
      expect(await row.locator('td').nth(3).textContent()).toMatch(/^(–|[\d,]+(\.\d)?)$/);
      expect(await row.locator('td').nth(4).textContent()).toMatch(/^[1-9][\d,]* \/ [1-9][\d,]*$/);
      await expect(page.locator('#kafka-status').textContent()).resolves.toBe('Kafka up');
    });

    it('shows an order created through the API in its timeline, with the saga events in order', async () => {
      // Prepare
      const orderId = await createOrder(api);

      // Act
      await page.fill('#order-id', orderId);
      await page.click('#order-form button[type=submit]');
      await page.locator('#order-view [data-status="SHIPPED"]').waitFor({ timeout: 30_000 });
      // Two notifications: confirmed, then shipped.
      await page.locator('#timeline li[data-type="NotificationSent"]').nth(1).waitFor({ timeout: 30_000 });
      const types = await page.locator('#timeline li').evaluateAll((items) => items.map((li) => li.dataset.type));
      const lines = await page.locator('#timeline li .line').allTextContents();

      // Assess
      expect(types[0]).toBe('OrderCreated');
      expect(types).toEqual(expect.arrayContaining(SAGA_OF_A_SHIPPED_ORDER));
      expect(types.indexOf('OrderConfirmed')).toBeGreaterThan(types.indexOf('PaymentCompleted'));
      expect(types.indexOf('OrderConfirmed')).toBeGreaterThan(types.indexOf('InventoryReserved'));
      expect(types.indexOf('ShipmentPrepared')).toBeGreaterThan(types.indexOf('OrderConfirmed'));
      expect(lines[0]).toMatch(/order-api\s*OrderCreated\s*orders\.events\/\d+@\d+/);
      expect(new URL(page.url()).hash).toBe(`#order=${orderId}`);
    });

    it('lists the latest events per topic, and an order id there opens its timeline, dead letters included', async () => {
      // Act
      const deadLetter = page.locator('#events [data-topic="payment.dlq"] li', { hasText: poisonId });
      await deadLetter.waitFor({ timeout: 30_000 });
      await deadLetter.locator('button.order-link').click();
      await page.locator('#timeline li.dead-letter').first().waitFor();
      const lines = await page.locator('#timeline li .line').allTextContents();

      // Assess
      expect(await page.locator('#order-id').inputValue()).toBe(poisonId);
      const deadLetters = lines.filter((line) => line.includes('dead letter (InvalidRecord'));
      expect(deadLetters.length).toBeGreaterThanOrEqual(1);
      await expect(page.locator('#order-view').textContent()).resolves.toContain('Not in the order view');
    });

    it('says when it has seen no event of an order, and the page raised no error', async () => {
      // Act
      await page.fill('#order-id', 'ord_NEVERSEEN');
      await page.click('#order-form button[type=submit]');
      const message = page.locator('#timeline-message', { hasText: 'No event seen for ord_NEVERSEEN' });
      await message.waitFor();

      // Assess
      expect(await page.locator('#timeline li').count()).toBe(0);
      // The browser logs each 4xx answer (an order the API or the console does not know); nothing else.
      expect(
        pageErrors.filter((e) => !/^Failed to load resource: the server responded with a status of 4\d\d /.test(e)),
      ).toEqual([]);
    });
  });
});
