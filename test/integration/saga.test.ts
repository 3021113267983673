/**
 * The whole pipeline through HTTP, as a user runs it locally: the local runtime (dynalite, one MSK
 * trigger emulator per subscription, the API Gateway emulator) over the real test broker.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, type KafkaMessage, logLevel } from '../../lambdas/shared/kafka/driver';
import { domainTopic } from '../../lib/topology';
import { freePort } from '../../local/free-port';
import { LocalRuntime } from '../../local/runtime';
import { sampleOrderRequest } from '../../local/samples';
import { TEST_BOOTSTRAP } from './broker';
import { acquireRuntimeLock } from './runtime-lock';

const ORDER = sampleOrderRequest();

async function post(api: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${api}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Polls GET /orders/{id} until the order reaches one of `states` (bounded). */
async function settle(api: string, orderId: string, states: string[]): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  let last: unknown;
  while (Date.now() < deadline) {
    const response = await fetch(`${api}/orders/${orderId}`);
    if (response.status === 200) {
      last = await response.json();
      if (states.includes((last as { status: string }).status)) return last as Record<string, unknown>;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`order ${orderId} did not reach ${states.join('/')}; last view: ${JSON.stringify(last)}`);
}

describe('the saga through HTTP on the local runtime', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-'));
  let runtime: LocalRuntime;
  let api: string;
  let apiPort: number;
  let dynamoPort: number;
  const lines: string[] = [];

  const startRuntime = async () => {
    runtime = new LocalRuntime({
      dir,
      kafkaPort: 0,
      externalKafka: TEST_BOOTSTRAP,
      apiPort,
      dynamoPort,
      log: (line) => lines.push(line),
    });
    await runtime.start();
    api = runtime.apiUrl;
  };

  let releaseLock: () => void = () => undefined;

  beforeAll(async () => {
    releaseLock = await acquireRuntimeLock();
    apiPort = await freePort();
    dynamoPort = await freePort();
    await startRuntime();
  });
  afterAll(async () => {
    await runtime.stop();
    releaseLock();
  });

  const orders: Record<string, string> = {};

  it('ships an order paid with tok_visa', async () => {
    const created = await post(api, ORDER);
    expect(created.status).toBe(202);
    orders.shipped = created.body.orderId as string;
    const view = await settle(api, orders.shipped, ['SHIPPED', 'CANCELLED']);
    expect(view.status).toBe('SHIPPED');
    expect((view.shipment as { carrier: string }).carrier).toBe('royal_mail');
  });

  it('cancels a declined order with the reason', async () => {
    const created = await post(api, { ...ORDER, paymentMethod: 'tok_declined' });
    orders.declined = created.body.orderId as string;
    const view = await settle(api, orders.declined, ['CANCELLED', 'SHIPPED']);
    expect(view).toMatchObject({ status: 'CANCELLED', cancelReason: 'payment_failed' });
  });

  it('cancels a sold-out order and charges nothing in the end', async () => {
    const created = await post(api, { ...ORDER, items: [{ sku: 'SKU-SOLDOUT', quantity: 1 }] });
    orders.soldOut = created.body.orderId as string;
    const view = await settle(api, orders.soldOut, ['CANCELLED', 'SHIPPED']);
    expect(view).toMatchObject({ status: 'CANCELLED', cancelReason: 'out_of_stock' });
  });

  it('leaves the events readable by an independent Kafka client, keyed by order id', async () => {
    const kafka = new Kafka({ clientId: 'independent-reader', brokers: [TEST_BOOTSTRAP], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `reader-${Date.now()}`, maxWaitTimeInMs: 100 });
    const seen: KafkaMessage[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [domainTopic('orders'), domainTopic('shipping')], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`saw ${seen.length} events`)), 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message);
          const types = seen
            .filter((m) => m.key?.toString() === orders.shipped)
            .map((m) => (JSON.parse(m.value?.toString() ?? '{}') as { type: string }).type);
          const wanted = ['OrderCreated', 'OrderConfirmed', 'ShipmentPrepared'].map((t) => `orderpipeline.${t}`);
          if (wanted.every((t) => types.includes(t))) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    const types = seen
      .filter((m) => m.key?.toString() === orders.shipped)
      .map((m) => (JSON.parse(m.value?.toString() ?? '{}') as { type: string }).type);
    expect(types).toEqual(
      expect.arrayContaining([
        'orderpipeline.OrderCreated',
        'orderpipeline.OrderConfirmed',
        'orderpipeline.ShipmentPrepared',
      ]),
    );
  });

  it('keeps its state across a restart of the local runtime', async () => {
    await runtime.stop();
    await startRuntime();
    const view = await settle(api, orders.shipped as string, ['SHIPPED']);
    expect(view.status).toBe('SHIPPED');
    // The catalogue is seeded once: a restart does not put stock back.
    expect(lines.filter((l) => l.includes('seeded with'))).toHaveLength(1);
  });
});
