/** Reading many items of one table in one BatchGetItem, asking again for the keys DynamoDB left unprocessed. */
import type { ItemClient, NativeItem } from './item-client';

export interface BatchGetOptions {
  /** A strongly consistent read: sees every write acknowledged before it. */
  readonly consistent?: boolean;
  /** Only these top-level attributes (fewer bytes on the wire; DynamoDB bills the whole item anyway). */
  readonly attributes?: readonly string[];
}

/** BatchGetItem takes at most 100 keys; callers pass an order's lines (at most 50) or fewer. */
const MAX_KEYS = 100;
const ATTEMPTS = 5;

/** The items found for `keys`, in no particular order; keys with no item are simply absent. */
export async function batchGetItems(
  items: ItemClient,
  tableName: string,
  keys: readonly Record<string, string>[],
  options: BatchGetOptions = {},
): Promise<Record<string, unknown>[]> {
  if (keys.length > MAX_KEYS) throw new Error(`a batch read takes at most ${MAX_KEYS} keys, not ${keys.length}`);
  const projection = options.attributes
    ? {
        ProjectionExpression: options.attributes.map((_, i) => `#a${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(options.attributes.map((name, i) => [`#a${i}`, name])),
      }
    : {};
  const found: Record<string, unknown>[] = [];
  let pending: readonly NativeItem[] = keys;
  for (let attempt = 0; pending.length > 0 && attempt < ATTEMPTS; attempt++) {
    const response = await items.batchGet({
      TableName: tableName,
      Keys: pending,
      ConsistentRead: options.consistent ?? false,
      ...projection,
    });
    found.push(...response.items);
    pending = response.unprocessedKeys;
  }
  if (pending.length > 0) {
    throw new Error(
      `${tableName}: ${pending.length} keys stayed unprocessed after ${ATTEMPTS} batch reads; retry later`,
    );
  }
  return found;
}
