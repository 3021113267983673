/**
 * The whole pipeline on one machine: a real Kafka broker, dynalite, one emulated MSK trigger per
 * subscription and the API Gateway emulator, all running the same handler modules, topology and
 * configuration as AWS. Everything it writes lives under one folder (`.local/` by default).
 */
import './tracing-off';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { Kafka, logLevel } from '../lambdas/shared/kafka/driver';
import { disconnectSharedProducers } from '../lambdas/shared/kafka/kafka-handler';
import { loadConfig } from '../lib/config';
import {
  CONSUMER_SERVICES,
  consumerGroupId,
  deadLetterTopic,
  domainTopic,
  SERVICE_SPECS,
  SERVICES,
  type ServiceName,
  TOPICS,
} from '../lib/topology';
import { ApiGatewayEmulator } from './api-gateway';
import { EventTap } from './console/event-tap';
import { EsmEmulator, type EsmEmulatorStats } from './esm/emulator';
import { type EsmReading, parseReading } from './esm/readings';
import type { FaultInjection, KafkaLambdaHandler } from './faults';
import { LocalInfrastructure } from './infrastructure';
import { LocalSetupError, portOpen } from './kafka-broker';
import { OffsetMonitor } from './kafka-offsets';
import { CONSOLE_PATH, METRICS_PATH, observabilityRoutes } from './observability-routes';
import { REPO_ROOT } from './paths';
import { PipelineMetrics } from './prometheus';
import { HandlerReloader } from './reload/reloader';
import { announcePipeline, withdrawPipeline } from './running-pipeline';
import { paint, serviceColour } from './terminal';

export interface LocalRuntimeOptions {
  readonly dir: string;
  readonly kafkaPort: number;
  /** Use this already running broker instead of starting one (integration tests). */
  readonly externalKafka?: string;
  /**
   * Start the broker in a process group of its own, so a terminal's Ctrl-C stops it only through
   * `stop()`, after the consumers' last commits (`npm start`; see BrokerOptions.ownProcessGroup).
   */
  readonly brokerOwnProcessGroup?: boolean;
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
  /**
   * Reload on save: watch `root`'s lambdas/ and lib/ (default: this repository) and swap in the
   * functions' new code without restarting anything else (local/reload/). Off when absent.
   */
  readonly watch?: { readonly root?: string };
  /** Reliability tests only: wraps the Kafka-triggered functions (local/faults.ts). */
  readonly faults?: FaultInjection;
  /** How the trigger emulators behave where AWS is silent. @default ESM_READING, else DEFAULT_READING */
  readonly reading?: EsmReading;
}

export { localTableName } from './infrastructure';

/** The profile whose topology settings (partitions, batch settings) the local pipeline runs. */
export const LOCAL_PROFILE = 'dev';

export class LocalRuntime {
  private infrastructure?: LocalInfrastructure;
  private reloader?: HandlerReloader;
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

  private readonly reading: EsmReading;

  constructor(private readonly options: LocalRuntimeOptions) {
    this.reading = options.reading ?? parseReading(process.env.ESM_READING);
  }

  async start(): Promise<void> {
    const { dir, log } = this.options;
    const config = loadConfig(LOCAL_PROFILE);
    // Checked first, so a busy API port is reported before a minute of broker start-up.
    if (this.options.apiPort !== 0 && (await portOpen(this.options.apiPort))) {
      throw new LocalSetupError(`Port ${this.options.apiPort} is already in use; set PORT to a free port.`);
    }
    const infrastructure = new LocalInfrastructure({
      dir,
      config,
      kafkaPort: this.options.kafkaPort,
      ...(this.options.externalKafka ? { externalKafka: this.options.externalKafka } : {}),
      ...(this.options.brokerOwnProcessGroup ? { brokerOwnProcessGroup: true } : {}),
      dynamoPort: this.options.dynamoPort,
      ...(this.options.jsonLogs ? { jsonLogs: true } : {}),
      log,
    });
    this.infrastructure = infrastructure;
    await infrastructure.start();
    const { bootstrapServers } = infrastructure;
    if (this.options.watch) {
      // After the infrastructure: the handler modules read its environment when they load.
      this.reloader = new HandlerReloader({
        root: this.options.watch.root ?? REPO_ROOT,
        dir: join(dir, 'handlers'),
        log,
      });
      await this.reloader.start();
    }
    await this.startWatching(bootstrapServers);
    this.kafka = new Kafka({ clientId: 'local-runtime', brokers: [bootstrapServers], logLevel: logLevel.ERROR });
    this.bootstrapServers = bootstrapServers;
    await this.startTriggers();
    await this.startApi();
    announcePipeline(dir, {
      pid: process.pid,
      bootstrapServers,
      dynamoEndpoint: infrastructure.dynamoEndpoint,
      apiUrl: this.apiUrl,
    });
  }

