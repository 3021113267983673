/**
 * The invariants of the pipeline, checked against the real tables (dynalite) and topics after a
 * fault run: every accepted order terminal as its kind says, nothing charged twice, stock conserved,
 * dead letters exactly the poison.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SEED_CATALOGUE } from '../../lib/catalogue-seed';
import { ENV } from '../../lib/runtime-contract';
import { CONSUMER_SERVICES, deadLetterTopic, domainTopic } from '../../lib/topology';
import { localTableName } from '../runtime';
import type { AcceptedOrder, OrderKind } from './orders';
import type { Poison } from './poison';
import type { TopicLog } from './topic-log';

export interface DeadLetterFigures {
  /** Distinct source records in dead-letter topics, per service. */
  readonly distinct: number;
  /** Dead-letter records in all (a record dead-lettered again on redelivery counts twice). */
  readonly written: number;
}

async function scanAll(documents: DynamoDBDocumentClient, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (start);
  return items;
}

const EXPECTED_ORDER: Record<OrderKind, { status: string; cancelReason?: string; payment: string[] }> = {
  shipped: { status: 'SHIPPED', payment: ['CHARGED'] },
  declined: { status: 'CANCELLED', cancelReason: 'payment_failed', payment: ['DECLINED'] },
  soldOut: { status: 'CANCELLED', cancelReason: 'out_of_stock', payment: ['REFUNDED', 'CANCELLED_BEFORE_CHARGE'] },
};

/** The invariants, each with the violations found (none when it holds). */
export interface InvariantReport {
  /** Every accepted order reached the state its kind implies, its payment too; "lost" when not in the view at all. */
  readonly terminal: string[];
  /** No order charged twice, refunded twice, or refunded without a charge. */
  readonly chargedOnce: string[];
  /** Stock never negative and conserved; held only by live orders, in full. */
  readonly stock: string[];
  /** Every poison record dead-lettered by exactly the services it reaches, with its reason; nothing else is. */
  readonly deadLetters: string[];
}

export interface InvariantResult {
  /** Every violation of every invariant, in one list. */
  readonly violations: string[];
  readonly report: InvariantReport;
  readonly deadLetters: DeadLetterFigures;
  /** Dead-letter records of records that were not poison: a record that would have succeeded. */
  readonly healthyDeadLettered: number;
  /** Accepted orders missing from the order view. */
  readonly lost: number;
}

/** Every invariant, checked against the tables and topics as they are now. */
export async function violations(
  log: TopicLog,
  accepted: readonly AcceptedOrder[],
  poison: readonly Poison[],
): Promise<InvariantResult> {
  const client = new DynamoDBClient({ endpoint: process.env[ENV.dynamodbEndpoint] });
  const documents = DynamoDBDocumentClient.from(client);
  try {
    const byId = (items: Record<string, unknown>[]) => new Map(items.map((i) => [i.orderId as string, i] as const));
    const orders = byId(await scanAll(documents, localTableName('orders')));
    const payments = byId(await scanAll(documents, localTableName('payments')));
    const inventory = await scanAll(documents, localTableName('inventory'));
    const deadLetters = deadLetterViolations(log, poison);
    const report: InvariantReport = {
      terminal: terminalViolations(accepted, orders, payments),
      chargedOnce: chargeViolations(log),
      stock: stockViolations(inventory, accepted),
      deadLetters: deadLetters.found,
    };
    return {
      violations: Object.values(report).flat(),
      report,
      deadLetters: deadLetters.figures,
      healthyDeadLettered: deadLetters.healthy,
      lost: report.terminal.filter((v) => v.endsWith(': lost')).length,
    };
  } finally {
    client.destroy();
  }
}

function terminalViolations(
  accepted: readonly AcceptedOrder[],
  orders: ReadonlyMap<string, Record<string, unknown>>,
  payments: ReadonlyMap<string, Record<string, unknown>>,
): string[] {
  const found: string[] = [];
  for (const order of accepted) {
    const view = orders.get(order.orderId);
    const expected = EXPECTED_ORDER[order.kind];
    if (!view) {
      found.push(`${order.orderId} (${order.kind}) was accepted and is not in the order view: lost`);
      continue;
    }
    if (view.status !== expected.status || view.cancelReason !== expected.cancelReason) {
      found.push(`${order.orderId} (${order.kind}) is ${view.status}/${view.cancelReason ?? '-'}`);
    }
    const payment = payments.get(order.orderId);
    if (!payment || !expected.payment.includes(payment.status as string)) {
      found.push(`${order.orderId} (${order.kind}) payment is ${payment?.status ?? 'missing'}`);
    }
  }
  return found;
}

