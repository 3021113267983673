/**
 * `npm run reliability:figures`: renders the figures the last fault-suite runs left in
 * .local/reliability/last-run.<reading>.json into docs/RELIABILITY.md, between its
 * `<!-- faults:begin -->` and `<!-- faults:end -->` markers, so the page shows what was measured.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { READINGS_UNDER_TEST, readingName } from '../local/esm/readings';
import { localDir } from '../local/paths';
import { type ScenarioFigures, writeReliabilitySection } from '../local/reliability/figures';

interface Run {
  readonly reading: string;
  readonly date: string;
  readonly machine: string;
  readonly command: string;
  readonly scenarios: readonly ScenarioFigures[];
}

export function renderRun(run: Run): string {
  const kinds = (s: ScenarioFigures) =>
    `${s.orders} (${['shipped', 'declined', 'soldOut'].map((k) => s.byKind[k] ?? 0).join(' / ')})`;
  const counts = (c: Record<string, number>) =>
    Object.entries(c)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
  const total = (pick: (s: ScenarioFigures) => number) => run.scenarios.reduce((n, s) => n + pick(s), 0);
  return [
    `**${run.reading}**: run ${run.date.slice(0, 16).replace('T', ' ')} UTC on ${run.machine}, \`${run.command}\`.`,
    '',
    '| scenario | orders (shipped / declined / sold out) | faults injected | redeliveries | records dead-lettered | lost | seconds |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...run.scenarios.map(
      (s) =>
        `| ${s.scenario} | ${kinds(s)} | ${counts(s.faultsInjected)} | ${s.redeliveries} | ${s.recordsDeadLettered} | ${s.lost} | ${s.seconds} |`,
    ),
    `| **total** | **${total((s) => s.orders)}** | | **${total((s) => s.redeliveries)}** | **${total((s) => s.recordsDeadLettered)}** | **${total((s) => s.lost)}** | **${total((s) => s.seconds)}** |`,
  ].join('\n');
}

function main(): void {
  const runs = READINGS_UNDER_TEST.map((reading) =>
    join(localDir(), 'reliability', `last-run.${readingName(reading).replaceAll(',', '.')}.json`),
  )
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, 'utf8')) as Run);
  if (runs.length === 0) throw new Error('no fault-suite figures in .local/reliability: run the fault suite first');
  writeReliabilitySection('faults', runs.map(renderRun).join('\n\n'));
  process.stdout.write(`docs/RELIABILITY.md: figures of ${runs.length} reading(s) written.\n`);
}

if (require.main === module) main();
