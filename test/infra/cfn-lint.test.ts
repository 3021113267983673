/**
 * Lints every synthesized CloudFormation template with cfn-lint (pinned and installed into
 * .cache/tools by scripts/ensure-cfn-lint.sh; the first run downloads it from PyPI).
 * Fails on any error (E) or warning (W) finding; informational (I) findings are printed with them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { synthPipeline } from './synth';

const ENSURE_SCRIPT = resolve(__dirname, '../../scripts/ensure-cfn-lint.sh');

/**
 * Rules skipped for every template, each with the reason. Keep it empty unless a finding is an
 * unavoidable artefact of what the CDK generates; never list an E rule here without a reason
 * that would convince a reviewer.
 */
const IGNORED_CHECKS: Readonly<Record<string, string>> = {};

/** Finding levels that fail the test. */
const FAILING_LEVELS = new Set(['Error', 'Warning']);

interface Finding {
  readonly Rule: { readonly Id: string };
  readonly Level: 'Error' | 'Warning' | 'Informational' | string;
  readonly Message: string;
  readonly Filename: string;
  readonly Location: { readonly Start: { readonly LineNumber: number }; readonly Path?: readonly (string | number)[] };
}

function describeFinding(f: Finding): string {
  const where = f.Location.Path?.length ? f.Location.Path.join('/') : `line ${f.Location.Start.LineNumber}`;
  return `${f.Level[0]} ${f.Rule.Id} ${f.Filename} ${where}: ${f.Message}`;
}

let cfnLint = '';
const outdirs: string[] = [];

beforeAll(() => {
  const stdout = execFileSync('bash', [ENSURE_SCRIPT], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  });
  cfnLint = stdout.trim().split('\n').at(-1) ?? '';
}, 600_000);

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe.each(['dev', 'prod', 'dev-serverless'])('profile %s', (profile) => {
  it('synthesizes templates that cfn-lint finds no errors or warnings in', () => {
    const outdir = mkdtempSync(join(tmpdir(), `cfn-lint-${profile}-`));
    outdirs.push(outdir);
    const { config } = synthPipeline(profile, { outdir });
    const templates = readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .sort();
    expect(templates.length).toBeGreaterThan(0);

    const ignored = Object.keys(IGNORED_CHECKS);
    const run = spawnSync(
      cfnLint,
      [
        '--format',
        'json',
        '--regions',
        config.region,
        '--include-checks',
        'I',
        ...(ignored.length ? ['--ignore-checks', ...ignored] : []),
        '--',
        ...templates,
      ],
      { cwd: outdir, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
    );
    if (run.error) throw run.error;
    // Exit status is a bit mask of the levels found (2 error, 4 warning, 8 informational); anything
    // else, or output that is not the JSON list, means cfn-lint itself failed.
    let findings: Finding[];
    try {
      findings = JSON.parse(run.stdout) as Finding[];
    } catch {
      throw new Error(`cfn-lint exited ${run.status} without JSON output:\n${run.stdout}\n${run.stderr}`);
    }
    if (run.status === null || (run.status & ~0b1110) !== 0) {
      throw new Error(`cfn-lint exited ${run.status ?? run.signal}:\n${run.stderr}`);
    }

    const report = findings.map(describeFinding).sort();
    const failing = findings.filter((f) => FAILING_LEVELS.has(f.Level));
    if (failing.length > 0) {
      throw new Error(
        `cfn-lint ${failing.length} error/warning finding(s) in ${profile} (all ${findings.length} below):\n` +
          report.join('\n'),
      );
    }
    if (report.length > 0) console.info(`cfn-lint informational findings for ${profile}:\n${report.join('\n')}`);
  });
});
