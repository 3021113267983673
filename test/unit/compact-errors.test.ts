/**
 * scripts/events-codegen.ts shortens ajv's error sites in the generated validators (compactErrors):
 * the same errors but for `schemaPath`, and no half-rewritten code if ajv ever writes them otherwise.
 */
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { compactErrors } from '../../scripts/compact-validator-errors';

const SCHEMA = {
  $id: 'https://example.test/s.json',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'count'],
  properties: { id: { type: 'string', minLength: 2 }, count: { type: 'integer', minimum: 1 } },
};

/** Standalone code of SCHEMA as the generator writes it (CommonJS here, to load it in the test). */
function load(code: string): { (data: unknown): boolean; errors?: unknown[] | null } {
  const module = { exports: {} as Record<string, never> };
  new Function('module', 'exports', 'require', code)(module, module.exports, require);
  return module.exports.validate as never;
}

describe('compactErrors', () => {
  const ajv = new Ajv({ allErrors: true, strict: true, loopRequired: 1, code: { source: true } });
  ajv.addSchema(SCHEMA);
  const code = standaloneCode(ajv, { validate: SCHEMA.$id });

  it.each([[{ id: 'x', count: 0, extra: true }], [{}], [{ id: 7, count: 'many' }], [{ id: 'ok', count: 3 }]])(
    'reports for %j what ajv reports, without schemaPath',
    (data) => {
      // Prepare
      const [original, compacted] = [load(code), load(compactErrors(code))];

      // Act
      const answers = [original(data), compacted(data)];

      // Assess
      expect(answers[1]).toBe(answers[0]);
      const expected =
        (original.errors ?? null) && (original.errors as { schemaPath: string }[]).map(({ schemaPath: _, ...e }) => e);
      expect(compacted.errors ?? null).toEqual(expected);
    },
  );

  it('refuses code that records errors in a way it does not know, naming the fix', () => {
    // Act
    const rewrite = () => compactErrors('function v(){vErrors.push(e)}');

    // Assess
    expect(rewrite).toThrow(/does not know: read the generated code and update ERROR_PUSH/);
  });
});
