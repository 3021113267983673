/**
 * Types of the kafkajs source modules that ./producer-driver.ts assembles a producer from. kafkajs
 * publishes types for its entry only; these describe its 2.2.4 modules as far as that driver uses
 * them, with kafkajs's own public types where they exist.
 */

declare module 'kafkajs/src/loggers/index.js' {
  import type { Logger, logCreator, logLevel } from 'kafkajs';
  export const LEVELS: typeof logLevel;
  export function createLogger(options: { level?: logLevel; logCreator: logCreator }): Logger;
}

declare module 'kafkajs/src/loggers/console.js' {
  import type { logCreator } from 'kafkajs';

  const LoggerConsole: logCreator;
  export default LoggerConsole;
}

declare module 'kafkajs/src/network/socketFactory.js' {
  import type { ISocketFactory } from 'kafkajs';
  export default function defaultSocketFactory(): ISocketFactory;
}

declare module 'kafkajs/src/instrumentation/emitter.js' {
  export default class InstrumentationEventEmitter {}
}

declare module 'kafkajs/src/cluster/index.js' {
  import type { ISocketFactory, KafkaConfig, Logger, RetryOptions } from 'kafkajs';
  import type InstrumentationEventEmitter from 'kafkajs/src/instrumentation/emitter.js';
  export interface ClusterOptions
    extends Pick<
      KafkaConfig,
      | 'brokers'
      | 'ssl'
      | 'sasl'
      | 'clientId'
      | 'authenticationTimeout'
      | 'reauthenticationThreshold'
      | 'requestTimeout'
      | 'enforceRequestTimeout'
    > {
    logger: Logger;
    retry: RetryOptions | undefined;
    offsets: Map<string, unknown>;
    socketFactory: ISocketFactory;
    connectionTimeout: number;
    metadataMaxAge: number;
    instrumentationEmitter: InstrumentationEventEmitter;
    allowAutoTopicCreation: boolean;
    maxInFlightRequests: number | null;
    isolationLevel: number | undefined;
  }
  export default class Cluster {
    constructor(options: ClusterOptions);
  }
}

declare module 'kafkajs/src/producer/index.js' {
  import type { ICustomPartitioner, Logger, Producer, RetryOptions } from 'kafkajs';
  import type Cluster from 'kafkajs/src/cluster/index.js';
  import type InstrumentationEventEmitter from 'kafkajs/src/instrumentation/emitter.js';
  export default function createProducer(options: {
    cluster: Cluster;
    logger: Logger;
    createPartitioner: ICustomPartitioner;
    retry: RetryOptions;
    idempotent: boolean | undefined;
    transactionalId: string | undefined;
    transactionTimeout: number | undefined;
    instrumentationEmitter: InstrumentationEventEmitter;
  }): Producer;
}

declare module 'kafkajs/src/producer/partitioners/index.js' {
  import type { Partitioners } from 'kafkajs';

  const partitioners: typeof Partitioners;
  export default partitioners;
}
