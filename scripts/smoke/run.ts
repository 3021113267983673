/**
 * The post-deploy smoke test: a shipped, a declined and a sold-out order through the real API,
 * each followed until it ends the way the saga says it must (compensations included), then a check
 * that no dead-letter topic grew while they ran. The same run serves AWS (signed requests) and
 * `npm start` (plain ones); only the ApiClient and the Kafka watch differ.
 */
import type { EventName } from '../../lib/topology';
import type { ApiAnswer, ApiClient } from './api-client';
import { grownTopics, type PipelineWatch } from './kafka-watch';

interface SmokeOrder {
  readonly name: string;
  readonly body: Record<string, unknown>;
  readonly expected: {
    readonly status: 'SHIPPED' | 'CANCELLED';
    readonly cancelReason?: 'payment_failed' | 'out_of_stock';
    /** Events the order's history must hold once it ended right: its compensations included. */
    readonly history: readonly EventName[];
  };
}

const ADDRESS = { name: 'Smoke Test', line1: '1 Main St', city: 'London', postalCode: 'N1 9GU', country: 'GB' };

/** The three ways an order ends, with the catalogue every profile seeds (SKU-001 in stock, SKU-SOLDOUT none). */
export function smokeOrders(runId: string): SmokeOrder[] {
  const order = (sku: string, paymentMethod: string) => ({
    customerId: `smoke-${runId}`,
    items: [{ sku, quantity: 1 }],
    paymentMethod,
    shippingAddress: ADDRESS,
    email: 'smoke-test@example.com',
  });
  return [
    {
      name: 'shipped',
      body: order('SKU-001', 'tok_visa'),
      expected: {
        status: 'SHIPPED',
        history: ['OrderCreated', 'PaymentCompleted', 'InventoryReserved', 'OrderConfirmed', 'ShipmentPrepared'],
      },
    },
    {
      name: 'declined',
      body: order('SKU-001', 'tok_declined'),
      expected: {
        status: 'CANCELLED',
        cancelReason: 'payment_failed',
        // Stock was reserved before the payment failed, and must be given back.
        history: ['OrderCreated', 'PaymentFailed', 'OrderCancelled', 'InventoryReleased'],
      },
    },
    {
      name: 'sold out',
      body: order('SKU-SOLDOUT', 'tok_visa'),
      expected: {
        status: 'CANCELLED',
        cancelReason: 'out_of_stock',
        // The card was charged before stock ran out, and must be refunded.
        history: ['OrderCreated', 'InventoryReservationFailed', 'OrderCancelled', 'PaymentRefunded'],
      },
    },
  ];
}

export interface OrderOutcome {
  readonly name: string;
  readonly orderId?: string;
  readonly ok: boolean;
  /** From the POST to the moment the view showed the expected end. */
  readonly ms: number;
  /** What was wrong, when not ok. */
  readonly problem?: string;
}

export interface SmokeResult {
  readonly ok: boolean;
  readonly orders: readonly OrderOutcome[];
  /** Undefined when the dead-letter topics were not checked. */
  readonly deadLetters?: { readonly grown: readonly { topic: string; records: number }[]; readonly lagging: string[] };
}

