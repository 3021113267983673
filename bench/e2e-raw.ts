/**
 * The raw baseline: plain kafkajs moving the same messages through the same hops as the pipeline,
 * with trivial handlers. One consumer group per pipeline subscription on copies of the domain
 * topics (same partitions); each handler reads the CloudEvent type and publishes what the real
 * service would publish for a shipped order (events cut from the schema examples, so sizes match):
 * no schema validation, no idempotency, no database, one send per fetched batch.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Consumer, type Kafka, type Message, Partitioners, type Producer } from '../lambdas/shared/kafka/driver';
import { toKafkaMessage } from '../lambdas/shared/kafka/publisher';
import { loadConfig } from '../lib/config';
import {
  CONSUMER_SERVICES,
  type ConsumerServiceName,
  type Domain,
  type EventName,
  SERVICE_SPECS,
  shortEventType,
} from '../lib/topology';
import { LOCAL_CONSUMER_TUNING } from '../local/consumer-tuning';
import { LOCAL_PROFILE } from '../local/runtime';
import { sampleEvent } from '../local/samples';
import {
  CompletionObserver,
  type LatencyResult,
  latencySummary,
  measureThroughput,
  ORDER_SENDERS,
  type OrderSink,
  offerAtRate,
  roundRobin,
  type ThroughputResult,
} from './order-load';

export const RAW_PREFIX = 'bench-raw.';
const rawTopic = (domain: Domain) => `${RAW_PREFIX}${domain}.events`;

/** The schema example of an event re-addressed to one order: same shape and size as the real one. */
function exampleFor(name: EventName, orderId: string, extra: Record<string, unknown> = {}): Message {
  const example = sampleEvent(name);
  const event = { ...example, id: randomUUID(), subject: orderId, time: new Date().toISOString() };
  return {
    key: orderId,
    value: JSON.stringify({ ...event, data: { ...example.data, orderId, ...extra } }),
  };
}

type Output = { topic: string; messages: Message[] };

/** What each subscription's trivial handler does with one event, as the real service would for a shipped order. */
class RawServices {
  private readonly facts = new Map<string, { paid: boolean; reserved: boolean }>();
  readonly shippedAt = new Map<string, number>();

  handle(service: ConsumerServiceName, type: string, orderId: string): Output[] {
    const name = shortEventType(type);
    const out = (domain: Domain, ...messages: Message[]) => [{ topic: rawTopic(domain), messages }];
    switch (`${service}:${name}`) {
      case 'payment:OrderCreated':
        return out('payments', exampleFor('PaymentCompleted', orderId));
      case 'inventory:OrderCreated':
        return out('inventory', exampleFor('InventoryReserved', orderId), exampleFor('ProductUpdated', orderId));
      case 'order:PaymentCompleted':
        return this.fact(orderId, 'paid');
      case 'order:InventoryReserved':
        return this.fact(orderId, 'reserved');
      case 'shipping:OrderConfirmed':
        return out('shipping', exampleFor('ShipmentPrepared', orderId));
      case 'order:ShipmentPrepared':
        this.shippedAt.set(orderId, performance.timeOrigin + performance.now());
        return [];
      case 'notification:OrderConfirmed':
        return out('notifications', exampleFor('NotificationSent', orderId, { template: 'order_confirmed' }));
      case 'notification:ShipmentPrepared':
        return out('notifications', exampleFor('NotificationSent', orderId, { template: 'order_shipped' }));
      default:
        return [];
    }
  }

  private fact(orderId: string, fact: 'paid' | 'reserved'): Output[] {
    const facts = { ...(this.facts.get(orderId) ?? { paid: false, reserved: false }), [fact]: true };
    this.facts.set(orderId, facts);
    if (!(facts.paid && facts.reserved)) return [];
    this.facts.delete(orderId);
    return [{ topic: rawTopic('orders'), messages: [exampleFor('OrderConfirmed', orderId)] }];
  }
}

export interface RawResult {
  readonly throughput: ThroughputResult;
  readonly latency: LatencyResult;
}

export interface RawOptions {
  readonly kafka: Kafka;
  readonly warmupOrders: number;
  readonly throughputOrders: number;
  readonly latencyRate: number;
  readonly latencySeconds: number;
  readonly log: (line: string) => void;
}

