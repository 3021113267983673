/**
 * The payment service: charges an order's total when it is created and refunds it when the order
 * is cancelled. The charge is simulated the way payment providers' test modes work, so the whole
 * pipeline runs without a provider account and every outcome can be chosen by the client.
 *
 * The payments table holds one record per order and is the single source of truth: each step is
 * one conditional write, and the event a step publishes is derived from the record as stored, with
 * a deterministic id. A redelivery (or a retry after a crash between the write and the publish)
 * therefore re-publishes the same event instead of charging or refunding again.
 */
import type { ConsumerServiceName } from '../../lib/topology';
import { createEvent, deterministicId } from '../shared/events/envelope';
import type { PaymentFailedV1 } from '../shared/events/types.generated';
import type { ConsumerLogger, HandlersOf } from '../shared/kafka/consumer';
import type { PublisherOf } from '../shared/kafka/publisher';

/** This service in the topology: its handlers, publisher and tables follow from it; its ids start with it. */
export const SERVICE = 'payment' satisfies ConsumerServiceName;

export type DeclineReason = PaymentFailedV1['reason'];

/** What happened to a charge attempt, as the simulated provider answers it. */
export type ChargeOutcome = { readonly approved: true } | { readonly approved: false; readonly reason: DeclineReason };

/** Fields every record of an attempted charge carries (CHARGED, DECLINED, REFUNDED). */
interface ChargeAttempt {
  readonly orderId: string;
  readonly paymentId: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly correlationId: string;
  /** When the charge was attempted: the time of its PaymentCompleted or PaymentFailed. */
  readonly decidedAt: string;
  readonly updatedAt: string;
}

export type PaymentRecord =
  | (ChargeAttempt & { readonly status: 'CHARGED' })
  | (ChargeAttempt & { readonly status: 'DECLINED'; readonly failureReason: DeclineReason })
  | (ChargeAttempt & { readonly status: 'REFUNDED'; readonly refundId: string; readonly refundedAt: string })
  | {
      // The cancellation arrived before the order's OrderCreated (e.g. OrderCreated was
      // dead-lettered and replayed later): the record only exists to stop a late charge.
      readonly status: 'CANCELLED_BEFORE_CHARGE';
      readonly orderId: string;
      readonly correlationId: string;
      readonly updatedAt: string;
    };

export type PaymentStatus = PaymentRecord['status'];

export interface RefundDetails {
  readonly refundId: string;
  readonly refundedAt: string;
}

export interface PaymentStore {
  get(orderId: string): Promise<PaymentRecord | undefined>;
  /** Writes `record` unless the order already has one; answers the record that is stored afterwards. */
  putIfAbsent(record: PaymentRecord): Promise<PaymentRecord>;
  /** Moves a CHARGED record to REFUNDED; answers the record that is stored afterwards, whatever it is. */
  refundIfCharged(orderId: string, refund: RefundDetails): Promise<PaymentRecord | undefined>;
}

export interface PaymentDeps {
  readonly store: PaymentStore;
  readonly publisher: PublisherOf<typeof SERVICE>;
  readonly logger: ConsumerLogger;
  readonly now?: () => Date;
}

/** Test-mode tokens: anything but the two known ones is refused, as a provider refuses an unknown token. */
export function simulateCharge(paymentMethod: string): ChargeOutcome {
  if (paymentMethod === 'tok_visa') return { approved: true };
  if (paymentMethod === 'tok_declined') return { approved: false, reason: 'card_declined' };
  return { approved: false, reason: 'invalid_payment_method' };
}

/** One payment per order, so the order id alone names it; a retried charge gets the same id. */
export function paymentIdFor(orderId: string): string {
  return `pay_${compactId(SERVICE, orderId, 'payment')}`;
}

export function refundIdFor(orderId: string): string {
  return `ref_${compactId(SERVICE, orderId, 'refund')}`;
}

export type PaymentHandlers = HandlersOf<typeof SERVICE>;

