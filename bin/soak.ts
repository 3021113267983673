/**
 * `npm run soak -- --minutes N`: a steady order rate through the whole local pipeline while faults
 * of every kind are injected at random, then every invariant checked (local/reliability/soak.ts).
 * It runs on a broker and tables of its own (under .local/soak), so it never touches `npm start`'s
 * state, and exits non-zero if any invariant failed. `--write-docs` puts the figures into
 * docs/RELIABILITY.md.
 */
import './../local/tracing-off';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseReading, readingName } from '../local/esm/readings';
import { localDir } from '../local/paths';
import { machineDescription, writeFigures, writeReliabilitySection } from '../local/reliability/figures';
import { runSoak, SOAK_FAULTS, type SoakSummary } from '../local/reliability/soak';

const USAGE = `Usage: npm run soak -- [--minutes N] [--rate R] [--seed S] [--reading <reading>] [--write-docs]
  --minutes N      how long to drive orders (default 5; fractions allowed)
  --rate R         orders per second (default 4)
  --seed S         seed of the order mix and the fault schedule (default 1)
  --reading <r>    the trigger emulator's reading where AWS is silent (default: ESM_READING, else
                   reported-only,per-record,leaves-only; see docs/RELIABILITY.md)
  --write-docs     write the figures into docs/RELIABILITY.md ("Soak" section)
  --log <file>     write the pipeline's own lines (triggers, handlers) to <file>
`;

function options() {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '5' },
      rate: { type: 'string', default: '4' },
      seed: { type: 'string', default: '1' },
      reading: { type: 'string' },
      'write-docs': { type: 'boolean', default: false },
      log: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const number = (name: string, text: string | undefined, min: number) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < min)
      throw new Error(`--${name} must be a number of at least ${min} (got ${text})\n${USAGE}`);
    return value;
  };
  return {
    seconds: Math.round(number('minutes', values.minutes, 0.1) * 60),
    ordersPerSecond: number('rate', values.rate, 0.1),
    seed: Math.floor(number('seed', values.seed, 0)),
    reading: parseReading(values.reading ?? process.env.ESM_READING),
    writeDocs: values['write-docs'] ?? false,
    logFile: values.log,
  };
}

/** The table docs/RELIABILITY.md shows between its soak markers. */
export function soakSection(summary: SoakSummary, reading: string, command: string): string {
  const faults = SOAK_FAULTS.map((f) => `${summary.faults[f]} ${f}`).join(', ');
  const kinds = Object.entries(summary.orders.byKind)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(' / ');
  return [
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineDescription()}, with \`${command}\` (reading ${reading}).`,
    '',
    '| orders accepted | faults injected | lost | charged twice | healthy records dead-lettered | poison dead-lettered |',
    '| --- | --- | --- | --- | --- | --- |',
    `| ${summary.orders.accepted} (${kinds}) | ${faults} | ${summary.lost} | ${summary.double} | ${summary.healthyDeadLettered} | ${summary.poisonDeadLettered} |`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { writeDocs: toDocs, logFile, ...settings } = options();
  if (logFile) writeFileSync(logFile, '');
  const dir = join(localDir(), 'soak');
  rmSync(dir, { recursive: true, force: true });
  const started = Date.now();
  const say = (line: string) => process.stdout.write(`[soak ${Math.round((Date.now() - started) / 1000)}s] ${line}\n`);
  say(
    `${settings.seconds} s at ${settings.ordersPerSecond} orders/s, seed ${settings.seed}, reading ${readingName(settings.reading)}`,
  );
  const summary = await runSoak({
    ...settings,
    dir: join(dir, 'runtime'),
    brokerDir: join(dir, 'broker'),
    log: logFile ? (line) => appendFileSync(logFile, `${line}\n`) : () => undefined,
    progress: say,
  });
  const command = `npm run soak -- --minutes ${settings.seconds / 60} --rate ${settings.ordersPerSecond} --seed ${settings.seed}`;
  const file = writeFigures('soak', {
    ...summary,
    reading: readingName(settings.reading),
    machine: machineDescription(),
    command,
  });
  const section = soakSection(summary, readingName(settings.reading), command);
  process.stdout.write(`\n${section}\n\n${summary.passed ? 'Every invariant held.' : 'INVARIANTS VIOLATED:'}\n`);
  for (const [invariant, found] of Object.entries(summary.report)) {
    for (const line of found) process.stdout.write(`  ${invariant}: ${line}\n`);
  }
  process.stdout.write(`Figures: ${file}\n`);
  if (toDocs) {
    writeReliabilitySection('soak', section);
    process.stdout.write('docs/RELIABILITY.md updated.\n');
  }
  process.exit(summary.passed ? 0 : 1);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  });
}
