/**
 * The notification service: tells a customer by email that their order was confirmed, cancelled
 * or shipped, and welcomes a new user, then records each message as a NotificationSent.
 *
 * It keeps no state of its own. Every message and event is derived from the incoming event, with
 * ids derived from the incoming event id, so a redelivery after a crash sends a message with the
 * same message id (which the notifier may recognise) and publishes the very same NotificationSent,
 * which downstream consumers drop as a duplicate.
 */
import type { ConsumerServiceName } from '../../lib/topology';
import { createEvent, deterministicId } from '../shared/events/envelope';
import type {
  NotificationSentV1,
  OrderCancelledV1,
  OrderConfirmedV1,
  ShipmentPreparedV1,
  UserRegisteredV1,
} from '../shared/events/types.generated';
import type { CloudEvent } from '../shared/events/validation';
import type { ConsumerLogger, HandlersOf } from '../shared/kafka/consumer';
import type { PublisherOf } from '../shared/kafka/publisher';
import type { NotificationMessage, Notifier, Template } from './notifier';

/** This service in the topology: its handlers, publisher and tables follow from it; its ids start with it. */
export const SERVICE = 'notification' satisfies ConsumerServiceName;

export interface NotificationDeps {
  readonly notifier: Notifier;
  readonly publisher: PublisherOf<typeof SERVICE>;
  readonly logger: ConsumerLogger;
  readonly now?: () => Date;
}

/** What a message is about: exactly one of the two, as NotificationSent's schema requires. */
export type Aggregate = { readonly orderId: string } | { readonly userId: string };

/** A message before it has an id: what each template makes of its event. */
export interface ComposedMessage {
  readonly about: Aggregate;
  readonly template: Template;
  readonly recipient: string;
  readonly subject: string;
  readonly body: string;
}

/** One message per incoming event, so the incoming event id alone names it. */
export function messageIdFor(incomingEventId: string): string {
  return deterministicId(SERVICE, incomingEventId, 'message');
}

export function notificationSentIdFor(incomingEventId: string): string {
  return deterministicId(SERVICE, incomingEventId, 'NotificationSent');
}

export function orderConfirmedMessage(order: OrderConfirmedV1): ComposedMessage {
  const units = order.items.reduce((sum, item) => sum + item.quantity, 0);
  return {
    about: { orderId: order.orderId },
    template: 'order_confirmed',
    recipient: order.email,
    subject: `Order ${order.orderId} confirmed`,
    body: [
      `Hello ${order.shippingAddress.name},`,
      '',
      `Thank you for your order ${order.orderId}. We have charged ${formatMoney(order.totalCents, order.currency)}`,
      `and are preparing ${units} ${units === 1 ? 'item' : 'items'} for delivery to ${order.shippingAddress.city}.`,
      'We will write again when it ships.',
    ].join('\n'),
  };
}

const CANCEL_REASONS: Record<OrderCancelledV1['reason'], string> = {
  payment_failed: 'the payment did not go through',
  out_of_stock: 'an item in it is out of stock',
};

export function orderCancelledMessage(order: OrderCancelledV1): ComposedMessage {
  return {
    about: { orderId: order.orderId },
    template: 'order_cancelled',
    recipient: order.email,
    subject: `Order ${order.orderId} cancelled`,
    body: [
      'Hello,',
      '',
      `We are sorry: your order ${order.orderId} was cancelled because ${CANCEL_REASONS[order.reason]}.`,
      `Details: ${order.detail}`,
      'Anything you were charged will be refunded.',
    ].join('\n'),
  };
}

const CARRIERS: Record<ShipmentPreparedV1['carrier'], string> = {
  dhl: 'DHL',
  ups: 'UPS',
  fedex: 'FedEx',
  royal_mail: 'Royal Mail',
  usps: 'USPS',
};

