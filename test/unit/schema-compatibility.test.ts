import { backwardIncompatibilities } from '../../lib/schema-compatibility';
import { readEventSchema } from '../../lib/schema-files';
import { EVENT_NAMES, EVENTS } from '../../lib/topology';

const pairs = EVENT_NAMES.flatMap((event) => {
  const versions: readonly number[] = EVENTS[event].versions;
  return versions.slice(1).map((version, i) => [event, versions[i] as number, version] as const);
});

describe('every newer event schema version is BACKWARD compatible with the one before', () => {
  it('has at least one event with two versions to check', () => {
    expect(pairs.length).toBeGreaterThan(0);
  });

  it.each(pairs)('%s v%i -> v%i', (event, previous, next) => {
    expect(backwardIncompatibilities(readEventSchema(event, previous), readEventSchema(event, next))).toEqual([]);
  });
});

describe('Function: backwardIncompatibilities refuses breaking changes', () => {
  const v1 = readEventSchema('OrderCreated', 1);
  const properties = v1.properties as Record<string, Record<string, unknown>>;

  it('accepts an added optional property on a closed object', () => {
    const v2 = { ...v1, properties: { ...properties, note: { type: 'string', maxLength: 10 } } };
    expect(backwardIncompatibilities(v1, v2)).toEqual([]);
  });

  it('refuses a new required property', () => {
    const v2 = {
      ...v1,
      properties: { ...properties, note: { type: 'string' } },
      required: [...(v1.required as string[]), 'note'],
    };
    expect(backwardIncompatibilities(v1, v2)).toEqual(['#: property "note" became required']);
  });

  it('refuses a removed property of a closed object', () => {
    const { email: _removed, ...rest } = properties;
    const v2 = { ...v1, properties: rest, required: (v1.required as string[]).filter((r) => r !== 'email') };
    expect(backwardIncompatibilities(v1, v2)).toEqual(['#/properties/email: removed from a closed object']);
  });

  it('refuses a changed type, a tighter bound, a narrower enum and a changed pattern', () => {
    const v2 = {
      ...v1,
      properties: {
        ...properties,
        totalCents: { ...properties.totalCents, type: 'string' },
        email: { ...properties.email, maxLength: 10 },
        currency: { ...properties.currency, pattern: '^GBP$' },
      },
    };
    expect(backwardIncompatibilities(v1, v2).sort()).toEqual([
      '#/properties/currency: pattern changed from "^[A-Z]{3}$" to "^GBP$"',
      '#/properties/email: maxLength tightened from 254 to 10',
      '#/properties/totalCents: type changed from "integer" to "string"',
    ]);
    const reasons = { type: 'string', enum: ['a', 'b'] };
    expect(backwardIncompatibilities(reasons, { ...reasons, enum: ['a'] })).toEqual(['#: enum value "b" removed']);
    expect(backwardIncompatibilities(reasons, { ...reasons, enum: ['a', 'b', 'c'] })).toEqual([]);
  });

  it('refuses what it cannot reason about, such as a new oneOf', () => {
    expect(backwardIncompatibilities({ type: 'object' }, { type: 'object', oneOf: [] })).toEqual([
      '#: "oneOf" changed, and this checker cannot prove the change backward compatible',
    ]);
  });
});
