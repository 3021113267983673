/**
 * The payments table in DynamoDB: one item per order, keyed by `orderId`, written only with
 * single-item conditional writes (no transactions, so dynalite runs the same code locally).
 *
 * Item layout: `orderId`, `status` (CHARGED | DECLINED | REFUNDED | CANCELLED_BEFORE_CHARGE),
 * `correlationId`, `updatedAt`; for an attempted charge also `paymentId`, `amountCents`, `currency`,
 * `decidedAt`; `failureReason` when DECLINED; `refundId` and `refundedAt` once REFUNDED.
 */
import { type ItemClient, isConditionalCheckFailed } from '../shared/db/item-client';
import type { PaymentRecord, PaymentStatus, PaymentStore, RefundDetails } from './core';

const STATUSES: readonly PaymentStatus[] = ['CHARGED', 'DECLINED', 'REFUNDED', 'CANCELLED_BEFORE_CHARGE'];

export function dynamoPaymentStore(items: ItemClient, tableName: string): PaymentStore {
  // Consistent reads: a read that follows a lost conditional write must see the winner's item.
  const get = async (orderId: string): Promise<PaymentRecord | undefined> => {
    const item = await items.get({ TableName: tableName, Key: { orderId }, ConsistentRead: true });
    return item ? toRecord(item) : undefined;
  };

  /** After a lost conditional write the item exists, unless something deleted it: worth a retry then. */
  const getExisting = async (orderId: string): Promise<PaymentRecord> => {
    const record = await get(orderId);
    if (!record) throw new Error(`payment record of ${orderId} failed its condition but cannot be read`);
    return record;
  };

  return {
    get,

    async putIfAbsent(record) {
      try {
        await items.put({
          TableName: tableName,
          Item: record,
          ConditionExpression: 'attribute_not_exists(orderId)',
        });
        return record;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        return getExisting(record.orderId);
      }
    },

    async refundIfCharged(orderId: string, refund: RefundDetails) {
      try {
        const attributes = await items.update({
          TableName: tableName,
          Key: { orderId },
          UpdateExpression: 'SET #status = :refunded, refundId = :refundId, refundedAt = :at, updatedAt = :at',
          ConditionExpression: '#status = :charged',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':refunded': 'REFUNDED',
            ':charged': 'CHARGED',
            ':refundId': refund.refundId,
            ':at': refund.refundedAt,
          },
          ReturnValues: 'ALL_NEW',
        });
        return attributes ? toRecord(attributes) : get(orderId);
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        return get(orderId);
      }
    },
  };
}

function toRecord(item: Record<string, unknown>): PaymentRecord {
  if (typeof item.orderId !== 'string' || !STATUSES.includes(item.status as PaymentStatus)) {
    throw new Error(`payments item ${String(item.orderId)} has an unknown status "${String(item.status)}"`);
  }
  return item as unknown as PaymentRecord;
}
