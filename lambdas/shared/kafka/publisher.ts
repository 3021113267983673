/**
 * Publishing CloudEvents to Kafka with one idempotent producer per execution environment: created on
 * first use, kept connected across invocations (MSK limits new IAM connections per second), `acks`
 * from all in-sync replicas, retried by kafkajs. A batch is either acknowledged or the call throws
 * a PublishError; callers answer 503 or let the ESM retry, never half-report success.
 */
import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import { CLOUDEVENT_TYPE_PREFIX, domainTopic, EVENTS, type EventName } from '../../../lib/topology';
import { CLOUDEVENTS_CONTENT_TYPE } from '../events/content-type';
import type { CloudEvent } from '../events/validation';

export interface EventPublisher {
  /** Resolves once every event is acknowledged by all in-sync replicas. */
  publish(events: readonly CloudEvent[]): Promise<void>;
}

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
  const name = event.type.slice(CLOUDEVENT_TYPE_PREFIX.length) as EventName;
  const spec = EVENTS[name];
  if (!spec) throw new PublishError(`no topic for event type "${event.type}"`);
  return domainTopic(spec.domain);
}

/**
 * Runs around one acknowledged send to the broker. Only the bench's AWS model sets one (it counts
 * sends and adds a modelled MSK round trip, bench/aws-model); in production `send` runs as it is.
 */
export type SendInterceptor = (
  send: () => Promise<void>,
  topicMessages: readonly { readonly topic: string; readonly messages: readonly Message[] }[],
) => Promise<void>;

/** A lazily connected, reused kafkajs producer, and the two ways the pipeline writes with it. */
export class KafkaProducer implements EventPublisher, RawRecordSink {
  private producer?: Producer;
  private connecting?: Promise<Producer>;
  private interceptor?: SendInterceptor;

  constructor(
    private readonly kafka: Kafka,
    private readonly timeoutMs = 10_000,
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

  private async sendBatch(topicMessages: { topic: string; messages: Message[] }[]): Promise<void> {
    try {
      const producer = await this.connected();
      const send = async () => {
        await producer.sendBatch({ topicMessages, acks: -1, timeout: this.timeoutMs });
      };
      await (this.interceptor ? this.interceptor(send, topicMessages) : send());
    } catch (error) {
      // A broken connection is rebuilt on the next call rather than reused.
      await this.disconnect().catch(() => undefined);
      throw new PublishError(`Kafka did not acknowledge the batch: ${(error as Error).message}`, { cause: error });
    }
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
