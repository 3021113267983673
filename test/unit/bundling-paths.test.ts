import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import {
  ALL_VALIDATORS_PATH,
  KAFKA_REQUEST_MODULES,
  TRACER_CHUNK,
  tracerChunkCommand,
  VALIDATORS_IMPORT,
} from '../../lib/bundling';
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

  it("names the tracer chunk by the import lambdas/shared/observability.ts requires it by, and that import's source", () => {
    // Prepare
    const observability = 'lambdas/shared/observability.ts';
    const source = readFileSync(join(__dirname, '../..', observability), 'utf8');

    // Act
    const required = [...source.matchAll(/require\('([^']+)'\)/g)].map((m) => m[1]);

    // Assess: the bundle leaves out exactly this import, and the chunk is built from what it names.
    expect(required).toEqual([TRACER_CHUNK.import]);
    expect(`${posix.join(dirname(observability), TRACER_CHUNK.import)}.ts`).toBe(TRACER_CHUNK.entry);
  });

  it('renders the command that builds the tracer chunk as one shell word per argument, whatever the output path', () => {
    // Prepare: a path with a space and a quote, as a user's checkout might have.
    const outputDir = "/tmp/it's a dir";

    // Act: the shell's own word splitting, with the command's first words swapped for a printer.
    const command = tracerChunkCommand(outputDir).replace(/^npx --no-install esbuild /, 'printf "%s\\n" ');
    const words = execFileSync('bash', ['-c', command], { encoding: 'utf8' }).trimEnd().split('\n');

    // Assess
    expect(words[0]).toBe(TRACER_CHUNK.entry);
    expect(words).toContain(`--outfile=${outputDir}/${TRACER_CHUNK.file}`);
    expect(words).toContain('--format=cjs');
  });
});
