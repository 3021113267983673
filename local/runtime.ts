/**
 * The whole pipeline on one machine: a real Kafka broker, dynalite, one emulated MSK trigger per
 * subscription and the API Gateway emulator, all running the same handler modules, topology and
 * configuration as AWS. Everything it writes lives under one folder (`.local/` by default).
 */
import './tracing-off';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { Kafka, logLevel } from 'kafkajs';
import { seedCatalogue } from '../lambdas/shared/catalogue';
import { ensureTables } from '../lambdas/shared/db/tables';
import { disconnectSharedProducers } from '../lambdas/shared/kafka/kafka-handler';
import { ensureTopics } from '../lambdas/topic-admin/topics';
import { loadConfig } from '../lib/config';
import { ENV, METRICS, tableEnvVar } from '../lib/runtime-contract';
import { topicConfigs, topicPartitions } from '../lib/topic-settings';
import {
  CONSUMER_SERVICES,
  consumerGroupId,
  deadLetterTopic,
  domainTopic,
  SERVICE_SPECS,
  SERVICES,
  type ServiceName,
  TABLES,
  type TableName,
  TOPICS,
} from '../lib/topology';
import { ApiGatewayEmulator } from './api-gateway';
import { EventTap } from './console/event-tap';
import { DynamoServer } from './dynamo-server';
import { EsmEmulator } from './esm/emulator';
import type { FaultInjection, KafkaLambdaHandler } from './faults';
import { KafkaBroker, LocalSetupError, portOpen } from './kafka-broker';
import { OffsetMonitor } from './kafka-offsets';
import { CONSOLE_PATH, METRICS_PATH, observabilityRoutes } from './observability-routes';
import { PipelineMetrics } from './prometheus';
import { paint, serviceColour } from './terminal';

export interface LocalRuntimeOptions {
  readonly dir: string;
  readonly kafkaPort: number;
  /** Use this already running broker instead of starting one (integration tests). */
  readonly externalKafka?: string;
  readonly apiPort: number;
  readonly dynamoPort: number;
  /** Powertools JSON logs from the handlers, instead of one readable line per event. */
  readonly jsonLogs?: boolean;
  /** ANSI colours by service on the event lines (never on JSON lines). */
  readonly colour?: boolean;
  /**
   * Every subscription's batching window, in place of the topology's (the benchmark runs the whole
   * pipeline at window 0, as provisioned-mode low-latency ESMs do); the AWS configuration is untouched.
   */
  readonly batchingWindowSeconds?: number;
  readonly log: (line: string) => void;
  /** Reliability tests only: wraps the Kafka-triggered functions (local/faults.ts). */
  readonly faults?: FaultInjection;
}

/** The profile whose topology settings (partitions, batch settings) the local pipeline runs. */
export const LOCAL_PROFILE = 'dev';

export function localTableName(table: TableName): string {
  return `local-${table}`;
}

export class LocalRuntime {
  private broker?: KafkaBroker;
  private dynamo?: DynamoServer;
  private emulators: EsmEmulator[] = [];
  private api?: ApiGatewayEmulator;
  private offsets?: OffsetMonitor;
  private tap?: EventTap;
  private kafka?: Kafka;
  private bootstrapServers?: string;
  private metrics?: PipelineMetrics;
  private stopping?: Promise<void>;
  apiUrl = '';
  /** The live console, served on the API port. */
  consoleUrl = '';
  /** Prometheus metrics, served on the API port. */
  metricsUrl = '';

  constructor(private readonly options: LocalRuntimeOptions) {}

  async start(): Promise<void> {
    const { dir, log } = this.options;
    const config = loadConfig(LOCAL_PROFILE);
    // Checked first, so a busy API port is reported before a minute of broker start-up.
    if (this.options.apiPort !== 0 && (await portOpen(this.options.apiPort))) {
      throw new LocalSetupError(`Port ${this.options.apiPort} is already in use; set PORT to a free port.`);
    }
    mkdirSync(dir, { recursive: true });

    let bootstrapServers = this.options.externalKafka;
    if (!bootstrapServers) {
      this.broker = new KafkaBroker({
        dir: join(dir, 'kafka'),
        port: this.options.kafkaPort,
        controllerPort: this.options.kafkaPort + 1,
        log,
      });
      await this.broker.start();
      bootstrapServers = this.broker.bootstrapServers;
    }
    log(`Kafka ready on ${bootstrapServers}.`);

    this.dynamo = new DynamoServer({ dir: join(dir, 'dynamodb'), port: this.options.dynamoPort });
    await this.dynamo.start();
    log(`DynamoDB API (dynalite) ready on ${this.dynamo.endpoint}.`);

    this.configureEnvironment(bootstrapServers, this.dynamo.endpoint);

    const kafka = new Kafka({ clientId: 'local-runtime', brokers: [bootstrapServers], logLevel: logLevel.ERROR });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const changes = await ensureTopics(
        admin,
        TOPICS.map((topic) => ({
          name: topic.name,
          partitions: topicPartitions(topic, config),
          // One broker: every write is acknowledged by the only replica.
          configs: { ...topicConfigs(topic, config), 'min.insync.replicas': '1' },
        })),
      );
      log(`Topics ready (${TOPICS.length}; created ${changes.created.length}).`);
    } finally {
      await admin.disconnect();
    }

