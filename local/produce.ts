/**
 * `npm run produce`: one record on a topic of the local broker, as a producer would write it. A raw
 * record (a poison record, a replayed value) takes its bytes from a file or stdin; `--event <Type>`
 * builds a CloudEvent of that type from a data file or the type's example, validated as every
 * producer's events are, keyed by its aggregate id and carrying the same headers.
 */
import { randomUUID } from 'node:crypto';
import { createEvent } from '../lambdas/shared/events/envelope';
import type { EventData } from '../lambdas/shared/events/types.generated';
import type { Kafka, Message } from '../lambdas/shared/kafka/driver';
import { Partitioners } from '../lambdas/shared/kafka/driver';
import { toKafkaMessage } from '../lambdas/shared/kafka/publisher';
import { readEventExample } from '../lib/schema-files';
import {
  aggregateIdOf,
  domainTopic,
  EVENT_NAMES,
  EVENTS,
  type EventName,
  latestVersion,
  TOPICS,
} from '../lib/topology';
import { ToolUsageError } from './tool-cli';

export const PRODUCE_USAGE =
  'usage: npm run produce -- <topic> [--key <key>] [--header <name>=<value>]... [<file>|-]\n' +
  "       npm run produce -- <topic> --event <Type> [<data file>|-]   (no file: the type's example data)";

export interface ProduceRequest {
  readonly topic: string;
  readonly key?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly event?: EventName;
  /** A file, `-` for stdin, or undefined (only with --event: the example's data). */
  readonly source?: string;
}

/** Every topic name, in the topology's order, for the messages that refuse a wrong one. */
export function topicList(): string {
  return TOPICS.map((topic) => topic.name).join(', ');
}

export function requireTopic(topic: string | undefined): string {
  if (!topic || !TOPICS.some((t) => t.name === topic)) {
    throw new ToolUsageError(`${topic ? `Unknown topic "${topic}"` : 'No topic given'}. Topics: ${topicList()}.`);
  }
  return topic;
}

/** `OrderCreated` or its CloudEvent type `orderpipeline.OrderCreated`. */
export function requireEventName(name: string | undefined): EventName {
  const bare = name?.replace(/^orderpipeline\./, '');
  if (!bare || !(EVENT_NAMES as readonly string[]).includes(bare)) {
    throw new ToolUsageError(
      `${name ? `Unknown event type "${name}"` : '--event needs a type'}. Types: ${EVENT_NAMES.join(', ')}.`,
    );
  }
  return bare as EventName;
}

export function parseProduceArgs(args: readonly string[]): ProduceRequest {
  let topic: string | undefined;
  let key: string | undefined;
  let event: EventName | undefined;
  let source: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new ToolUsageError(`${arg} needs a value.\n${PRODUCE_USAGE}`);
      return next;
    };
    if (arg === '--key') key = value();
    else if (arg === '--event') event = requireEventName(value());
    else if (arg === '--header') {
      const header = value();
      const at = header.indexOf('=');
      if (at < 1) throw new ToolUsageError(`--header takes <name>=<value>, not "${header}".`);
      headers[header.slice(0, at)] = header.slice(at + 1);
    } else if (arg.startsWith('--')) throw new ToolUsageError(`Unknown option ${arg}.\n${PRODUCE_USAGE}`);
    else if (topic === undefined) topic = arg;
    else if (source === undefined) source = arg;
    else throw new ToolUsageError(`Unexpected argument "${arg}".\n${PRODUCE_USAGE}`);
  }
  requireTopic(topic);
  if (!event && source === undefined) {
    throw new ToolUsageError(`A raw record needs a file, or - for stdin.\n${PRODUCE_USAGE}`);
  }
  return {
    topic: topic as string,
    headers,
    ...(key === undefined ? {} : { key }),
    ...(event ? { event } : {}),
    ...(source === undefined ? {} : { source }),
  };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ToolUsageError(`${what} is not JSON: ${(error as Error).message}`);
  }
}

/** A valid CloudEvent of the type, around the given data or the example's, on the type's own topic. */
function eventMessage(request: ProduceRequest, name: EventName, input: string | undefined): Message {
  const home = domainTopic(EVENTS[name].domain);
  if (request.topic !== home) {
    throw new ToolUsageError(`${name} events live on ${home}, not ${request.topic}; produce it there.`);
  }
  const data =
    input === undefined
      ? (readEventExample(name, latestVersion(name)) as { data: unknown }).data
      : parseJson(input, request.source === '-' ? 'stdin' : (request.source as string));
  const subject = aggregateIdOf(name, data);
  if (!subject)
    throw new ToolUsageError(`The ${name} data has no aggregate id to key it by (a "${EVENTS[name].aggregate}" id).`);
  let event: ReturnType<typeof createEvent>;
  try {
    // The data is whatever the file holds: createEvent validates it against the type's schema.
    event = createEvent<EventName>(name, data as EventData[EventName], { subject, correlationId: randomUUID() });
  } catch (error) {
    throw new ToolUsageError((error as Error).message);
  }
  const message = toKafkaMessage(event);
  return {
    ...message,
    key: request.key ?? message.key ?? null,
    headers: { ...(message.headers ?? {}), ...request.headers },
  };
}

/** The Kafka message the request describes; `input` is the file's or stdin's text. */
export function buildMessage(request: ProduceRequest, input: string | undefined): Message {
  if (request.event) return eventMessage(request, request.event, input);
  return { key: request.key ?? null, value: input ?? '', headers: request.headers };
}

export interface Produced {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** Writes one message, acknowledged by every in-sync replica, keyed partitioning as the pipeline's producers. */
export async function produceMessage(kafka: Kafka, topic: string, message: Message): Promise<Produced> {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    const [metadata] = await producer.send({ topic, acks: -1, messages: [message] });
    if (!metadata) throw new Error(`Kafka acknowledged nothing for ${topic}`);
    return { topic, partition: metadata.partition, offset: metadata.baseOffset ?? '?' };
  } finally {
    await producer.disconnect();
  }
}
