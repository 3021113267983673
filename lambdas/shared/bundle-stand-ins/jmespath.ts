/**
 * Stands in for @aws-lambda-powertools/jmespath (and its `/functions`) in the function bundles
 * (lib/bundling.ts). Powertools idempotency imports JMESPath (23 KB) to pick the idempotency key and
 * the validated payload out of the function's input; the functions name plain fields there
 * (`eventKeyJmesPath: 'key'`, `payloadValidationJmesPath: 'bodyHash'`), and a JMESPath identifier
 * selects that field of an object, null otherwise (JMESPath specification, "Identifiers"). The
 * stand-in evaluates exactly that, and refuses any other expression with the fix. A unit test holds
 * its answers to the real module's.
 */

/** An unquoted JMESPath identifier (JMESPath specification, grammar rule `unquoted-string`). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function search(expression: string, data: unknown): unknown {
  if (!IDENTIFIER.test(expression)) {
    throw new Error(
      `JMESPath expression "${expression}" is not a plain field name, and the functions bundle only a stand-in ` +
        'for @aws-lambda-powertools/jmespath (lib/bundling.ts) that selects one field: name a field of the ' +
        'input, or take @aws-lambda-powertools/jmespath out of IDEMPOTENCY_STAND_INS',
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data) || !Object.hasOwn(data, expression)) {
    return null;
  }
  return (data as Record<string, unknown>)[expression] ?? null;
}

/**
 * Powertools' custom JMESPath functions (`powertools_json` and the like), which an identifier never
 * calls; IdempotencyConfig creates one and compares its class with the persistence layer's.
 */
export class PowertoolsFunctions {}
