/**
 * Dead-lettering records that can never succeed (not JSON, failing their schema, of a type the
 * service does not handle) straight away, with the reason, instead of burning the ESM's retries.
 *
 * The record written to `<service>.dlq` has the shape of Lambda's own Kafka on-failure record, so
 * one tool reads both: the original record inline under `payload`, keyed by the original key. Our
 * additions: `condition: "InvalidRecord"` and a `reason`, also in the `x-dlq-reason` header.
 */
import type { Message } from './driver';
import type { MskRecord } from './msk-event';
import { onFailureRecord } from './on-failure-record';
import type { RawRecordSink } from './publisher';

export interface DeadLetterContext {
  readonly eventSource?: string;
  readonly eventSourceArn?: string;
  readonly bootstrapServers?: string;
  readonly requestId?: string;
  readonly functionArn?: string;
}

export interface DeadLetterSink {
  send(record: MskRecord, reason: string, context: DeadLetterContext): Promise<void>;
}

/** Lambda's on-failure record of `record`, as if the invocation that refused it had failed it, plus the reason. */
export function deadLetterRecord(record: MskRecord, reason: string, context: DeadLetterContext, now = new Date()) {
  const source = { ...context, bootstrapServers: context.bootstrapServers ?? '' };
  const failure = {
    condition: 'InvalidRecord',
    requestId: context.requestId ?? '',
    functionArn: context.functionArn ?? '',
    approximateInvokeCount: 1,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'InvalidRecord' },
  } as const;
  return { ...onFailureRecord(source, record, failure, now), reason };
}

export function kafkaDeadLetters(sink: RawRecordSink, topic: string): DeadLetterSink {
  return {
    async send(record, reason, context) {
      const key = record.key ? Buffer.from(record.key, 'base64') : null;
      await sink.send(topic, [
        {
          key,
          value: JSON.stringify(deadLetterRecord(record, reason, context)),
          headers: { 'content-type': 'application/json', 'x-dlq-reason': reason.slice(0, 1_000) },
        },
      ]);
    },
  };
}

export class DeadLetterFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeadLetterFormatError';
  }
}

export interface DeadLetter {
  /** `InvalidRecord` (the handler refused it) or Lambda's condition (`RetryAttemptsExhausted`, ...). */
  readonly condition: string;
  /** Why the handler refused it; Lambda's own dead letters have none. */
  readonly reason?: string;
  readonly original: MskRecord;
  /** The original record as a Kafka message again, ready to be sent back to its topic. */
  readonly replay: { readonly topic: string; readonly message: Message };
}

/**
 * Reads a dead-letter message value, ours or Lambda's (the same shape: one record inline under
 * `payload`), back into the original record.
 */
export function readDeadLetter(value: Buffer | string): DeadLetter {
  let parsed: {
    requestContext?: { condition?: unknown };
    reason?: unknown;
    payload?: { records?: Record<string, MskRecord[]> };
  };
  try {
    parsed = JSON.parse(value.toString());
  } catch {
    throw new DeadLetterFormatError('the dead-letter value is not JSON');
  }
  const records = Object.values(parsed.payload?.records ?? {}).flat();
  const original = records[0];
  if (records.length !== 1 || !original) {
    throw new DeadLetterFormatError(`expected one record under payload.records, found ${records.length}`);
  }
  const headers: Record<string, Buffer> = {};
  for (const header of original.headers ?? []) {
    for (const [name, bytes] of Object.entries(header)) headers[name] = Buffer.from(bytes);
  }
  return {
    condition: String(parsed.requestContext?.condition ?? 'unknown'),
    ...(typeof parsed.reason === 'string' ? { reason: parsed.reason } : {}),
    original,
    replay: {
      topic: original.topic,
      message: {
        key: original.key ? Buffer.from(original.key, 'base64') : null,
        value: original.value ? Buffer.from(original.value, 'base64') : null,
        headers,
      },
    },
  };
}