    const offsets = new OffsetMonitor({
      bootstrapServers,
      topics: TOPICS.map((t) => t.name),
      groups: CONSUMER_SERVICES.flatMap((service) =>
        SERVICE_SPECS[service].subscriptions.map((sub) => ({
          group: consumerGroupId(service, sub.domain),
          topic: domainTopic(sub.domain),
        })),
      ),
    });
    this.offsets = offsets;
    const metrics = new PipelineMetrics(
      offsets,
      SERVICES.map((name) => {
        const consumer = CONSUMER_SERVICES.find((s) => s === name);
        return consumer ? { name, deadLetterTopic: deadLetterTopic(consumer) } : { name };
      }),
    );
    this.tap = new EventTap({
      bootstrapServers,
      topics: TOPICS.map((t) => t.name),
      offsets: () => offsets.snapshot(),
      log,
    });
    await this.tap.start();

    const client = new DynamoDBClient({ endpoint: this.dynamo.endpoint });
    await ensureTables(client, localTableName);
    const seeded = await seedCatalogue(DynamoDBDocumentClient.from(client), localTableName('inventory'));
    client.destroy();
    log(
      `Tables ready (${TABLES.length}); catalogue ${seeded > 0 ? `seeded with ${seeded} products` : 'kept as it was'}.`,
    );

    this.kafka = kafka;
    this.metrics = metrics;
    this.bootstrapServers = bootstrapServers;
    await this.startTriggers();

    const apiSpec = SERVICE_SPECS['order-api'];
    const apiModule = require(join('..', apiSpec.entry.replace(/\.ts$/, ''))) as {
      handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
    };
    this.api = new ApiGatewayEmulator({
      port: this.options.apiPort,
      stage: 'local',
      handler: apiModule.handler,
      functionName: 'local-order-api',
      timeoutSeconds: apiSpec.timeoutSeconds,
      memoryMb: apiSpec.memoryMb,
      observer: metrics.observer('order-api'),
      extraRoutes: observabilityRoutes({ metrics, offsets, tap: this.tap }),
      log: (line) => this.eventLine('order-api', line),
    });
    const { url } = await this.api.start();
    this.apiUrl = url;
    this.consoleUrl = `${url}${CONSOLE_PATH}`;
    this.metricsUrl = `${url}${METRICS_PATH}`;
  }

  /** Starts one MSK trigger emulator per subscription (again, after stopTriggers). */
  async startTriggers(): Promise<void> {
    const { kafka, bootstrapServers } = this;
    if (!kafka || !bootstrapServers) throw new Error('LocalRuntime.start() has not run');
    const faults = this.options.faults;
    for (const service of CONSUMER_SERVICES) {
      const spec = SERVICE_SPECS[service];
      // Loaded once per function, as an execution environment would (require caches the module).
      const module = require(join('..', spec.entry.replace(/\.ts$/, ''))) as { handler: KafkaLambdaHandler };
      for (const subscription of spec.subscriptions) {
        const emulator = new EsmEmulator({
          service,
          subscription,
          kafka,
          bootstrapServers,
          handler: faults
            ? faults.wrapHandler({ service, domain: subscription.domain }, module.handler)
            : module.handler,
          functionName: `local-${service}`,
          timeoutSeconds: faults?.timeoutSeconds ?? spec.timeoutSeconds,
          observer: this.metrics?.observer(service),
          ...(this.options.batchingWindowSeconds === undefined
            ? {}
            : { overrides: { batchingWindowSeconds: this.options.batchingWindowSeconds } }),
          log: (line, fields) => this.eventLine(service, line, fields),
        });
        await emulator.start();
        this.emulators.push(emulator);
      }
    }
    this.options.log(`MSK triggers ready (${this.emulators.length} subscriptions).`);
  }

  /** Stops the trigger emulators, committing what they finished; the consumer groups are left empty. */
  async stopTriggers(): Promise<void> {
    const emulators = this.emulators.reverse();
    this.emulators = [];
    for (const emulator of emulators) await emulator.stop();
  }

  /** Stops everything it started, in reverse order, committing consumer offsets. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.api?.stop();
      await this.stopTriggers();
      await this.tap?.stop();
      await this.offsets?.stop();
      // Each handler module keeps its function's producer, as its execution environment would.
      await disconnectSharedProducers();
      await this.dynamo?.stop();
      await this.broker?.stop();
    })();
    return this.stopping;
  }

  /** The environment the handler modules read, as the CDK stack sets it on AWS. */
  private configureEnvironment(bootstrapServers: string, dynamoEndpoint: string): void {
    const env = process.env;
    env[ENV.kafkaBootstrapServers] = bootstrapServers;
    env[ENV.kafkaAuth] = 'plaintext';
    env[ENV.dynamodbEndpoint] = dynamoEndpoint;
    env[ENV.notificationOutboxDir] = join(this.options.dir, 'outbox');
    env[ENV.powertoolsMetricsNamespace] = METRICS.namespace;
    // EMF is for CloudWatch; locally it would only flood the console. Tracing is already off
    // outside Lambda (no AWS_EXECUTION_ENV); saying so keeps it off if that variable leaks in.
    env[ENV.powertoolsMetricsDisabled] = 'true';
    env[ENV.powertoolsTraceEnabled] = 'false';
    for (const table of TABLES) env[tableEnvVar(table)] = localTableName(table);
    env.AWS_REGION ??= 'eu-west-1';
    // dynalite accepts any credentials; the SDK insists on having some.
    env.AWS_ACCESS_KEY_ID ??= 'local';
    env.AWS_SECRET_ACCESS_KEY ??= 'local';
    if (!this.options.jsonLogs) env[ENV.powertoolsLogLevel] ??= 'WARN';
  }

  private eventLine(service: ServiceName, line: string, fields?: Record<string, unknown>): void {
    if (this.options.jsonLogs) {
      this.options.log(JSON.stringify({ service, message: line, ...fields }));
      return;
    }
    this.options.log(`${paint(service.padEnd(12), serviceColour(service), this.options.colour === true)} ${line}`);
  }
}
