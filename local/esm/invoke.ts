/**
 * One synchronous Lambda invocation as the ESM makes it: a fresh Lambda context, the event and the
 * response passed through JSON as the Lambda runtime does, the function timeout enforced, and the
 * response read as a Kafka partial batch response (lambda-kafka-esm.md §3.3).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { KafkaItemIdentifier, MskEvent } from '../../lambdas/shared/kafka/msk-event';

export type LambdaHandler = (event: MskEvent, context: Context) => Promise<unknown>;

export interface FunctionConfig {
  readonly functionName: string;
  readonly functionArn: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

/** What Lambda reports about a failed invocation, for the on-failure record's responseContext. */
export interface ResponseContext {
  readonly statusCode: number;
  readonly executedVersion: string;
  readonly functionError?: string;
}

export type InvocationResult =
  | { readonly kind: 'success'; readonly requestId: string; readonly durationMs: number }
  | {
      readonly kind: 'partial';
      readonly requestId: string;
      readonly durationMs: number;
      readonly failures: readonly KafkaItemIdentifier[];
    }
  | {
      readonly kind: 'error';
      readonly requestId: string;
      readonly durationMs: number;
      /** A function error (it threw or timed out) rather than a response Lambda could not use. */
      readonly functionError: boolean;
      readonly message: string;
    };

export function functionArn(functionName: string): string {
  return `arn:aws:lambda:local:000000000000:function:${functionName}`;
}

export function lambdaContext(config: FunctionConfig, requestId: string, deadline: number): Context {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: config.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: config.functionArn,
    memoryLimitInMB: String(config.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${config.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface Invoker {
  invoke(event: MskEvent): Promise<InvocationResult>;
  /** Handlers that outlived their timeout: Lambda would have frozen them; here they run on. */
  readonly abandoned: Set<Promise<unknown>>;
}

export function createInvoker(handler: LambdaHandler, config: FunctionConfig): Invoker {
  const abandoned = new Set<Promise<unknown>>();
  return {
    abandoned,
    async invoke(event) {
      const requestId = randomUUID();
      const started = Date.now();
      const timeoutMs = config.timeoutSeconds * 1000;
      const context = lambdaContext(config, requestId, started + timeoutMs);
      // The runtime hands the function a parsed copy, never the emulator's own objects.
      const payload = JSON.parse(JSON.stringify(event)) as MskEvent;
      const run = Promise.resolve()
        .then(() => handler(payload, context))
        .then(
          (value) => ({ settled: 'returned' as const, value }),
          (error: unknown) => ({ settled: 'threw' as const, error }),
        );
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<{ settled: 'timeout' }>((resolve) => {
        timer = setTimeout(() => resolve({ settled: 'timeout' }), timeoutMs);
      });
      const outcome = await Promise.race([run, timeout]);
      clearTimeout(timer);
      const durationMs = Date.now() - started;
      if (outcome.settled === 'timeout') {
        abandoned.add(run);
        void run.finally(() => abandoned.delete(run));
        return {
          kind: 'error',
          requestId,
          durationMs,
          functionError: true,
          message: `Task timed out after ${config.timeoutSeconds.toFixed(2)} seconds`,
        };
      }
      if (outcome.settled === 'threw') {
        return { kind: 'error', requestId, durationMs, functionError: true, message: errorMessage(outcome.error) };
      }
      let response: unknown;
      try {
        response = outcome.value === undefined ? null : JSON.parse(JSON.stringify(outcome.value));
      } catch (error) {
        return {
          kind: 'error',
          requestId,
          durationMs,
          functionError: true,
          message: `Runtime.ResponseSerializationError: ${errorMessage(error)}`,
        };
      }
      const read = readBatchResponse(response, event);
      if (read.kind === 'invalid') {
        return { kind: 'error', requestId, durationMs, functionError: false, message: read.reason };
      }
      if (read.failures.length === 0) return { kind: 'success', requestId, durationMs };
      return { kind: 'partial', requestId, durationMs, failures: read.failures };
    },
  };
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

export type BatchResponseReading =
  | { readonly kind: 'valid'; readonly failures: readonly KafkaItemIdentifier[] }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * Reads a function response as a Kafka partial batch response. No response, or no or an empty
 * `batchItemFailures`, is a success; an identifier that is not an object with the `<topic>-<n>`
 * partition and the numeric offset of a record of this event makes the whole batch fail, as Lambda
 * documents. A response that is not an object (a string, a number) carries no failures: success.
 */
export function readBatchResponse(response: unknown, event: MskEvent): BatchResponseReading {
  if (response === null || typeof response !== 'object' || Array.isArray(response)) {
    return { kind: 'valid', failures: [] };
  }
  const list = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null) return { kind: 'valid', failures: [] };
  if (!Array.isArray(list)) return { kind: 'invalid', reason: 'batchItemFailures is not an array' };
  const failures: KafkaItemIdentifier[] = [];
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier as
      | { partition?: unknown; offset?: unknown }
      | null
      | undefined;
    if (typeof id !== 'object' || id === null) {
      return { kind: 'invalid', reason: `itemIdentifier is missing or not an object: ${JSON.stringify(item)}` };
    }
    const { partition, offset } = id;
    const records = typeof partition === 'string' ? event.records[partition] : undefined;
    if (!records || typeof offset !== 'number' || !records.some((r) => r.offset === offset)) {
      return { kind: 'invalid', reason: `itemIdentifier ${JSON.stringify(id)} is not a record of the invoked event` };
    }
    failures.push({ partition: partition as string, offset });
  }
  return { kind: 'valid', failures };
}