/** Charges and refunds, from the events payment published: once each, a refund only after a charge. */
function chargeViolations(log: TopicLog): string[] {
  const found: string[] = [];
  const paymentEvents = new Map<string, Map<string, Set<string>>>();
  for (const record of log.of(domainTopic('payments'))) {
    if (record.key?.startsWith('poison-')) continue;
    const event = JSON.parse(record.value?.toString() ?? 'null') as {
      id: string;
      type: string;
      data: { orderId: string };
    } | null;
    if (!event?.type?.startsWith('orderpipeline.Payment') || !event.data?.orderId) continue;
    const byType = paymentEvents.get(event.data.orderId) ?? new Map<string, Set<string>>();
    byType.set(event.type, (byType.get(event.type) ?? new Set()).add(event.id));
    paymentEvents.set(event.data.orderId, byType);
  }
  for (const [orderId, byType] of paymentEvents) {
    const charges = byType.get('orderpipeline.PaymentCompleted')?.size ?? 0;
    const refunds = byType.get('orderpipeline.PaymentRefunded')?.size ?? 0;
    if (charges > 1) found.push(`${orderId} was charged ${charges} times`);
    if (refunds > 1) found.push(`${orderId} was refunded ${refunds} times`);
    if (refunds > 0 && charges === 0) found.push(`${orderId} was refunded without a charge`);
  }
  return found;
}

/**
 * Stock: never negative, available + held (+ on its way back) = seed, held only by live (shipped)
 * orders, in full, and nothing left in flight. An order holds the lines of its RESERVED
 * reservation, plus any take step on a product that its reservation did not adopt (a take not yet
 * decided, or one taken twice); an adopted give step of a RELEASED order is stock on its way back,
 * held by no one (docs/RELIABILITY.md, "Inventory: bounded state").
 */
function stockViolations(inventory: readonly Record<string, unknown>[], accepted: readonly AcceptedOrder[]): string[] {
  const found: string[] = [];
  const products = inventory.filter((i) => i.sk === 'PRODUCT');
  const reservations = new Map(
    inventory.filter((i) => i.sk === 'RESERVATION').map((r) => [r.orderId as string, r] as const),
  );
  const { heldBy, returning, inFlight } = stockHeld(products, reservations);
  found.push(...inFlight);
  const kinds = new Map(accepted.map((o) => [o.orderId, o] as const));
  const held = new Map<string, number>();
  for (const [orderId, bySku] of heldBy) {
    const order = kinds.get(orderId);
    for (const [sku, quantity] of bySku) {
      held.set(sku, (held.get(sku) ?? 0) + quantity);
      if (order?.kind !== 'shipped') found.push(`${sku} is held by ${orderId}, which is ${order?.kind ?? 'unknown'}`);
    }
  }
  const seed = new Map(SEED_CATALOGUE.map((p) => [p.sku, p.available] as const));
  for (const product of products) {
    const sku = product.sku as string;
    const available = product.available as number;
    const taken = held.get(sku) ?? 0;
    const back = returning.get(sku) ?? 0;
    if (available < 0) found.push(`${sku} has ${available} available`);
    if (available + taken + back !== seed.get(sku)) {
      found.push(`${sku}: ${available} available + ${taken} held + ${back} on its way back != ${seed.get(sku)} seeded`);
    }
  }
  for (const order of accepted.filter((o) => o.kind === 'shipped')) {
    const wanted = new Map<string, number>();
    for (const { sku, quantity } of order.items) wanted.set(sku, (wanted.get(sku) ?? 0) + quantity);
    const holds = heldBy.get(order.orderId) ?? new Map();
    for (const [sku, quantity] of wanted) {
      if (holds.get(sku) !== quantity) {
        found.push(`${order.orderId} ships ${quantity} × ${sku} but holds ${holds.get(sku) ?? 0}`);
      }
    }
    for (const [sku, quantity] of holds) {
      if (!wanted.has(sku)) found.push(`${order.orderId} holds ${quantity} × ${sku}, which it did not order`);
    }
  }
  return found;
}

