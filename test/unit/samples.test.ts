import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEvent } from '../../lambdas/shared/events/envelope';
import * as validators from '../../lambdas/shared/events/validators.generated';
import { aggregateIdOf, EVENT_NAMES } from '../../lib/topology';
import { sampleData, sampleEvent, sampleOrderRequest } from '../../local/samples';

describe('Module: samples (from the schema examples)', () => {
  it.each(EVENT_NAMES)('%s: its sample data makes a valid event at the latest version', (name) => {
    // Prepare
    const data = sampleData(name);
    const subject = aggregateIdOf(name, data) ?? 'sku';

    // Act
    const build = () => createEvent(name, data, { subject, correlationId: 'corr-1' });

    // Assess
    expect(build).not.toThrow();
  });

  it('puts overrides on top of the example and gives a fresh copy each call', () => {
    // Act
    const changed = sampleData('OrderCreated', { orderId: 'ord_0000000000' });
    changed.items.push({ sku: 'SKU-002', quantity: 1, unitPriceCents: 1 });
    const again = sampleData('OrderCreated');

    // Assess
    expect(changed.orderId).toBe('ord_0000000000');
    expect(again.orderId).toBe(sampleEvent('OrderCreated').data.orderId);
    expect(again.items).toHaveLength(1);
  });

  it('gives a POST /orders body that the request schema accepts', () => {
    const validate = validators.CreateOrderRequest as unknown as (data: unknown) => boolean;
    expect(validate(sampleOrderRequest())).toBe(true);
    expect(validate(sampleOrderRequest({ paymentMethod: 'tok_declined' }))).toBe(true);
  });

  it("is the README's example order", () => {
    // Prepare
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const body = /-d '(\{"customerId"[^']*)'/.exec(readme)?.[1];

    // Assess
    expect(body).toBeDefined();
    expect(JSON.parse(body as string)).toEqual(sampleOrderRequest());
  });
});
