/**
 * The order view in DynamoDB (the `orders` table; the item layout is documented in view.ts). Every
 * write replaces the whole item under an optimistic lock on `version`, a single-item conditional
 * write: no transactions, so dynalite runs the same code locally.
 */
import type { ItemClient } from '../shared/db/item-client';
import type { OrderViewItem } from './view';

export type SaveResult = 'saved' | 'conflict';

export interface OrderViewStore {
  get(orderId: string): Promise<OrderViewItem | undefined>;
  /**
   * Writes `item` if the stored item still has `expectedVersion` (or, for undefined, does not exist
   * yet); 'conflict' means another writer got there first and the caller should read again.
   */
  save(item: OrderViewItem, expectedVersion: number | undefined): Promise<SaveResult>;
}

export function dynamoOrderViewStore(items: ItemClient, tableName: string): OrderViewStore {
  return {
    async get(orderId) {
      // Consistent: a read after a lost conditional write must see the winner's item.
      const item = await items.get({ TableName: tableName, Key: { orderId }, ConsistentRead: true });
      return item ? toItem(item) : undefined;
    },

    async save(item, expectedVersion) {
      const condition =
        expectedVersion === undefined
          ? { ConditionExpression: 'attribute_not_exists(orderId)' }
          : {
              ConditionExpression: '#version = :expected',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expected': expectedVersion },
            };
      try {
        await items.put({ TableName: tableName, Item: item, ...condition });
        return 'saved';
      } catch (error) {
        if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return 'conflict';
        throw error;
      }
    },
  };
}

function toItem(item: Record<string, unknown>): OrderViewItem {
  if (typeof item.orderId !== 'string' || typeof item.version !== 'number' || !Array.isArray(item.history)) {
    throw new Error(`orders item ${String(item.orderId)} is not an order view item`);
  }
  return item as OrderViewItem;
}
