/**
 * `npm run bench -- --aws-model`: each consumer's real handler stack (its handler module in a process
 * of its own, its DynamoDB client against dynalite, its producer against a real broker, its SNS
 * client) on the batches its MSK trigger would deliver for real orders, with every remote call taking
 * a modelled AWS round trip (latency.ts) and the CPU scaled to the function's memory (model.ts).
 *
 * Processes: the broker (Java) and dynalite each run apart from the functions, and each function runs
 * in its own worker (worker.ts), so a worker's CPU time is the function's own. The run checks that
 * the pipeline did what it should (every record handled, none dead-lettered, every order SHIPPED):
 * a figure of a broken flow is refused, not reported.
 */
import { type ChildProcess, execFileSync, execSync, fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, openSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { seedCatalogue } from '../../lambdas/shared/catalogue';
import { ItemClient } from '../../lambdas/shared/db/item-client';
import { ensureTables } from '../../lambdas/shared/db/tables';
import { Kafka, logLevel } from '../../lambdas/shared/kafka/driver';
import type { KafkaBatchResponse } from '../../lambdas/shared/kafka/msk-event';
import { ensureTopics } from '../../lambdas/topic-admin/topics';
import { loadConfig } from '../../lib/config';
import { ENV, LOG_LEVEL, METRICS, tableEnvVar } from '../../lib/runtime-contract';
import { topicConfigs } from '../../lib/topic-settings';
import {
  CONSUMER_SERVICES,
  SERVICE_SPECS,
  type ServiceName,
  TABLES,
  type TableName,
  TOPICS,
  tablesOf,
} from '../../lib/topology';
import { buildProxyEvent } from '../../local/api-gateway-event';
import { type LocalPrincipal, localPrincipalOf } from '../../local/api-gateway-identity';
import { localClusterArn, mskEvent } from '../../local/esm/msk-event-builder';
import { KafkaBroker } from '../../local/kafka-broker';
import {
  batchesOf,
  checkStagesCoverTopology,
  deliveredRecords,
  HAPPY_PATH,
  ORDER_MIX,
  orderRequest,
  type Stage,
  stageName,
  subscriptionOf,
  TopicCollector,
  userRequest,
} from './flow';
import { type LatencyProfileName, latencyProfile, REMOTE_CALL_LATENCY } from './latency';
import { AWS_MODEL_PLANS, type AwsModelPlan, ordersFor, planOfBatch, TRACING_SETTINGS } from './plan';
import { type InvokeReply, type InvokeRequest, WORKER_SERVICE_ENV, type WorkerMessage } from './protocol';
import { type BatchRun, type ModelSummary, type StageRuns, summarise } from './summary';

export interface AwsModelResult extends ModelSummary {
  readonly measuredAt: string;
  readonly command: string;
  /** The commit the handlers were measured at, and whether lambdas/ or lib/ differed from it. */
  readonly commit: string;
  readonly uncommittedChanges: boolean;
  readonly quick: boolean;
  readonly durationS: number;
  readonly plan: AwsModelPlan & { readonly orders: number; readonly users: number };
  readonly orderMix: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly loadAverageAtStart: string;
    readonly loadAverageAtEnd: string;
    readonly node: string;
  };
  readonly latencies: typeof REMOTE_CALL_LATENCY;
  /** Timer lateness each worker measured and subtracts from its waits, ms. */
  readonly timerLatenessMs: Readonly<Record<string, number>>;
  /** Functions whose Powertools Tracer ran in its Lambda mode (X-Ray active), in their traced run. */
  readonly tracingEnabled: readonly string[];
}

export interface AwsModelOptions {
  readonly quick: boolean;
  readonly command: string;
  readonly repoRoot: string;
  /** Where the broker, logs and worker output go (under bench/.out). */
  readonly outDir: string;
  readonly kafkaPort: number;
  readonly log: (line: string) => void;
}

const here = __dirname;
const loadAverage = () => execSync('cat /proc/loadavg').toString().split(' ').slice(0, 3).join(' ');
const modelTable = (table: TableName) => `model-${table}`;
const NOTIFICATION_TOPIC_ARN = 'arn:aws:sns:eu-west-1:000000000000:model-notifications';

