import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeOutcome, EXIT_CODES, evaluateAudit } from '../../scripts/audit-report';

/** A fixture as npm prints it to stdout. */
const output = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', 'npm-audit', name), 'utf8');

describe('Function: evaluateAudit', () => {
  describe('a report with findings (npm 7+, auditReportVersion 2)', () => {
    const outcome = evaluateAudit(output('findings.json'));

    it('fails, listing every high and critical finding and nothing milder', () => {
      // Assess
      expect(outcome.kind).toBe('failed');
      if (outcome.kind === 'not-checked') throw new Error('unreachable');
      expect(outcome.blocking.map((f) => [f.severity, f.name]).sort()).toEqual([
        ['critical', 'form-data'],
        ['high', 'cross-spawn'],
        ['high', 'execa'],
      ]);
      expect(outcome.counts).toEqual({ info: 0, low: 1, moderate: 1, high: 2, critical: 1 });
      expect(outcome.dependencies).toBe(212);
    });

    it('says for each one what it is, where it comes from and how to fix it', () => {
      // Act
      const lines = describeOutcome(outcome);

      // Assess
      expect(lines[0]).toBe(
        'npm audit: FAILED: 3 high or critical finding(s) in 212 production dependencies (0 info, 1 low, 1 moderate, 2 high, 1 critical).',
      );
      expect(lines).toContain(
        '  high cross-spawn 7.0.0 - 7.0.4: Regular Expression Denial of Service (ReDoS) in cross-spawn https://github.com/advisories/GHSA-3xgq-45jj-v275; fix: npm audit fix',
      );
      expect(lines).toContain('  high execa 2.0.0 - 5.1.1 (direct): via cross-spawn; fix: execa@9.6.0 (semver major)');
      expect(lines.filter((line) => /^ {2}\w+ (semver|brace-expansion) /.test(line))).toEqual([]);
    });

    it('exits 1', () => {
      expect(EXIT_CODES[outcome.kind]).toBe(1);
    });
  });

  it('passes a report whose findings are all below high, and says so with the counts', () => {
    // Act
    const outcome = evaluateAudit(output('clean.json'));

    // Assess
    expect(outcome).toMatchObject({ kind: 'passed', blocking: [] });
    expect(describeOutcome(outcome)).toEqual([
      'npm audit: passed: no high or critical finding in 212 production dependencies (0 info, 0 low, 1 moderate, 0 high, 0 critical).',
    ]);
    expect(EXIT_CODES[outcome.kind]).toBe(0);
  });

  it('fails when the summary counts a high finding that no entry lists', () => {
    // Prepare
    const report = JSON.parse(output('clean.json'));
    report.metadata.vulnerabilities.high = 1;

    // Act
    const outcome = evaluateAudit(JSON.stringify(report));

    // Assess
    expect(outcome.kind).toBe('failed');
    expect(describeOutcome(outcome)[1]).toContain('counts 1 high or critical finding(s) the report does not list');
  });

  it('fails on a severity it does not know rather than passing it', () => {
    // Prepare
    const report = JSON.parse(output('clean.json'));
    report.vulnerabilities.semver.severity = 'severe';

    // Act
    const outcome = evaluateAudit(JSON.stringify(report));

    // Assess
    expect(outcome).toMatchObject({ kind: 'failed', blocking: [expect.objectContaining({ severity: 'severe' })] });
  });

  describe('when no audit happened: reported as not checked, never as a pass', () => {
    it.each([
      [
        'the registry answering 405 to the advisory request (this network)',
        output('registry-405.json'),
        'the advisory service did not answer (HTTP 405): 405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      ],
      [
        "npm's own error report",
        output('error-enoaudit.json'),
        'npm audit failed: ENOAUDIT: Your configured registry (https://registry.example.internal/) does not support audit requests.',
      ],
      ['no output at all', '', 'npm audit printed no JSON report'],
      [
        'text instead of JSON',
        'npm ERR! network timeout',
        'npm audit printed no JSON report: npm ERR! network timeout',
      ],
      ['a JSON array', '[]', 'npm audit printed JSON that is not a report'],
      [
        'the npm 6 report format',
        JSON.stringify({ advisories: {}, metadata: { vulnerabilities: { high: 0 } } }),
        'unknown report format (auditReportVersion undefined; npm 7 or later writes 2)',
      ],
      [
        'a version 2 report without its summary',
        JSON.stringify({ auditReportVersion: 2, vulnerabilities: {} }),
        'the report has no vulnerabilities or metadata.vulnerabilities section',
      ],
    ])('%s', (_label, stdout, reason) => {
      // Act
      const outcome = evaluateAudit(stdout);

      // Assess
      expect(outcome).toEqual({ kind: 'not-checked', reason });
      expect(EXIT_CODES[outcome.kind]).toBe(2);
      const lines = describeOutcome(outcome);
      expect(lines[0]).toBe(
        'npm audit: NOT CHECKED. This is not a pass: no advisory was compared with the dependencies.',
      );
      expect(lines.join('\n')).toContain('AUDIT_REQUIRED=1');
    });
  });
});
