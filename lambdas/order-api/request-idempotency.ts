/**
 * The Idempotency-Key header, scoped to the route and the caller (./caller.ts): the same caller
 * sending the same key with the same body gets the first response again (one event published); the
 * same key with another body is refused (422); a request still in flight with that key answers 409.
 * Another caller's key of the same value is another record. Powertools idempotency over DynamoDB
 * keeps the record; a failed attempt (e.g. Kafka unreachable) leaves no record, so the client may
 * retry with the same key.
 */
import { createHash } from 'node:crypto';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { SERVICE } from './deps';

export type KeyedOutcome =
  | { readonly kind: 'response'; readonly response: APIGatewayProxyResult }
  | { readonly kind: 'conflict' }
  | { readonly kind: 'in-progress' };

/** What one Idempotency-Key record stands for: this key, from this caller, on this route. */
export interface KeyScope {
  /** e.g. `POST /orders`. */
  readonly route: string;
  /** The principal, from callerOf. */
  readonly caller: string;
  /** The Idempotency-Key header's value. */
  readonly key: string;
}

export interface RequestIdempotency {
  run(
    scope: KeyScope,
    body: unknown,
    respond: () => Promise<APIGatewayProxyResult>,
    context?: Context,
  ): Promise<KeyedOutcome>;
}

/** Responses worth remembering: success. Errors are not stored, so a retry runs again. */
class NotRemembered extends Error {
  constructor(readonly response: APIGatewayProxyResult) {
    super(`not remembered: ${response.statusCode}`);
  }
}

export function dynamoRequestIdempotency(options: {
  client: DynamoDBClient;
  tableName: string;
  expiresAfterSeconds?: number;
}): RequestIdempotency {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    awsSdkV3Client: options.client,
  });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    payloadValidationJmesPath: 'bodyHash',
    expiresAfterSeconds: options.expiresAfterSeconds ?? 24 * 3_600,
  });
  const guarded = makeIdempotent(
    async (_input: { key: string; bodyHash: string }, respond: () => Promise<APIGatewayProxyResult>) => {
      const response = await respond();
      if (response.statusCode >= 300) throw new NotRemembered(response);
      return response;
    },
    { persistenceStore, config, keyPrefix: SERVICE, dataIndexArgument: 0 },
  );
  return {
    async run(scope, body, respond, context) {
      if (context) config.registerLambdaContext(context);
      try {
        const response = await guarded({ key: recordKey(scope), bodyHash: bodyHash(body) }, respond);
        return { kind: 'response', response: response as APIGatewayProxyResult };
      } catch (error) {
        if (error instanceof NotRemembered) return { kind: 'response', response: error.response };
        if (error instanceof IdempotencyValidationError) return { kind: 'conflict' };
        if (error instanceof IdempotencyAlreadyInProgressError) return { kind: 'in-progress' };
        throw error;
      }
    },
  };
}

/** The three parts as one string that no other three parts give (a JSON array of them). */
export function recordKey(scope: KeyScope): string {
  return JSON.stringify([scope.route, scope.caller, scope.key]);
}

/** A hash of the body that ignores key order and whitespace: the same request, however it is written. */
export function bodyHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
