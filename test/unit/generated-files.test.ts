/**
 * The files derived from the topology and the schemas must be regenerated with them (`npm run generate`). The check
 * runs in its own process: the TypeScript generator loads ES modules, which jest's VM cannot.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('generated event files', () => {
  it('types, validators, docs/events.md and docs/asyncapi.yaml match the topology and schemas', () => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/generate-events.ts', '--check'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
