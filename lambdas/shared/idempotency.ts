/**
 * "Effects once" for at-least-once delivery: Powertools idempotency over DynamoDB, keyed on what
 * the producer made unique (a CloudEvent id, an Idempotency-Key header), never on a Kafka offset: a
 * producer retry is a new offset with the same event id.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { CONSUMER_SERVICES, proofLifetimeSeconds } from '../../lib/topology';

export type IdempotentOutcome = 'processed' | 'duplicate';

export interface IdempotencyGuard {
  /** Runs `effect` unless `key` already completed; a crash mid-way lets a later delivery retry. */
  run(key: string, effect: () => Promise<void>, context?: Context): Promise<IdempotentOutcome>;
}

/**
 * For a service whose conditional writes prove an event was applied: every delivery runs the
 * handler, which finds its own effects done and re-publishes the same event ids.
 */
export const proofInDomainWrites: IdempotencyGuard = {
  async run(_key, effect) {
    await effect();
    return 'processed';
  },
};

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
