/**
 * Publishing CloudEvents to Kafka with one idempotent producer per execution environment: created on
 * first use, kept connected across invocations (MSK limits new IAM connections per second), `acks`
 * from all in-sync replicas, retried by kafkajs. A batch is either acknowledged or the call throws
 * a PublishError; callers answer 503 or let the ESM retry, never half-report success. Calls made
 * at the same time (the records of one invocation) share one send (./send-coalescer.ts).
 */

import {
  domainTopic,
  EVENTS,
  type EventName,
  eventNameOf,
  MAX_EVENT_BYTES,
  type PublishedEvent,
  type ServiceName,
} from '../../../lib/topology';
import { CLOUDEVENTS_CONTENT_TYPE } from '../events/content-type';
import type { CloudEvent, OutgoingEvent } from '../events/validation';
import { type Message, Partitioners, type Producer, type ProducerFactory } from './producer-driver';
import { SendCoalescer, type TopicMessages } from './send-coalescer';

/** Publishes events of the types `N`; a service's publisher takes only the events it produces. */
export interface EventPublisher<N extends EventName = EventName> {
  /** Resolves once every event is acknowledged by all in-sync replicas. */
  publish(events: readonly OutgoingEvent<N>[]): Promise<void>;
}

/** The publisher a service's core is given: only the events whose producer it is (lib/topology.ts). */
export type PublisherOf<S extends ServiceName> = EventPublisher<PublishedEvent<S>>;

export interface RawRecordSink {
  send(topic: string, messages: Message[]): Promise<void>;
}

export class PublishError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PublishError';
  }
}

/** The Kafka message a CloudEvent travels in: keyed by subject, structured-mode JSON value. */
export function toKafkaMessage(event: CloudEvent): Message {
  return {
    key: event.subject,
    value: JSON.stringify(event),
    headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE, ce_id: event.id, ce_type: event.type },
  };
}

export function topicOf(event: CloudEvent): string {
  const name = eventNameOf(event.type);
  if (name === undefined) throw new PublishError(`no topic for event type "${event.type}"`);
  return domainTopic(EVENTS[name].domain);
}

function messageBytes(message: Message): number {
  const { value } = message;
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/** One acknowledged send: what a local tool that watches a producer (npm run invoke) is told. */
export type SentBatch = readonly { readonly topic: string; readonly messages: readonly Message[] }[];

/**
 * Runs around each actual send to the broker: after coalescing, so one call per kafkajs sendBatch,
 * whatever number of records share it. Only the bench's AWS model sets one (it counts sends and adds a
 * modelled MSK round trip, bench/aws-model); in production `send` runs as it is.
 */
export type SendInterceptor = (send: () => Promise<void>, batch: SentBatch) => Promise<void>;

/** A lazily connected, reused kafkajs producer, and the two ways the pipeline writes with it. */
export class KafkaProducer implements EventPublisher, RawRecordSink {
  private producer?: Producer;
  private connecting?: Promise<Producer>;
  /** Concurrent callers (the records of a batch) share sends: a round trip per send, not per record. */
  private readonly coalescer = new SendCoalescer<Message>(
    (batch) => this.sendNow(batch),
    (message) => messageBytes(message),
    MAX_EVENT_BYTES,
  );
  private interceptor?: SendInterceptor;

  constructor(
    private readonly kafka: ProducerFactory,
    private readonly timeoutMs = 10_000,
    /** Called once the broker acknowledged a batch. */
    private readonly onSent?: (batch: SentBatch) => void,
  ) {}

  async publish(events: readonly CloudEvent[]): Promise<void> {
    if (events.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const event of events) {
      const topic = topicOf(event);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), toKafkaMessage(event)]);
    }
    await this.sendBatch([...byTopic].map(([topic, messages]) => ({ topic, messages })));
  }

  async send(topic: string, messages: Message[]): Promise<void> {
    await this.sendBatch([{ topic, messages }]);
  }

  /** Sets (or, with undefined, removes) the SendInterceptor of every later send. */
  interceptSends(interceptor: SendInterceptor | undefined): void {
    this.interceptor = interceptor;
  }

  async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    await producer?.disconnect();
  }

  private sendBatch(topicMessages: { topic: string; messages: Message[] }[]): Promise<void> {
    return this.coalescer.send(topicMessages);
  }

  private async sendNow(topicMessages: TopicMessages<Message>[]): Promise<void> {
    const batch = topicMessages.map(({ topic, messages }) => ({ topic, messages: [...messages] }));
    try {
      const producer = await this.connected();
      const send = async () => {
        await producer.sendBatch({ topicMessages: batch, acks: -1, timeout: this.timeoutMs });
      };
      await (this.interceptor ? this.interceptor(send, batch) : send());
    } catch (error) {
      // A broken connection is rebuilt on the next call rather than reused.
      await this.disconnect().catch(() => undefined);
      throw new PublishError(`Kafka did not acknowledge the batch: ${(error as Error).message}`, { cause: error });
    }
    this.onSent?.(batch);
  }

  private connected(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        // Murmur2 keyed partitioning, as the Java client does: one aggregate, one partition.
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
        retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
      });
      await producer.connect();
      this.producer = producer;
      return producer;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }
}