/** A function's environment, as the CDK stack and the Lambda runtime set it, plus the local endpoints. */
function functionEnvironment(
  service: ServiceName,
  endpoints: { bootstrapServers: string; dynamodb: string; xrayDaemon: string },
  traced: boolean,
): NodeJS.ProcessEnv {
  const spec = SERVICE_SPECS[service];
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    [WORKER_SERVICE_ENV]: service,
    // What Lambda sets: X-Ray and Powertools run in their Lambda mode (tracing active, as deployed).
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_LAMBDA_FUNCTION_NAME: `model-${service}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'model',
    AWS_SECRET_ACCESS_KEY: 'model',
    AWS_SESSION_TOKEN: 'model',
    AWS_XRAY_DAEMON_ADDRESS: endpoints.xrayDaemon,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // What the CDK stack sets (lib/constructs/service-function.ts and the grants).
    [ENV.powertoolsServiceName]: service,
    [ENV.powertoolsMetricsNamespace]: METRICS.namespace,
    [ENV.powertoolsLogLevel]: LOG_LEVEL,
    // A profile without tracing sets this (lib/constructs/service-function.ts), so Tracer never loads.
    ...(traced ? {} : { [ENV.powertoolsTraceEnabled]: 'false' }),
    [ENV.kafkaBootstrapServers]: endpoints.bootstrapServers,
    // IAM auth needs MSK; the local broker is plaintext (the TLS and signing CPU are not modelled).
    [ENV.kafkaAuth]: 'plaintext',
    ...Object.fromEntries(
      Object.keys(tablesOf(service)).map((table) => [tableEnvVar(table as TableName), modelTable(table as TableName)]),
    ),
    ...(spec.notifies ? { [ENV.notificationTopicArn]: NOTIFICATION_TOPIC_ARN } : {}),
    // Local only: where the DynamoDB API is.
    [ENV.dynamodbEndpoint]: endpoints.dynamodb,
  };
}

/** A worker process and the invocations it is running. */
class FunctionWorker {
  private readonly pending = new Map<number, (reply: InvokeReply) => void>();
  private nextId = 0;
  timerLatenessMs = 0;
  tracingEnabled = false;

  private constructor(
    readonly service: ServiceName,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: WorkerMessage) => {
      if ('id' in message) {
        this.pending.get(message.id)?.(message);
        this.pending.delete(message.id);
      }
    });
  }

  static async start(
    service: ServiceName,
    env: NodeJS.ProcessEnv,
    logFile: string,
    cwd: string,
  ): Promise<FunctionWorker> {
    const out = openSync(logFile, 'a');
    // BENCH_AWS_MODEL_CPU_PROF=<dir>: a V8 CPU profile of each function (bench/cpu-profile-summary.ts reads it).
    const profileDir = process.env.BENCH_AWS_MODEL_CPU_PROF;
    // One folder per function: the tsx loader's thread writes a profile of its own beside the main thread's.
    const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, service)}`] : [];
    const child = fork(join(here, 'worker.ts'), [], {
      cwd,
      env,
      execArgv: ['--import', 'tsx', ...profile],
      stdio: ['ignore', out, out, 'ipc'],
    });
    const worker = new FunctionWorker(service, child);
    const ready = await new Promise<Extract<WorkerMessage, { kind: 'ready' }>>((resolve, reject) => {
      child.once('exit', (code) =>
        reject(new Error(`the ${service} worker exited (${code}) before it was ready; see ${logFile}`)),
      );
      child.on('message', (message: WorkerMessage) => {
        if ('kind' in message && message.kind === 'ready') resolve(message);
      });
    });
    worker.timerLatenessMs = ready.timerLatenessMs;
    worker.tracingEnabled = ready.tracingEnabled;
    return worker;
  }

  invoke(event: unknown, latency: LatencyProfileName | null): Promise<InvokeReply> {
    const id = this.nextId++;
    const request: InvokeRequest = { id, event: JSON.stringify(event), latency: latency && latencyProfile(latency) };
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send(request);
    });
  }

  /** Lets the worker exit on its own (so a --cpu-prof profile is written), killing it after 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

async function startDynalite(cwd: string): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = fork(join(here, 'dynamo-process.ts'), [], {
    cwd,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const stdout = child.stdout;
  if (!stdout) throw new Error('dynalite: no stdout');
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dynalite exited (${code}) before listening`)));
    createInterface({ input: stdout }).once('line', resolve);
  });
  return { endpoint, child };
}

/** The caller of every request the model places: unsigned, so the local developer, as `npm start` names it. */
function modelCaller(): LocalPrincipal {
  const outcome = localPrincipalOf({ header: () => undefined, query: new URLSearchParams() });
  if (outcome.kind !== 'principal') throw new Error(`the model's caller was refused: ${outcome.message}`);
  return outcome.principal;
}