const COMPLETION_TIMEOUT_MS = 600_000;

export async function runRaw(options: RawOptions): Promise<RawResult> {
  const { kafka } = options;
  const partitions = loadConfig(LOCAL_PROFILE).partitions;
  const admin = kafka.admin();
  await admin.connect();
  const domains = [...new Set(CONSUMER_SERVICES.flatMap((s) => SERVICE_SPECS[s].subscriptions.map((x) => x.domain)))];
  await admin.createTopics({
    waitForLeaders: true,
    topics: [...domains, 'notifications' as const].map((d) => ({
      topic: rawTopic(d),
      numPartitions: partitions,
      configEntries: [{ name: 'min.insync.replicas', value: '1' }],
    })),
  });
  await admin.disconnect();

  // One producer per function, as each Lambda function has its own, and per order sender.
  const producers = new Map<string, Producer>();
  const producerFor = async (name: string) => {
    let producer = producers.get(name);
    if (!producer) {
      producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      producers.set(name, producer);
    }
    return producer;
  };
  const services = new RawServices();
  const consumers: Consumer[] = [];
  const observer = new CompletionObserver(kafka, rawTopic('notifications'), (value) => {
    const event = JSON.parse(value.toString('utf8')) as { data?: { template?: string; orderId?: string } };
    return event.data?.template === 'order_shipped' ? event.data.orderId : undefined;
  });
  const senders: OrderSink[] = [];
  for (let i = 0; i < ORDER_SENDERS; i++) {
    const producer = await producerFor(`order-api-${i}`);
    senders.push({
      publish: async (events) => {
        await producer.send({ topic: rawTopic('orders'), acks: -1, messages: events.map(toKafkaMessage) });
      },
    });
  }
  const sink = roundRobin(senders);
  try {
    for (const service of CONSUMER_SERVICES) {
      for (const { domain } of SERVICE_SPECS[service].subscriptions) {
        consumers.push(await startConsumer(kafka, await producerFor(service), services, service, domain));
      }
    }
    await observer.start();
    options.log(`raw: warm-up, ${options.warmupOrders} orders...`);
    await measureThroughput(sink, observer, options.warmupOrders, COMPLETION_TIMEOUT_MS);
    options.log(`raw: ${options.latencyRate} orders/s for ${options.latencySeconds} s...`);
    const run = await offerAtRate(sink, options.latencyRate, options.latencySeconds);
    await observer.waitFor(
      run.events.map((e) => e.subject),
      COMPLETION_TIMEOUT_MS,
    );
    const latency = latencySummary(
      run,
      run.events.map((e) => (services.shippedAt.get(e.subject) as number) - Date.parse(e.time)),
    );
    options.log(`raw: throughput, ${options.throughputOrders} orders...`);
    const throughput = await measureThroughput(sink, observer, options.throughputOrders, COMPLETION_TIMEOUT_MS);
    return { throughput, latency };
  } finally {
    await observer.stop();
    for (const consumer of consumers) await consumer.disconnect();
    for (const producer of producers.values()) await producer.disconnect();
  }
}

async function startConsumer(
  kafka: Kafka,
  producer: Producer,
  services: RawServices,
  service: ConsumerServiceName,
  domain: Domain,
): Promise<Consumer> {
  // The same fetch settings as the MSK trigger emulator, so both sides poll alike.
  const consumer = kafka.consumer({
    groupId: `${RAW_PREFIX}${service}.${domain}`,
    ...LOCAL_CONSUMER_TUNING,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [rawTopic(domain)], fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const outputs = new Map<string, Message[]>();
      for (const message of batch.messages) {
        const event = JSON.parse((message.value as Buffer).toString('utf8')) as { type: string; subject: string };
        for (const { topic, messages } of services.handle(service, event.type, event.subject)) {
          outputs.set(topic, [...(outputs.get(topic) ?? []), ...messages]);
        }
      }
      if (outputs.size === 0) return;
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...outputs].map(([topic, messages]) => ({ topic, messages })),
      });
    },
  });
  await joined;
  return consumer;
}
