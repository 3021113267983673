/**
 * `npm run deploy|diff|destroy -- --profile <name> [cdk options]`: the CDK CLI on every stack of one
 * deployment profile (lib/config.ts), so nobody deploys `dev` by forgetting `-c profile=prod`.
 *
 *   npm run diff -- --profile prod                   what a deploy would change (and replace)
 *   npm run deploy -- --profile dev --hotswap         handler-only changes, skipping CloudFormation
 *   npm run deploy -- --profile prod --aws-profile ops    credentials from the AWS CLI profile "ops"
 *
 * `--profile` names the deployment profile here (cdk's own `--profile` names AWS credentials; pass
 * those as `--aws-profile`). `-c profile=<name>` works too. Anything else goes to cdk as it is.
 */
import { spawnSync } from 'node:child_process';
import { PROFILES } from '../lib/config';
import { STACK_NAME_PREFIX } from '../lib/naming';

export const CDK_VERBS = ['deploy', 'diff', 'destroy'] as const;
export type CdkVerb = (typeof CDK_VERBS)[number];

/** cdk's hotswap flags: they skip CloudFormation, and cdk's own help says not to use them in production. */
const HOTSWAP_FLAGS = ['--hotswap', '--hotswap-fallback'];

export class CdkUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CdkUsageError';
  }
}

function profileNames(value: string): string[] {
  const names = value.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(name in PROFILES)) {
      throw new CdkUsageError(
        `Unknown profile "${name}". Profiles: ${Object.keys(PROFILES).join(', ')} (lib/config.ts).`,
      );
    }
  }
  return names;
}

/** The cdk arguments for one of the verbs: `--all` unless stacks are named, `-c profile=...` always. */
export function cdkArguments(verb: CdkVerb, args: readonly string[]): string[] {
  const passed: string[] = [];
  let profiles: string[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = () => {
      const value = args[++i];
      if (value === undefined || value.startsWith('-')) throw new CdkUsageError(`${arg} needs a value.`);
      return value;
    };
    if (arg === '--profile') profiles = profileNames(next());
    else if (arg.startsWith('--profile=')) profiles = profileNames(arg.slice('--profile='.length));
    else if (arg === '--aws-profile') passed.push('--profile', next());
    else if ((arg === '-c' || arg === '--context') && args[i + 1]?.startsWith('profile=')) {
      profiles = profileNames(next().slice('profile='.length));
    } else passed.push(arg);
  }
  if (!profiles) {
    throw new CdkUsageError(
      `Name the deployment profile: npm run ${verb} -- --profile <${Object.keys(PROFILES).join('|')}>.`,
    );
  }
  const retained = profiles.filter((name) => PROFILES[name]?.retainData);
  if (passed.some((arg) => HOTSWAP_FLAGS.includes(arg)) && retained.length > 0) {
    throw new CdkUsageError(
      `Refusing ${passed.find((arg) => HOTSWAP_FLAGS.includes(arg))} for ${retained.join(', ')}: a hotswap skips CloudFormation and leaves the stack drifted ("Do not use this in production environments", cdk deploy --help). Deploy without it.`,
    );
  }
  // Stack names (globs included) narrow the command; otherwise it covers the profile's five stacks.
  const namesStacks = passed.some((arg) => arg.startsWith(STACK_NAME_PREFIX));
  return [verb, ...(namesStacks ? [] : ['--all']), '-c', `profile=${profiles.join(',')}`, ...passed];
}

function main(argv: string[]): number {
  const [verb, ...args] = argv;
  if (!CDK_VERBS.includes(verb as CdkVerb))
    throw new CdkUsageError(`usage: cdk.ts <${CDK_VERBS.join('|')}> --profile <name>`);
  const cdkArgs = cdkArguments(verb as CdkVerb, args);
  console.log(`> cdk ${cdkArgs.join(' ')}`);
  const run = spawnSync('npx', ['cdk', ...cdkArgs], { stdio: 'inherit' });
  return run.status ?? 1;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  }
}
