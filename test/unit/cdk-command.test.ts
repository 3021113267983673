/**
 * `npm run deploy|diff|destroy -- --profile <name>`: the cdk command each one runs, and the mistakes
 * it refuses before cdk starts (no profile, an unknown one, a hotswap to a profile that keeps data).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROFILES } from '../../lib/config';
import { cdkArguments } from '../../scripts/cdk';

const ROOT = join(__dirname, '..', '..');

describe('Function: cdkArguments', () => {
  it.each([
    ['deploy', ['--profile', 'dev'], ['deploy', '--all', '-c', 'profile=dev']],
    ['diff', ['--profile=prod'], ['diff', '--all', '-c', 'profile=prod']],
    ['destroy', ['-c', 'profile=dev-serverless'], ['destroy', '--all', '-c', 'profile=dev-serverless']],
    ['diff', ['--context', 'profile=dev,prod'], ['diff', '--all', '-c', 'profile=dev,prod']],
  ] as const)('%s %j runs cdk %j', (verb, args, expected) => {
    expect(cdkArguments(verb, args)).toEqual(expected);
  });

  it('passes AWS credentials as cdk --profile, and every other option through', () => {
    expect(
      cdkArguments('deploy', ['--profile', 'prod', '--aws-profile', 'ops', '--require-approval', 'never']),
    ).toEqual(['deploy', '--all', '-c', 'profile=prod', '--profile', 'ops', '--require-approval', 'never']);
  });

  it('covers only the stacks named, instead of --all', () => {
    expect(cdkArguments('deploy', ['--profile', 'dev', 'OrderPipeline-dev-Services', '--hotswap'])).toEqual([
      'deploy',
      '-c',
      'profile=dev',
      'OrderPipeline-dev-Services',
      '--hotswap',
    ]);
  });

  it('refuses to guess the profile', () => {
    expect(() => cdkArguments('deploy', ['--hotswap'])).toThrow(
      `Name the deployment profile: npm run deploy -- --profile <${Object.keys(PROFILES).join('|')}>.`,
    );
  });

  it('refuses an unknown profile, listing the ones there are', () => {
    expect(() => cdkArguments('diff', ['--profile', 'staging'])).toThrow(
      'Unknown profile "staging". Profiles: dev, prod, dev-serverless (lib/config.ts).',
    );
  });

  it('refuses --profile without a value', () => {
    expect(() => cdkArguments('diff', ['--profile', '--all'])).toThrow('--profile needs a value.');
  });

  it.each(['--hotswap', '--hotswap-fallback'])('refuses %s for a profile that retains its data (prod)', (flag) => {
    expect(() => cdkArguments('deploy', ['--profile', 'prod', flag])).toThrow(
      `Refusing ${flag} for prod: a hotswap skips CloudFormation and leaves the stack drifted`,
    );
  });

  it('lets a dev profile hotswap', () => {
    expect(cdkArguments('deploy', ['--profile', 'dev', '--hotswap'])).toEqual([
      'deploy',
      '--all',
      '-c',
      'profile=dev',
      '--hotswap',
    ]);
  });
});

describe('npm run deploy', () => {
  it('exits 2 with the valid profiles, before cdk runs, when the profile is unknown', () => {
    // Act
    const run = spawnSync('npm', ['run', '--silent', 'deploy', '--', '--profile', 'staging'], {
      cwd: ROOT,
      encoding: 'utf8',
    });

    // Assess
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Unknown profile "staging". Profiles: dev, prod, dev-serverless');
    expect(run.stdout).not.toContain('> cdk');
  });
});
