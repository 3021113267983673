/**
 * The whole pipeline on one machine: a real Kafka broker, dynalite, one emulated MSK trigger per
 * subscription and the API Gateway emulator, all running the same handler modules, topology and
 * configuration as AWS. Everything it writes lives under one folder (`.local/` by default).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { Kafka, logLevel } from 'kafkajs';
import { seedCatalogue } from '../lambdas/shared/catalogue';
import { ensureTables } from '../lambdas/shared/db/tables';
import { sharedProducer } from '../lambdas/shared/kafka/kafka-handler';
import type { MskEvent } from '../lambdas/shared/kafka/msk-event';
import { ensureTopics } from '../lambdas/topic-admin/topics';
import { loadConfig } from '../lib/config';
import { ENV, METRICS, tableEnvVar } from '../lib/runtime-contract';
import { topicConfigs, topicPartitions } from '../lib/topic-settings';
import { CONSUMER_SERVICES, SERVICE_SPECS, TABLES, type TableName, TOPICS } from '../lib/topology';
import { ApiGatewayEmulator } from './api-gateway';
import { DynamoServer } from './dynamo-server';
import { EsmEmulator } from './esm/emulator';
import { KafkaBroker, LocalSetupError, portOpen } from './kafka-broker';

export interface LocalRuntimeOptions {
  readonly dir: string;
  readonly kafkaPort: number;
  /** Use this already running broker instead of starting one (integration tests). */
  readonly externalKafka?: string;
  readonly apiPort: number;
  readonly dynamoPort: number;
  /** Powertools JSON logs from the handlers, instead of one readable line per event. */
  readonly jsonLogs?: boolean;
  /**
   * Every subscription's batching window, in place of the topology's (the benchmark runs the whole
   * pipeline at window 0, as provisioned-mode low-latency ESMs do); the AWS configuration is untouched.
   */
  readonly batchingWindowSeconds?: number;
  readonly log: (line: string) => void;
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
  private stopping?: Promise<void>;
  apiUrl = '';

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

    const client = new DynamoDBClient({ endpoint: this.dynamo.endpoint });
    await ensureTables(client, localTableName);
    const seeded = await seedCatalogue(DynamoDBDocumentClient.from(client), localTableName('inventory'));
    client.destroy();
    log(
      `Tables ready (${TABLES.length}); catalogue ${seeded > 0 ? `seeded with ${seeded} products` : 'kept as it was'}.`,
    );

    for (const service of CONSUMER_SERVICES) {
      const spec = SERVICE_SPECS[service];
      // Loaded once per function, as an execution environment would.
      const module = require(join('..', spec.entry.replace(/\.ts$/, ''))) as {
        handler: (event: MskEvent, context: Context) => Promise<unknown>;
      };
      for (const subscription of spec.subscriptions) {
        const emulator = new EsmEmulator({
          service,
          subscription,
          kafka,
          bootstrapServers,
          handler: module.handler,
          functionName: `local-${service}`,
          timeoutSeconds: spec.timeoutSeconds,
          log: (line, fields) => this.eventLine(service, line, fields),
          ...(this.options.batchingWindowSeconds === undefined
            ? {}
            : { overrides: { batchingWindowSeconds: this.options.batchingWindowSeconds } }),
        });
        await emulator.start();
        this.emulators.push(emulator);
      }
    }
    log(`MSK triggers ready (${this.emulators.length} subscriptions).`);

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
      log: (line) => this.eventLine('order-api', line),
    });
    const { url } = await this.api.start();
    this.apiUrl = url;
  }

  /** Stops everything it started, in reverse order, committing consumer offsets. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.api?.stop();
      for (const emulator of this.emulators.reverse()) await emulator.stop();
      // The handler modules share one producer per process, as one execution environment would.
      await sharedProducer('local-runtime').disconnect();
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
    for (const table of TABLES) env[tableEnvVar(table)] = localTableName(table);
    env.AWS_REGION ??= 'eu-west-1';
    // dynalite accepts any credentials; the SDK insists on having some.
    env.AWS_ACCESS_KEY_ID ??= 'local';
    env.AWS_SECRET_ACCESS_KEY ??= 'local';
    if (!this.options.jsonLogs) env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  }

  private eventLine(service: string, line: string, fields?: Record<string, unknown>): void {
    if (this.options.jsonLogs) {
      this.options.log(JSON.stringify({ service, message: line, ...fields }));
      return;
    }
    this.options.log(`${service.padEnd(12)} ${line}`);
  }
}
