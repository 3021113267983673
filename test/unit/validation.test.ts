import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaVersionOf, validateCloudEvent } from '../../lambdas/shared/events/validation';

const EXAMPLES_DIR = join(__dirname, '../../lambdas/shared/events/examples');
const exampleFiles = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.example.json'));

function readExample(file: string): Record<string, unknown> & { data: Record<string, unknown> } {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8'));
}

/** A fresh, valid OrderCreated v2 CloudEvent. */
const orderCreated = () => readExample('OrderCreated.v2.example.json');

describe('Function: validateCloudEvent', () => {
  it('has examples to check', () => {
    // Assess
    expect(exampleFiles.length).toBeGreaterThanOrEqual(14);
  });

  describe.each(exampleFiles)('with the example %s', (file) => {
    it('accepts it and names its event type and schema version', () => {
      // Prepare
      const [name, version] = file.split('.') as [string, string];
      const example = readExample(file);

      // Act
      const result = validateCloudEvent(example);

      // Assess
      expect(result).toEqual({ ok: true, event: example, name, version: Number(version.slice(1)) });
    });
  });

  it('accepts an OrderCreated v1 data payload under a v1 dataschema', () => {
    // Prepare
    const event = readExample('OrderCreated.v1.example.json');

    // Act
    const result = validateCloudEvent(event);

    // Assess
    expect(result).toMatchObject({ ok: true, name: 'OrderCreated', version: 1 });
  });

  describe('with an invalid envelope', () => {
    it('rejects a specversion other than 1.0, naming the attribute', () => {
      // Prepare
      const event = { ...orderCreated(), specversion: '0.3' };

      // Act
      const result = validateCloudEvent(event);

      // Assess
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(/^envelope: \/specversion must be equal to constant/);
    });

    it('rejects an envelope attribute the envelope schema does not define', () => {
      // Prepare
      const event = { ...orderCreated(), traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };

      // Act
      const result = validateCloudEvent(event);

      // Assess
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toBe('envelope: / must NOT have additional properties');
    });

    it('rejects an envelope without a required attribute, naming it', () => {
      // Prepare
      const { correlationid: _dropped, ...event } = orderCreated();

      // Act
      const result = validateCloudEvent(event);

      // Assess
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toContain("must have required property 'correlationid'");
    });

    it.each([
      ['null', null],
      ['an array', [orderCreated()]],
      ['a string', JSON.stringify(orderCreated())],
    ])('rejects %s', (_label, candidate) => {
      // Act
      const result = validateCloudEvent(candidate);

      // Assess
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(/^envelope: /);
    });
  });

  describe('with an envelope that is valid but unusable', () => {
    it('rejects an event type the topology does not know', () => {
      // Prepare
      const event = { ...orderCreated(), type: 'orderpipeline.OrderTeleported' };

      // Act
      const result = validateCloudEvent(event);

      // Assess
      expect(result).toEqual({
        ok: false,
        problem: 'unknown-type',
        reason: 'unknown event type "orderpipeline.OrderTeleported"',
      });
    });

    it('rejects a schema version the event does not have', () => {
      // Prepare
      const dataschema = 'https://schemas.orderpipeline.dev/events/OrderCreated/v3.json';
      const event = { ...orderCreated(), dataschema };

      // Act
      const result = validateCloudEvent(event);

      // Assess
      expect(result).toEqual({
        ok: false,
        problem: 'unknown-version',
        name: 'OrderCreated',
        reason: `unknown schema version in dataschema "${dataschema}" for OrderCreated`,
      });
    });

    it('rejects a dataschema without a version', () => {
      // Prepare
      const dataschema = 'https://schemas.orderpipeline.dev/events/OrderCreated/latest.json';
      const event = { ...orderCreated(), dataschema };

      // Act
      const result = validateCloudEvent(event);

      // Assess
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toContain('unknown schema version');
    });
  });

  describe('with data that violates its schema', () => {
    it('rejects it, naming the event, the version and the field path', () => {
      // Prepare
      const event = orderCreated();
      event.data = { ...event.data, items: [{ sku: 'SKU-001', quantity: 101, unitPriceCents: 1999 }] };

      // Act
      const result = validateCloudEvent(event);

      // Assess
      expect(result).toEqual({
        ok: false,
        problem: 'data',
        name: 'OrderCreated',
        reason: 'OrderCreated v2 data: /items/0/quantity must be <= 100',
      });
    });

    it('validates data against the version the dataschema names, so v2 data fails under v1', () => {
      // Prepare
      const event = orderCreated();
      event.dataschema = 'https://schemas.orderpipeline.dev/events/OrderCreated/v1.json';

      // Act
      const result = validateCloudEvent(event);

      // Assess
      expect(result).toEqual({
        ok: false,
        problem: 'data',
        name: 'OrderCreated',
        reason: 'OrderCreated v1 data: / must NOT have additional properties',
      });
    });

    it('reports every violation, not only the first', () => {
      // Prepare
      const event = orderCreated();
      event.data = { ...event.data, currency: 'pounds', totalCents: -1 };

      // Act
      const result = validateCloudEvent(event);

      // Assess
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toContain('/totalCents must be >= 0');
      expect(!result.ok && result.reason).toContain('/currency must');
    });

    it('rejects a data property the schema does not define', () => {
      // Prepare
      const event = orderCreated();
      event.data = { ...event.data, discountCents: 500 };

      // Act
      const result = validateCloudEvent(event);

      // Assess
      expect(result).toEqual({
        ok: false,
        problem: 'data',
        name: 'OrderCreated',
        reason: 'OrderCreated v2 data: / must NOT have additional properties',
      });
    });
  });
});

describe('Function: schemaVersionOf', () => {
  it.each([
    ['https://schemas.orderpipeline.dev/events/OrderCreated/v2.json', 2],
    ['https://schemas.orderpipeline.dev/events/OrderCancelled/v1.json', 1],
    ['https://schemas.orderpipeline.dev/events/OrderCreated/v12.json', 12],
  ])('reads the version of %s as %d', (dataschema, expected) => {
    // Act
    const version = schemaVersionOf(dataschema);

    // Assess
    expect(version).toBe(expected);
  });

  it.each([
    'https://schemas.orderpipeline.dev/events/OrderCreated/latest.json',
    'https://schemas.orderpipeline.dev/events/OrderCreated/v2.json?x=1',
    'https://schemas.orderpipeline.dev/events/OrderCreated/v2',
    'https://schemas.orderpipeline.dev/events/OrderCreated/v.json',
  ])('finds no version in %s', (dataschema) => {
    // Act
    const version = schemaVersionOf(dataschema);

    // Assess
    expect(version).toBeUndefined();
  });
});

describe('dataschema must name the event type it describes', () => {
  it('rejects a dataschema that names another event type', () => {
    const event = { ...orderCreated(), dataschema: 'https://schemas.orderpipeline.dev/events/OrderCancelled/v2.json' };
    const result = validateCloudEvent(event);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(/unknown schema version in dataschema/);
  });

  it('rejects a dataschema on a foreign host', () => {
    const event = { ...orderCreated(), dataschema: 'https://evil.example/OrderCreated/v2.json' };
    expect(validateCloudEvent(event).ok).toBe(false);
  });
});
