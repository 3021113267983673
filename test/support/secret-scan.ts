/**
 * Finds credentials and AWS account ids in text: what must never be committed, in code, fixtures,
 * docs or snapshots. Documented placeholders are allowed by value, each with its reason.
 */

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly kind: string;
  readonly value: string;
}

/** Placeholder values the repository uses on purpose. Anything else that matches a rule is a finding. */
export const ALLOWED_PLACEHOLDERS: Readonly<Record<string, string>> = {
  AKIAIOSFODNN7EXAMPLE:
    "AWS's documentation example access key id, in the real-shaped API Gateway fixture (a signed request's identity)",
  '123456789012': "AWS's documentation example account id, in test fixtures and the test Lambda context",
  'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY':
    "AWS's documentation example secret access key, which the smoke test's SigV4 signing test signs with",
  '000000000000': "the local runtime's account id (LOCAL_ACCOUNT_ID) in the ARNs its emulators build",
};

interface Rule {
  readonly kind: string;
  readonly pattern: RegExp;
  /** A second look at a match, for shapes that words and paths can also take. */
  readonly accept?: (value: string) => boolean;
}

/** Shannon entropy in bits per character. Random base64 of 40 characters stays above 4.1. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) bits -= (count / text.length) * Math.log2(count / text.length);
  return bits;
}

// Each pattern's first capture group (or the whole match) is the value reported and allow-listed.
const RULES: readonly Rule[] = [
  { kind: 'AWS access key id', pattern: /\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b/g },
  {
    kind: 'AWS secret access key',
    pattern: /(?:secret_?access_?key|aws_?secret)["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
  },
  // A random-looking 40-character base64 token mixing cases, digits and a '/' or '+': the shape of
  // a secret key. Paths such as `dev/events/InventoryReservationFailed/v1` repeat letters too much.
  {
    kind: 'secret-key-like string',
    pattern:
      /(?<![A-Za-z0-9/+=-])((?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*\d)(?=[A-Za-z0-9/+]*[/+])[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/g,
    accept: (value) => entropy(value) >= 4,
  },
  { kind: 'private key', pattern: /(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----)/g },
  { kind: 'account id in an ARN', pattern: /\barn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/g },
  {
    kind: 'account id in an account field',
    pattern: /\b(?:account|accountId|account_id|awsAccountId)["']?\s*[:=]\s*["']?(\d{12})(?!\d)/gi,
  },
  { kind: 'account id in CDK context', pattern: /\baccount=(\d{12})(?!\d)/g },
  { kind: 'GitHub token', pattern: /\b(gh[pousr]_[A-Za-z0-9]{36,})\b/g },
  { kind: 'npm token', pattern: /\b(npm_[A-Za-z0-9]{36})\b/g },
  { kind: 'Slack token', pattern: /\b(xox[abprs]-[A-Za-z0-9-]{10,})/g },
];

/** Every finding in one file's text that is not an allowed placeholder. */
export function scanText(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  for (const rule of RULES) {
    for (const match of text.matchAll(rule.pattern)) {
      const value = match[1] ?? match[0];
      if (value in ALLOWED_PLACEHOLDERS || (rule.accept && !rule.accept(value))) continue;
      const line = text.slice(0, match.index).split('\n').length;
      findings.push({ file, line, kind: rule.kind, value });
    }
  }
  return findings;
}

/** Text files only: a NUL byte in the first 8 KiB marks a binary file, as git decides. */
export function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8192).includes(0);
}
