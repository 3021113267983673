#!/usr/bin/env node
/**
 * `npm run demo`: sends a handful of orders through the local pipeline (starting it if it is not
 * running), waits for each to settle, prints each order's event timeline, and exits 0 only if every
 * order ended where it should.
 */
import { randomUUID } from 'node:crypto';
import type { CreateOrderRequest } from '../lambdas/shared/events/types.generated';
import { portOpen } from '../local/kafka-broker';
import { localDir } from '../local/paths';
import { LocalRuntime } from '../local/runtime';
import { sampleOrderRequest } from '../local/samples';

interface Scenario {
  readonly name: string;
  readonly body: CreateOrderRequest;
  readonly expected: { status: string; cancelReason?: string };
  readonly idempotencyKey?: string;
}

/** The README's order. */
const ORDER = sampleOrderRequest();

const duplicateKey = `demo-${randomUUID()}`;
const SCENARIOS: Scenario[] = [
  { name: 'ships', body: ORDER, expected: { status: 'SHIPPED' } },
  {
    name: 'declined',
    body: { ...ORDER, paymentMethod: 'tok_declined' },
    expected: { status: 'CANCELLED', cancelReason: 'payment_failed' },
  },
  {
    name: 'sold out',
    body: { ...ORDER, items: [{ sku: 'SKU-SOLDOUT', quantity: 1 }] },
    expected: { status: 'CANCELLED', cancelReason: 'out_of_stock' },
  },
  {
    name: 'duplicate request (1st)',
    body: { ...ORDER, items: [{ sku: 'SKU-002', quantity: 1 }] },
    idempotencyKey: duplicateKey,
    expected: { status: 'SHIPPED' },
  },
  {
    name: 'duplicate request (2nd)',
    body: { ...ORDER, items: [{ sku: 'SKU-002', quantity: 1 }] },
    idempotencyKey: duplicateKey,
    expected: { status: 'SHIPPED' },
  },
];

async function settle(api: string, orderId: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    const response = await fetch(`${api}/orders/${orderId}`);
    if (response.status === 200) {
      last = (await response.json()) as Record<string, unknown>;
      if (last.status === 'SHIPPED' || last.status === 'CANCELLED') return last;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return last;
}

async function main(): Promise<number> {
  const port = Number(process.env.PORT ?? 3000);
  let runtime: LocalRuntime | undefined;
  let api = `http://127.0.0.1:${port}`;
  if (!(await portOpen(port))) {
    console.log('The pipeline is not running; starting it (npm start does the same)...');
    runtime = new LocalRuntime({
      dir: localDir(),
      apiPort: port,
      kafkaPort: Number(process.env.KAFKA_PORT ?? 9092),
      dynamoPort: Number(process.env.DYNAMODB_PORT ?? 8000),
      log: () => undefined,
    });
    await runtime.start();
    api = runtime.apiUrl;
  }
  let failures = 0;
  const orderIds: string[] = [];
  try {
    for (const scenario of SCENARIOS) {
      const response = await fetch(`${api}/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(scenario.idempotencyKey ? { 'idempotency-key': scenario.idempotencyKey } : {}),
        },
        body: JSON.stringify(scenario.body),
      });
      const body = (await response.json()) as { orderId?: string };
      if (response.status !== 202 || !body.orderId) {
        console.log(`✗ ${scenario.name}: POST /orders answered ${response.status} ${JSON.stringify(body)}`);
        failures++;
        continue;
      }
      orderIds.push(body.orderId);
      const view = await settle(api, body.orderId);
      const ok =
        view.status === scenario.expected.status &&
        (scenario.expected.cancelReason === undefined || view.cancelReason === scenario.expected.cancelReason);
      if (!ok) failures++;
      console.log(
        `\n${ok ? '✓' : '✗'} ${scenario.name}: ${body.orderId} ended ${String(view.status)}${
          view.cancelReason ? ` (${String(view.cancelReason)})` : ''
        }, expected ${scenario.expected.status}${scenario.expected.cancelReason ? ` (${scenario.expected.cancelReason})` : ''}`,
      );
      console.table(
        ((view.history ?? []) as { type: string; time: string; eventId: string }[]).map((h) => ({
          time: h.time,
          event: h.type,
          id: h.eventId,
        })),
      );
    }
    // The duplicate request must have returned the same order, so one order was created for it.
    if (orderIds.length === SCENARIOS.length && orderIds[3] !== orderIds[4]) {
      console.log('✗ duplicate request: the same Idempotency-Key created two orders');
      failures++;
    }
  } finally {
    await runtime?.stop();
  }
  console.log(
    failures === 0 ? '\nEvery order ended where it should.' : `\n${failures} order(s) did not end where they should.`,
  );
  return failures === 0 ? 0 : 1;
}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
