/**
 * `npm start -- --help` lists every environment variable the local runtime reads: the list in
 * local/help.ts is checked against the reads in the source, both ways.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV } from '../../lib/runtime-contract';
import { helpText, LOCAL_ENV_VARS } from '../../local/help';

const ROOT = join(__dirname, '..', '..');

function runtimeSources(): string[] {
  const local = readdirSync(join(ROOT, 'local'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(ROOT, 'local', f));
  return [join(ROOT, 'bin', 'local.ts'), ...local];
}

/**
 * Environment variables read by name: `env.NAME`, `process.env.NAME`, `env['NAME']`, a typed
 * `port('NAME', ...)`, or a default kept when the user set one: `env[ENV.key] ??= ...`.
 */
function envReads(source: string): string[] {
  const patterns = [/\benv\.([A-Z][A-Z0-9_]*)/g, /\benv\[\s*'([A-Z][A-Z0-9_]*)'\s*\]/g, /\bport\('([A-Z][A-Z0-9_]*)'/g];
  const byName = patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[1] as string));
  const byContract = [...source.matchAll(/\benv\[ENV\.(\w+)\]\s*\?\?=/g)].map((m) => ENV[m[1] as keyof typeof ENV]);
  return [...byName, ...byContract];
}

const documented = Object.keys(LOCAL_ENV_VARS);
const read = [...new Set(runtimeSources().flatMap((file) => envReads(readFileSync(file, 'utf8'))))].sort();

describe('npm start -- --help', () => {
  it('finds the reads it checks (the scan is not blind)', () => {
    expect(read).toEqual(expect.arrayContaining(['PORT', 'KAFKA_PORT', 'LOCAL_DIR', 'NO_COLOR']));
  });

  it.each(read)('documents %s, which the runtime reads', (name) => {
    expect(documented).toContain(name);
  });

  it.each(documented)('documents %s only because the runtime reads it', (name) => {
    expect(read).toContain(name);
  });

  it.each(documented)('mentions %s with its description', (name) => {
    expect(helpText()).toMatch(
      new RegExp(`^  ${name} +${escapeRegExp(LOCAL_ENV_VARS[name as keyof typeof LOCAL_ENV_VARS])}$`, 'm'),
    );
  });

  it('prints that text and exits 0, without starting anything', () => {
    // Act
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'bin/local.ts', '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
    });

    // Assess
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(helpText());
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
