/**
 * Sample events and requests for the tests, the benchmarks, the demo and the local runtime's hints,
 * built from the schema examples (lambdas/shared/events/examples) so that a sample is always what
 * the schemas allow, and the README's order is written once: the OrderCreated example's.
 */
import type { CreateOrderRequest, EventData } from '../lambdas/shared/events/types.generated';
import type { CloudEvent } from '../lambdas/shared/events/validation';
import { readEventExample } from '../lib/schema-files';
import type { EventName } from '../lib/topology';

const examples = new Map<EventName, CloudEvent>();

/**
 * The example CloudEvent of an event's first schema version, as the examples folder holds it: a
 * fresh copy each call. Every later version reads its data (schema versions are BACKWARD
 * compatible), so it stands for the event whatever version a reader is on.
 */
export function sampleEvent<N extends EventName>(name: N): CloudEvent<EventData[N]> {
  let example = examples.get(name);
  if (example === undefined) {
    example = readEventExample(name, 1) as unknown as CloudEvent;
    examples.set(name, example);
  }
  return structuredClone(example) as CloudEvent<EventData[N]>;
}

/**
 * The data of an event's example (sampleEvent) with `overrides` on top: valid data to build any
 * event from, as producers publish it under the latest version.
 */
export function sampleData<N extends EventName>(name: N, overrides: Partial<EventData[N]> = {}): EventData[N] {
  return { ...sampleEvent(name).data, ...overrides };
}

/**
 * A POST /orders body as a client sends it (no order id, no prices): the OrderCreated example's
 * order, which is the README's. `overrides` replace whole fields.
 */
export function sampleOrderRequest(overrides: Partial<CreateOrderRequest> = {}): CreateOrderRequest {
  const { customerId, items, paymentMethod, shippingAddress, email } = sampleData('OrderCreated');
  return {
    customerId,
    items: items.map(({ sku, quantity }) => ({ sku, quantity })),
    paymentMethod,
    shippingAddress,
    email,
    ...overrides,
  };
}