export function orderShippedMessage(shipment: ShipmentPreparedV1): ComposedMessage {
  return {
    about: { orderId: shipment.orderId },
    template: 'order_shipped',
    recipient: shipment.email,
    subject: `Order ${shipment.orderId} shipped`,
    body: [
      'Hello,',
      '',
      `Your order ${shipment.orderId} is on its way with ${CARRIERS[shipment.carrier]}.`,
      `Tracking number: ${shipment.trackingNumber}`,
    ].join('\n'),
  };
}

export function welcomeMessage(user: UserRegisteredV1): ComposedMessage {
  return {
    about: { userId: user.userId },
    template: 'welcome',
    recipient: user.email,
    subject: `Welcome, ${user.name}`,
    body: [`Hello ${user.name},`, '', `Welcome aboard. Your account ${user.userId} is ready.`].join('\n'),
  };
}

/** Minor units to a display amount, with the currency's own number of decimals (JPY has none). */
export function formatMoney(minorUnits: number, currency: string): string {
  const { format, decimals } = moneyFormatOf(currency);
  return format.format(minorUnits / 10 ** decimals);
}

/**
 * Building an Intl.NumberFormat costs far more than using one (it was the notification core's
 * largest own cost in a profile of the local pipeline), so each currency's is kept; at most a
 * few dozen, since a schema-valid currency is any three capitals.
 */
interface MoneyFormat {
  readonly format: Intl.NumberFormat;
  readonly decimals: number;
}
const moneyFormats = new Map<string, MoneyFormat>();
const MONEY_FORMATS_KEPT = 32;

function moneyFormatOf(currency: string): MoneyFormat {
  let kept = moneyFormats.get(currency);
  if (!kept) {
    const format = new Intl.NumberFormat('en-GB', { style: 'currency', currency });
    kept = { format, decimals: format.resolvedOptions().maximumFractionDigits ?? 2 };
    if (moneyFormats.size >= MONEY_FORMATS_KEPT) moneyFormats.clear();
    moneyFormats.set(currency, kept);
  }
  return kept;
}

export type NotificationHandlers = HandlersOf<typeof SERVICE>;

export function notificationHandlers(deps: NotificationDeps): NotificationHandlers {
  const now = deps.now ?? (() => new Date());

  async function notify(event: CloudEvent<unknown>, composed: ComposedMessage): Promise<void> {
    const aggregateId = 'orderId' in composed.about ? composed.about.orderId : composed.about.userId;
    const data = {
      ...composed.about,
      channel: 'email',
      template: composed.template,
      recipient: composed.recipient,
    } as NotificationSentV1;
    // Built (and validated) before sending: data that cannot make a valid NotificationSent fails
    // the record before any email goes out, instead of after, on every retry.
    const sent = createEvent('NotificationSent', data, {
      subject: aggregateId,
      correlationId: event.correlationid,
      id: notificationSentIdFor(event.id),
      time: now(),
    });
    const message: NotificationMessage = {
      messageId: messageIdFor(event.id),
      channel: 'email',
      template: composed.template,
      recipient: composed.recipient,
      subject: composed.subject,
      body: composed.body,
    };
    const result = await deps.notifier.send(message);
    if (result.status === 'duplicate') {
      // A previous delivery sent it and stopped before publishing: publish now, with the same id.
      deps.logger.warn('message already sent; publishing its NotificationSent again', {
        eventId: event.id,
        messageId: message.messageId,
        template: message.template,
      });
    }
    await deps.publisher.publish([sent]);
    deps.logger.info('notification sent', {
      eventId: event.id,
      messageId: message.messageId,
      transportMessageId: result.transportMessageId,
      template: message.template,
      ...composed.about,
    });
  }

  return {
    OrderConfirmed: (event) => notify(event, orderConfirmedMessage(event.data)),
    OrderCancelled: (event) => notify(event, orderCancelledMessage(event.data)),
    ShipmentPrepared: (event) => notify(event, orderShippedMessage(event.data)),
    UserRegistered: (event) => notify(event, welcomeMessage(event.data)),
  };
}
