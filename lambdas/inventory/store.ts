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
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PRODUCT_ATTRIBUTES, productKey } from '../shared/catalogue';
import { batchGetItems } from '../shared/db/batch-get';
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
  documents: DynamoDBDocumentClient,
  tableName: string,
  now: () => Date = () => new Date(),
): InventoryStore {
  /** An UpdateItem that answers false (or undefined) instead of throwing when its condition fails. */
  async function update(input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>) {
    try {
      return await documents.send(new UpdateCommand({ TableName: tableName, ...input }));
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  }

  function expiration(): number {
    return Math.ceil((now().getTime() + RESERVATION_LIFETIME_MS) / 1_000);
  }

  async function getReservations(orderIds: readonly string[]): Promise<Map<string, Reservation>> {
    const keys = [...new Set(orderIds)].map(reservationKey);
    const items = keys.length > 0 ? await batchGetItems(documents, tableName, keys, { consistent: true }) : [];
    return new Map(items.map((item) => [item.orderId as string, toReservation(item)]));
  }

  return {
    async openReservation(record) {
      const at = now().toISOString();
      const fields = { ...record, createdAt: at, updatedAt: at, expiration: expiration() };
      const names = Object.keys(fields);
      const response = await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: reservationKey(record.orderId),
          UpdateExpression: `SET ${names.map((_, i) => `#f${i} = if_not_exists(#f${i}, :f${i})`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#f${i}`, name])),
          ExpressionAttributeValues: Object.fromEntries(Object.values(fields).map((value, i) => [`:f${i}`, value])),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return response.Attributes ? toReservation(response.Attributes) : undefined;
    },

    getReservation: async (orderId) => (await getReservations([orderId])).get(orderId),

    getReservations,

    async decide(orderId, from, change) {
      const fields = { ...change, updatedAt: now().toISOString(), expiration: expiration() };
      const names = Object.keys(fields).filter((name) => fields[name as keyof typeof fields] !== undefined);
      const response = await update({
        Key: reservationKey(orderId),
        UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :f${i}`).join(', ')}`,
        ConditionExpression: '#status = :from',
        ExpressionAttributeNames: { '#status': 'status', ...Object.fromEntries(names.map((n, i) => [`#f${i}`, n])) },
        ExpressionAttributeValues: {
          ':from': from,
          ...Object.fromEntries(names.map((n, i) => [`:f${i}`, fields[n as keyof typeof fields]])),
        },
      });
      return response !== undefined;
    },

    async take(sku, step) {
      const response = await update({
        Key: productKey(sku),
        UpdateExpression: 'SET #available = #available - :q, #step = :step',
        ConditionExpression: 'attribute_exists(pk) AND #available >= :q AND attribute_not_exists(#step)',
        ExpressionAttributeNames: { '#available': 'available', '#step': stepAttribute('take', step.orderId) },
        ExpressionAttributeValues: { ':q': step.quantity, ':step': stepValue(step) },
        ReturnValues: 'ALL_NEW',
      });
      return response?.Attributes ? toProductState(response.Attributes) : undefined;
    },

    async prepareGive(sku, step) {
      const response = await update({
        Key: productKey(sku),
        UpdateExpression: 'SET #step = :step',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#step)',
        ExpressionAttributeNames: { '#step': stepAttribute('give', step.orderId) },
        ExpressionAttributeValues: { ':step': stepValue(step) },
      });
      return response !== undefined;
    },

    async settle(sku, step, settlement) {
      const response = await update({
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
      return response?.Attributes ? toProductState(response.Attributes) : undefined;
    },

    async products(skus) {
      const keys = [...new Set(skus)].map(productKey);
      const items = keys.length > 0 ? await batchGetItems(documents, tableName, keys, { consistent: true }) : [];
      return new Map(items.map((item) => [item.sku as string, toProductState(item)]));
    },
  };
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
