/**
 * The inventory store over DynamoDB: each method is one single-item conditional write, or a batch
 * read (no transactions, so dynalite runs the same code). The item layouts and why each write is
 * safe to redo are in reservation.ts; this module only speaks DynamoDB.
 *
 *   reservation  pk = "RESERVATION#<orderId>", sk = "RESERVATION": orderId, status, reservationId,
 *                correlationId, items [{sku, quantity}], taken?, released?, reason?, shortages?,
 *                heldSkus?, createdAt, updatedAt, expiration (epoch seconds, the table's TTL)
 *   product      pk = "SKU#<sku>", sk = "PRODUCT": the catalogue fields (lambdas/shared/catalogue.ts),
 *                plus `take#<orderId>` / `give#<orderId>` = {quantity, token, at} per step in flight
 */
import { PRODUCT_ATTRIBUTES, productKey } from '../shared/catalogue';
import { batchGetItems } from '../shared/db/batch-get';
import { type ItemClient, isConditionalCheckFailed, type UpdateItemInput } from '../shared/db/item-client';
import {
  type NewReservation,
  type ProductState,
  RESERVATION_LIFETIME_MS,
  type Reservation,
  type ReservationChange,
  type ReservationStatus,
  type Step,
  type StepKind,
} from './reservation';

export interface InventoryStore {
  /**
   * Writes the reservation unless one exists (every attribute only if absent, so one write either
   * way); answers with the reservation as it was before: `undefined` when this call created it.
   */
  openReservation(record: NewReservation): Promise<Reservation | undefined>;
  getReservation(orderId: string): Promise<Reservation | undefined>;
  getReservations(orderIds: readonly string[]): Promise<Map<string, Reservation>>;
  /** Records a decision if the reservation's status is still `from`; false if it was not. */
  decide(orderId: string, from: ReservationStatus, change: ReservationChange): Promise<boolean>;
  /**
   * Takes the step's quantity of `sku` and writes the take step, unless the order has a take step
   * there already or the stock is short or the SKU unknown: the product after, or undefined.
   */
  take(sku: string, step: Step): Promise<ProductState | undefined>;
  /** Writes the give step unless the order has one on `sku` (or the SKU is unknown); false if refused. */
  prepareGive(sku: string, step: Step): Promise<boolean>;
  /**
   * Removes the step if it is still there as given (same token and quantity), for `giveBack` adding
   * its quantity to the stock in the same write: the product after, or undefined if it was not there.
   */
  settle(sku: string, step: Step, settlement: 'remove' | 'giveBack'): Promise<ProductState | undefined>;
  /** Strongly consistent reads, steps included; unknown SKUs are absent. */
  products(skus: readonly string[]): Promise<Map<string, ProductState>>;
}

const RESERVATION_SK = 'RESERVATION';
const STEP_KINDS: readonly StepKind[] = ['take', 'give'];

export function reservationKey(orderId: string): { pk: string; sk: string } {
  return { pk: `RESERVATION#${orderId}`, sk: RESERVATION_SK };
}

/** The product attribute that holds an order's step of one kind. */
export function stepAttribute(kind: StepKind, orderId: string): string {
  return `${kind}#${orderId}`;
}

export function dynamoInventoryStore(
  items: ItemClient,
  tableName: string,
  now: () => Date = () => new Date(),
): InventoryStore {
  return new DynamoInventoryStore(items, tableName, now);
}

/** A conditional update that was applied, with the attributes its `ReturnValues` asked for. */
interface Updated {
  readonly attributes: Record<string, unknown> | undefined;
}

class DynamoInventoryStore implements InventoryStore {
  constructor(
    private readonly items: ItemClient,
    private readonly tableName: string,
    private readonly now: () => Date,
  ) {}

  async openReservation(record: NewReservation): Promise<Reservation | undefined> {
    const at = this.now().toISOString();
    const fields = { ...record, createdAt: at, updatedAt: at, expiration: this.expiration() };
    const names = Object.keys(fields);
    const old = await this.items.update({
      TableName: this.tableName,
      Key: reservationKey(record.orderId),
      UpdateExpression: `SET ${names.map((_, i) => `#f${i} = if_not_exists(#f${i}, :f${i})`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#f${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(Object.values(fields).map((value, i) => [`:f${i}`, value])),
      ReturnValues: 'ALL_OLD',
    });
    return old ? toReservation(old) : undefined;
  }

  async getReservation(orderId: string): Promise<Reservation | undefined> {
    return (await this.getReservations([orderId])).get(orderId);
  }

  async getReservations(orderIds: readonly string[]): Promise<Map<string, Reservation>> {
    const items = await this.read([...new Set(orderIds)].map(reservationKey));
    return new Map(items.map((item) => [item.orderId as string, toReservation(item)]));
  }