/** Who holds what, from the reservations and the steps still on the products. */
function stockHeld(
  products: readonly Record<string, unknown>[],
  reservations: ReadonlyMap<string, Record<string, unknown>>,
): { heldBy: Map<string, Map<string, number>>; returning: Map<string, number>; inFlight: string[] } {
  const heldBy = new Map<string, Map<string, number>>();
  const returning = new Map<string, number>();
  const inFlight: string[] = [];
  const hold = (orderId: string, sku: string, quantity: number) => {
    const held = heldBy.get(orderId) ?? new Map<string, number>();
    heldBy.set(orderId, held.set(sku, (held.get(sku) ?? 0) + quantity));
  };
  for (const r of reservations.values()) {
    if (r.status !== 'RESERVED') continue;
    for (const { sku, quantity } of r.items as { sku: string; quantity: number }[])
      hold(r.orderId as string, sku, quantity);
  }
  for (const product of products) {
    const sku = product.sku as string;
    for (const [name, value] of Object.entries(product)) {
      const step = /^(take|give)#(.+)$/.exec(name);
      if (!step) continue;
      const [, kind, orderId] = step as unknown as [string, 'take' | 'give', string];
      const { quantity, token } = value as { quantity: number; token: string };
      inFlight.push(`${sku} still has the ${kind} step of ${orderId} in flight after every trigger committed`);
      const r = reservations.get(orderId);
      const adopted = (r?.[kind === 'take' ? 'taken' : 'released'] as Record<string, string> | undefined)?.[sku];
      if (kind === 'take' && !(adopted === token && (r?.status === 'RESERVED' || r?.status === 'RELEASED'))) {
        hold(orderId, sku, quantity);
      }
      if (kind === 'give' && adopted === token && r?.status === 'RELEASED') {
        returning.set(sku, (returning.get(sku) ?? 0) + quantity);
      }
    }
  }
  return { heldBy, returning, inFlight };
}

/** Dead letters: exactly the poison, in the topics of the services it reaches, with its reason. */
function deadLetterViolations(
  log: TopicLog,
  poison: readonly Poison[],
): { found: string[]; figures: DeadLetterFigures; healthy: number } {
  const found: string[] = [];
  const distinct = new Set<string>();
  let written = 0;
  let healthy = 0;
  for (const service of CONSUMER_SERVICES) {
    for (const record of log.of(deadLetterTopic(service))) {
      written++;
      const dead = JSON.parse(record.value?.toString() ?? '{}') as {
        requestContext?: { condition?: string };
        reason?: string;
        payload?: {
          records?: Record<string, { topic: string; partition: number; offset: number; value?: string }[]>;
        };
      };
      const original = Object.values(dead.payload?.records ?? {})[0]?.[0];
      const entry = poison.find((p) => p.key === record.key);
      const where = `${deadLetterTopic(service)}@${record.offset} (${dead.requestContext?.condition}, key ${record.key}, ${dead.reason ?? 'no reason'})`;
      if (!entry) {
        healthy++;
        found.push(`${where} is not a poison record`);
        continue;
      }
      distinct.add(`${service}/${entry.key}`);
      if (!entry.expectedIn.includes(service)) found.push(`${where}: ${service} should not have received it`);
      if (dead.requestContext?.condition !== 'InvalidRecord' || !entry.reason.test(dead.reason ?? '')) {
        found.push(`${where}: wrong condition or reason for ${entry.kind}`);
      }
      if (original?.topic !== domainTopic(entry.domain) || original.value !== entry.value.toString('base64')) {
        found.push(`${where}: the original record is not carried intact`);
      }
    }
  }
  for (const entry of poison) {
    for (const service of entry.expectedIn) {
      if (!distinct.has(`${service}/${entry.key}`)) {
        found.push(
          `${entry.kind} on ${domainTopic(entry.domain)} (${entry.key}) is in no dead-letter topic of ${service}`,
        );
      }
    }
  }
  return { found, figures: { distinct: distinct.size, written }, healthy };
}
