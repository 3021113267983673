/**
 * The ops CLI's commands over injected AWS clients and a Kafka client factory, so tests can run
 * them against the SDK's test doubles and a local broker. scripts/ops.ts builds the real ones.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { KafkaClient } from '@aws-sdk/client-kafka';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Kafka } from '../../lambdas/shared/kafka/driver';
import { KafkaProducer } from '../../lambdas/shared/kafka/publisher';
import { CONSUMER_SERVICES, type ConsumerServiceName, deadLetterTopic } from '../../lib/topology';
import { dlqSummary, pickDeadLetters, readDeadLetters, replay } from '../dlq';
import { describeCluster, iamBootstrapBrokers, listBrokers, listTopics } from './cluster';
import { clusterArnOf, type Target } from './deployment';
import { formatBrokers, formatStatus, needsAttention, type StatusReport } from './format';
import { listMappings } from './mappings';

export const OPS_USAGE = `usage: npm run ops -- <command> --profile <name> [--region <region>] [--aws-profile <name>] [--json]

commands:
  status                                   cluster state and version, brokers, topics (partitions, configs),
                                           every event source mapping's state and last processing result
  brokers                                  the IAM bootstrap string and each broker
  dlq read <service>                       every dead letter of <service>.dlq, one JSON line each
  dlq replay <service> [<partition>:<offset> ...]
                                           send dead letters back to the topic they came from (all, or those named)

services: ${CONSUMER_SERVICES.join(', ')}
--profile is the deployment profile (dev, prod, dev-serverless); the region defaults to the profile's.
--aws-profile picks the credentials (as AWS_PROFILE does). dlq needs a network path to the brokers
(a host in the VPC) and IAM read (and, to replay, write) access to the topics.
exit status: 0 done, 1 error, 2 status found something that needs attention (marked "!").`;

export class UsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\n\n${OPS_USAGE}`);
    this.name = 'UsageError';
  }
}

export type OpsCommand =
  | { readonly name: 'status' }
  | { readonly name: 'brokers' }
  | { readonly name: 'dlq-read'; readonly service: ConsumerServiceName }
  | { readonly name: 'dlq-replay'; readonly service: ConsumerServiceName; readonly picks: readonly string[] };

export interface OpsArgs {
  readonly command: OpsCommand;
  readonly profile: string;
  readonly region?: string;
  readonly awsProfile?: string;
  readonly json: boolean;
}

/** Reads `<command> [args] --profile <name> [--region r] [--aws-profile p] [--json]`, in any order. */
export function parseOpsArgs(argv: readonly string[]): OpsArgs {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--json') json = true;
    else if (['--profile', '--region', '--aws-profile'].includes(arg)) {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      flags[arg.slice(2)] = value;
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  const profile = flags.profile;
  if (!profile) throw new UsageError('--profile <name> is required: the profile you deployed (-c profile=...)');
  return {
    command: commandOf(positional),
    profile,
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags['aws-profile'] ? { awsProfile: flags['aws-profile'] } : {}),
    json,
  };
}

function commandOf([name, sub, service, ...rest]: string[]): OpsCommand {
  if (name === 'status' || name === 'brokers') {
    if (sub !== undefined) throw new UsageError(`${name} takes no argument (got "${sub}")`);
    return { name };
  }
  if (name !== 'dlq') throw new UsageError(name ? `unknown command "${name}"` : 'no command given');
  if (sub !== 'read' && sub !== 'replay') throw new UsageError('dlq needs "read" or "replay"');
  if (!CONSUMER_SERVICES.includes(service as ConsumerServiceName)) {
    throw new UsageError(`dlq ${sub} needs a service with a dead-letter topic, one of ${CONSUMER_SERVICES.join(', ')}`);
  }
  const bad = rest.filter((p) => !/^\d+:\d+$/.test(p));
  if (bad.length > 0) throw new UsageError(`${bad.join(', ')}: name dead letters as <partition>:<offset>`);
  if (sub === 'read') {
    if (rest.length > 0) throw new UsageError('dlq read takes only the service');
    return { name: 'dlq-read', service: service as ConsumerServiceName };
  }
  return { name: 'dlq-replay', service: service as ConsumerServiceName, picks: rest };
}

