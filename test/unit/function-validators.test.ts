/**
 * Each function bundles only the validators of the events it reads and writes (lib/bundling.ts
 * replaces `#event-validators` with its own generated module). Here: which events that is, what each
 * generated module holds, and how validation behaves with one function's module in place of the
 * module of every schema, as it does in that function's bundle.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as ValidationModule from '../../lambdas/shared/events/validation';
import { REQUEST_SCHEMAS } from '../../lib/schema-files';
import { EVENTS, type EventName, SERVICES, type ServiceName, validatedEvents } from '../../lib/topology';

const ROOT = join(__dirname, '..', '..');
const EXAMPLES_DIR = join(ROOT, 'lambdas/shared/events/examples');

function example(name: EventName, version = 1): Record<string, unknown> & { data: Record<string, unknown> } {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, `${name}.v${version}.example.json`), 'utf8'));
}

function generatedModule(service: ServiceName): Record<string, unknown> {
  return jest.requireActual(join(ROOT, `lambdas/shared/events/validators/${service}.generated.ts`));
}

/** validation.ts as it runs in `service`'s bundle: with that function's validators module. */
function validationOf(service: ServiceName): typeof ValidationModule {
  let validation!: typeof ValidationModule;
  jest.isolateModules(() => {
    jest.doMock('#event-validators', () => generatedModule(service));
    validation = require('../../lambdas/shared/events/validation');
  });
  return validation;
}

// Spelled out rather than derived, so a change to the derivation or the topology shows up here.
const EXPECTED: Record<ServiceName, readonly EventName[]> = {
  'order-api': ['OrderCreated', 'UserRegistered'],
  payment: ['OrderCreated', 'OrderCancelled', 'PaymentCompleted', 'PaymentFailed', 'PaymentRefunded'],
  inventory: [
    'OrderCreated',
    'OrderCancelled',
    'InventoryReserved',
    'InventoryReservationFailed',
    'InventoryReleased',
    'ProductUpdated',
  ],
  order: [
    'OrderCreated',
    'OrderConfirmed',
    'OrderCancelled',
    'PaymentCompleted',
    'PaymentFailed',
    'PaymentRefunded',
    'InventoryReserved',
    'InventoryReservationFailed',
    'InventoryReleased',
    'ShipmentPrepared',
  ],
  shipping: ['OrderConfirmed', 'ShipmentPrepared'],
  notification: ['OrderConfirmed', 'OrderCancelled', 'ShipmentPrepared', 'NotificationSent', 'UserRegistered'],
};

describe('Function: validatedEvents', () => {
  it.each(SERVICES.map((s) => [s]))('gives %s the events it reads and writes, and no other', (service) => {
    // Act
    const events = validatedEvents(service);

    // Assess
    expect([...events].sort()).toEqual([...EXPECTED[service]].sort());
  });
});

describe('the generated validators of each function', () => {
  it.each(SERVICES.map((s) => [s]))('%s: the envelope, every version of its events, its requests', (service) => {
    // Prepare
    const expected = [
      'envelope',
      ...EXPECTED[service].flatMap((e) => EVENTS[e].versions.map((v) => `${e}_v${v}`)),
      ...(service === 'order-api' ? REQUEST_SCHEMAS : []),
    ];

    // Act
    const exported = Object.keys(generatedModule(service));

    // Assess
    expect(exported.sort()).toEqual(expected.sort());
  });
});

describe("validation with one function's validators (payment's, as in its bundle)", () => {
  const validation = validationOf('payment');

  it('accepts an event it reads, every version', () => {
    // Act
    const v1 = validation.validateCloudEvent(example('OrderCreated', 1));
    const v2 = validation.validateCloudEvent(example('OrderCreated', 2));

    // Assess
    expect(v1).toMatchObject({ ok: true, name: 'OrderCreated', version: 1 });
    expect(v2).toMatchObject({ ok: true, name: 'OrderCreated', version: 2 });
  });

  it('tells an unknown type from a known type it does not carry', () => {
    // Prepare
    const unknown = { ...example('OrderConfirmed'), type: 'orderpipeline.OrderTeleported' };
    const knownElsewhere = example('OrderConfirmed');

    // Act
    const unknownResult = validation.validateCloudEvent(unknown);
    const knownResult = validation.validateCloudEvent(knownElsewhere);

    // Assess
    expect(unknownResult).toMatchObject({ ok: false, problem: 'unknown-type' });
    expect(knownResult).toMatchObject({ ok: false, problem: 'not-carried', name: 'OrderConfirmed' });
    expect(!knownResult.ok && knownResult.reason).toContain('neither reads nor writes OrderConfirmed');
    expect(validation.carriesSchema('OrderConfirmed', 1)).toBe(false);
  });

  it("checks a known type's envelope without its schema, so a consumer can skip what it does not handle", () => {
    // Act
    const result = validation.validateEnvelope(example('OrderConfirmed'));

    // Assess
    expect(result).toMatchObject({ ok: true, name: 'OrderConfirmed', version: 1 });
  });

  it('names the field when the data of an event it reads fails its schema', () => {
    // Prepare
    const event = example('OrderCreated', 2);
    event.data = { ...event.data, items: [{ sku: 'SKU-001', quantity: 101, unitPriceCents: 1999 }] };

    // Act
    const result = validation.validateCloudEvent(event);

    // Assess
    expect(result).toEqual({
      ok: false,
      problem: 'data',
      name: 'OrderCreated',
      reason: 'OrderCreated v2 data: /items/0/quantity must be <= 100',
    });
  });

  it('validates an event it writes, and refuses bad data of it', () => {
    // Prepare
    const good = example('PaymentCompleted');
    const bad = { ...good, data: { ...good.data, amountCents: -1 } };

    // Act
    const goodResult = validation.validateCloudEvent(good);
    const badResult = validation.validateCloudEvent(bad);

    // Assess
    expect(goodResult).toMatchObject({ ok: true, name: 'PaymentCompleted' });
    expect(badResult).toMatchObject({ ok: false, problem: 'data', name: 'PaymentCompleted' });
  });
});