  async decide(orderId: string, from: ReservationStatus, change: ReservationChange): Promise<boolean> {
    const fields = { ...change, updatedAt: this.now().toISOString(), expiration: this.expiration() };
    const set = Object.entries(fields).filter(([, value]) => value !== undefined);
    const response = await this.update({
      Key: reservationKey(orderId),
      UpdateExpression: `SET ${set.map((_, i) => `#f${i} = :f${i}`).join(', ')}`,
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: { '#status': 'status', ...Object.fromEntries(set.map(([n], i) => [`#f${i}`, n])) },
      ExpressionAttributeValues: { ':from': from, ...Object.fromEntries(set.map(([, v], i) => [`:f${i}`, v])) },
    });
    return response !== undefined;
  }

  async take(sku: string, step: Step): Promise<ProductState | undefined> {
    const response = await this.update({
      Key: productKey(sku),
      UpdateExpression: 'SET #available = #available - :q, #step = :step',
      ConditionExpression: 'attribute_exists(pk) AND #available >= :q AND attribute_not_exists(#step)',
      ExpressionAttributeNames: { '#available': 'available', '#step': stepAttribute('take', step.orderId) },
      ExpressionAttributeValues: { ':q': step.quantity, ':step': stepValue(step) },
      ReturnValues: 'ALL_NEW',
    });
    return response?.attributes ? toProductState(response.attributes) : undefined;
  }

  async prepareGive(sku: string, step: Step): Promise<boolean> {
    const response = await this.update({
      Key: productKey(sku),
      UpdateExpression: 'SET #step = :step',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#step)',
      ExpressionAttributeNames: { '#step': stepAttribute('give', step.orderId) },
      ExpressionAttributeValues: { ':step': stepValue(step) },
    });
    return response !== undefined;
  }

  async settle(sku: string, step: Step, settlement: 'remove' | 'giveBack'): Promise<ProductState | undefined> {
    const response = await this.update({
      Key: productKey(sku),
      UpdateExpression: settlement === 'giveBack' ? 'SET #available = #available + :q REMOVE #step' : 'REMOVE #step',
      // The token, not mere existence: a step written later by another attempt is not this one.
      ConditionExpression: '#step.#token = :token AND #step.#quantity = :q',
      ExpressionAttributeNames: {
        '#step': stepAttribute(step.kind, step.orderId),
        '#token': 'token',
        '#quantity': 'quantity',
        ...(settlement === 'giveBack' ? { '#available': 'available' } : {}),
      },
      ExpressionAttributeValues: { ':token': step.token, ':q': step.quantity },
      ReturnValues: 'ALL_NEW',
    });
    return response?.attributes ? toProductState(response.attributes) : undefined;
  }

  async products(skus: readonly string[]): Promise<Map<string, ProductState>> {
    const items = await this.read([...new Set(skus)].map(productKey));
    return new Map(items.map((item) => [item.sku as string, toProductState(item)]));
  }

  /** An UpdateItem that answers undefined instead of throwing when its condition fails. */
  private async update(input: Omit<UpdateItemInput, 'TableName'>): Promise<Updated | undefined> {
    try {
      return { attributes: await this.items.update({ TableName: this.tableName, ...input }) };
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  private async read(keys: readonly Record<string, string>[]): Promise<Record<string, unknown>[]> {
    return keys.length > 0 ? batchGetItems(this.items, this.tableName, keys, { consistent: true }) : [];
  }

  private expiration(): number {
    return Math.ceil((this.now().getTime() + RESERVATION_LIFETIME_MS) / 1_000);
  }
}

function stepValue(step: Step): Record<string, unknown> {
  return { quantity: step.quantity, token: step.token, at: step.at };
}

function toProductState(item: Record<string, unknown>): ProductState {
  const steps: Step[] = [];
  for (const [name, value] of Object.entries(item)) {
    const kind = STEP_KINDS.find((k) => name.startsWith(`${k}#`));
    if (!kind) continue;
    const { quantity, token, at } = value as { quantity: number; token: string; at: string };
    steps.push({ kind, orderId: name.slice(kind.length + 1), quantity, token, at });
  }
  const product = Object.fromEntries(PRODUCT_ATTRIBUTES.map((name) => [name, item[name]]));
  return { ...(product as Omit<ProductState, 'steps'>), steps };
}

function toReservation(item: Record<string, unknown>): Reservation {
  const { pk: _pk, sk: _sk, createdAt: _c, updatedAt: _u, expiration: _e, ...record } = item;
  return record as unknown as Reservation;
}
