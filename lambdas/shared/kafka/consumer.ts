/**
 * The consumer wrapper every Kafka-triggered service uses: decode each record of the MSK event,
 * parse and validate its CloudEvent, skip events already handled (by event id), dispatch by type,
 * and answer with Kafka partial batch failures so the ESM retries, bisects and dead-letters only
 * the records that failed.
 *
 * Two kinds of failure: a record that can never succeed (over MAX_EVENT_BYTES, not JSON, fails
 * its schema, an event on a topic it does not belong to, a type the service does not handle) is written to the service's dead-letter topic at once with its reason,
 * and its partition moves on; an error while handling a valid event is reported as a batch item
 * failure, so Lambda retries it as configured and then dead-letters it itself.
 */
import type { Context } from 'aws-lambda';
import { domainTopic, EVENTS, type EventName, MAX_EVENT_BYTES } from '../../../lib/topology';
import type { ReceivedEventData } from '../events/types.generated';
import { type CloudEvent, validateCloudEvent } from '../events/validation';
import type { IdempotencyGuard } from '../idempotency';
import type { DeadLetterContext, DeadLetterSink } from './dead-letter';
import { type DecodedRecord, decodeMskEvent, type KafkaBatchResponse } from './msk-event';

export type EventHandlers = {
  readonly [N in EventName]?: (event: CloudEvent<ReceivedEventData[N]>, record: DecodedRecord) => Promise<void>;
};

export interface ConsumerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface BatchOutcome {
  handled: number;
  duplicates: number;
  deadLettered: number;
  failed: number;
}

export interface ConsumerDeps {
  readonly handlers: EventHandlers;
  readonly idempotency: IdempotencyGuard;
  readonly deadLetters: DeadLetterSink;
  readonly logger: ConsumerLogger;
  /** Called once per batch with its counts, for metrics. */
  readonly onOutcome?: (outcome: BatchOutcome) => void;
  /** Wraps the processing of each record, for log keys, a trace subsegment and per-record metrics. */
  readonly aroundRecord?: AroundRecord;
}

export type RecordResult = 'handled' | 'duplicate' | 'dead-lettered';

export interface RecordScope {
  readonly record: DecodedRecord;
  /** The record's CloudEvent, when it is one this service handles. */
  readonly event?: CloudEvent;
}

/**
 * Must run `process` once and pass on its result or its error (an error fails the record). Records
 * held back behind an earlier failure of their partition are never processed, so never wrapped.
 */
export type AroundRecord = (scope: RecordScope, process: () => Promise<RecordResult>) => Promise<RecordResult>;

const direct: AroundRecord = (_scope, process) => process();

/**
 * Records are processed in order. After a failure in a partition, the rest of that partition is
 * reported too: the ESM resumes a partition from its lowest failed offset, and a later event of an
 * aggregate must not take effect before an earlier one.
 */
export async function consumeBatch(event: unknown, deps: ConsumerDeps, context?: Context): Promise<KafkaBatchResponse> {
  const records = decodeMskEvent(event);
  const { eventSource, eventSourceArn, bootstrapServers } = event as {
    eventSource?: string;
    eventSourceArn?: string;
    bootstrapServers?: string;
  };
  const envelope = { eventSource, eventSourceArn, bootstrapServers };
  const failures: KafkaBatchResponse['batchItemFailures'] = [];
  const failedPartitions = new Set<string>();
  const outcome: BatchOutcome = { handled: 0, duplicates: 0, deadLettered: 0, failed: 0 };

  for (const record of records) {
    const { partition, offset } = record.itemIdentifier;
    if (failedPartitions.has(partition)) {
      failures.push({ itemIdentifier: record.itemIdentifier });
      outcome.failed++;
      continue;
    }
    try {
      const checked = checkRecord(record, deps.handlers);
      const scope: RecordScope = checked.ok ? { record, event: checked.cloudEvent } : { record };
      const result = await (deps.aroundRecord ?? direct)(scope, async () => {
        try {
          return await processRecord(record, checked, deps, envelope, context);
        } catch (error) {
          // Logged inside the record's scope, so the line carries its keys.
          deps.logger.error('record failed', {
            partition,
            offset,
            reason: error instanceof Error ? error.message : String(error),
          });
          throw error;
        }
      });
      if (result === 'handled') outcome.handled++;
      else if (result === 'duplicate') outcome.duplicates++;
      else outcome.deadLettered++;
    } catch {
      failedPartitions.add(partition);
      failures.push({ itemIdentifier: record.itemIdentifier });
      outcome.failed++;
    }
  }
  deps.onOutcome?.(outcome);
  return { batchItemFailures: failures };
}

async function processRecord(
  record: DecodedRecord,
  checked: CheckedRecord,
  deps: ConsumerDeps,
  envelope: Pick<DeadLetterContext, 'eventSource' | 'eventSourceArn' | 'bootstrapServers'>,
  context: Context | undefined,
): Promise<RecordResult> {
  const { partition, offset } = record.itemIdentifier;
  if (!checked.ok) {
    await deps.deadLetters.send(record.raw, checked.reason, {
      ...envelope,
      ...(context ? { requestId: context.awsRequestId, functionArn: context.invokedFunctionArn } : {}),
    });
    deps.logger.warn('record dead-lettered', { partition, offset, reason: checked.reason });
    return 'dead-lettered';
  }
  const { cloudEvent, handler } = checked;
  const result = await deps.idempotency.run(cloudEvent.id, () => handler(cloudEvent, record), context);
  if (result === 'duplicate') {
    deps.logger.info('duplicate skipped', { partition, offset, eventId: cloudEvent.id, type: cloudEvent.type });
    return 'duplicate';
  }
  return 'handled';
}

type CheckedRecord =
  | {
      readonly ok: true;
      readonly cloudEvent: CloudEvent;
      readonly handler: (event: CloudEvent, record: DecodedRecord) => Promise<void>;
    }
  | { readonly ok: false; readonly reason: string };

function checkRecord(record: DecodedRecord, handlers: EventHandlers): CheckedRecord {
  if (record.value === null) return { ok: false, reason: 'record has no value' };
  if (record.value.length > MAX_EVENT_BYTES) {
    return {
      ok: false,
      reason: `oversize: the value is ${record.value.length} bytes, over the pipeline's maximum event size of ${MAX_EVENT_BYTES}`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'value is not JSON' };
  }
  const result = validateCloudEvent(parsed);
  if (!result.ok) return { ok: false, reason: result.reason };
  const home = domainTopic(EVENTS[result.name].domain);
  if (record.topic !== home) return { ok: false, reason: `${result.name} belongs on ${home}, not ${record.topic}` };
  const handler = handlers[result.name] as ((event: CloudEvent, record: DecodedRecord) => Promise<void>) | undefined;
  if (!handler) return { ok: false, reason: `this service does not handle ${result.name}` };
  return { ok: true, cloudEvent: result.event, handler };
}