  /** The offsets every consumer group has reached, the Prometheus metrics and the console's event tap. */
  private async startWatching(bootstrapServers: string): Promise<void> {
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
    this.metrics = new PipelineMetrics(
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
      log: this.options.log,
    });
    await this.tap.start();
  }

  /** The API Gateway emulator in front of order-api, serving the console and /metrics beside it. */
  private async startApi(): Promise<void> {
    const { metrics, offsets, tap } = this;
    if (!metrics || !offsets || !tap) throw new Error('startWatching() has not run');
    const apiSpec = SERVICE_SPECS['order-api'];
    this.api = new ApiGatewayEmulator({
      port: this.options.apiPort,
      stage: 'local',
      handler:
        this.handlerOf<(event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>>('order-api'),
      functionName: 'local-order-api',
      timeoutSeconds: apiSpec.timeoutSeconds,
      memoryMb: apiSpec.memoryMb,
      observer: metrics.observer('order-api'),
      extraRoutes: observabilityRoutes({ metrics, offsets, tap }),
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
      const handler = this.handlerOf<KafkaLambdaHandler>(service);
      for (const subscription of spec.subscriptions) {
        const emulator = new EsmEmulator({
          service,
          subscription,
          kafka,
          bootstrapServers,
          handler: faults ? faults.wrapHandler({ service, domain: subscription.domain }, handler) : handler,
          functionName: `local-${service}`,
          timeoutSeconds: faults?.timeoutSeconds ?? spec.timeoutSeconds,
          observer: this.metrics?.observer(service),
          reading: this.reading,
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

  /** dynalite's process (DynamoDB's CPU, apart from the handlers'), while it runs. */
  get dynamoPid(): number | undefined {
    return this.infrastructure?.dynamoPid;
  }

  /** What each trigger emulator is doing: for a harness that must say why a pipeline stalled. */
  triggerStats(): EsmEmulatorStats[] {
    return this.emulators.map((emulator) => emulator.stats());
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
      withdrawPipeline(this.options.dir);
      await this.api?.stop();
      await this.stopTriggers();
      await this.tap?.stop();
      await this.offsets?.stop();
      // Each handler module keeps its function's producer, as its execution environment would.
      await this.reloader?.stop();
      await disconnectSharedProducers();
      await this.infrastructure?.stop();
    })();
    return this.stopping;
  }

  /**
   * A function's handler: with reload on save, the slot that always calls its current code; else the
   * module loaded once, as an execution environment would (require caches it).
   */
  private handlerOf<H>(service: ServiceName): H {
    if (this.reloader) return this.reloader.handler(service) as H;
    return (require(join('..', SERVICE_SPECS[service].entry.replace(/\.ts$/, ''))) as { handler: H }).handler;
  }

  private eventLine(service: ServiceName, line: string, fields?: Record<string, unknown>): void {
    if (this.options.jsonLogs) {
      this.options.log(JSON.stringify({ service, message: line, ...fields }));
      return;
    }
    this.options.log(`${paint(service.padEnd(12), serviceColour(service), this.options.colour === true)} ${line}`);
  }
}
