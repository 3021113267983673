/**
 * Decoding of the event Lambda's MSK trigger delivers, and the Kafka partial-batch response.
 *
 * Shapes follow what AWS sends, which @types/aws-lambda does not fully capture: records grouped
 * under "<topic>-<partition>", base64 keys and values that may be missing or null, and headers as
 * one-entry objects whose values are arrays of signed (Java) bytes.
 */

export interface MskRecordHeader {
  readonly [name: string]: readonly number[];
}

export interface MskRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  readonly key?: string | null;
  readonly value?: string | null;
  readonly headers?: readonly MskRecordHeader[] | null;
}

export interface MskEvent {
  readonly eventSource: string;
  readonly eventSourceArn?: string;
  readonly bootstrapServers: string;
  readonly records: Readonly<Record<string, readonly MskRecord[]>>;
}

export interface KafkaItemIdentifier {
  /** `<topic>-<partition>`, the key the record was delivered under. */
  readonly partition: string;
  readonly offset: number;
}

export interface KafkaBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: KafkaItemIdentifier }[];
}

export interface DecodedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: string | null;
  /** The raw value bytes, or null for a tombstone or a missing value. */
  readonly value: Buffer | null;
  readonly headers: readonly { readonly name: string; readonly value: Buffer }[];
  readonly itemIdentifier: KafkaItemIdentifier;
  /** The record exactly as Lambda delivered it, for dead-letter payloads. */
  readonly raw: MskRecord;
}

export class MskEventShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MskEventShapeError';
  }
}

/** Flattens an MSK event into records, partition by partition, each in offset order. */
export function decodeMskEvent(event: unknown): DecodedRecord[] {
  if (!isObject(event) || !isObject(event.records)) {
    throw new MskEventShapeError('not an MSK event: "records" is missing or not an object');
  }
  const decoded: DecodedRecord[] = [];
  for (const [partitionKey, records] of Object.entries(event.records)) {
    if (!Array.isArray(records)) {
      throw new MskEventShapeError(`records["${partitionKey}"] is not an array`);
    }
    for (const record of records as MskRecord[]) decoded.push(decodeRecord(partitionKey, record));
  }
  return decoded;
}

function decodeRecord(partitionKey: string, record: MskRecord): DecodedRecord {
  if (!isObject(record)) throw new MskEventShapeError(`a record under "${partitionKey}" is not an object`);
  if (typeof record.topic !== 'string' || typeof record.partition !== 'number' || typeof record.offset !== 'number') {
    throw new MskEventShapeError(`a record under "${partitionKey}" lacks topic, partition or offset`);
  }
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key ? Buffer.from(record.key, 'base64').toString('utf8') : null,
    value: record.value === undefined || record.value === null ? null : Buffer.from(record.value, 'base64'),
    headers: (record.headers ?? []).flatMap((header) => decodeHeader(partitionKey, record.offset, header)),
    itemIdentifier: { partition: `${record.topic}-${record.partition}`, offset: record.offset },
    raw: record,
  };
}

function decodeHeader(partitionKey: string, offset: number, header: unknown): DecodedRecord['headers'] {
  if (!isObject(header)) {
    throw new MskEventShapeError(`a header of ${partitionKey}@${offset} is not an object`);
  }
  return Object.entries(header).map(([name, bytes]) => {
    if (!Array.isArray(bytes) || !bytes.every((b) => Number.isInteger(b) && b >= -128 && b <= 255)) {
      throw new MskEventShapeError(`header "${name}" of ${partitionKey}@${offset} is not an array of bytes`);
    }
    // Buffer.from masks each number with & 0xff, which maps Java's signed bytes back to octets.
    return { name, value: Buffer.from(bytes as number[]) };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
