/**
 * The message Lambda writes to a Kafka on-failure destination: one per failed record, keyed by the
 * record's original key, with the single-record event inline under `payload`
 * (lambda-kafka-esm.md §3.4, DG-kdlq).
 */
import type { MskRecord } from '../../lambdas/shared/kafka/msk-event';
import { type EventSource, mskEvent } from './msk-event-builder';

export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded' | 'MaximumPayloadSizeExceeded';

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

export function onFailureRecord(source: EventSource, record: MskRecord, failure: FailureDetails, now = new Date()) {
  const payload = mskEvent(source, [record]);
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
      eventSourceArn: source.eventSourceArn,
      bootstrapServers: source.bootstrapServers,
      payloadSize: Buffer.byteLength(JSON.stringify(payload)),
      recordInfo: { offset: String(record.offset), timestamp: new Date(record.timestamp).toISOString() },
    },
    // A record too big to invoke with is too big to carry inline as well.
    ...(failure.condition === 'MaximumPayloadSizeExceeded' ? {} : { payload }),
  };
}

export type OnFailureRecord = ReturnType<typeof onFailureRecord>;
