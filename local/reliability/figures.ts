/** Where the reliability runs leave their figures, and the machine they ran on. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { localDir } from '../paths';

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
