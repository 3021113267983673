/**
 * Building the event Lambda's MSK trigger delivers, from kafkajs messages, byte for byte in the
 * shape AWS sends (docs/.../lambda-kafka-esm.md §1): records grouped under "<topic>-<partition>",
 * numeric offsets and timestamps, base64 key and value, headers as one-entry objects of signed
 * (Java) bytes.
 */
import { createHash } from 'node:crypto';
import type { CloudEvent } from '../../lambdas/shared/events/validation';
import type { KafkaMessage } from '../../lambdas/shared/kafka/driver';
import type { MskEvent, MskRecord, MskRecordHeader } from '../../lambdas/shared/kafka/msk-event';
import { domainTopic, EVENTS, eventNameOf } from '../../lib/topology';

/** Lambda's synchronous invocation payload limit, which caps a batch (not adjustable on AWS). */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** kafkajs batchContext.timestampType: 0 CreateTime, 1 LogAppendTime (present at run time, not in the typings). */
const LOG_APPEND_TIME = 1;

/**
 * The cluster ARN the local events carry, in MSK's `cluster/<name>/<uuid>-<n>` shape. Derived from
 * the bootstrap servers so every trigger on one broker reports the same cluster, as on AWS.
 */
export function localClusterArn(bootstrapServers: string): string {
  const hex = createHash('sha1').update(bootstrapServers).digest('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return `arn:aws:kafka:local:000000000000:cluster/local/${uuid}-1`;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Java bytes are signed: an octet above 127 arrives as a negative number. */
function signedBytes(buffer: Buffer): number[] {
  return Array.from(buffer, (b) => (b > 127 ? b - 256 : b));
}

/**
 * kafkajs folds repeated header keys into one array value; Lambda sends one object per header,
 * so each value becomes its own entry again. (The interleaving of different keys is lost by
 * kafkajs: a, b, a arrives as a, a, b.)
 */
function headersOf(message: KafkaMessage): MskRecordHeader[] {
  const headers: MskRecordHeader[] = [];
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      // A null header value has no bytes; AWS's representation of it is unknown.
      const bytes = v === undefined || v === null ? [] : signedBytes(Buffer.isBuffer(v) ? v : Buffer.from(v));
      headers.push({ [name]: bytes });
    }
  }
  return headers;
}

function timestampTypeOf(message: KafkaMessage): MskRecord['timestampType'] {
  const context = (message as { batchContext?: { timestampType?: number } }).batchContext;
  return context?.timestampType === LOG_APPEND_TIME ? 'LOG_APPEND_TIME' : 'CREATE_TIME';
}

/** One record as Lambda serializes it; the key is left out when it is null, as AWS's samples show. */
export function mskRecordOf(topic: string, partition: number, message: KafkaMessage): MskRecord {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    timestampType: timestampTypeOf(message),
    ...(message.key === null ? {} : { key: message.key.toString('base64') }),
    value: message.value === null ? null : message.value.toString('base64'),
    headers: headersOf(message),
  };
}

export interface EventSource {
  readonly eventSourceArn: string;
  readonly bootstrapServers: string;
}

export function mskEvent(source: EventSource, records: readonly MskRecord[]): MskEvent {
  const grouped: Record<string, MskRecord[]> = {};
  for (const record of records) {
    const key = partitionKey(record.topic, record.partition);
    grouped[key] ??= [];
    grouped[key].push(record);
  }
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: source.eventSourceArn,
    bootstrapServers: source.bootstrapServers,
    records: grouped,
  };
}

/**
 * The MSK event Lambda would deliver for these CloudEvents: records of partition 0 of the first
 * event's home topic, offsets counting up from `offset`, keyed by subject, without headers. For the
 * core tests and the per-record benchmark, which need the trigger's shape without a broker.
 */
export function mskEventOf(events: CloudEvent | readonly CloudEvent[], offset = 0): MskEvent {
  const list: readonly CloudEvent[] = Array.isArray(events) ? events : [events as CloudEvent];
  const first = list[0] as CloudEvent;
  const name = eventNameOf(first.type);
  if (name === undefined) throw new Error(`"${first.type}" names no event of lib/topology.ts`);
  const topic = domainTopic(EVENTS[name].domain);
  return {
    eventSource: 'aws:kafka',
    bootstrapServers: 'b-1.test:9098',
    records: {
      [partitionKey(topic, 0)]: list.map((event, i) => ({
        topic,
        partition: 0,
        offset: offset + i,
        timestamp: Date.parse(event.time),
        timestampType: 'CREATE_TIME' as const,
        key: Buffer.from(event.subject).toString('base64'),
        value: Buffer.from(JSON.stringify(event)).toString('base64'),
        headers: [],
      })),
    },
  };
}

/** Serialized size of one record inside an event's records array. */
export function serializedSize(record: MskRecord): number {
  return Buffer.byteLength(JSON.stringify(record));
}

/** Serialized size of an event of one partition holding records of the given sizes. */
export function eventSize(
  source: EventSource,
  topic: string,
  partition: number,
  recordSizes: readonly number[],
): number {
  const envelope = Buffer.byteLength(
    JSON.stringify({ ...mskEvent(source, []), records: { [partitionKey(topic, partition)]: [] } }),
  );
  const records = recordSizes.reduce((sum, size) => sum + size, 0);
  return envelope + records + Math.max(0, recordSizes.length - 1);
}
