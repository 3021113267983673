/**
 * A Kafka record as the console shows it: where it is (topic, partition, offset), what it is (the
 * CloudEvent's type, id, publishing service, time) and which order it belongs to. A dead-letter
 * record is shown as the event it carries, with the failure condition and the consumer that gave up.
 * Anything else (not JSON, not a CloudEvent) is still shown, with a placeholder type.
 */
import { EVENTS, type EventName, shortEventType, TOPICS } from '../../lib/topology';

export interface TappedEvent {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The record's Kafka timestamp (epoch ms). */
  readonly timestamp: number;
  readonly key: string | null;
  /** The CloudEvent type without its namespace, or `(not JSON)` / `(not a CloudEvent)`. */
  readonly type: string;
  readonly id?: string;
  /** The service that published the event (the last segment of its CloudEvent source). */
  readonly service?: string;
  readonly subject?: string;
  /** The CloudEvent time. */
  readonly time?: string;
  readonly orderId?: string;
  /** For a dead-letter record: why (Lambda's condition, and the handler's reason when it gave one) and whose. */
  readonly deadLetter?: { readonly condition: string; readonly reason?: string; readonly service: string };
  /** The event as JSON text (for a dead-letter record, the event it carries), cut at MAX_VALUE_CHARS. */
  readonly value: string;
}

export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string | number;
  readonly timestamp: string | number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** Enough for every event of the pipeline; a larger value is cut, with a marker. */
export const MAX_VALUE_CHARS = 4_000;

const DEAD_LETTER_OWNERS = new Map(TOPICS.filter((t) => t.deadLetter).map((t) => [t.name, t.ownerService ?? '']));

export function tappedEvent(record: RawRecord): TappedEvent {
  const where = {
    topic: record.topic,
    partition: record.partition,
    offset: Number(record.offset),
    timestamp: Number(record.timestamp),
    key: record.key?.toString('utf8') ?? null,
  };
  const text = record.value?.toString('utf8') ?? '';
  const owner = DEAD_LETTER_OWNERS.get(record.topic);
  if (owner !== undefined) {
    const carried = deadLetterContent(text);
    return {
      ...where,
      ...describe(carried.event),
      deadLetter: {
        condition: carried.condition,
        ...(carried.reason ? { reason: carried.reason } : {}),
        service: owner,
      },
      value: clip(carried.event),
    };
  }
  return { ...where, ...describe(text), value: clip(text) };
}

type Description = Pick<TappedEvent, 'type' | 'id' | 'service' | 'subject' | 'time' | 'orderId'>;

function describe(text: string): Description {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { type: '(not JSON)' };
  }
  if (!isRecord(parsed) || typeof parsed.type !== 'string' || typeof parsed.specversion !== 'string') {
    return { type: '(not a CloudEvent)' };
  }
  const type = shortEventType(parsed.type);
  const subject = stringOr(parsed.subject);
  const orderId = orderIdOf(type, subject, parsed.data);
  const id = stringOr(parsed.id);
  const source = stringOr(parsed.source);
  const time = stringOr(parsed.time);
  return {
    type,
    ...(id ? { id } : {}),
    ...(source ? { service: source.split('/').filter(Boolean).at(-1) } : {}),
    ...(subject ? { subject } : {}),
    ...(time ? { time } : {}),
    ...(orderId ? { orderId } : {}),
  };
}

/** The order an event is about: its data's orderId, else its subject when the event's aggregate is an order. */
function orderIdOf(type: string, subject: string | undefined, data: unknown): string | undefined {
  if (isRecord(data) && typeof data.orderId === 'string' && data.orderId !== '') return data.orderId;
  const spec = (EVENTS as Record<string, (typeof EVENTS)[EventName] | undefined>)[type];
  return spec?.aggregate === 'order' ? subject : undefined;
}

/** The event inside Lambda's Kafka on-failure record (payload.records[<topic-partition>][0].value, base64). */
function deadLetterContent(text: string): { condition: string; reason?: string; event: string } {
  try {
    const record = JSON.parse(text) as {
      requestContext?: { condition?: unknown };
      payload?: { records?: Record<string, { value?: unknown }[]> };
      reason?: unknown;
    };
    const condition = typeof record.requestContext?.condition === 'string' ? record.requestContext.condition : '?';
    const inner = Object.values(record.payload?.records ?? {})[0]?.[0]?.value;
    // A record too big to invoke with travels without its payload.
    const event = typeof inner === 'string' ? Buffer.from(inner, 'base64').toString('utf8') : '';
    const reason = stringOr(record.reason);
    return { condition, event, ...(reason ? { reason } : {}) };
  } catch {
    return { condition: '(not an on-failure record)', event: text };
  }
}

function clip(text: string): string {
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}… (${text.length} characters)` : text;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
