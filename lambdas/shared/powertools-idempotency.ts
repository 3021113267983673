/**
 * Powertools idempotency over DynamoDB, keyed on what the producer made unique (a CloudEvent id),
 * never on a Kafka offset: a producer retry is a new offset with the same event id. For the services
 * whose effect leaves our tables (lib/topology.ts `effectsOnce: 'event-ids'`); their handler modules
 * pass it to kafkaHandler, so no other function bundles Powertools idempotency and its JMESPath.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { tableEnvVar } from '../../lib/runtime-contract';
import { CONSUMER_SERVICES, type ConsumerServiceName, proofLifetimeSeconds } from '../../lib/topology';
import { dynamoClient } from './aws-clients';
import { requireEnv } from './env';
import type { IdempotencyGuard } from './idempotency';

export interface DynamoIdempotencyOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Separates the keys of different services sharing one table (locally, one process runs them all). */
  readonly keyPrefix: string;
  /**
   * How long a completed key is remembered: as long as the event can be delivered again
   * (lib/topology.ts proofLifetimeSeconds), so no replay slips through.
   * @default the longest any service needs
   */
  readonly expiresAfterSeconds?: number;
}

/**
 * Without a Lambda context an in-progress record would never expire, and a crash mid-effect would
 * block the key until the record's TTL: assume the Lambda default timeout instead.
 */
const DEFAULT_IN_PROGRESS_MS = 60_000;

function defaultContext(): Context {
  const deadline = Date.now() + DEFAULT_IN_PROGRESS_MS;
  return { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as Context;
}

/** Powertools hides a thrown non-Error behind a generic message; keep the reason. */
function asErrors(effect: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await effect();
    } catch (error) {
      throw error instanceof Error ? error : new Error(String(error));
    }
  };
}

export function dynamoIdempotency(options: DynamoIdempotencyOptions): IdempotencyGuard {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    awsSdkV3Client: options.client,
  });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    expiresAfterSeconds: options.expiresAfterSeconds ?? Math.max(...CONSUMER_SERVICES.map(proofLifetimeSeconds)),
  });
  const guarded = makeIdempotent(
    async (input: { key: string }, effect: () => Promise<void>, ran: { value: boolean }) => {
      ran.value = true;
      await effect();
      return { key: input.key };
    },
    { persistenceStore, config, keyPrefix: options.keyPrefix, dataIndexArgument: 0 },
  );
  return {
    async run(key, effect, context) {
      config.registerLambdaContext(context ?? defaultContext());
      const ran = { value: false };
      await guarded({ key }, asErrors(effect), ran);
      return ran.value ? 'processed' : 'duplicate';
    },
  };
}

/**
 * A consumer service's guard on CloudEvent ids, in the idempotency table, remembered as long as the
 * service's events can be delivered again: what kafkaHandler asks for when lib/topology.ts says
 * `effectsOnce: 'event-ids'`.
 */
export function eventIdIdempotency(service: ConsumerServiceName): IdempotencyGuard {
  return dynamoIdempotency({
    client: dynamoClient(),
    tableName: requireEnv(tableEnvVar('idempotency')),
    keyPrefix: service,
    expiresAfterSeconds: proofLifetimeSeconds(service),
  });
}
