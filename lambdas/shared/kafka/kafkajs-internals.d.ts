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

declare module 'kafkajs/src/network/requestQueue/index.js' {
  /** One broker connection's queue of requests (the parts ./request-queue-timer.ts touches). */
  export default class RequestQueue {
    constructor(options: {
      instrumentationEmitter: unknown;
      maxInFlightRequests: number | null;
      requestTimeout: number;
      enforceRequestTimeout: boolean;
      clientId: string;
      broker: string;
      logger: import('kafkajs').Logger;
      isConnected: () => boolean;
    });
    pending: unknown[];
    throttledUntil: number;
    throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
    push(request: {
      entry: {
        correlationId: number;
        apiKey: number;
        apiName: string;
        apiVersion: number;
        resolve: (answer: unknown) => void;
        reject: (error: unknown) => void;
      };
      expectResponse: boolean;
      requestTimeout?: number;
      sendRequest: () => void;
    }): void;
    fulfillRequest(response: { correlationId: number; payload: Buffer | null; size: number }): void;
    maybeThrottle(clientSideThrottleTime: number | null): void;
    checkPendingRequests(): void;
    scheduleCheckPendingRequests(): void;
    destroy(): void;
  }
}
