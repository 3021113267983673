/**
 * The order view in DynamoDB (the `orders` table; the item layout is documented in view.ts). Two
 * kinds of write, both single-item and conditional (no transactions, so dynalite runs the same code
 * locally): `save` replaces the whole item under an optimistic lock on `version`; `record` applies
 * one event's `Recording` as an update, without reading the item first.
 *
 * Both keep `appliedEventIds`, the ids of the item's history as a string set, which is what lets
 * `record`'s condition say "this event is not applied yet": DynamoDB's `contains` finds a string in
 * a set, not a map in a list. It is the store's own attribute: `get` and `record` drop it, so the
 * saga's pure functions never see it.
 */
import { type ItemClient, isConditionalCheckFailed, type NativeItem } from '../shared/db/item-client';
import type { OrderViewItem, Recording } from './view';

export type SaveResult = 'saved' | 'conflict';

export interface OrderViewStore {
  get(orderId: string): Promise<OrderViewItem | undefined>;
  /**
   * Writes `item` if the stored item still has `expectedVersion` (or, for undefined, does not exist
   * yet); 'conflict' means another writer got there first and the caller should read again.
   */
  save(item: OrderViewItem, expectedVersion: number | undefined): Promise<SaveResult>;
  /**
   * Applies `recording` in one update and answers the item it leaves, or undefined when its
   * conditions refused it (no item, the event already applied, the fact already there, another
   * status; `recordingApplies` in view.ts; or a set of applied ids that is not the history's, which
   * only the store sees): the caller then reads and applies the event in full.
   */
  record(orderId: string, recording: Recording, now: string): Promise<OrderViewItem | undefined>;
}

const APPLIED = 'appliedEventIds';

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
      const applied = new Set(item.history.map((entry) => entry.eventId));
      return refusedAs<SaveResult, SaveResult>('conflict', async () => {
        await items.put({ TableName: tableName, Item: { ...item, [APPLIED]: applied }, ...condition });
        return 'saved';
      });
    },

    async record(orderId, recording, now) {
      const stored = await refusedAs(undefined, () =>
        items.update({
          TableName: tableName,
          Key: { orderId },
          ...recordingUpdate(recording, now),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stored ? toItem(stored) : undefined;
    },
  };
}

/** The update expression of a recording; `applyRecording` in view.ts is its pure twin. */
function recordingUpdate(recording: Recording, now: string) {
  const names: Record<string, string> = {
    '#applied': APPLIED,
    '#history': 'history',
    '#version': 'version',
    '#updatedAt': 'updatedAt',
  };
  const values: NativeItem = {
    ':id': recording.eventId,
    ':ids': new Set([recording.eventId]),
    ':entry': [recording.entry],
    ':one': 1,
    ':now': now,
  };
  const sets = ['#history = list_append(#history, :entry)', '#version = #version + :one', '#updatedAt = :now'];
  // attribute_exists(#applied) also refuses an item written before the store kept the set: the
  // caller's read-and-save then writes it whole, set included. The sizes refuse a set that lags its
  // history: code from before the set (still running during a deploy, or after a rollback) reads
  // items whole and writes them back, carrying the set through without adding the event it
  // applied, which `NOT contains` would then let in twice. History ids are unique, so in a set the
  // store kept itself the two sizes are equal; the read-and-save rebuilds the set from the history.
  const conditions = ['attribute_exists(#applied)', 'size(#applied) = size(#history)', 'NOT contains(#applied, :id)'];
  if (recording.fact) {
    names['#fact'] = recording.fact.name;
    values[':fact'] = recording.fact.value;
    sets.push('#fact = :fact');
    conditions.push('attribute_not_exists(#fact)');
  }
  if (recording.status) {
    names['#status'] = 'status';
    values[':from'] = recording.status.from;
    values[':to'] = recording.status.to;
    sets.push('#status = :to');
    conditions.push('#status = :from');
  }
  return {
    UpdateExpression: `SET ${sets.join(', ')} ADD #applied :ids`,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** Runs a conditional write; a refused condition answers `refused` instead of throwing. */
async function refusedAs<T, R>(refused: R, write: () => Promise<T>): Promise<T | R> {
  try {
    return await write();
  } catch (error) {
    if (isConditionalCheckFailed(error)) return refused;
    throw error;
  }
}

function toItem(stored: Record<string, unknown>): OrderViewItem {
  const { [APPLIED]: _applied, ...item } = stored;
  if (typeof item.orderId !== 'string' || typeof item.version !== 'number' || !Array.isArray(item.history)) {
    throw new Error(`orders item ${String(item.orderId)} is not an order view item`);
  }
  return item as OrderViewItem;
}
