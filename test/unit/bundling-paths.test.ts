import { ALL_VALIDATORS_PATH, VALIDATORS_IMPORT } from '../../lib/bundling';
import packageJson from '../../package.json';

describe('lib/bundling.ts', () => {
  it('names the module of every schema that package.json maps the validators import to', () => {
    expect((packageJson.imports as Record<string, string>)[VALIDATORS_IMPORT]).toBe(`./${ALL_VALIDATORS_PATH}`);
  });
});
