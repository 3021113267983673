/**
 * The bundles' stand-in for @aws-lambda-powertools/jmespath (lambdas/shared/bundle-stand-ins/jmespath.ts)
 * gives the real module's answers for a field name, and refuses every other expression with the fix.
 */
import { search as realSearch } from '@aws-lambda-powertools/jmespath';
import { PowertoolsFunctions as RealFunctions } from '@aws-lambda-powertools/jmespath/functions';
import { PowertoolsFunctions, search } from '../../lambdas/shared/bundle-stand-ins/jmespath';

/** Any JSON value: what the real `search` is typed to take. */
type Json = Parameters<typeof realSearch>[1];

const INPUTS: readonly Json[] = [
  // What the functions pass: { key } (event ids), { key, bodyHash } (Idempotency-Key requests).
  { key: 'payment:evt-1' },
  { key: 'idem-7', bodyHash: 'c0ffee' },
  // A field that is missing, null, falsy or structured.
  { other: 1 },
  { key: null, bodyHash: 0 },
  { key: '', bodyHash: false },
  { key: { nested: [1, 2] }, bodyHash: [1, 'two'] },
  // Not an object: JMESPath selects nothing.
  ['key'],
  'key',
  42,
  null,
  // An empty object.
  {},
];

describe('the JMESPath stand-in', () => {
  it.each(['key', 'bodyHash', 'other', '_x1'])('selects field %s as the real JMESPath does', (field) => {
    // Act and Assess
    for (const input of INPUTS)
      expect({ input, value: search(field, input) }).toEqual({ input, value: realSearch(field, input) });
  });

  it.each(['key.id', 'powertools_json(body).key', '[0]', 'a || b', '"key"', ''])(
    'refuses %j, naming the fix',
    (expression) => {
      // Act
      const use = () => search(expression, { key: 'k' });

      // Assess
      expect(use).toThrow(
        /is not a plain field name.*take @aws-lambda-powertools\/jmespath out of IDEMPOTENCY_STAND_INS$/,
      );
    },
  );

  it('offers the class IdempotencyConfig creates for its options', () => {
    // Assess
    expect(typeof PowertoolsFunctions).toBe(typeof RealFunctions);
    expect(new PowertoolsFunctions()).toBeInstanceOf(PowertoolsFunctions);
  });
});
