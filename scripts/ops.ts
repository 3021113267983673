/**
 * The ops CLI: `npm run ops -- <command> --profile <name>`. Finds the deployed cluster from the
 * stack outputs and answers from MSK (@aws-sdk/client-kafka), Lambda (@aws-sdk/client-lambda) and,
 * for dead letters, the brokers themselves. `npm run ops -- --help` lists the commands.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KafkaClient } from '@aws-sdk/client-kafka';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { createKafka } from '../lambdas/shared/kafka/client';
import { loadConfig } from '../lib/config';
import { OPS_USAGE, parseOpsArgs, runOps } from './ops/cli';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(OPS_USAGE);
    return 0;
  }
  const args = parseOpsArgs(argv);
  // The SDK clients and the MSK IAM signer both take credentials from the default chain.
  if (args.awsProfile) process.env.AWS_PROFILE = args.awsProfile;
  const region = args.region ?? loadConfig(args.profile).region;
  return runOps(
    args,
    { profile: args.profile, region },
    {
      cloudFormation: new CloudFormationClient({ region }),
      kafka: new KafkaClient({ region }),
      lambda: new LambdaClient({ region }),
      kafkaFor: (bootstrap) =>
        createKafka('order-pipeline-ops', { brokers: bootstrap.split(','), auth: 'iam', region }),
      out: (line) => console.log(line),
    },
  );
}

/** An error as one line an operator can act on. */
export function explain(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'CredentialsProviderError') {
    return `${error.message}: give the tool AWS credentials (--aws-profile <name>, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`;
  }
  if (/AccessDenied|UnauthorizedOperation|not authorized/i.test(`${error.name} ${error.message}`)) {
    return `${error.name}: ${error.message} (the credentials in use lack that permission)`;
  }
  return error.message;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      console.error(explain(error));
      process.exitCode = 1;
    },
  );
}
