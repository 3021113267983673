/**
 * A post-pass over ajv's standalone validator code (scripts/events-codegen.ts), in a module of its
 * own so a unit test can load it without the TypeScript generator.
 */

/** How ajv's standalone code records one error (allErrors): an object, appended to the list, counted. */
const ERROR_PUSH =
  /const (err\d+) = (\{[^;]*?\});if\(vErrors === null\)\{vErrors = \[\1\];\}else \{vErrors\.push\(\1\);\}errors\+\+;/g;
/** ajv's `schemaPath` of an error: where in the schema it failed, which nothing here reads. */
const SCHEMA_PATH = /schemaPath:"[^"]*",/g;

/**
 * ajv's standalone code, with each of its hundreds of error sites shortened (docs/TUNING.md,
 * "Bundles and cold starts"): the append goes through one helper instead of being written out at
 * every site, and errors carry no `schemaPath` (the validation code reports `instancePath` and
 * `message`, which stay as ajv writes them; GeneratedError in lambdas/shared/events/validation.ts
 * is the type). Fails, rather than emit half-rewritten code, if ajv ever writes errors differently.
 */
export function compactErrors(code: string): string {
  const compacted = code.replace(ERROR_PUSH, 'vErrors=pushError(vErrors,$2);errors++;').replace(SCHEMA_PATH, '');
  if (/vErrors\.push|schemaPath:/.test(compacted)) {
    throw new Error(
      "ajv's standalone code records errors in a way compactErrors (scripts/compact-validator-errors.ts) does not know: " +
        'read the generated code and update ERROR_PUSH (or drop compactErrors)',
    );
  }
  return `${compacted}function pushError(errors, error){if(errors === null){return [error];}errors.push(error);return errors;}`;
}
