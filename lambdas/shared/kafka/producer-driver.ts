/**
 * The Kafka client library for code that only produces (the Lambda functions): kafkajs's `Kafka`
 * client without its consumer and admin. kafkajs is CommonJS and its entry requires every part, so
 * a bundler cannot leave out what a function never calls; this module assembles the producer the
 * way kafkajs's own `Kafka#producer` does (src/index.js), from the same modules, and nothing else.
 *
 * It reaches into kafkajs's source folder, which is no public API: it is written against exactly
 * KAFKAJS_VERSION (package.json pins it), a unit test fails when the installed version differs, and
 * an integration test runs it against the real broker (idempotent producer, acks=all, SASL config).
 * Only this module and ./driver.ts may import kafkajs (biome.json).
 */
// The reference keeps the declarations with every program that compiles this module, not only with
// tsconfig.json's file list: the reload's type check starts from the handler entries alone.
/// <reference path="./kafkajs-internals.d.ts" />
import type { KafkaConfig, Producer, ProducerConfig } from 'kafkajs';
import Cluster from 'kafkajs/src/cluster/index.js';
import InstrumentationEventEmitter from 'kafkajs/src/instrumentation/emitter.js';
import LoggerConsole from 'kafkajs/src/loggers/console.js';
import { createLogger, LEVELS } from 'kafkajs/src/loggers/index.js';
import defaultSocketFactory from 'kafkajs/src/network/socketFactory.js';
import createProducer from 'kafkajs/src/producer/index.js';
import partitioners from 'kafkajs/src/producer/partitioners/index.js';
// kafkajs's request queue, mended before any producer is made (see the module).
import './request-queue-timer';

export type { KafkaConfig, Message, Producer, ProducerConfig } from 'kafkajs';

/** The kafkajs release whose `Kafka#producer` this module reproduces. */
export const KAFKAJS_VERSION = '2.2.4';

/** kafkajs's `logLevel` (its `LEVELS`). */
export const logLevel = LEVELS;

/** kafkajs's `Partitioners`. */
export const Partitioners = partitioners;

/** The one thing a producing function asks of a Kafka client. */
export interface ProducerFactory {
  producer(config?: ProducerConfig): Producer;
}

/** kafkajs's `Kafka#producer` default (src/index.js DEFAULT_METADATA_MAX_AGE). */
const DEFAULT_METADATA_MAX_AGE = 300_000;

/**
 * `new Kafka(config)` of kafkajs with `producer()` only: the same defaults, one cluster per
 * producer, the same retry merging. One difference: `createPartitioner` is required, so kafkajs's
 * warning about its v2 default partitioner (which its entry module carries) is never due.
 */
export class ProducerOnlyKafka implements ProducerFactory {
  private readonly logger: ReturnType<typeof createLogger>;
  /** Shared by every cluster of this client, as kafkajs shares it (Kafka's PRIVATE.OFFSETS). */
  private readonly offsets = new Map<string, unknown>();

  constructor(private readonly config: KafkaConfig) {
    this.logger = createLogger({
      level: config.logLevel ?? LEVELS.INFO,
      logCreator: config.logCreator ?? LoggerConsole,
    });
  }

  producer(config: ProducerConfig = {}): Producer {
    const { createPartitioner, retry, metadataMaxAge = DEFAULT_METADATA_MAX_AGE } = config;
    if (!createPartitioner) {
      throw new Error('ProducerOnlyKafka#producer needs createPartitioner (e.g. Partitioners.DefaultPartitioner)');
    }
    const {
      brokers,
      ssl,
      sasl,
      clientId,
      connectionTimeout = 1000,
      authenticationTimeout,
      reauthenticationThreshold,
      requestTimeout,
      enforceRequestTimeout = true,
      retry: clusterRetry,
      socketFactory = defaultSocketFactory(),
    } = this.config;
    const instrumentationEmitter = new InstrumentationEventEmitter();
    const cluster = new Cluster({
      logger: this.logger,
      retry: clusterRetry,
      offsets: this.offsets,
      socketFactory,
      brokers,
      ssl,
      sasl,
      clientId,
      connectionTimeout,
      authenticationTimeout,
      reauthenticationThreshold,
      requestTimeout,
      enforceRequestTimeout,
      metadataMaxAge,
      instrumentationEmitter,
      allowAutoTopicCreation: config.allowAutoTopicCreation ?? true,
      maxInFlightRequests: config.maxInFlightRequests ?? null,
      isolationLevel: undefined,
    });
    return createProducer({
      retry: { ...clusterRetry, ...retry },
      logger: this.logger,
      cluster,
      createPartitioner,
      idempotent: config.idempotent,
      transactionalId: config.transactionalId,
      transactionTimeout: config.transactionTimeout,
      instrumentationEmitter,
    });
  }
}
