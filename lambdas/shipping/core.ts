/**
 * The shipping service: gives each confirmed order a carrier and a tracking number. It keeps no
 * state: every value is derived from the order id, so a redelivered OrderConfirmed yields the very
 * same ShipmentPrepared (same event id, same shipment), which downstream consumers drop as a duplicate.
 */
import type { ConsumerServiceName } from '../../lib/topology';
import { createEvent, deterministicId } from '../shared/events/envelope';
import type { ShipmentPreparedV1 } from '../shared/events/types.generated';
import type { ConsumerLogger, HandlersOf } from '../shared/kafka/consumer';
import type { PublisherOf } from '../shared/kafka/publisher';

/** This service in the topology: its handlers, publisher and tables follow from it; its ids start with it. */
export const SERVICE = 'shipping' satisfies ConsumerServiceName;

export type Carrier = ShipmentPreparedV1['carrier'];

export interface ShippingDeps {
  readonly publisher: PublisherOf<typeof SERVICE>;
  readonly logger: ConsumerLogger;
  readonly now?: () => Date;
}

/** The 27 EU member states (ISO 3166-1 alpha-2), all shipped with DHL. */
const EU_COUNTRIES: ReadonlySet<string> = new Set(
  'AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK'.split(' '),
);

export function carrierFor(country: string): Carrier {
  if (country === 'GB') return 'royal_mail';
  if (country === 'US') return 'usps';
  if (EU_COUNTRIES.has(country)) return 'dhl';
  return 'ups';
}

/** One shipment per order, so the order id alone names it. */
export function shipmentIdFor(orderId: string): string {
  return `shp_${deterministicId(SERVICE, orderId, 'shipment').replaceAll('-', '')}`;
}

/** 20 upper-case hex digits, within the schema's `^[A-Z0-9]{8,40}$`. */
export function trackingNumberFor(orderId: string): string {
  return deterministicId(SERVICE, orderId, 'tracking').replaceAll('-', '').slice(0, 20).toUpperCase();
}

export type ShippingHandlers = HandlersOf<typeof SERVICE>;

export function shippingHandlers(deps: ShippingDeps): ShippingHandlers {
  const now = deps.now ?? (() => new Date());

  return {
    async OrderConfirmed(event) {
      const order = event.data;
      const shipment = createEvent(
        'ShipmentPrepared',
        {
          orderId: order.orderId,
          shipmentId: shipmentIdFor(order.orderId),
          carrier: carrierFor(order.shippingAddress.country),
          trackingNumber: trackingNumberFor(order.orderId),
          email: order.email,
          customerId: order.customerId,
        },
        {
          subject: order.orderId,
          correlationId: event.correlationid,
          id: deterministicId(SERVICE, order.orderId, 'ShipmentPrepared'),
          time: now(),
        },
      );
      await deps.publisher.publish([shipment]);
      deps.logger.info('shipment prepared', {
        orderId: order.orderId,
        carrier: shipment.data.carrier,
        trackingNumber: shipment.data.trackingNumber,
      });
    },
  };
}
