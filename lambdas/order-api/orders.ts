/** POST /orders and GET /orders/{orderId}. */

import { createHash } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { apiRoute, routeKey } from '../../lib/api-routes';
import { toPublicView } from '../order/view';
import { createEvent, deterministicId } from '../shared/events/envelope';
import type { CreateOrderRequest } from '../shared/events/types.generated';
import { type OrderApiDeps, SERVICE } from './deps';
import { json, problem } from './http';

export type { CreateOrderRequest };

const ORDER_ID = /^ord_[0-9A-Za-z]{10,40}$/;
/** The events' per-line limit; an order may split a SKU over lines but not exceed it in total. */
const MAX_QUANTITY_PER_SKU = 100;

/**
 * The order id of a request sent with an Idempotency-Key: derived from the caller and the key, so a
 * retry whose first attempt was published but never answered (a timeout while Kafka was failing
 * over) names the same order and its OrderCreated is a duplicate downstream drops, not a second
 * order; and two callers who chose the same key name two orders.
 */
export function orderIdForKey(caller: string, idempotencyKey: string): string {
  // A JSON array keeps the parts apart whatever characters they hold.
  const digest = createHash('sha256')
    .update(JSON.stringify([routeKey(apiRoute('createOrder')), caller, idempotencyKey]))
    .digest();
  let id = '';
  for (let i = 0; i < 26; i++) id += CROCKFORD.charAt((digest[i] as number) % 32);
  return `ord_${id}`;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Prices every line from the catalogue (never from the client), then publishes OrderCreated and
 * answers 202 once Kafka has acknowledged it: the order exists when the client hears so.
 */
export async function createOrder(
  request: CreateOrderRequest,
  correlationId: string,
  deps: OrderApiDeps,
  keyed?: { readonly caller: string; readonly key: string },
): Promise<APIGatewayProxyResult> {
  const products = await deps.products(request.items.map((item) => item.sku));
  const unknown = request.items.findIndex((item) => !products.has(item.sku));
  if (unknown >= 0) {
    return problem(
      400,
      'invalid_request',
      `/items/${unknown}/sku "${request.items[unknown]?.sku}" is not in the catalogue`,
    );
  }
  // One line per SKU downstream: repeated SKUs are merged, within the per-line limit of 100.
  const quantities = new Map<string, number>();
  for (const item of request.items) quantities.set(item.sku, (quantities.get(item.sku) ?? 0) + item.quantity);
  const tooMany = [...quantities].find(([, quantity]) => quantity > MAX_QUANTITY_PER_SKU);
  if (tooMany) {
    return problem(
      400,
      'invalid_request',
      `/items asks for ${tooMany[1]} of ${tooMany[0]}; at most ${MAX_QUANTITY_PER_SKU} per SKU`,
    );
  }
  const items = [...quantities].map(([sku, quantity]) => ({
    sku,
    quantity,
    unitPriceCents: (products.get(sku) as { priceCents: number }).priceCents,
  }));
  const currencies = new Set(request.items.map((item) => products.get(item.sku)?.currency));
  if (currencies.size !== 1) {
    return problem(400, 'invalid_request', '/items mixes products priced in different currencies');
  }
  const { line2, ...address } = request.shippingAddress;
  const orderId = keyed === undefined ? deps.newOrderId() : orderIdForKey(keyed.caller, keyed.key);
  const event = createEvent(
    'OrderCreated',
    {
      orderId,
      customerId: request.customerId,
      items,
      totalCents: items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
      currency: [...currencies][0] as string,
      paymentMethod: request.paymentMethod,
      shippingAddress: line2 ? { ...address, line2 } : address,
      email: request.email,
      ...(request.giftMessage ? { giftMessage: request.giftMessage } : {}),
    },
    {
      subject: orderId,
      correlationId,
      ...(keyed === undefined ? {} : { id: deterministicId(SERVICE, orderId, 'OrderCreated') }),
    },
  );
  await deps.publisher.publish([event]);
  deps.logger.info('order accepted', { orderId, correlationId, totalCents: event.data.totalCents });
  return json(
    202,
    { orderId, status: 'PENDING', correlationId, links: { self: `/orders/${orderId}` } },
    { Location: `/orders/${orderId}` },
  );
}

/**
 * The order view as the order service last wrote it. A just-created order may not be in the view
 * yet (the order service has not consumed OrderCreated): that is a 404 with a retry hint.
 */
export async function getOrder(orderId: string, deps: OrderApiDeps): Promise<APIGatewayProxyResult> {
  if (!ORDER_ID.test(orderId)) {
    return problem(
      400,
      'invalid_request',
      `"${orderId}" is not an order id (ord_ followed by 10 to 40 letters or digits)`,
    );
  }
  // The view may also hold only facts that arrived before OrderCreated: not an order to show yet.
  const item = await deps.orderView(orderId);
  const view = item ? toPublicView(item) : undefined;
  if (!view) {
    return problem(404, 'not_found', `order ${orderId} is not known yet; if you just created it, retry in a moment`, {
      'Retry-After': '1',
    });
  }
  return json(200, view);
}
