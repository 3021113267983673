/**
 * The message Lambda writes to a Kafka on-failure destination: one per failed record, keyed by the
 * record's original key, with the single-record event inline under `payload` (lambda-kafka-esm.md
 * §3.4, DG-kdlq). The trigger emulator writes Lambda's own (local/esm/); the consumer writes the same
 * shape for a record that can never succeed (./dead-letter.ts), so one reader serves both.
 */
import type { MskRecord } from './msk-event';

/** Lambda's conditions, and ours for a record the handler refused at once. */
export type FailureCondition =
  | 'RetryAttemptsExhausted'
  | 'RecordAgeExceeded'
  | 'MaximumPayloadSizeExceeded'
  | 'InvalidRecord';

/** Where the record was read: the fields of the event it came in. */
export interface FailureSource {
  /** @default 'aws:kafka' */
  readonly eventSource?: string;
  /** Left out when unknown (a handler invoked without one). */
  readonly eventSourceArn?: string;
  readonly bootstrapServers: string;
}

export interface FailureDetails {
  readonly condition: FailureCondition;
  /** The last invocation the record was part of; a fresh id when it never reached the function. */
  readonly requestId: string;
  readonly functionArn: string;
  /** Invocations the record was part of. */
  readonly approximateInvokeCount: number;
  /** Null when the record never reached the function. */
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError?: string;
  } | null;
}

export function onFailureRecord(source: FailureSource, record: MskRecord, failure: FailureDetails, now = new Date()) {
  const arn = source.eventSourceArn ? { eventSourceArn: source.eventSourceArn } : {};
  const payload = {
    eventSource: source.eventSource ?? 'aws:kafka',
    ...arn,
    bootstrapServers: source.bootstrapServers,
    records: { [`${record.topic}-${record.partition}`]: [record] },
  };
  return {
    requestContext: {
      requestId: failure.requestId,
      functionArn: failure.functionArn,
      condition: failure.condition,
      approximateInvokeCount: failure.approximateInvokeCount,
    },
    responseContext: failure.responseContext,
    version: '1.0',
    timestamp: now.toISOString(),
    KafkaBatchInfo: {
      batchSize: 1,
      ...arn,
      bootstrapServers: source.bootstrapServers,
      payloadSize: Buffer.byteLength(JSON.stringify(payload)),
      recordInfo: { offset: String(record.offset), timestamp: new Date(record.timestamp).toISOString() },
    },
    // A record too big to invoke with is too big to carry inline as well.
    ...(failure.condition === 'MaximumPayloadSizeExceeded' ? {} : { payload }),
  };
}

export type OnFailureRecord = ReturnType<typeof onFailureRecord>;