export interface SmokeOptions {
  /** Names the run's orders (customer id, idempotency keys); unique per run. */
  readonly runId: string;
  /** Each order must end within this many milliseconds of being posted. */
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

const POLL_MS = 250;

export async function runSmoke(
  api: ApiClient,
  watch: PipelineWatch | undefined,
  options: SmokeOptions,
): Promise<SmokeResult> {
  const before = await watch?.deadLetterEnds();
  const orders = await Promise.all(smokeOrders(options.runId).map((order) => followOrder(api, order, options)));
  let deadLetters: SmokeResult['deadLetters'];
  if (watch && before) {
    // Whatever the orders still cause (notifications, the last compensations) is handled first.
    const lagging = await watch.consumersCaughtUp(Date.now() + options.timeoutMs);
    deadLetters = { grown: grownTopics(before, await watch.deadLetterEnds()), lagging };
  }
  const ok =
    orders.every((o) => o.ok) &&
    (deadLetters === undefined || (deadLetters.grown.length === 0 && deadLetters.lagging.length === 0));
  return { ok, orders, ...(deadLetters ? { deadLetters } : {}) };
}

async function followOrder(api: ApiClient, order: SmokeOrder, options: SmokeOptions): Promise<OrderOutcome> {
  const started = Date.now();
  const fail = (problem: string, orderId?: string): OrderOutcome => ({
    name: order.name,
    ...(orderId ? { orderId } : {}),
    ok: false,
    ms: Date.now() - started,
    problem,
  });
  const created = await api.request('POST', 'orders', order.body, {
    'Idempotency-Key': `smoke-${options.runId}-${order.name.replace(/\W/g, '-')}`,
  });
  const orderId = (created.body as { orderId?: unknown } | undefined)?.orderId;
  if (created.status !== 202 || typeof orderId !== 'string') {
    return fail(
      `POST /orders answered ${created.status} ${JSON.stringify(created.body)}; expected 202 with an orderId`,
    );
  }
  options.log(`${order.name}: accepted as ${orderId}`);
  const deadline = started + options.timeoutMs;
  let last: ApiAnswer = created;
  while (Date.now() < deadline) {
    last = await api.request('GET', `orders/${encodeURIComponent(orderId)}`);
    if (last.status !== 200 && last.status !== 404) {
      return fail(`GET /orders/${orderId} answered ${last.status} ${JSON.stringify(last.body)}`, orderId);
    }
    if (last.status === 200) {
      const verdict = judge(order, last.body);
      if (verdict === 'done') {
        options.log(`${order.name}: ${order.expected.status} in ${Date.now() - started} ms`);
        return { name: order.name, orderId, ok: true, ms: Date.now() - started };
      }
      if (verdict !== 'pending') return fail(verdict, orderId);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return fail(
    `did not end as ${describeExpected(order)} within ${options.timeoutMs} ms; last view: ${JSON.stringify(last.body)}`,
    orderId,
  );
}

/** `done`, `pending` (not there yet), or what is wrong for good. */
function judge(order: SmokeOrder, view: unknown): 'done' | 'pending' | string {
  const { status, cancelReason, history } = view as {
    status?: string;
    cancelReason?: string;
    history?: { type: string }[];
  };
  const { expected } = order;
  if (status === 'PENDING' || status === 'CONFIRMED') return 'pending';
  if (status !== expected.status || cancelReason !== expected.cancelReason) {
    return `ended ${status}${cancelReason ? ` (${cancelReason})` : ''}; expected ${describeExpected(order)}`;
  }
  const seen = new Set((history ?? []).map((h) => h.type));
  return expected.history.every((type) => seen.has(type)) ? 'done' : 'pending';
}

function describeExpected(order: SmokeOrder): string {
  const { status, cancelReason, history } = order.expected;
  return `${status}${cancelReason ? ` (${cancelReason})` : ''} with ${history.join(', ')}`;
}

/** The result as lines for a terminal: one per order, then the dead-letter check, then PASS or FAIL. */
export function formatSmoke(result: SmokeResult, dlqHint: (topic: string) => string): string[] {
  const lines = result.orders.map(
    (o) =>
      `${o.ok ? 'ok  ' : 'FAIL'} ${o.name.padEnd(9)} ${o.orderId ?? '-'}  ${o.ms} ms${o.problem ? `  ${o.problem}` : ''}`,
  );
  const dl = result.deadLetters;
  if (!dl) lines.push('NOT CHECKED  dead-letter topics (--no-dlq-check)');
  else {
    for (const g of dl.grown)
      lines.push(`FAIL dead letters: ${g.topic} grew by ${g.records}; read them: ${dlqHint(g.topic)}`);
    if (dl.lagging.length > 0) lines.push(`FAIL consumers still behind: ${dl.lagging.join(', ')}`);
    if (dl.grown.length === 0 && dl.lagging.length === 0) lines.push('ok   no dead-letter topic grew');
  }
  lines.push(result.ok ? 'PASS' : 'FAIL');
  return lines;
}
