/**
 * What every local way of running a function needs beneath it: a Kafka broker with the topology's
 * topics, dynalite with the tables and the seeded catalogue, and the environment the handler modules
 * read, set as the CDK stack sets it on AWS. `npm start` builds the triggers and the API on top;
 * `npm run invoke` uses it alone when no pipeline is running.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { seedCatalogue } from '../lambdas/shared/catalogue';
import { ItemClient } from '../lambdas/shared/db/item-client';
import { ensureTables } from '../lambdas/shared/db/tables';
import { Kafka, logLevel } from '../lambdas/shared/kafka/driver';
import { ensureTopics } from '../lambdas/topic-admin/topics';
import type { PipelineConfig } from '../lib/config';
import { ENV, METRICS, tableEnvVar } from '../lib/runtime-contract';
import { topicConfigs, topicPartitions } from '../lib/topic-settings';
import { TABLES, type TableName, TOPICS } from '../lib/topology';
import { DynamoProcess } from './dynamo-process';
import { KafkaBroker } from './kafka-broker';

export interface InfrastructureOptions {
  readonly dir: string;
  readonly config: PipelineConfig;
  readonly kafkaPort: number;
  /** Use this already running broker instead of starting one (integration tests). */
  readonly externalKafka?: string;
  /** The broker this starts in a process group of its own (`npm start`: see BrokerOptions). */
  readonly brokerOwnProcessGroup?: boolean;
  readonly dynamoPort: number;
  /** Powertools JSON logs from the handlers (their level then defaults to INFO, else WARN). */
  readonly jsonLogs?: boolean;
  readonly log: (line: string) => void;
}

export function localTableName(table: TableName): string {
  return `local-${table}`;
}

export interface HandlerEndpoints {
  readonly bootstrapServers: string;
  readonly dynamoEndpoint: string;
  /** The local runtime's folder: the notification outbox lives in it. */
  readonly dir: string;
  readonly jsonLogs?: boolean;
}

/** The environment the handler modules read, as the CDK stack sets it on AWS. */
export function configureHandlerEnvironment(endpoints: HandlerEndpoints, env: NodeJS.ProcessEnv = process.env): void {
  env[ENV.kafkaBootstrapServers] = endpoints.bootstrapServers;
  env[ENV.kafkaAuth] = 'plaintext';
  env[ENV.dynamodbEndpoint] = endpoints.dynamoEndpoint;
  env[ENV.notificationOutboxDir] = join(endpoints.dir, 'outbox');
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
  if (!endpoints.jsonLogs) env[ENV.powertoolsLogLevel] ??= 'WARN';
}

export class LocalInfrastructure {
  private broker?: KafkaBroker;
  private dynamo?: DynamoProcess;
  bootstrapServers = '';
  dynamoEndpoint = '';

  constructor(private readonly options: InfrastructureOptions) {}

  /** Starts (or reuses) the broker and dynalite, then makes sure the topics, tables and catalogue exist. */
  async start(): Promise<void> {
    const { dir, log, config } = this.options;
    mkdirSync(dir, { recursive: true });
    let bootstrapServers = this.options.externalKafka;
    if (!bootstrapServers) {
      this.broker = new KafkaBroker({
        dir: join(dir, 'kafka'),
        port: this.options.kafkaPort,
        controllerPort: this.options.kafkaPort + 1,
        log,
        ...(this.options.brokerOwnProcessGroup ? { ownProcessGroup: true } : {}),
      });
      await this.broker.start();
      bootstrapServers = this.broker.bootstrapServers;
    }
    this.bootstrapServers = bootstrapServers;
    log(`Kafka ready on ${bootstrapServers}.`);

    this.dynamo = new DynamoProcess({ dir: join(dir, 'dynamodb'), port: this.options.dynamoPort });
    await this.dynamo.start();
    this.dynamoEndpoint = this.dynamo.endpoint;
    log(`DynamoDB API (dynalite, process ${this.dynamo.pid}) ready on ${this.dynamoEndpoint}.`);

    configureHandlerEnvironment({
      bootstrapServers,
      dynamoEndpoint: this.dynamoEndpoint,
      dir,
      ...(this.options.jsonLogs ? { jsonLogs: true } : {}),
    });

    const admin = new Kafka({
      clientId: 'local-runtime',
      brokers: [bootstrapServers],
      logLevel: logLevel.ERROR,
    }).admin();
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

    const client = new DynamoDBClient({ endpoint: this.dynamoEndpoint });
    try {
      await ensureTables(client, localTableName);
      const seeded = await seedCatalogue(new ItemClient(client), localTableName('inventory'));
      log(
        `Tables ready (${TABLES.length}); catalogue ${seeded > 0 ? `seeded with ${seeded} products` : 'kept as it was'}.`,
      );
    } finally {
      client.destroy();
    }
  }

  /** dynalite's process, while it runs. */
  get dynamoPid(): number | undefined {
    return this.dynamo?.pid;
  }

  /** Stops dynalite, then the broker if it started one. */
  async stop(): Promise<void> {
    await this.dynamo?.stop();
    await this.broker?.stop();
  }
}
