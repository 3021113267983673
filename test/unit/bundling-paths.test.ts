import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_VALIDATORS_PATH, KAFKA_REQUEST_MODULES, VALIDATORS_IMPORT } from '../../lib/bundling';
import packageJson from '../../package.json';

describe('lib/bundling.ts', () => {
  it('names the module of every schema that package.json maps the validators import to', () => {
    expect((packageJson.imports as Record<string, string>)[VALIDATORS_IMPORT]).toBe(`./${ALL_VALIDATORS_PATH}`);
  });

  it("lists the request modules kafkajs's protocol table requires, as it writes them", () => {
    // Prepare
    const table = readFileSync(join(__dirname, '../../node_modules/kafkajs/src/protocol/requests/index.js'), 'utf8');

    // Act
    const required = [...table.matchAll(/require\('(\.\/[^']+)'\)/g)].map((m) => m[1]).filter((p) => p !== './apiKeys');

    // Assess: a kafkajs with another table means reading lib/bundling.ts's lists again.
    expect(required).toEqual([...KAFKA_REQUEST_MODULES]);
  });
});
