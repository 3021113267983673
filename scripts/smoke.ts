/**
 * `npm run smoke`: the post-deploy smoke test (scripts/smoke/run.ts).
 *
 *   npm run smoke -- --profile <name> [--region r] [--aws-profile p] [--timeout s] [--no-dlq-check]
 *   npm run smoke -- --local [--url http://127.0.0.1:3000] [--kafka 127.0.0.1:9092] [--timeout s]
 *
 * On AWS it finds the API from the stack outputs and signs every request with SigV4; it reads the
 * dead-letter topics from the brokers, which only a host in the VPC can reach (--no-dlq-check
 * skips that part, and says so). Locally it runs against `npm start`.
 */
import { randomUUID } from 'node:crypto';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KafkaClient } from '@aws-sdk/client-kafka';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { createKafka } from '../lambdas/shared/kafka/client';
import { Kafka, logLevel } from '../lambdas/shared/kafka/driver';
import { loadConfig } from '../lib/config';
import { iamBootstrapBrokers } from './ops/cluster';
import { apiEndpointOf, clusterArnOf } from './ops/deployment';
import { explain } from './ops/explain';
import { type ApiClient, plainApiClient, signedApiClient } from './smoke/api-client';
import { kafkaWatch, type PipelineWatch } from './smoke/kafka-watch';
import { formatSmoke, runSmoke } from './smoke/run';

export const SMOKE_USAGE = `usage: npm run smoke -- --profile <name> [--region <region>] [--aws-profile <name>] [--timeout <seconds>] [--no-dlq-check]
       npm run smoke -- --local [--url <api url>] [--kafka <host:port>] [--timeout <seconds>]

Posts a shipped, a declined and a sold-out order, waits for each to end as the saga says (refund and
stock release included) and checks that no dead-letter topic grew. Exit status 0 PASS, 1 FAIL or error.`;

export interface SmokeArgs {
  readonly mode: 'aws' | 'local';
  readonly profile?: string;
  readonly region?: string;
  readonly awsProfile?: string;
  readonly url?: string;
  readonly kafka?: string;
  readonly timeoutSeconds: number;
  readonly checkDeadLetters: boolean;
}

export function parseSmokeArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): SmokeArgs {
  const values: Record<string, string> = {};
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--local' || arg === '--no-dlq-check') switches.add(arg);
    else if (['--profile', '--region', '--aws-profile', '--url', '--kafka', '--timeout'].includes(arg)) {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value\n\n${SMOKE_USAGE}`);
      values[arg.slice(2)] = value;
    } else throw new Error(`unknown argument ${arg}\n\n${SMOKE_USAGE}`);
  }
  const local = switches.has('--local');
  if (local === (values.profile !== undefined)) {
    throw new Error(`pass either --profile <name> (a deployment) or --local (npm start)\n\n${SMOKE_USAGE}`);
  }
  const timeoutSeconds = Number(values.timeout ?? (local ? 60 : 180));
  if (!(timeoutSeconds > 0)) throw new Error(`--timeout must be a number of seconds above 0, not "${values.timeout}"`);
  if (local) {
    return {
      mode: 'local',
      url: values.url ?? `http://127.0.0.1:${env.PORT ?? 3000}`,
      kafka: values.kafka ?? `127.0.0.1:${env.KAFKA_PORT ?? 9092}`,
      timeoutSeconds,
      checkDeadLetters: true,
    };
  }
  return {
    mode: 'aws',
    profile: values.profile as string,
    ...(values.region ? { region: values.region } : {}),
    ...(values['aws-profile'] ? { awsProfile: values['aws-profile'] } : {}),
    timeoutSeconds,
    checkDeadLetters: !switches.has('--no-dlq-check'),
  };
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(SMOKE_USAGE);
    return 0;
  }
  const args = parseSmokeArgs(argv);
  const { api, watch, hint } = args.mode === 'local' ? await localTarget(args) : await awsTarget(args);
  try {
    console.log(`Smoke test against ${api.base}`);
    const result = await runSmoke(api, watch, {
      runId: randomUUID().slice(0, 8),
      timeoutMs: args.timeoutSeconds * 1000,
      log: (line) => console.log(`  ${line}`),
    });
    for (const line of formatSmoke(result, hint)) console.log(line);
    return result.ok ? 0 : 1;
  } finally {
    await watch?.close();
  }
}

interface Target {
  readonly api: ApiClient;
  readonly watch?: PipelineWatch;
  readonly hint: (topic: string) => string;
}

async function localTarget(args: SmokeArgs): Promise<Target> {
  const url = args.url as string;
  try {
    await fetch(url, { method: 'HEAD' });
  } catch {
    throw new Error(`nothing answers on ${url}: start the pipeline with npm start (or pass --url where it runs)`);
  }
  const kafka = new Kafka({
    clientId: 'order-pipeline-smoke',
    brokers: [args.kafka as string],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const watch = await kafkaWatch(kafka).catch((error: unknown) => {
    throw new Error(
      `cannot reach Kafka at ${args.kafka} (${String(error)}): pass --kafka <host:port> as npm start printed it`,
    );
  });
  return {
    api: plainApiClient(url),
    watch,
    hint: (topic) =>
      `KAFKA_BOOTSTRAP_SERVERS=${args.kafka} KAFKA_AUTH=plaintext npx tsx scripts/dlq.ts read ${topic.replace(/\.dlq$/, '')}`,
  };
}

async function awsTarget(args: SmokeArgs): Promise<Target> {
  const profile = args.profile as string;
  const region = args.region ?? loadConfig(profile).region;
  if (args.awsProfile) process.env.AWS_PROFILE = args.awsProfile;
  const target = { profile, region };
  const cloudFormation = new CloudFormationClient({ region });
  const endpoint = await apiEndpointOf(cloudFormation, target);
  const api = signedApiClient(endpoint, region, fromNodeProviderChain());
  const hint = (topic: string) => `npm run ops -- dlq read ${topic.replace(/\.dlq$/, '')} --profile ${profile}`;
  if (!args.checkDeadLetters) return { api, hint };
  const bootstrap = await iamBootstrapBrokers(new KafkaClient({ region }), await clusterArnOf(cloudFormation, target));
  const kafka = createKafka('order-pipeline-smoke', { brokers: bootstrap.split(','), auth: 'iam', region });
  const watch = await kafkaWatch(kafka).catch((error: unknown) => {
    throw new Error(
      `cannot reach the brokers at ${bootstrap} (${String(error)}). They are only reachable from inside the VPC: run the smoke test from a host there, or pass --no-dlq-check to test the API and the saga only`,
    );
  });
  return { api, watch, hint };
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