export function paymentHandlers(deps: PaymentDeps): PaymentHandlers {
  const now = deps.now ?? (() => new Date());

  return {
    async OrderCreated(event) {
      const order = event.data;
      const at = now().toISOString();
      const outcome = simulateCharge(order.paymentMethod);
      const attempt: ChargeAttempt = {
        orderId: order.orderId,
        paymentId: paymentIdFor(order.orderId),
        amountCents: order.totalCents,
        currency: order.currency,
        correlationId: event.correlationid,
        decidedAt: at,
        updatedAt: at,
      };
      const stored = await deps.store.putIfAbsent(
        outcome.approved
          ? { ...attempt, status: 'CHARGED' }
          : { ...attempt, status: 'DECLINED', failureReason: outcome.reason },
      );
      if (stored.status === 'CANCELLED_BEFORE_CHARGE') {
        deps.logger.info('order was cancelled before it was charged; not charging', { orderId: order.orderId });
        return;
      }
      // A REFUNDED record still stands for a charge that happened, so its PaymentCompleted is
      // re-published: after a crash it may be the first time it goes out.
      await deps.publisher.publish([chargeEvent(stored, event.correlationid)]);
      deps.logger.info('payment settled', { orderId: order.orderId, status: stored.status });
    },

    async OrderCancelled(event) {
      const { orderId } = event.data;
      const stored = await settleCancellation(orderId, event.correlationid, deps.store, now);
      if (stored.status === 'REFUNDED') {
        await deps.publisher.publish([refundEvent(stored, event.correlationid)]);
        deps.logger.info('payment refunded', { orderId, refundId: stored.refundId });
        return;
      }
      deps.logger.info('nothing to refund', { orderId, status: stored.status });
    },
  };
}

/**
 * Brings the record to its post-cancellation state: REFUNDED if it was charged, CANCELLED_BEFORE_CHARGE
 * if there was none, otherwise as it is. Both writes are conditional, and a write that loses a race
 * answers the winner's record, so two deliveries racing each other still refund at most once.
 */
async function settleCancellation(
  orderId: string,
  correlationId: string,
  store: PaymentStore,
  now: () => Date,
): Promise<PaymentRecord> {
  // If OrderCreated wins the race to an empty record, putIfAbsent answers its charge, refunded below.
  const current =
    (await store.get(orderId)) ??
    (await store.putIfAbsent({
      status: 'CANCELLED_BEFORE_CHARGE',
      orderId,
      correlationId,
      updatedAt: now().toISOString(),
    }));
  if (current.status !== 'CHARGED') return current;
  const after = await store.refundIfCharged(orderId, {
    refundId: refundIdFor(orderId),
    refundedAt: now().toISOString(),
  });
  // Records are never deleted here; if one vanished, fail so the ESM retries and then dead-letters.
  if (!after) throw new Error(`payment record of ${orderId} disappeared while refunding it`);
  return after;
}

function chargeEvent(record: Exclude<PaymentRecord, { status: 'CANCELLED_BEFORE_CHARGE' }>, correlationId: string) {
  const meta = {
    subject: record.orderId,
    correlationId,
    time: new Date(record.decidedAt),
  };
  if (record.status === 'DECLINED') {
    return createEvent(
      'PaymentFailed',
      {
        orderId: record.orderId,
        reason: record.failureReason,
        amountCents: record.amountCents,
        currency: record.currency,
      },
      { ...meta, id: deterministicId(SERVICE, record.orderId, 'PaymentFailed') },
    );
  }
  return createEvent(
    'PaymentCompleted',
    {
      orderId: record.orderId,
      paymentId: record.paymentId,
      amountCents: record.amountCents,
      currency: record.currency,
    },
    { ...meta, id: deterministicId(SERVICE, record.orderId, 'PaymentCompleted') },
  );
}

function refundEvent(record: Extract<PaymentRecord, { status: 'REFUNDED' }>, correlationId: string) {
  return createEvent(
    'PaymentRefunded',
    {
      orderId: record.orderId,
      paymentId: record.paymentId,
      refundId: record.refundId,
      amountCents: record.amountCents,
      currency: record.currency,
    },
    {
      subject: record.orderId,
      correlationId,
      time: new Date(record.refundedAt),
      id: deterministicId(SERVICE, record.orderId, 'PaymentRefunded'),
    },
  );
}

/** 32 hex digits: fits the `<prefix>_[0-9A-Za-z]{10,40}` ids of the schemas. */
function compactId(...parts: string[]): string {
  return deterministicId(...parts).replaceAll('-', '');
}
