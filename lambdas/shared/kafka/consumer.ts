/**
 * The consumer wrapper every Kafka-triggered service uses: decode each record of the MSK event,
 * parse and validate its CloudEvent, hand valid events to the service, and report the records that
 * failed as Kafka partial batch failures so the ESM retries, bisects and dead-letters only those.
 */
import type { EventName } from '../../../lib/topology';
import { type CloudEvent, validateCloudEvent } from '../events/validation';
import { type DecodedRecord, decodeMskEvent, type KafkaBatchResponse } from './msk-event';

export interface HandledEvent {
  readonly name: EventName;
  readonly version: number;
  readonly event: CloudEvent;
  readonly record: DecodedRecord;
}

export interface ConsumerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type EventHandler = (handled: HandledEvent) => Promise<void>;

/**
 * Processes records in order; after the first failure in a partition the rest of that partition is
 * reported too, because the ESM resumes a partition from its lowest failed offset anyway and a
 * later record must not take effect before an earlier one of the same aggregate.
 */
export async function consumeBatch(
  event: unknown,
  handle: EventHandler,
  logger: ConsumerLogger,
): Promise<KafkaBatchResponse> {
  const records = decodeMskEvent(event);
  const failures: KafkaBatchResponse['batchItemFailures'] = [];
  const failedPartitions = new Set<string>();
  for (const record of records) {
    const { partition, offset } = record.itemIdentifier;
    if (failedPartitions.has(partition)) {
      failures.push({ itemIdentifier: record.itemIdentifier });
      continue;
    }
    try {
      const parsed = parseRecord(record);
      const result = validateCloudEvent(parsed);
      if (!result.ok) throw new InvalidRecordError(result.reason);
      await handle({ name: result.name, version: result.version, event: result.event, record });
    } catch (error) {
      logger.error('record failed', {
        partition,
        offset,
        reason: error instanceof Error ? error.message : String(error),
      });
      failedPartitions.add(partition);
      failures.push({ itemIdentifier: record.itemIdentifier });
    }
  }
  return { batchItemFailures: failures };
}

export class InvalidRecordError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidRecordError';
  }
}

function parseRecord(record: DecodedRecord): unknown {
  if (record.value === null) throw new InvalidRecordError('record has no value');
  try {
    return JSON.parse(record.value.toString('utf8'));
  } catch {
    throw new InvalidRecordError('value is not JSON');
  }
}
