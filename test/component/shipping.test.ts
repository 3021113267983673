import { createEvent, deterministicId } from '../../lambdas/shared/events/envelope';
import type { EventData } from '../../lambdas/shared/events/types.generated';
import type { CloudEvent } from '../../lambdas/shared/events/validation';
import type { ConsumerLogger } from '../../lambdas/shared/kafka/consumer';
import { carrierFor, shipmentIdFor, shippingHandlers, trackingNumberFor } from '../../lambdas/shipping/core';
import { sampleData } from '../../local/samples';
import { InMemoryPublisher } from '../support/in-memory-publisher';
import { recordOf } from '../support/msk';

const CORRELATION_ID = '6f1c2a7e-3b9d-4c52-8e0f-5a4b3c2d1e0f';
const FIXED_NOW = new Date('2026-03-01T09:00:00.000Z');

let orderSeq = 0;
function newOrderId(): string {
  orderSeq += 1;
  return `ord_SHIPTEST${String(orderSeq).padStart(10, '0')}`;
}

function orderConfirmed(orderId: string, country = 'GB'): CloudEvent<EventData['OrderConfirmed']> {
  const sample = sampleData('OrderConfirmed');
  const data = { ...sample, orderId, shippingAddress: { ...sample.shippingAddress, country } };
  return createEvent('OrderConfirmed', data, { subject: orderId, correlationId: CORRELATION_ID });
}

/** The data of a published event; fails the test if the event is not there. */
function dataOf<T>(event: CloudEvent | undefined): T {
  if (!event) throw new Error('expected an event that was not published');
  return event.data as T;
}

const silentLogger: ConsumerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('shipping service', () => {
  let publisher: InMemoryPublisher;
  let handlers: ReturnType<typeof shippingHandlers>;

  beforeEach(() => {
    publisher = new InMemoryPublisher();
    handlers = shippingHandlers({ publisher, logger: silentLogger, now: () => FIXED_NOW });
  });

  const confirm = (event: CloudEvent<EventData['OrderConfirmed']>) => handlers.OrderConfirmed(event, recordOf(event));

  it('prepares one shipment for a confirmed order, with ids derived from the order id', async () => {
    // Prepare
    const orderId = newOrderId();

    // Act
    await confirm(orderConfirmed(orderId, 'GB'));

    // Assess
    expect(publisher.published).toHaveLength(1);
    const [shipment] = publisher.ofType('ShipmentPrepared');
    expect(shipment).toMatchObject({
      id: deterministicId('shipping', orderId, 'ShipmentPrepared'),
      source: '/order-pipeline/shipping',
      subject: orderId,
      correlationid: CORRELATION_ID,
      time: FIXED_NOW.toISOString(),
      data: {
        orderId,
        shipmentId: shipmentIdFor(orderId),
        carrier: 'royal_mail',
        trackingNumber: trackingNumberFor(orderId),
        email: 'ada@example.com',
        customerId: 'c-42',
      },
    });
    const data = dataOf<EventData['ShipmentPrepared']>(shipment);
    expect(data.shipmentId).toMatch(/^shp_[0-9A-Za-z]{10,40}$/);
    expect(data.trackingNumber).toMatch(/^[A-Z0-9]{8,40}$/);
  });

  it.each([
    ['GB', 'royal_mail'],
    ['US', 'usps'],
    ['DE', 'dhl'],
    ['FR', 'dhl'],
    ['NL', 'dhl'],
    ['PL', 'dhl'],
    ['CH', 'ups'],
    ['JP', 'ups'],
  ] as const)('ships to %s with %s', async (country, carrier) => {
    // Prepare
    const orderId = newOrderId();

    // Act
    await confirm(orderConfirmed(orderId, country));

    // Assess
    expect(dataOf<EventData['ShipmentPrepared']>(publisher.published[0]).carrier).toBe(carrier);
    expect(carrierFor(country)).toBe(carrier);
  });

  it('publishes the identical event when OrderConfirmed is delivered twice', async () => {
    // Prepare
    const orderId = newOrderId();
    const event = orderConfirmed(orderId, 'US');
    await confirm(event);

    // Act
    await confirm(event);

    // Assess
    expect(publisher.published).toHaveLength(2);
    expect(publisher.published[1]).toEqual(publisher.published[0]);
  });

  it('publishes once after a failed publish is retried, with the same event id', async () => {
    // Prepare: Kafka is unreachable on the first delivery.
    const orderId = newOrderId();
    const event = orderConfirmed(orderId);
    publisher.failing = true;
    await expect(confirm(event)).rejects.toThrow('Kafka is unreachable');
    expect(publisher.published).toHaveLength(0);

    // Act
    publisher.failing = false;
    await confirm(event);

    // Assess
    expect(publisher.published.map((e) => e.id)).toEqual([deterministicId('shipping', orderId, 'ShipmentPrepared')]);
  });

  it('gives different orders different shipments and tracking numbers', async () => {
    // Prepare
    const first = newOrderId();
    const second = newOrderId();

    // Act
    await confirm(orderConfirmed(first));
    await confirm(orderConfirmed(second));

    // Assess
    const [a, b] = publisher.published.map((e) => dataOf<EventData['ShipmentPrepared']>(e));
    expect(a?.shipmentId).not.toBe(b?.shipmentId);
    expect(a?.trackingNumber).not.toBe(b?.trackingNumber);
    expect(publisher.published[0]?.id).not.toBe(publisher.published[1]?.id);
  });
});
