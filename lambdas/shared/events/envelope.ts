/**
 * Building CloudEvents. Producers call `createEvent`, which stamps the envelope from the topology
 * (type, source, dataschema of the latest version) and validates the result before anyone can
 * publish it: a producer bug surfaces as an exception here, never as a bad record in a topic.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  type CloudEventType,
  cloudEventType,
  EVENTS,
  type EventName,
  latestVersion,
  MAX_EVENT_BYTES,
} from '../../../lib/topology';
import type { EventData } from './types.generated';
import { type CloudEvent, dataSchemaUri, validateCloudEvent } from './validation';

export interface EventMeta {
  /** The aggregate id: the Kafka key and the CloudEvent subject. */
  readonly subject: string;
  /** Ties every event of one order (or user) together; carried from the API request. */
  readonly correlationId: string;
  /** Idempotency key downstream. Deterministic ids make a re-derived event a duplicate, not a new one. */
  readonly id?: string;
  readonly time?: Date;
}

export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

export function createEvent<N extends EventName>(
  name: N,
  data: EventData[N],
  meta: EventMeta,
): CloudEvent<EventData[N], CloudEventType<N>> {
  const event: CloudEvent<EventData[N], CloudEventType<N>> = {
    specversion: '1.0',
    id: meta.id ?? randomUUID(),
    source: `/order-pipeline/${EVENTS[name].producer}`,
    type: cloudEventType(name),
    subject: meta.subject,
    time: (meta.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    dataschema: dataSchemaUri(name, latestVersion(name)),
    correlationid: meta.correlationId,
    data,
  };
  const result = validateCloudEvent(event);
  if (!result.ok) throw new InvalidEventError(`refusing to publish an invalid ${name}: ${result.reason}`);
  const size = Buffer.byteLength(JSON.stringify(event));
  if (size > MAX_EVENT_BYTES) {
    throw new InvalidEventError(`refusing to publish a ${name} of ${size} bytes: the maximum is ${MAX_EVENT_BYTES}`);
  }
  return event;
}

/**
 * A UUID-shaped id derived from its parts (SHA-256, version nibble 8 = "custom" per RFC 9562), so
 * that redoing a step after a crash produces the same event id and consumers drop the duplicate.
 */
export function deterministicId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u001f')).digest('hex');
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
