/**
 * The pipeline's topology: every topic, event type, table and service, in one place.
 *
 * CDK stacks, IAM policies, the local runtime, generated docs and tests all read this module;
 * nothing else spells a topic name, an event type or a consumer group. It is plain data with no
 * CDK import, so Lambda bundles and the local runtime can import it too.
 */
import { type FunctionSettings, LAMBDA_ONE_VCPU_MB, nodeOnArm } from './function-settings';

export const DOMAINS = ['orders', 'payments', 'inventory', 'shipping', 'notifications', 'users'] as const;
export type Domain = (typeof DOMAINS)[number];

export const SERVICES = ['order-api', 'payment', 'inventory', 'order', 'shipping', 'notification'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Services that are triggered by Kafka (every service but the HTTP entry point). */
export type ConsumerServiceName = Exclude<ServiceName, 'order-api'>;

export const TABLES = ['orders', 'inventory', 'payments', 'idempotency'] as const;
export type TableName = (typeof TABLES)[number];

export interface TableSpec {
  readonly description: string;
  /** String partition key attribute. */
  readonly partitionKey: string;
  /** String sort key attribute, if any. */
  readonly sortKey?: string;
  /** Epoch-seconds attribute DynamoDB expires items by. */
  readonly ttlAttribute?: string;
}

/** Key schemas of the tables; the CDK stack and the local runtime create them from this. */
export const TABLE_SPECS: Record<TableName, TableSpec> = {
  orders: { description: 'The order view, written only by the order service.', partitionKey: 'orderId' },
  inventory: {
    description:
      'The catalogue (price, available stock, steps in flight) and one reservation per order, which expires.',
    partitionKey: 'pk',
    sortKey: 'sk',
    ttlAttribute: 'expiration',
  },
  payments: { description: 'One payment record per order: charged, declined or refunded.', partitionKey: 'orderId' },
  idempotency: {
    description: 'Powertools idempotency records (event ids, Idempotency-Key requests).',
    partitionKey: 'id',
    ttlAttribute: 'expiration',
  },
};

export interface TopicSpec {
  /** Kafka topic name. */
  readonly name: string;
  /** Retention of the topic's records, in hours. */
  readonly retentionHours: number;
  /** Whether this is a dead-letter topic (never a source of an event source mapping). */
  readonly deadLetter: boolean;
  /** For a dead-letter topic: the consumer service that writes it. */
  readonly ownerService?: ConsumerServiceName;
}

export interface EventSpec {
  /** The domain topic the event is published to. */
  readonly domain: Domain;
  /** The only service allowed to publish this event type. */
  readonly producer: ServiceName;
  /** Every schema version that exists, oldest first; producers publish the last one. */
  readonly versions: readonly number[];
  /** Aggregate whose id is the Kafka key and the CloudEvent subject. */
  readonly aggregate: 'order' | 'user' | 'sku' | 'order-or-user';
  readonly description: string;
}

export const EVENTS = {
  OrderCreated: {
    domain: 'orders',
    producer: 'order-api',
    versions: [1, 2],
    aggregate: 'order',
    description: 'A customer placed an order; it is PENDING until payment and stock are settled.',
  },
  OrderConfirmed: {
    domain: 'orders',
    producer: 'order',
    versions: [1],
    aggregate: 'order',
    description: 'Payment completed and every item is reserved.',
  },
  OrderCancelled: {
    domain: 'orders',
    producer: 'order',
    versions: [1],
    aggregate: 'order',
    description: 'Payment failed or stock ran out; compensations follow.',
  },
  PaymentCompleted: {
    domain: 'payments',
    producer: 'payment',
    versions: [1],
    aggregate: 'order',
    description: 'The order total was charged.',
  },
  PaymentFailed: {
    domain: 'payments',
    producer: 'payment',
    versions: [1],
    aggregate: 'order',
    description: 'The payment method was declined.',
  },
  PaymentRefunded: {
    domain: 'payments',
    producer: 'payment',
    versions: [1],
    aggregate: 'order',
    description: 'A charge was refunded after the order was cancelled.',
  },
  InventoryReserved: {
    domain: 'inventory',
    producer: 'inventory',
    versions: [1],
    aggregate: 'order',
    description: 'Every item of the order is reserved.',
  },
  InventoryReservationFailed: {
    domain: 'inventory',
    producer: 'inventory',
    versions: [1],
    aggregate: 'order',
    description: 'At least one item was short; nothing stays reserved.',
  },
  InventoryReleased: {
    domain: 'inventory',
    producer: 'inventory',
    versions: [1],
    aggregate: 'order',
    description: 'A reservation was given back after the order was cancelled.',
  },
  ProductUpdated: {
    domain: 'inventory',
    producer: 'inventory',
    versions: [1],
    aggregate: 'sku',
    description: "A product's available stock changed.",
  },
  ShipmentPrepared: {
    domain: 'shipping',
    producer: 'shipping',
    versions: [1],
    aggregate: 'order',
    description: 'A confirmed order has a carrier and a tracking number.',
  },
  NotificationSent: {
    domain: 'notifications',
    producer: 'notification',
    versions: [1],
    aggregate: 'order-or-user',
    description: 'A message about an order or a user was sent.',
  },
  UserRegistered: {
    domain: 'users',
    producer: 'order-api',
    versions: [1],
    aggregate: 'user',
    description: 'A new user signed up.',
  },
} as const satisfies Record<string, EventSpec>;

export type EventName = keyof typeof EVENTS;
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

/** CloudEvents `type` attribute of an event: namespaced, and the value ESM filters match on. */
export const CLOUDEVENT_TYPE_PREFIX = 'orderpipeline.';
export type CloudEventType<N extends EventName = EventName> = `${typeof CLOUDEVENT_TYPE_PREFIX}${N}`;

export function cloudEventType<N extends EventName>(event: N): CloudEventType<N> {
  return `${CLOUDEVENT_TYPE_PREFIX}${event}`;
}

/** The event a CloudEvent `type` names, or undefined when it names none of the topology's events. */
export function eventNameOf(type: string): EventName | undefined {
  if (!type.startsWith(CLOUDEVENT_TYPE_PREFIX)) return undefined;
  const name = type.slice(CLOUDEVENT_TYPE_PREFIX.length);
  return Object.hasOwn(EVENTS, name) ? (name as EventName) : undefined;
}

/** A CloudEvent `type` without the pipeline's prefix, for display: an event name, or whatever else it says. */
export function shortEventType(type: string): string {
  return type.startsWith(CLOUDEVENT_TYPE_PREFIX) ? type.slice(CLOUDEVENT_TYPE_PREFIX.length) : type;
}

/**
 * The largest CloudEvent (its JSON, in bytes) the pipeline carries. Producers refuse to publish a
 * bigger one and consumers dead-letter it. Domain topics accept records up to twice this, so an
 * oversize record still lands where a consumer can dead-letter it (lib/topic-settings.ts).
 */
export const MAX_EVENT_BYTES = 256 * 1024;

/** Where each aggregate's id sits in an event's data: it is the CloudEvent subject and the Kafka key. */
export const AGGREGATE_ID_FIELDS: Record<EventSpec['aggregate'], readonly string[]> = {
  order: ['orderId'],
  user: ['userId'],
  sku: ['sku'],
  'order-or-user': ['orderId', 'userId'],
};

/** The aggregate id in an event's data (its subject and Kafka key), or undefined when it has none. */
export function aggregateIdOf(event: EventName, data: unknown): string | undefined {
  const fields = data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  const id = AGGREGATE_ID_FIELDS[EVENTS[event].aggregate]
    .map((field) => fields[field])
    .find((v) => typeof v === 'string');
  return id as string | undefined;
}

export function latestVersion(event: EventName): number {
  const versions: readonly number[] = EVENTS[event].versions;
  return versions[versions.length - 1] as number;
}

export interface SubscriptionSpec {
  /** The domain topic consumed. */
  readonly domain: Domain;
  /** Only these event types reach the function (ESM filter criteria on the CloudEvent type). */
  readonly events: readonly EventName[];
  /** Records per invocation (ESM BatchSize, 1..10000). */
  readonly batchSize: number;
  /** ESM MaximumBatchingWindowInSeconds (0 = invoke as soon as records are there). */
  readonly batchingWindowSeconds: number;
  /** Retries of a failing batch before its records go to the dead-letter topic. */
  readonly retryAttempts: number;
  /** Split a failing batch in two and retry each half, to isolate a poison record. */
  readonly bisectOnError: boolean;
  /** Records older than this are sent to the dead-letter topic instead of the function. */
  readonly maxRecordAgeSeconds: number;
  /**
   * Records of different keys (aggregates) the function handles at once within one batch; records
   * of one key always run one after another, in offset order.
   */
  readonly concurrency: number;
}

/**
 * A service: its handler, trigger and wiring, and its function's settings (runtime, architecture,
 * memory, timeout; lib/function-settings.ts), which the CDK stacks and the local runtime both read.
 */
export interface ServiceSpec extends FunctionSettings {
  readonly description: string;
  /** Handler entry, relative to the repository root. */
  readonly entry: string;
  readonly trigger: 'http' | 'kafka';
  readonly subscriptions: readonly SubscriptionSpec[];
  /** The domain tables it uses; the idempotency table follows from `effectsOnce` (tablesOf). */
  readonly tables: Partial<Record<TableName, 'read' | 'readWrite'>>;
  /**
   * What makes a redelivered event take effect once. `domain-writes`: the service's own conditional
   * writes find the event applied and re-publish the same event ids (no bookkeeping per event);
   * `event-ids`: an effect outside our tables (an SNS message) needs Powertools idempotency on the
   * CloudEvent id, in the idempotency table. Absent for the HTTP entry point.
   */
  readonly effectsOnce?: 'domain-writes' | 'event-ids';
  /** Sends customer notifications (SNS on AWS, a local outbox locally). */
  readonly notifies: boolean;
}

/**
 * Defaults tuned for latency and for never dead-lettering a record that would succeed: a zero
 * batching window (provisioned-mode ESMs invoke at once), records of different orders in parallel
 * within a batch, and a retry budget above the batch size. Records that can never succeed do not
 * use retries at all (the consumer dead-letters them at once), so retries only ever serve
 * transient trouble; and a function short of time answers with the records it could not start,
 * which Lambda may count as failed in every retry: with more retries than records in a batch, a
 * record still gets its turn even if each invocation finished only one (docs/RELIABILITY.md).
 */
const LOW_LATENCY = {
  batchSize: 50,
  batchingWindowSeconds: 0,
  retryAttempts: 100,
  bisectOnError: true,
  maxRecordAgeSeconds: 21_600,
  concurrency: 10,
} as const;

/** The subscription of `service` that consumes `topic`, if any. */
export function subscriptionOf(service: ServiceName, topic: string): SubscriptionSpec | undefined {
  return SERVICE_SPECS[service].subscriptions.find((s) => domainTopic(s.domain) === topic);
}

export const SERVICE_SPECS = {
  'order-api': {
    description: 'HTTP entry point: accepts orders and users, serves the order view.',
    entry: 'lambdas/order-api/handler.ts',
    trigger: 'http',
    subscriptions: [],
    tables: { orders: 'read', inventory: 'read', idempotency: 'readWrite' },
    notifies: false,
    // Below API Gateway's 29 s integration timeout, so a slow call ends as the function's own
    // answer (or a Lambda error) rather than the gateway's 504 while the function runs on.
    ...nodeOnArm(512, 10),
  },
  payment: {
    description: 'Charges the order total, and refunds it when the order is cancelled.',
    entry: 'lambdas/payment/handler.ts',
    trigger: 'kafka',
    subscriptions: [{ domain: 'orders', events: ['OrderCreated', 'OrderCancelled'], ...LOW_LATENCY }],
    tables: { payments: 'readWrite' },
    effectsOnce: 'domain-writes',
    notifies: false,
    // Memory is CPU here: every consumer spends most of a batch computing (the SDK's request stack,
    // validation, logs), so its memory sets its speed. Chosen with the AWS model (docs/TUNING.md,
    // "Function memory"): where a consumer is CPU-bound, more memory shortens its batches about as
    // much as it raises the price per millisecond, so the cost per order barely moves.
    ...nodeOnArm(1_024, 30),
  },
  inventory: {
    description: 'Reserves stock per SKU, all or nothing, and releases it on cancellation.',
    entry: 'lambdas/inventory/handler.ts',
    trigger: 'kafka',
    subscriptions: [{ domain: 'orders', events: ['OrderCreated', 'OrderCancelled'], ...LOW_LATENCY }],
    tables: { inventory: 'readWrite' },
    effectsOnce: 'domain-writes',
    notifies: false,
    // The slowest consumer per record (a write per step of each SKU): one vCPU.
    ...nodeOnArm(LAMBDA_ONE_VCPU_MB, 30),
  },
  order: {
    description: 'The order saga and the only writer of the order view.',
    entry: 'lambdas/order/handler.ts',
    trigger: 'kafka',
    subscriptions: [
      { domain: 'orders', events: ['OrderCreated'], ...LOW_LATENCY },
      {
        domain: 'payments',
        events: ['PaymentCompleted', 'PaymentFailed', 'PaymentRefunded'],
        ...LOW_LATENCY,
      },
      {
        domain: 'inventory',
        events: ['InventoryReserved', 'InventoryReservationFailed', 'InventoryReleased'],
        ...LOW_LATENCY,
      },
      { domain: 'shipping', events: ['ShipmentPrepared'], ...LOW_LATENCY },
    ],
    tables: { orders: 'readWrite' },
    effectsOnce: 'domain-writes',
    notifies: false,
    ...nodeOnArm(1_024, 30),
  },
  shipping: {
    description: 'Prepares a shipment (carrier, tracking number) for each confirmed order.',
    entry: 'lambdas/shipping/handler.ts',
    trigger: 'kafka',
    subscriptions: [{ domain: 'orders', events: ['OrderConfirmed'], ...LOW_LATENCY }],
    tables: {},
    effectsOnce: 'domain-writes',
    notifies: false,
    ...nodeOnArm(256, 30),
  },
  notification: {
    description: 'Tells customers about confirmed, cancelled and shipped orders, and greets new users.',
    entry: 'lambdas/notification/handler.ts',
    trigger: 'kafka',
    subscriptions: [
      { domain: 'orders', events: ['OrderConfirmed', 'OrderCancelled'], ...LOW_LATENCY, batchingWindowSeconds: 1 },
      { domain: 'shipping', events: ['ShipmentPrepared'], ...LOW_LATENCY, batchingWindowSeconds: 1 },
      { domain: 'users', events: ['UserRegistered'], ...LOW_LATENCY, batchingWindowSeconds: 1 },
    ],
    tables: {},
    effectsOnce: 'event-ids',
    notifies: true,
    // Powertools idempotency and an SNS publish per record: the second slowest, one vCPU.
    ...nodeOnArm(LAMBDA_ONE_VCPU_MB, 30),
  },
} as const satisfies Record<ServiceName, ServiceSpec>;

export function serviceSpec(service: ServiceName): ServiceSpec {
  return SERVICE_SPECS[service];
}

type ServiceSpecs = typeof SERVICE_SPECS;

/**
 * The events a service's subscriptions deliver, as a union the compiler sees: the handler map of a
 * Kafka-triggered service must have exactly these keys (lambdas/shared/kafka/kafka-handler.ts).
 */
export type SubscribedEvent<S extends ServiceName> = ServiceSpecs[S]['subscriptions'][number]['events'][number];

/** The events a service may publish: those whose `producer` it is. Its publisher takes no others. */
export type PublishedEvent<S extends ServiceName> = {
  [E in EventName]: (typeof EVENTS)[E]['producer'] extends S ? E : never;
}[EventName];

/** The tables a service uses (tablesOf): its domain tables, and idempotency when its effects need event ids. */
export type ServiceTable<S extends ServiceName> =
  | Extract<keyof ServiceSpecs[S]['tables'], TableName>
  | (ServiceSpecs[S] extends { readonly effectsOnce: 'event-ids' } ? 'idempotency' : never);

export const CONSUMER_SERVICES = SERVICES.filter((s): s is ConsumerServiceName => SERVICE_SPECS[s].trigger === 'kafka');

export function domainTopic(domain: Domain): string {
  return `${domain}.events`;
}

export function deadLetterTopic(service: ConsumerServiceName): string {
  return `${service}.dlq`;
}

/** Consumer group of one subscription; custom so IAM can name the exact group ARN. */
export function consumerGroupId(service: ConsumerServiceName, domain: Domain): string {
  return `${service}.${domain}`;
}

const DOMAIN_RETENTION_HOURS = 7 * 24;
const DLQ_RETENTION_HOURS = 14 * 24;

/** Every topic the cluster holds: one per domain, one dead-letter topic per consumer service. */
export const TOPICS: readonly TopicSpec[] = [
  ...DOMAINS.map((d) => ({ name: domainTopic(d), retentionHours: DOMAIN_RETENTION_HOURS, deadLetter: false })),
  ...CONSUMER_SERVICES.map((s) => ({
    name: deadLetterTopic(s),
    retentionHours: DLQ_RETENTION_HOURS,
    deadLetter: true,
    ownerService: s,
  })),
];

/** Every table a service uses: its domain tables, and the idempotency table when effects need event ids. */
export function tablesOf<S extends ServiceName>(service: S): Readonly<Record<ServiceTable<S>, 'read' | 'readWrite'>> {
  const spec: ServiceSpec = SERVICE_SPECS[service];
  const tables = spec.effectsOnce === 'event-ids' ? { ...spec.tables, idempotency: 'readWrite' } : spec.tables;
  return tables as Record<ServiceTable<S>, 'read' | 'readWrite'>;
}

/** Topics a service reads from. */
export function consumedTopics(service: ServiceName): string[] {
  return unique(SERVICE_SPECS[service].subscriptions.map((s) => domainTopic(s.domain)));
}

/** Events a service publishes, derived from the producer field of each event. */
export function publishedEvents<S extends ServiceName>(service: S): PublishedEvent<S>[] {
  return EVENT_NAMES.filter((e): e is PublishedEvent<S> => EVENTS[e].producer === service);
}

/** Events a service reads: every event type its subscriptions deliver, in the order of EVENTS. */
export function consumedEvents<S extends ServiceName>(service: S): SubscribedEvent<S>[] {
  const subscribed = new Set<EventName>(serviceSpec(service).subscriptions.flatMap((s) => s.events));
  return EVENT_NAMES.filter((e): e is SubscribedEvent<S> => subscribed.has(e));
}

/**
 * Events whose schemas a service's function carries: those it reads (to validate on receipt) and
 * those it writes (to validate before publishing). Each function bundles only these validators.
 */
export function validatedEvents(service: ServiceName): EventName[] {
  const mine = new Set<EventName>([...consumedEvents(service), ...publishedEvents(service)]);
  return EVENT_NAMES.filter((e) => mine.has(e));
}

/** Topics a service writes to: its events' topics (its dead-letter topic is written by the ESM). */
export function publishedTopics(service: ServiceName): string[] {
  return unique(publishedEvents(service).map((e) => domainTopic(EVENTS[e].domain)));
}

export function consumerGroups(service: ServiceName): string[] {
  if (service === 'order-api') return [];
  return SERVICE_SPECS[service].subscriptions.map((s) => consumerGroupId(service, s.domain));
}

/** Services that consume an event type, for docs and for checks that every event has a reader. */
export function consumersOf(event: EventName): ConsumerServiceName[] {
  return CONSUMER_SERVICES.filter((s) =>
    SERVICE_SPECS[s].subscriptions.some((sub) => (sub.events as readonly string[]).includes(event)),
  );
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Past the last possible redelivery, a day of margin for clocks and slow replays. */
const PROOF_MARGIN_HOURS = 24;

/**
 * How long a proof that `service` applied an event must live (an idempotency record, a
 * reservation): as long as that event can be delivered to it again, from the topics it consumes or
 * from its dead-letter topic (whose records `scripts/dlq.ts replay` sends back), plus a day. A
 * replay within it finds the proof; none can come after.
 */
export function proofLifetimeSeconds(service: ConsumerServiceName): number {
  const consumed = new Set(consumedTopics(service));
  const hours = TOPICS.filter((t) => consumed.has(t.name) || t.ownerService === service).map((t) => t.retentionHours);
  return (Math.max(...hours) + PROOF_MARGIN_HOURS) * 3_600;
}
