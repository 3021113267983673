/**
 * No credential and no real AWS account id in anything the repository holds: code, fixtures, docs
 * and the template snapshots. Reads every file git tracks or would add (not ignored ones such as
 * node_modules, .local or cdk.out), skipping binary files.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALLOWED_PLACEHOLDERS, isBinary, scanText } from '../support/secret-scan';

const ROOT = join(__dirname, '..', '..');

/** Tracked files plus new ones not ignored, so a secret is caught before it is committed. */
function repositoryFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return [...new Set(listed.split('\0').filter((file) => file !== '' && !file.startsWith('node_modules/')))];
}

describe('the repository', () => {
  const texts = repositoryFiles().flatMap((file) => {
    let content: Buffer;
    try {
      content = readFileSync(join(ROOT, file));
    } catch {
      return []; // listed but deleted in the working tree
    }
    return isBinary(content) ? [] : [{ file, text: content.toString('utf8') }];
  });

  it('is read whole: code, fixtures and the template snapshots included', () => {
    const files = texts.map((t) => t.file);
    expect(files).toEqual(
      expect.arrayContaining([
        'lib/stacks/kafka-stack.ts',
        'test/fixtures/apigw-proxy-event.json',
        'test/infra/__snapshots__/snapshot.test.ts.snap',
        'package-lock.json',
      ]),
    );
  });

  it('holds no access key, secret key, private key, token or account id but the documented placeholders', () => {
    const findings = texts.flatMap(({ file, text }) => scanText(file, text));
    expect(findings).toEqual([]);
  });

  it('uses every allowed placeholder somewhere (the allow-list has no stale entry)', () => {
    for (const value of Object.keys(ALLOWED_PLACEHOLDERS)) {
      expect([value, texts.some(({ text }) => text.includes(value))]).toEqual([value, true]);
    }
  });
});

describe('Function: scanText', () => {
  // Built at run time, so this file itself holds nothing a scanner should report.
  const key = ['AK', 'IA', 'Q3EGRZ7XJ5WKNHTV'].join('');
  const secret = ['Zt9/qR2mXw8LkP4vN6yB', 'c1dF7hJ3sG5aE0uY+oIx'].join('');
  const account = ['4815', '1623', '4200'].join('');

  it.each([
    ['an access key id', `const id = "${key}";`, 'AWS access key id', key],
    [
      'a temporary access key id',
      `id: ${key.replace(/^AKIA/, 'ASIA')}`,
      'AWS access key id',
      key.replace(/^AKIA/, 'ASIA'),
    ],
    ['a secret key assignment', `aws_secret_access_key = ${secret}`, 'AWS secret access key', secret],
    ['a bare secret-key-like string', `"${secret}"`, 'secret-key-like string', secret],
    [
      'a private key block',
      ['-----BEGIN', 'RSA PRIVATE KEY-----'].join(' '),
      'private key',
      ['-----BEGIN', 'RSA PRIVATE KEY-----'].join(' '),
    ],
    ['an account id in an ARN', `arn:aws:lambda:eu-west-1:${account}:function:x`, 'account id in an ARN', account],
    ['an account id in an account field', `{ "account": "${account}" }`, 'account id in an account field', account],
    [
      'an account id in a CDK context key',
      `"availability-zones:account=${account}:region=eu-west-1"`,
      'account id in CDK context',
      account,
    ],
  ])('reports %s', (_label, text, kind, value) => {
    expect(scanText('sample', text)).toEqual(expect.arrayContaining([{ file: 'sample', line: 1, kind, value }]));
  });

  it('reports the line of a finding', () => {
    expect(scanText('sample', `one\ntwo\narn:aws:sns:eu-west-1:${account}:topic`)).toEqual([
      { file: 'sample', line: 3, kind: 'account id in an ARN', value: account },
    ]);
  });

  it.each([
    ['the documentation example key id', 'Credential=AKIAIOSFODNN7EXAMPLE/20250115'],
    ['the documentation example account', 'arn:aws:iam::123456789012:user/ada'],
    ['the local account', 'arn:aws:lambda:local:000000000000:function:x'],
    ['a 40-digit hex git commit', 'commit 6d01f06c0ffee1234567890abcdef1234567890a'],
    [
      'a sha512 integrity hash',
      '"integrity": "sha512-Zt9/qR2mXw8LkP4vN6yBc1dF7hJ3sG5aE0uY+oIxZt9/qR2mXw8LkP4vN6yBc1dF7hJ3sG5aE0uY+oIx12=="',
    ],
    ['a token-valued account', '"accountId": { "Ref": "AWS::AccountId" }'],
    ['a thirteen-digit epoch', '"requestTimeEpoch": 1736935200000'],
    ['a path of words', '"$id": "https://schemas.orderpipeline.dev/events/InventoryReservationFailed/v1.json"'],
  ])('does not report %s', (_label, text) => {
    expect(scanText('sample', text)).toEqual([]);
  });
});
