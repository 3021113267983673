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
import { explain } from './ops/explain';

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
