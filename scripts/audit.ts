/**
 * `npm run audit`: audits the production dependencies (`npm audit --omit=dev`) and exits
 * 0 when nothing is high or critical, 1 when something is, and 2 when the audit could not be done
 * (the advisory service unreachable or answering an error). .ci/run decides what 2 means for CI.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describeOutcome, EXIT_CODES, evaluateAudit } from './audit-report';

const npm = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
  cwd: join(__dirname, '..'),
  encoding: 'utf8',
  timeout: 120_000,
  maxBuffer: 64 * 1024 * 1024,
});
const outcome = npm.error
  ? { kind: 'not-checked' as const, reason: `could not run npm: ${npm.error.message}` }
  : evaluateAudit(npm.stdout);
for (const line of describeOutcome(outcome)) (outcome.kind === 'passed' ? console.log : console.error)(line);
process.exitCode = EXIT_CODES[outcome.kind];
