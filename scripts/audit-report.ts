/**
 * Reads the output of `npm audit --omit=dev --json` (npm 7 and later, auditReportVersion 2) and
 * decides: passed (nothing high or critical), failed (at least one high or critical finding), or
 * not checked (npm could not get an answer from the advisory service, or printed something this
 * module does not understand). Not checked is never a pass.
 */

export const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Severities that fail the audit. */
export const BLOCKING: ReadonlySet<string> = new Set<Severity>(['high', 'critical']);

export interface AuditFinding {
  readonly name: string;
  /** As npm reports it; a severity npm may add later is kept as given, and blocks. */
  readonly severity: string;
  readonly range: string;
  readonly direct: boolean;
  /** Advisory titles and URLs, or `via <package>` for a finding inherited from a dependency. */
  readonly via: readonly string[];
  readonly fix: string;
}

export type AuditOutcome =
  | {
      readonly kind: 'passed' | 'failed';
      readonly counts: Readonly<Record<Severity, number>>;
      readonly dependencies: number | undefined;
      /** High and critical findings (empty when passed). */
      readonly blocking: readonly AuditFinding[];
    }
  | { readonly kind: 'not-checked'; readonly reason: string };

/** Exit codes of scripts/audit.ts: CI tells a finding from an advisory service it could not reach. */
export const EXIT_CODES = { passed: 0, failed: 1, 'not-checked': 2 } as const;

interface ReportEntry {
  readonly name?: string;
  readonly severity?: string;
  readonly isDirect?: boolean;
  readonly range?: string;
  readonly via?: readonly (string | { readonly title?: string; readonly url?: string })[];
  readonly fixAvailable?:
    | boolean
    | { readonly name: string; readonly version: string; readonly isSemVerMajor?: boolean };
}

/** Decides on npm's stdout (npm exits non-zero both for findings and for errors, so its code says little). */
export function evaluateAudit(stdout: string): AuditOutcome {
  let report: unknown;
  try {
    report = JSON.parse(stdout);
  } catch {
    const shown = stdout.trim().slice(0, 200);
    return { kind: 'not-checked', reason: `npm audit printed no JSON report${shown ? `: ${shown}` : ''}` };
  }
  if (!isObject(report)) return { kind: 'not-checked', reason: 'npm audit printed JSON that is not a report' };
  const failure = describeFailure(report);
  if (failure) return { kind: 'not-checked', reason: failure };
  if (report.auditReportVersion !== 2) {
    return {
      kind: 'not-checked',
      reason: `unknown report format (auditReportVersion ${JSON.stringify(report.auditReportVersion)}; npm 7 or later writes 2)`,
    };
  }
  const metadata = isObject(report.metadata) ? report.metadata.vulnerabilities : undefined;
  if (!isObject(report.vulnerabilities) || !isObject(metadata)) {
    return { kind: 'not-checked', reason: 'the report has no vulnerabilities or metadata.vulnerabilities section' };
  }

  const findings = Object.entries(report.vulnerabilities as Record<string, ReportEntry>).map(([name, entry]) =>
    toFinding(name, entry),
  );
  const counts = Object.fromEntries(
    SEVERITIES.map((severity) => [
      severity,
      Math.max(Number(metadata[severity] ?? 0) || 0, countOf(findings, severity)),
    ]),
  ) as Record<Severity, number>;
  const blocking = findings.filter(
    (f) => BLOCKING.has(f.severity) || !(SEVERITIES as readonly string[]).includes(f.severity),
  );
  // The summary counts high or critical that no entry explains: trust the count, not the silence.
  const unexplained = counts.high + counts.critical - blocking.filter((f) => BLOCKING.has(f.severity)).length;
  if (unexplained > 0) {
    blocking.push({
      name: '(summary)',
      severity: counts.critical > 0 ? 'critical' : 'high',
      range: '',
      direct: false,
      via: [`metadata.vulnerabilities counts ${unexplained} high or critical finding(s) the report does not list`],
      fix: 'run npm audit --omit=dev and read its full report',
    });
  }
  const dependencies =
    isObject(report.metadata) && isObject(report.metadata.dependencies)
      ? Number(report.metadata.dependencies.prod ?? report.metadata.dependencies.total)
      : undefined;
  return { kind: blocking.length > 0 ? 'failed' : 'passed', counts, dependencies, blocking };
}

/**
 * npm's own error forms: `{"error": {"code", "summary", "detail"}}`, or the failed HTTP request
 * itself (`{"message", "statusCode", "uri", ...}`) when the advisory endpoint answers an error.
 */
function describeFailure(report: Record<string, unknown>): string | undefined {
  // The HTTP form first: it also carries an `error` object, with empty summary and detail.
  if ('statusCode' in report || ('message' in report && !('auditReportVersion' in report))) {
    const status = report.statusCode === undefined ? '' : ` (HTTP ${String(report.statusCode)})`;
    return `the advisory service did not answer${status}: ${String(report.message ?? report.uri ?? 'no message')}`;
  }
  if (isObject(report.error)) {
    const { code, summary, detail } = report.error as Record<string, unknown>;
    return ['npm audit failed', code, summary, detail].filter((part) => typeof part === 'string' && part).join(': ');
  }
  return undefined;
}

function toFinding(name: string, entry: ReportEntry): AuditFinding {
  const via = (entry.via ?? []).map((v) =>
    typeof v === 'string' ? `via ${v}` : [v.title, v.url].filter(Boolean).join(' ') || 'an advisory',
  );
  const fix =
    entry.fixAvailable === true
      ? 'npm audit fix'
      : entry.fixAvailable
        ? `${entry.fixAvailable.name}@${entry.fixAvailable.version}${entry.fixAvailable.isSemVerMajor ? ' (semver major)' : ''}`
        : 'no fix available';
  return {
    name: entry.name ?? name,
    severity: entry.severity ?? 'unknown',
    range: entry.range ?? '',
    direct: entry.isDirect === true,
    via,
    fix,
  };
}

function countOf(findings: readonly AuditFinding[], severity: Severity): number {
  return findings.filter((f) => f.severity === severity).length;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The lines scripts/audit.ts prints: one verdict, then what to do about it. */
export function describeOutcome(outcome: AuditOutcome): string[] {
  if (outcome.kind === 'not-checked') {
    return [
      'npm audit: NOT CHECKED. This is not a pass: no advisory was compared with the dependencies.',
      `  Why: ${outcome.reason}`,
      '  What to do: run `npm audit --omit=dev` where the registry answers its advisory endpoint',
      '  (POST /-/npm/v1/security/advisories/bulk on registry.npmjs.org, or your registry mirror), and',
      '  set AUDIT_REQUIRED=1 in CI once it can, so that an unreachable service fails the build.',
    ];
  }
  const counts = SEVERITIES.map((s) => `${outcome.counts[s]} ${s}`).join(', ');
  const scope = outcome.dependencies === undefined ? '' : ` in ${outcome.dependencies} production dependencies`;
  if (outcome.kind === 'passed') return [`npm audit: passed: no high or critical finding${scope} (${counts}).`];
  return [
    `npm audit: FAILED: ${outcome.blocking.length} high or critical finding(s)${scope} (${counts}).`,
    ...outcome.blocking.map(
      (f) =>
        `  ${f.severity} ${f.name}${f.range ? ` ${f.range}` : ''}${f.direct ? ' (direct)' : ''}: ${f.via.join('; ')}; fix: ${f.fix}`,
    ),
  ];
}
