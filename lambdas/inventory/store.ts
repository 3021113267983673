/**
 * The inventory store over DynamoDB. Every write is one conditional single-item write (no
 * transactions), so each step can be redone after a crash and lands exactly once:
 *
 *   product     pk = "SKU#<sku>",             sk = "PRODUCT"      (lambdas/shared/catalogue.ts)
 *   reservation pk = "RESERVATION#<orderId>", sk = "RESERVATION": orderId, status, reservationId,
 *               correlationId, items [{sku, quantity}], reason?, shortages?, heldSkus?, createdAt, updatedAt
 *
 * A product's `holds.<orderId>` is the proof that an order took stock, so taking is guarded by its
 * absence and giving back by its presence: a retried take or release is a no-op, never a second effect.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getProducts, type Product, productKey } from '../shared/catalogue';
import type {
  InventoryStore,
  Line,
  NewReservation,
  Reservation,
  ReservationChange,
  ReservationStatus,
  TakeOutcome,
} from './core';

const RESERVATION_SK = 'RESERVATION';

/** How often a take is retried when the product changes between the failed write and the read that explains it. */
const TAKE_ATTEMPTS = 3;

export function reservationKey(orderId: string): { pk: string; sk: string } {
  return { pk: `RESERVATION#${orderId}`, sk: RESERVATION_SK };
}

export class HoldMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HoldMismatchError';
  }
}

export function dynamoInventoryStore(
  documents: DynamoDBDocumentClient,
  tableName: string,
  now: () => Date = () => new Date(),
): InventoryStore {
  async function readProduct(sku: string): Promise<Product | undefined> {
    const response = await documents.send(
      new GetCommand({ TableName: tableName, Key: productKey(sku), ConsistentRead: true }),
    );
    return response.Item as Product | undefined;
  }

  async function readReservation(orderId: string): Promise<Reservation | undefined> {
    const response = await documents.send(
      new GetCommand({ TableName: tableName, Key: reservationKey(orderId), ConsistentRead: true }),
    );
    return response.Item ? toReservation(response.Item) : undefined;
  }

  /** Writes the record unless one exists; either way answers with the record as stored. */
  async function putOnce(record: NewReservation): Promise<{ record: Reservation; created: boolean }> {
    const at = now().toISOString();
    try {
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...reservationKey(record.orderId), ...record, createdAt: at, updatedAt: at },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { record, created: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const existing = await readReservation(record.orderId);
    if (!existing) throw new Error(`reservation of ${record.orderId} exists and then does not`);
    return { record: existing, created: false };
  }

  return {
    getReservation: readReservation,

    beginReservation: async (record) => (await putOnce(record)).record,

    markCancelled: putOnce,

    async moveReservation(orderId: string, from: readonly ReservationStatus[], change: ReservationChange) {
      const values: Record<string, unknown> = { ':status': change.status, ':at': now().toISOString() };
      const sets = ['#status = :status', 'updatedAt = :at'];
      for (const field of ['reason', 'shortages', 'heldSkus'] as const) {
        if (change[field] === undefined) continue;
        sets.push(`${field} = :${field}`);
        values[`:${field}`] = change[field];
      }
      from.forEach((status, i) => {
        values[`:from${i}`] = status;
      });
      try {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: reservationKey(orderId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: values,
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async take(orderId: string, line: Line): Promise<TakeOutcome> {
      for (let attempt = 0; attempt < TAKE_ATTEMPTS; attempt++) {
        try {
          const response = await documents.send(
            new UpdateCommand({
              TableName: tableName,
              Key: productKey(line.sku),
              UpdateExpression: 'SET #available = #available - :q, #holds.#order = :q',
              ConditionExpression: 'attribute_exists(pk) AND #available >= :q AND attribute_not_exists(#holds.#order)',
              ExpressionAttributeNames: { '#available': 'available', '#holds': 'holds', '#order': orderId },
              ExpressionAttributeValues: { ':q': line.quantity },
              ReturnValues: 'ALL_NEW',
            }),
          );
          return { kind: 'taken', product: response.Attributes as Product };
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
        // The condition does not say which part failed; the item does.
        const product = await readProduct(line.sku);
        if (!product) return { kind: 'unknown_sku' };
        if (product.holds[orderId] !== undefined) return { kind: 'held', product };
        if (product.available < line.quantity) return { kind: 'out_of_stock', available: product.available };
        // Stock came back (another order released) between the write and the read: try the write again.
      }
      throw new Error(`stock of ${line.sku} kept changing while order ${orderId} tried to take it; retry later`);
    },

    async giveBack(orderId: string, line: Line): Promise<Product | undefined> {
      try {
        const response = await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: productKey(line.sku),
            UpdateExpression: 'SET #available = #available + :q REMOVE #holds.#order',
            // Equality, not mere existence: only ever give back exactly what the order took.
            ConditionExpression: '#holds.#order = :q',
            ExpressionAttributeNames: { '#available': 'available', '#holds': 'holds', '#order': orderId },
            ExpressionAttributeValues: { ':q': line.quantity },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return response.Attributes as Product;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const held = (await readProduct(line.sku))?.holds[orderId];
      if (held === undefined) return undefined;
      // Never guessed away: a hold of another size means the data was changed by hand.
      throw new HoldMismatchError(
        `order ${orderId} holds ${held} of ${line.sku} but its reservation says ${line.quantity}`,
      );
    },

    products: (skus) => getProducts(documents, tableName, skus),
  };
}

function toReservation(item: Record<string, unknown>): Reservation {
  const { pk: _pk, sk: _sk, createdAt: _createdAt, updatedAt: _updatedAt, ...record } = item;
  return record as unknown as Reservation;
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
