/**
 * `npm run test:faults -- [--repeat N] [--busy] [--reading <name>]`: runs the fault suite N times in
 * a row (every reading, or one), optionally with a CPU-bound process beside it, and reports how many
 * runs passed. It exits non-zero unless every run passed: the check that the suite holds on a busy
 * machine, not only on an idle one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { READINGS_UNDER_TEST, readingName } from '../local/esm/readings';
import { REPO_ROOT } from '../local/paths';

interface Options {
  readonly repeat: number;
  readonly busy: boolean;
  readonly files: string[];
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      repeat: { type: 'string', default: '1' },
      busy: { type: 'boolean', default: false },
      reading: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'Usage: npm run test:faults -- [--repeat N] [--busy] [--reading <name>]',
        '  --repeat N        run the suite N times in a row (default 1)',
        '  --busy            run a CPU-bound process beside it the whole time',
        `  --reading <name>  one reading only: ${READINGS_UNDER_TEST.map(readingName).join(' | ')}`,
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new Error(`--repeat must be a whole number of at least 1 (got ${values.repeat})`);
  const all = readdirSync(join(REPO_ROOT, 'test/integration')).filter((f) => /^faults\..+\.test\.ts$/.test(f));
  const files = values.reading
    ? all.filter((f) => f === `faults.${values.reading?.replaceAll(',', '.')}.test.ts`)
    : all;
  if (files.length === 0) {
    throw new Error(
      `--reading: no fault suite for "${values.reading}"; choose from ${READINGS_UNDER_TEST.map(readingName).join(' | ')}`,
    );
  }
  return { repeat, busy: values.busy ?? false, files: files.map((f) => join('test/integration', f)) };
}

/** A process that keeps one core busy until killed. */
function cpuHog(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
}

function runJest(files: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules/jest/bin/jest.js'), '--runInBand', ...files], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  const { repeat, busy, files } = options(process.argv.slice(2));
  const hog = busy ? cpuHog() : undefined;
  const results: { run: number; passed: boolean; seconds: number }[] = [];
  try {
    for (let run = 1; run <= repeat; run++) {
      process.stdout.write(
        `\n=== fault suite run ${run} of ${repeat}${busy ? ' (a CPU-bound process beside it)' : ''} ===\n`,
      );
      const started = Date.now();
      const code = await runJest(files);
      results.push({ run, passed: code === 0, seconds: Math.round((Date.now() - started) / 1000) });
    }
  } finally {
    hog?.kill();
  }
  const passed = results.filter((r) => r.passed).length;
  process.stdout.write(
    `\nFault suite: ${passed} of ${repeat} runs passed${busy ? ' with a CPU-bound process beside it' : ''}\n` +
      results.map((r) => `  run ${r.run}: ${r.passed ? 'passed' : 'FAILED'} in ${r.seconds} s`).join('\n') +
      '\n',
  );
  process.exit(passed === repeat ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
