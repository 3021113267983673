/**
 * Lints every synthesized CloudFormation template with cfn-lint (pinned and installed into
 * .cache/tools by scripts/ensure-cfn-lint.sh; the first run downloads it from PyPI).
 *
 * Fails on any error (E) and on any warning (W) not covered by ALLOWED_WARNINGS below.
 * Informational findings (I) never fail the test; they are listed in the failure message with the rest.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { synthPipeline } from './synth';

const ENSURE_SCRIPT = resolve(__dirname, '../../scripts/ensure-cfn-lint.sh');

interface Finding {
  readonly Rule: { readonly Id: string };
  readonly Level: string; // 'Error' | 'Warning' | 'Informational'
  readonly Message: string;
  readonly Filename: string;
  readonly Location: { readonly Start: { readonly LineNumber: number }; readonly Path?: readonly (string | number)[] };
}

/**
 * Warnings the CDK produces on its own, each limited to the resource type (and message) it comes from,
 * so the same rule firing anywhere else still fails. Errors are never allowed here.
 */
const ALLOWED_WARNINGS: readonly {
  readonly rule: string;
  readonly resourceType: string;
  readonly message?: RegExp;
  readonly reason: string;
}[] = [
  {
    rule: 'W3005',
    resourceType: 'AWS::Lambda::Function',
    message: /already enforced by a 'GetAtt' at 'Resources\/[^/]+\/Properties\/Role'$/,
    reason: "CDK's lambda.Function (and its custom-resource singletons) always adds DependsOn on its own role",
  },
  {
    rule: 'W3010',
    resourceType: 'AWS::EC2::Subnet',
    reason: 'an environment-bound CDK Vpc renders literal AZ names; ours are pinned and checked in lib/config.ts',
  },
];

function resourceType(outdir: string, f: Finding, cache: Map<string, Record<string, { Type?: string }>>): string {
  if (f.Location.Path?.[0] !== 'Resources') return '';
  let resources = cache.get(f.Filename);
  if (!resources) {
    resources = (JSON.parse(readFileSync(join(outdir, f.Filename), 'utf8')).Resources ?? {}) as Record<
      string,
      { Type?: string }
    >;
    cache.set(f.Filename, resources);
  }
  return resources[String(f.Location.Path[1])]?.Type ?? '';
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
  it('synthesizes templates in which cfn-lint finds no errors and no unexpected warnings', () => {
    const outdir = mkdtempSync(join(tmpdir(), `cfn-lint-${profile}-`));
    outdirs.push(outdir);
    const { config } = synthPipeline(profile, { outdir });
    const templates = readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .sort();
    expect(templates.length).toBeGreaterThan(0);

    const run = spawnSync(
      cfnLint,
      ['--format', 'json', '--regions', config.region, '--include-checks', 'I', '--', ...templates],
      { cwd: outdir, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
    );
    if (run.error) throw run.error;
    let findings: Finding[];
    try {
      findings = JSON.parse(run.stdout) as Finding[];
    } catch {
      throw new Error(`cfn-lint exited ${run.status} without its JSON report:\n${run.stdout}\n${run.stderr}`);
    }
    // The exit status is a bit mask of the levels found (2 error, 4 warning, 8 informational); any
    // other bit means cfn-lint itself failed.
    if (run.status === null || (run.status & ~0b1110) !== 0) {
      throw new Error(`cfn-lint exited ${run.status ?? run.signal}:\n${run.stderr}`);
    }

    const types = new Map<string, Record<string, { Type?: string }>>();
    const lines: string[] = [];
    let failing = 0;
    for (const f of findings) {
      const allowance =
        f.Level === 'Warning'
          ? ALLOWED_WARNINGS.find(
              (a) =>
                a.rule === f.Rule.Id &&
                (a.message?.test(f.Message) ?? true) &&
                resourceType(outdir, f, types) === a.resourceType,
            )
          : undefined;
      const fails = f.Level === 'Error' || (f.Level === 'Warning' && !allowance);
      if (fails) failing++;
      const where = f.Location.Path?.length ? f.Location.Path.join('/') : `line ${f.Location.Start.LineNumber}`;
      const note = allowance ? `  [allowed: ${allowance.reason}]` : '';
      lines.push(`${fails ? 'FAIL' : '    '} ${f.Rule.Id} ${f.Filename} ${where}: ${f.Message}${note}`);
    }
    if (failing > 0) {
      throw new Error(
        `cfn-lint: ${failing} failing finding(s) for profile ${profile}; all ${findings.length} findings:\n` +
          lines.sort((a, b) => a.slice(5).localeCompare(b.slice(5))).join('\n'),
      );
    }
  }, 300_000);
});
