/** Where the reliability runs leave their figures, and the machine they ran on. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { localDir, REPO_ROOT } from '../paths';

/** One fault-suite scenario's figures, as the suite writes them and docs/RELIABILITY.md shows them. */
export interface ScenarioFigures {
  readonly scenario: string;
  readonly orders: number;
  readonly byKind: Record<string, number>;
  readonly faultsInjected: Record<string, number>;
  readonly observed?: Record<string, number>;
  /** Deliveries of an event to a service that had been handed it before (a retry, a duplicate). */
  readonly redeliveries: number;
  readonly recordsDeadLettered: number;
  readonly lost: number;
  readonly seconds: number;
}

export function machineDescription(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Linux ${release()}, Node ${process.version}`;
}

export function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** Writes `figures` as JSON to .local/reliability/<name>.json and answers the file's path. */
export function writeFigures(name: string, figures: unknown): string {
  const out = join(localDir(), 'reliability');
  mkdirSync(out, { recursive: true });
  const file = join(out, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  return file;
}

/**
 * Replaces the text between `<!-- <section>:begin -->` and `<!-- <section>:end -->` in
 * docs/RELIABILITY.md, then formats the page with the project's formatter, so a page written by
 * `npm run soak -- --write-docs` or `npm run reliability:figures` passes `npm run lint` as it is.
 */
export function writeReliabilitySection(section: 'faults' | 'soak', body: string): string {
  const file = join(REPO_ROOT, 'docs/RELIABILITY.md');
  const text = readFileSync(file, 'utf8');
  const begin = `<!-- ${section}:begin -->`;
  const end = `<!-- ${section}:end -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/RELIABILITY.md has no ${begin} ... ${end} section to write into`);
  writeFileSync(file, `${text.slice(0, from + begin.length)}\n${body}\n${text.slice(to)}`);
  execFileSync(process.execPath, [require.resolve('@biomejs/biome/bin/biome'), 'format', '--write', file], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
  });
  return file;
}