function apiEvent(path: string, body: Record<string, unknown>, id: number) {
  return buildProxyEvent(
    {
      httpMethod: 'POST',
      path,
      rawQuery: '',
      rawHeaders: ['Host', 'model.execute-api.eu-west-1.amazonaws.com', 'Content-Type', 'application/json'],
      body: Buffer.from(JSON.stringify(body)),
      sourceIp: '198.51.100.7',
      localPort: 443,
      httpVersion: '1.1',
      received: new Date(),
      requestId: `model-request-${id}`,
      principal: modelCaller(),
    },
    { resource: path, pathParameters: null, stage: 'prod', fallbackHost: 'model.execute-api.eu-west-1.amazonaws.com' },
  );
}

/** Places the orders and users of the mix through the order-api function, a few requests at a time. */
async function placeOrders(api: FunctionWorker, orders: number, log: (line: string) => void): Promise<void> {
  const requests = [
    ...Array.from({ length: orders }, (_, i) => apiEvent('/orders', orderRequest(i), i)),
    ...Array.from({ length: orders }, (_, i) => apiEvent('/users', userRequest(i), orders + i)),
  ];
  let next = 0;
  const sender = async () => {
    while (next < requests.length) {
      const index = next++;
      const reply = await api.invoke(requests[index], null);
      if (!reply.ok) throw new Error(`order-api failed on request ${index}: ${reply.error}`);
      const result = JSON.parse(reply.response) as APIGatewayProxyResult;
      if (result.statusCode >= 300) {
        throw new Error(`order-api answered ${result.statusCode} to request ${index}: ${result.body}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, sender));
  log(`aws-model: placed ${orders} orders and registered ${orders} users through order-api.`);
}

function orderIdOf(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const event = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as { data?: { orderId?: unknown } };
  return typeof event.data?.orderId === 'string' ? event.data.orderId : undefined;
}

/** A consumer's two execution environments: its function with tracing on, and with tracing off. */
type WorkerPair = Readonly<Record<'traced' | 'untraced', FunctionWorker>>;

async function runStage(
  stage: Stage,
  worker: WorkerPair,
  collector: TopicCollector,
  plan: AwsModelPlan,
  eventSource: { eventSourceArn: string; bootstrapServers: string },
  log: (line: string) => void,
): Promise<StageRuns> {
  const subscription = subscriptionOf(stage);
  const records = deliveredRecords(collector, subscription);
  if (records.length === 0) throw new Error(`${stageName(stage)} has no records to handle: an earlier stage failed`);
  const batches: BatchRun[] = [];
  for (const [index, batch] of batchesOf(records, subscription.batchSize).entries()) {
    const { traced, profile, warmup } = planOfBatch(index, plan);
    // Warm-up batches only warm the process: at local speed, nothing of them is kept.
    const reply = await worker[traced ? 'traced' : 'untraced'].invoke(
      mskEvent(eventSource, batch),
      warmup ? null : profile,
    );
    if (!reply.ok) throw new Error(`${stageName(stage)} batch ${index} threw: ${reply.error}`);
    const response = JSON.parse(reply.response) as KafkaBatchResponse;
    if (response.batchItemFailures.length > 0 || reply.counts.deadLetterMessages > 0) {
      throw new Error(
        `${stageName(stage)} batch ${index}: ${response.batchItemFailures.length} records failed and ` +
          `${reply.counts.deadLetterMessages} were dead-lettered; the model only reports a flow that works (see the worker log)`,
      );
    }
    const { wallMs, cpuMs, waits, counts, padding } = reply;
    batches.push({ profile, traced, warmup, records: batch.length, wallMs, cpuMs, waits, counts, padding });
  }
  const spec = SERVICE_SPECS[stage.service];
  const median = (profile: LatencyProfileName) => {
    const wall = batches.filter((b) => !b.warmup && b.profile === profile).map((b) => b.wallMs);
    return wall.sort((a, b) => a - b)[Math.floor(wall.length / 2)] ?? Number.NaN;
  };
  log(
    `aws-model: ${stageName(stage).padEnd(22)} ${records.length} records in ${batches.length} batches; ` +
      `wall per batch p50 ${median('p50').toFixed(0)} ms, p99 ${median('p99').toFixed(0)} ms`,
  );
  return {
    service: stage.service,
    domain: stage.domain,
    events: subscription.events,
    batchSize: subscription.batchSize,
    memoryMb: spec.memoryMb,
    delivered: records.length,
    deliveredOfOrders: records.filter((r) => orderIdOf(r.value) !== undefined).length,
    batches,
  };
}

async function checkEveryOrderShipped(documents: DynamoDBDocumentClient, orders: number): Promise<void> {
  let shipped = 0;
  let seen = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: modelTable('orders'), ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      seen++;
      if (item.status === 'SHIPPED') shipped++;
    }
    start = page.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (start);
  if (shipped !== orders || seen !== orders) {
    throw new Error(
      `of ${orders} orders placed, the order view holds ${seen} and ${shipped} are SHIPPED: the flow is broken`,
    );
  }
}

function gitState(repoRoot: string): { commit: string; uncommittedChanges: boolean } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
  return {
    commit: git('rev-parse', 'HEAD'),
    uncommittedChanges: git('status', '--porcelain', 'lambdas', 'lib') !== '',
  };
}

type Stops = (() => Promise<void> | void)[];

interface Servers {
  readonly bootstrapServers: string;
  readonly kafka: Kafka;
  /** The model's own client of dynalite (set-up and checks), not a function's. */
  readonly client: DynamoDBClient;
  readonly endpoints: { bootstrapServers: string; dynamodb: string; xrayDaemon: string };
}

/** The broker, dynalite and a UDP sink for X-Ray, each in a process of its own; topics and tables made. */
async function startServers(options: AwsModelOptions, stops: Stops): Promise<Servers> {
  // Next to the end-to-end benchmark's broker folder, so both share the downloaded Kafka jars.
  const brokerDir = join(options.outDir, 'local', 'aws-model-kafka');
  execFileSync('rm', ['-rf', join(brokerDir, 'data')]);
  const broker = new KafkaBroker({
    dir: brokerDir,
    port: options.kafkaPort,
    controllerPort: options.kafkaPort + 1,
    log: options.log,
  });
  await broker.start();
  stops.push(() => broker.stop());
  const dynalite = await startDynalite(options.repoRoot);
  stops.push(() => {
    dynalite.child.kill();
  });
  // Tracing is active as deployed; its UDP segments land here (unsampled invocations send none).
  const xray = createSocket('udp4');
  await new Promise<void>((resolve) => xray.bind(0, '127.0.0.1', resolve));
  stops.push(() => {
    xray.close();
  });

  const kafka = new Kafka({ clientId: 'aws-model', brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const config = loadConfig('dev');
  // One partition per topic: the model measures what one partition moves.
  await ensureTopics(
    admin,
    TOPICS.map((topic) => ({
      name: topic.name,
      partitions: 1,
      configs: { ...topicConfigs(topic, config), 'min.insync.replicas': '1' },
    })),
  );
  await admin.disconnect();
  const client = new DynamoDBClient({
    endpoint: dynalite.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'model', secretAccessKey: 'model' },
  });
  stops.push(() => client.destroy());
  await ensureTables(client, modelTable);
  await seedCatalogue(new ItemClient(client), modelTable('inventory'));
  return {
    bootstrapServers: broker.bootstrapServers,
    kafka,
    client,
    endpoints: {
      bootstrapServers: broker.bootstrapServers,
      dynamodb: dynalite.endpoint,
      xrayDaemon: `127.0.0.1:${xray.address().port}`,
    },
  };
}

interface Workers {
  /** Places the orders; its own figures are not used. */
  readonly api: FunctionWorker;
  readonly consumers: ReadonlyMap<ServiceName, WorkerPair>;
}

/**
 * Two workers per consumer, one with tracing on and one off (plan.ts has them take turns), and one
 * order-api. A worker whose tracer is not in the state asked for is refused, not measured.
 */
async function startWorkers(servers: Servers, options: AwsModelOptions, stops: Stops): Promise<Workers> {
  const dir = join(options.outDir, 'aws-model');
  mkdirSync(dir, { recursive: true });
  const started: FunctionWorker[] = [];
  stops.push(async () => {
    await Promise.all(started.map((worker) => worker.stop()));
  });
  const start = async (service: ServiceName, traced: boolean) => {
    const env = functionEnvironment(service, servers.endpoints, traced);
    const log = join(dir, `${service}${traced ? '' : '.untraced'}.log`);
    const worker = await FunctionWorker.start(service, env, log, options.repoRoot);
    started.push(worker);
    if (worker.tracingEnabled !== traced) {
      throw new Error(
        `the ${service} worker started with tracing ${worker.tracingEnabled ? 'on' : 'off'}, not as asked`,
      );
    }
    return worker;
  };
  const api = await start('order-api', false);
  const consumers = new Map<ServiceName, WorkerPair>();
  for (const service of CONSUMER_SERVICES) {
    const [traced, untraced] = await Promise.all(TRACING_SETTINGS.map((setting) => start(service, setting)));
    consumers.set(service, { traced: traced as FunctionWorker, untraced: untraced as FunctionWorker });
  }
  return { api, consumers };
}

/** Every subscription in the happy path's order, then the checks that the flow did what it should. */
async function runFlow(
  servers: Servers,
  workers: Workers,
  collector: TopicCollector,
  plan: AwsModelPlan,
  orders: number,
  log: (line: string) => void,
): Promise<StageRuns[]> {
  await placeOrders(workers.api, orders, log);
  await collector.caughtUp();
  const eventSource = {
    eventSourceArn: localClusterArn(servers.bootstrapServers),
    bootstrapServers: servers.bootstrapServers,
  };
  const stages: StageRuns[] = [];
  for (const stage of HAPPY_PATH) {
    // The reader waits while a function is measured, so it takes no CPU from it.
    collector.pause();
    const pair = workers.consumers.get(stage.service) as WorkerPair;
    stages.push(await runStage(stage, pair, collector, plan, eventSource, log));
    collector.resume();
    await collector.caughtUp();
  }
  const deadLettered = TOPICS.filter((t) => t.deadLetter).reduce((sum, t) => sum + collector.of(t.name).length, 0);
  if (deadLettered > 0) throw new Error(`${deadLettered} records reached a dead-letter topic: the flow is broken`);
  await checkEveryOrderShipped(DynamoDBDocumentClient.from(servers.client), orders);
  return stages;
}

export async function runAwsModel(options: AwsModelOptions): Promise<AwsModelResult> {
  checkStagesCoverTopology();
  const started = performance.now();
  const loadAverageAtStart = loadAverage();
  const plan = options.quick ? AWS_MODEL_PLANS.quick : AWS_MODEL_PLANS.full;
  const orders = ordersFor(plan);
  const stops: Stops = [];
  try {
    const servers = await startServers(options, stops);
    options.log(`aws-model: broker, dynalite and ${TABLES.length} tables ready; starting one process per function...`);
    const workers = await startWorkers(servers, options, stops);
    const collector = new TopicCollector(
      servers.kafka,
      TOPICS.map((t) => t.name),
    );
    await collector.start();
    stops.push(() => collector.stop());
    const stages = await runFlow(servers, workers, collector, plan, orders, options.log);
    return {
      measuredAt: new Date().toISOString(),
      command: options.command,
      ...gitState(options.repoRoot),
      quick: options.quick,
      durationS: (performance.now() - started) / 1000,
      plan: { ...plan, orders, users: orders },
      orderMix: ORDER_MIX,
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        loadAverageAtStart,
        loadAverageAtEnd: loadAverage(),
        node: process.version,
      },
      latencies: REMOTE_CALL_LATENCY,
      timerLatenessMs: Object.fromEntries(
        [...workers.consumers].map(([service, pair]) => [service, pair.traced.timerLatenessMs]),
      ),
      tracingEnabled: [...workers.consumers]
        .filter(([, pair]) => pair.traced.tracingEnabled)
        .map(([service]) => service),
      ...summarise(stages, orders),
    };
  } finally {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
  }
}
