/**
 * Orders of known outcome for the reliability harness (the fault suite and `npm run soak`): three in
 * five ship, one is declined, one asks for a sold-out product; placed through the API like a
 * careful client, which retries a 5xx with the same Idempotency-Key.
 */
import { randomUUID } from 'node:crypto';
import type { CreateOrderRequest } from '../../lambdas/shared/events/types.generated';
import { sampleOrderRequest } from '../samples';

export type OrderKind = 'shipped' | 'declined' | 'soldOut';

export interface OrderRequest {
  readonly kind: OrderKind;
  readonly body: CreateOrderRequest;
}

/** Deterministic (mulberry32), so a failing run can be replayed order for order. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Three in five ship, one is declined (tok_declined), one asks for SKU-SOLDOUT. */
export function orderMix(count: number, seed: number): OrderRequest[] {
  const next = random(seed);
  const pick = (n: number) => Math.floor(next() * n);
  const inStock = () => ({ sku: `SKU-${String(1 + pick(10)).padStart(3, '0')}`, quantity: 1 + pick(3) });
  return Array.from({ length: count }, (_, i) => {
    const kind: OrderKind = (['shipped', 'shipped', 'shipped', 'declined', 'soldOut'] as const)[i % 5] as OrderKind;
    const items =
      kind === 'soldOut'
        ? [...(pick(2) === 0 ? [inStock()] : []), { sku: 'SKU-SOLDOUT', quantity: 1 }]
        : Array.from({ length: 1 + pick(2) }, inStock);
    return {
      kind,
      body: sampleOrderRequest({
        customerId: `c-${seed}-${i}`,
        items,
        paymentMethod: kind === 'declined' ? 'tok_declined' : 'tok_visa',
      }),
    };
  });
}

export interface AcceptedOrder {
  readonly orderId: string;
  readonly kind: OrderKind;
  readonly items: readonly { sku: string; quantity: number }[];
}

/**
 * POSTs the orders a few at a time. A 5xx (503 Kafka unreachable, 504 the function timed out) or
 * a 409 (still in progress) is retried with the same Idempotency-Key, as a careful client does;
 * only a 202 counts as accepted.
 */
export async function placeOrders(
  api: string,
  orders: readonly OrderRequest[],
  concurrency = 6,
): Promise<{ accepted: AcceptedOrder[]; refused: Record<string, number>; retried: number }> {
  const accepted: AcceptedOrder[] = [];
  const refused: Record<string, number> = {};
  let retried = 0;
  let next = 0;
  const worker = async () => {
    while (next < orders.length) {
      const order = orders[next++] as OrderRequest;
      const key = randomUUID();
      for (let attempt = 0; ; attempt++) {
        const response = await fetch(`${api}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify(order.body),
        }).catch(() => undefined);
        if (response?.status === 202) {
          const body = (await response.json()) as { orderId: string };
          accepted.push({
            orderId: body.orderId,
            kind: order.kind,
            items: order.body.items as AcceptedOrder['items'],
          });
          break;
        }
        await response?.text();
        if (attempt >= 30 || (response && response.status < 500 && response.status !== 409)) {
          const status = String(response?.status ?? 'no answer');
          refused[status] = (refused[status] ?? 0) + 1;
          break;
        }
        retried++;
        await sleep(1_000);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { accepted, refused, retried };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
