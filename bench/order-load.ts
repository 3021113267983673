/**
 * Driving orders into a pipeline and timing them: OrderCreated events published as fast as the
 * pipeline takes them (throughput) or at a fixed offered rate (latency), and an observer that
 * notes when each order's "shipped" notification arrives. Shared by the real pipeline and the raw
 * kafkajs baseline, so both are loaded and timed the same way.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createEvent } from '../lambdas/shared/events/envelope';
import type { CloudEvent } from '../lambdas/shared/events/validation';
import type { Consumer, Kafka } from '../lambdas/shared/kafka/driver';
import { LOCAL_CONSUMER_TUNING } from '../local/consumer-tuning';
import { sampleData } from '../local/samples';
import { percentile, type Stats, stats } from './stats';

/** Products seeded with stock no run can exhaust, so every order ships. */
export const BENCH_SKUS = Array.from({ length: 50 }, (_, i) => `SKU-BENCH-${String(i + 1).padStart(3, '0')}`);
export const BENCH_PRICE_CENTS = 1_250;

export function orderCreated(index: number): CloudEvent {
  const orderId = `ord_BENCH${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const sku = BENCH_SKUS[index % BENCH_SKUS.length] as string;
  const data = sampleData('OrderCreated', {
    orderId,
    customerId: `c-${index}`,
    items: [{ sku, quantity: 1, unitPriceCents: BENCH_PRICE_CENTS }],
    totalCents: BENCH_PRICE_CENTS,
  });
  return createEvent('OrderCreated', data, { subject: orderId, correlationId: randomUUID() });
}

export interface OrderSink {
  publish(events: readonly CloudEvent[]): Promise<void>;
}

/**
 * How many order-api execution environments publish at once. On AWS each has its own producer
 * and sends one request's events at a time; one producer alone (one request in flight) could not
 * offer 100 orders/s on a busy machine, and the sender would become what is measured.
 */
export const ORDER_SENDERS = 4;

/** Spreads publishes over several sinks in turn, as API Gateway spreads requests over environments. */
export function roundRobin(sinks: readonly OrderSink[]): OrderSink {
  let next = 0;
  return {
    publish: (events) => {
      const sink = sinks[next++ % sinks.length] as OrderSink;
      return sink.publish(events);
    },
  };
}

/** Watches a topic for the message that ends an order's journey; `done(value)` names the order it ends, if any. */
export class CompletionObserver {
  private readonly completed = new Map<string, number>();
  private waiters: { ids: readonly string[]; resolve: () => void }[] = [];
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly done: (value: Buffer) => string | undefined,
  ) {}

  async start(): Promise<void> {
    // The fetch wait adds no latency (the broker answers as soon as a record lands); a short one
    // only charged the bench's own polling to the broker's CPU per order (../local/consumer-tuning.ts).
    const consumer = this.kafka.consumer({ groupId: `bench-observer-${randomUUID()}`, ...LOCAL_CONSUMER_TUNING });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: false });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachMessage: async ({ message }) => {
        const orderId = message.value ? this.done(message.value) : undefined;
        if (!orderId || this.completed.has(orderId)) return;
        this.completed.set(orderId, performance.timeOrigin + performance.now());
        this.waiters = this.waiters.filter((w) => {
          if (!w.ids.every((id) => this.completed.has(id))) return true;
          w.resolve();
          return false;
        });
      },
    });
    await joined;
  }

  completedAt(orderId: string): number | undefined {
    return this.completed.get(orderId);
  }

  /** Resolves when every order is complete; rejects with how many are missing after `timeoutMs`. */
  async waitFor(ids: readonly string[], timeoutMs: number): Promise<void> {
    if (ids.every((id) => this.completed.has(id))) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.waiters.push({ ids, resolve })),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const missing = ids.filter((id) => !this.completed.has(id)).length;
          reject(new Error(`${missing} of ${ids.length} orders did not complete within ${timeoutMs / 1000} s`));
        }, timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

export interface ThroughputResult {
  readonly orders: number;
  readonly elapsedMs: number;
  readonly ordersPerSecond: number;
}

/**
 * Offers `count` orders as fast as the sink acknowledges them (in publishes of `chunk`), and times
 * the first publish to the last completion: the rate the whole pipeline sustains.
 */
export async function measureThroughput(
  sink: OrderSink,
  observer: CompletionObserver,
  count: number,
  timeoutMs: number,
  chunk = 50,
): Promise<ThroughputResult> {
  const events = Array.from({ length: count }, (_, i) => orderCreated(i));
  const start = performance.now();
  for (let i = 0; i < events.length; i += chunk) await sink.publish(events.slice(i, i + chunk));
  await observer.waitFor(
    events.map((e) => e.subject),
    timeoutMs,
  );
  const elapsedMs = performance.now() - start;
  return { orders: count, elapsedMs, ordersPerSecond: (count * 1000) / elapsedMs };
}

export interface LatencyRun {
  readonly offeredPerSecond: number;
  readonly orders: number;
  /** Orders published per second, as achieved by the sender. */
  readonly sentPerSecond: number;
  readonly events: readonly CloudEvent[];
}

/** Publishes one order every 1000/rate ms for `seconds` (on a schedule, so a slow send is not a pause). */
export async function offerAtRate(sink: OrderSink, ratePerSecond: number, seconds: number): Promise<LatencyRun> {
  const count = Math.round(ratePerSecond * seconds);
  const intervalMs = 1000 / ratePerSecond;
  const events: CloudEvent[] = [];
  const sends: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // Stamped when it is sent: latency counts from the moment the order enters Kafka's client.
    const event = orderCreated(i);
    events.push(event);
    sends.push(sink.publish([event]));
  }
  await Promise.all(sends);
  const sentPerSecond = (count * 1000) / (performance.now() - start);
  return { offeredPerSecond: ratePerSecond, orders: count, sentPerSecond, events };
}

export interface LatencyResult {
  readonly offeredPerSecond: number;
  readonly sentPerSecond: number;
  readonly orders: number;
  readonly latencyMs: Stats & { readonly p95: number; readonly p99: number };
}

export function latencySummary(run: LatencyRun, latencies: readonly number[]): LatencyResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    offeredPerSecond: run.offeredPerSecond,
    sentPerSecond: run.sentPerSecond,
    orders: run.orders,
    latencyMs: { ...stats(latencies), p95: percentile(sorted, 95), p99: percentile(sorted, 99) },
  };
}