export interface OpsDeps {
  readonly cloudFormation: CloudFormationClient;
  readonly kafka: KafkaClient;
  readonly lambda: LambdaClient;
  /** A kafkajs client for these brokers: IAM over TLS on AWS. */
  readonly kafkaFor: (bootstrapBrokers: string) => Kafka;
  readonly out: (line: string) => void;
}

/** Runs one command; resolves to the exit status. */
export async function runOps(args: OpsArgs, target: Target, deps: OpsDeps): Promise<number> {
  const clusterArn = await clusterArnOf(deps.cloudFormation, target);
  const print = (value: unknown, text: () => string[]) => {
    if (args.json) deps.out(JSON.stringify(value, null, 2));
    else for (const line of text()) deps.out(line);
  };
  switch (args.command.name) {
    case 'status': {
      const report = await statusReport(deps, clusterArn);
      print(report, () => formatStatus(report));
      return needsAttention(report) ? 2 : 0;
    }
    case 'brokers': {
      const [bootstrapBrokers, brokers] = await Promise.all([
        iamBootstrapBrokers(deps.kafka, clusterArn),
        listBrokers(deps.kafka, clusterArn),
      ]);
      print({ bootstrapBrokers, brokers }, () => formatBrokers(bootstrapBrokers, brokers));
      return 0;
    }
    case 'dlq-read':
    case 'dlq-replay':
      return deadLetters(args.command, clusterArn, deps);
  }
}

async function statusReport(deps: OpsDeps, clusterArn: string): Promise<StatusReport> {
  const cluster = await describeCluster(deps.kafka, clusterArn);
  const serverless = cluster.type === 'SERVERLESS';
  const [bootstrapBrokers, brokers, topics, mappings] = await Promise.all([
    iamBootstrapBrokers(deps.kafka, clusterArn),
    serverless ? [] : listBrokers(deps.kafka, clusterArn),
    serverless ? undefined : listTopics(deps.kafka, clusterArn),
    listMappings(deps.lambda, clusterArn),
  ]);
  return {
    cluster,
    bootstrapBrokers,
    brokers,
    ...(topics
      ? { topics }
      : {
          topicsNote:
            'MSK Serverless has no topic API; list them from inside the VPC with a Kafka client (the topic-admin custom resource created them)',
        }),
    mappings,
  };
}

async function deadLetters(
  command: Extract<OpsCommand, { name: 'dlq-read' | 'dlq-replay' }>,
  clusterArn: string,
  deps: OpsDeps,
): Promise<number> {
  const bootstrap = await iamBootstrapBrokers(deps.kafka, clusterArn);
  const kafka = deps.kafkaFor(bootstrap);
  const letters = await readDeadLetters(kafka, deadLetterTopic(command.service)).catch((error: unknown) => {
    throw unreachable(error, bootstrap);
  });
  if (command.name === 'dlq-read') {
    for (const letter of letters) deps.out(JSON.stringify(dlqSummary(letter)));
    return 0;
  }
  const chosen = pickDeadLetters(letters, command.picks);
  const producer = new KafkaProducer(kafka);
  try {
    await replay(producer, chosen);
  } finally {
    await producer.disconnect();
  }
  deps.out(`replayed ${chosen.length} of ${letters.length} dead letters of ${deadLetterTopic(command.service)}`);
  return 0;
}

/** kafkajs's connection failures, told as what to do about them. */
function unreachable(error: unknown, bootstrap: string): unknown {
  if (
    !(error instanceof Error) ||
    !/^KafkaJS(Connection|NumberOfRetriesExceeded|BrokerNotFound|SASL)/.test(error.name)
  ) {
    return error;
  }
  return new Error(
    `cannot read from the brokers at ${bootstrap} (${error.name}: ${error.message}). The brokers are only reachable ` +
      "from inside the cluster's VPC on port 9098: run this from a host there, with IAM access to the dead-letter topic",
    { cause: error },
  );
}
