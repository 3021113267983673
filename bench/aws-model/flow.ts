/**
 * What the AWS model feeds the consumers: real orders and users made by the order-api function, and
 * the events every consumer publishes in turn, read back from the broker and cut into the batches an
 * MSK trigger would deliver (the subscription's filter and batch size, one partition, offset order).
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage } from '../../lambdas/shared/kafka/driver';
import type { MskRecord } from '../../lambdas/shared/kafka/msk-event';
import { subscriptionFilterPatterns } from '../../lib/subscription-filters';
import {
  CONSUMER_SERVICES,
  type ConsumerServiceName,
  type Domain,
  domainTopic,
  SERVICE_SPECS,
  type SubscriptionSpec,
} from '../../lib/topology';
import { compileFilters } from '../../local/esm/filter';
import { mskRecordOf } from '../../local/esm/msk-event-builder';

export interface Stage {
  readonly service: ConsumerServiceName;
  readonly domain: Domain;
}

/**
 * The order in which a happy-path order reaches the subscriptions: each one runs once everything it
 * consumes is on its topic. Payment's answer reaches the order saga before inventory's, so the saga's
 * inventory subscription is the one that confirms the order (on AWS either may come second).
 */
export const HAPPY_PATH: readonly Stage[] = [
  { service: 'order', domain: 'orders' },
  { service: 'payment', domain: 'orders' },
  { service: 'inventory', domain: 'orders' },
  { service: 'order', domain: 'payments' },
  { service: 'order', domain: 'inventory' },
  { service: 'shipping', domain: 'orders' },
  { service: 'notification', domain: 'orders' },
  { service: 'order', domain: 'shipping' },
  { service: 'notification', domain: 'shipping' },
  { service: 'notification', domain: 'users' },
];

export function stageName(stage: Stage): string {
  return `${stage.service}/${stage.domain}`;
}

export function subscriptionOf(stage: Stage): SubscriptionSpec {
  const found = SERVICE_SPECS[stage.service].subscriptions.find((s) => s.domain === stage.domain);
  if (!found) throw new Error(`${stageName(stage)} is not a subscription in lib/topology.ts`);
  return found;
}

/** Fails, naming the gap, when the topology and HAPPY_PATH no longer list the same subscriptions. */
export function checkStagesCoverTopology(stages: readonly Stage[] = HAPPY_PATH): void {
  const listed = new Set(stages.map(stageName));
  for (const service of CONSUMER_SERVICES) {
    for (const sub of SERVICE_SPECS[service].subscriptions) {
      const name = `${service}/${sub.domain}`;
      if (!listed.has(name)) {
        throw new Error(`the AWS model has no stage for ${name}: add it to HAPPY_PATH in bench/aws-model/flow.ts`);
      }
      listed.delete(name);
    }
  }
  if (listed.size > 0) {
    throw new Error(`HAPPY_PATH lists ${[...listed].join(', ')}, which lib/topology.ts does not: remove them`);
  }
}

export const ORDER_MIX =
  'every order is a happy path: card tok_visa (charged), two lines of one unit each of two different SKUs ' +
  'of SKU-001..SKU-010 (in stock), so each order is confirmed, shipped and notified twice; plus one new user per order';

const SKUS = Array.from({ length: 10 }, (_, i) => `SKU-${String(i + 1).padStart(3, '0')}`);

/** The POST /orders body of the i-th order of the mix. */
export function orderRequest(i: number): Record<string, unknown> {
  return {
    customerId: `c-${i}`,
    items: [
      { sku: SKUS[i % SKUS.length], quantity: 1 },
      { sku: SKUS[(i + 3) % SKUS.length], quantity: 1 },
    ],
    paymentMethod: 'tok_visa',
    shippingAddress: { name: 'Ada Lovelace', line1: '1 Main St', city: 'London', postalCode: 'N1 9GU', country: 'GB' },
    email: `customer-${i}@example.com`,
  };
}

export function userRequest(i: number): Record<string, unknown> {
  return { email: `user-${i}@example.com`, name: `User ${i}` };
}

/**
 * Every record of the given single-partition topics, read once from the start by one consumer that
 * runs for the whole model; `caughtUp` waits until it holds everything the broker has.
 */
export class TopicCollector {
  private readonly messages = new Map<string, KafkaMessage[]>();
  private consumer?: Consumer;
  private admin?: Admin;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: readonly string[],
  ) {
    for (const topic of topics) this.messages.set(topic, []);
  }

  async start(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const consumer = this.kafka.consumer({ groupId: `aws-model-${randomUUID()}`, maxWaitTimeInMs: 100 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.topics], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        this.messages.get(topic)?.push(message);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.admin?.disconnect();
  }

  pause(): void {
    this.consumer?.pause(this.topics.map((topic) => ({ topic })));
  }

  resume(): void {
    this.consumer?.resume(this.topics.map((topic) => ({ topic })));
  }

  of(topic: string): readonly KafkaMessage[] {
    return this.messages.get(topic) ?? [];
  }

  /** Resolves once every topic's records up to its high watermark are held. */
  async caughtUp(timeoutMs = 60_000): Promise<void> {
    const admin = this.admin;
    if (!admin) throw new Error('TopicCollector.start() has not run');
    const deadline = Date.now() + timeoutMs;
    for (const topic of this.topics) {
      for (;;) {
        const offsets = await admin.fetchTopicOffsets(topic);
        const high = offsets.reduce((sum, p) => sum + Number(p.high), 0);
        const held = this.of(topic).length;
        if (held >= high) break;
        if (Date.now() > deadline) {
          throw new Error(`the model's reader holds ${held} of the ${high} records of ${topic} after ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
}

/** The records of a subscription's topic that its trigger would deliver, as MSK records, in offset order. */
export function deliveredRecords(collector: TopicCollector, subscription: SubscriptionSpec): MskRecord[] {
  const topic = domainTopic(subscription.domain);
  const accepts = compileFilters(subscriptionFilterPatterns(subscription));
  return collector
    .of(topic)
    .filter((message) => accepts(message.value))
    .map((message) => mskRecordOf(topic, 0, message));
}

export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
