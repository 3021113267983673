/**
 * The real pipeline end to end on one machine: LocalRuntime (a real Kafka broker, dynalite, the MSK
 * trigger emulators running the handler modules) with every batching window at 0. Orders enter as
 * OrderCreated through the same producer the order API uses, and finish when the notification
 * service publishes the "order shipped" NotificationSent. Order-to-SHIPPED latency is read from the
 * order view the saga writes: its updatedAt when it turned SHIPPED, minus the OrderCreated time.
 */
import { rmSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { seedCatalogue } from '../lambdas/shared/catalogue';
import { ItemClient } from '../lambdas/shared/db/item-client';
import { kafkaSettings } from '../lambdas/shared/env';
import { createKafka } from '../lambdas/shared/kafka/client';
import { Kafka, logLevel } from '../lambdas/shared/kafka/driver';
import { KafkaProducer } from '../lambdas/shared/kafka/publisher';
import { CATALOGUE_CURRENCY } from '../lib/catalogue-seed';
import { ENV } from '../lib/runtime-contract';
import { domainTopic } from '../lib/topology';
import { LocalRuntime, localTableName } from '../local/runtime';
import {
  BENCH_PRICE_CENTS,
  BENCH_SKUS,
  CompletionObserver,
  type LatencyResult,
  latencySummary,
  measureThroughput,
  ORDER_SENDERS,
  offerAtRate,
  roundRobin,
  type ThroughputResult,
} from './order-load';
import { otherProcessCpuMs, ownCpuMs } from './process-cpu';

export interface E2eOptions {
  readonly dir: string;
  /** A running broker (the one the raw baseline used, so both run against the same broker). */
  readonly bootstrapServers: string;
  /** The broker's process, to count its CPU time per order (Linux); unknown without it. */
  readonly brokerPid?: number;
  readonly warmupOrders: number;
  readonly throughputOrders: number;
  readonly latencyRate: number;
  readonly latencySeconds: number;
  readonly log: (line: string) => void;
}

/**
 * CPU time per order during the throughput run. `pipelineMs` is this process: every handler and the
 * trigger emulators (as `npm start` runs them), plus the bench's own producers and observer;
 * `dynamoMs` is dynalite's process (DynamoDB's work, a service on AWS; results written before it ran
 * in a process of its own counted it in `pipelineMs`); `brokerMs` is the Kafka broker's. The last two
 * are unknown without Linux's /proc.
 */
export interface PipelineCpu {
  readonly pipelineMs: number;
  readonly dynamoMs?: number;
  readonly brokerMs?: number;
}

export interface PipelineResult {
  readonly throughput: ThroughputResult;
  readonly latency: LatencyResult;
  /** Absent from results written before it was measured. */
  readonly cpuPerOrder?: PipelineCpu;
}

export function isShippedNotification(value: Buffer): string | undefined {
  const event = JSON.parse(value.toString('utf8')) as { data?: { template?: string; orderId?: string } };
  return event.data?.template === 'order_shipped' ? event.data.orderId : undefined;
}

/** Generous: on a busy machine the local pipeline drains a thousand orders in minutes. */
const COMPLETION_TIMEOUT_MS = 600_000;

export async function runPipeline(options: E2eOptions): Promise<PipelineResult> {
  rmSync(options.dir, { recursive: true, force: true });
  const runtime = new LocalRuntime({
    dir: options.dir,
    kafkaPort: 0,
    externalKafka: options.bootstrapServers,
    apiPort: 0,
    dynamoPort: 0,
    batchingWindowSeconds: 0,
    log: () => undefined,
  });
  options.log('pipeline: starting the local runtime (dynalite, MSK triggers, handlers)...');
  await runtime.start();
  const dynamo = new DynamoDBClient({ endpoint: process.env[ENV.dynamodbEndpoint] as string });
  const documents = DynamoDBDocumentClient.from(dynamo);
  const kafka = new Kafka({ clientId: 'bench', brokers: kafkaSettings().brokers, logLevel: logLevel.ERROR });
  const producers = Array.from(
    { length: ORDER_SENDERS },
    (_, i) => new KafkaProducer(createKafka(`bench-order-api-${i}`, kafkaSettings())),
  );
  const producer = roundRobin(producers);
  const observer = new CompletionObserver(kafka, domainTopic('notifications'), isShippedNotification);
  try {
    await seedCatalogue(
      new ItemClient(dynamo),
      localTableName('inventory'),
      BENCH_SKUS.map((sku) => ({
        sku,
        name: sku,
        priceCents: BENCH_PRICE_CENTS,
        currency: CATALOGUE_CURRENCY,
        available: 1_000_000_000,
      })),
    );
    await observer.start();
    options.log(`pipeline: warm-up, ${options.warmupOrders} orders...`);
    await measureThroughput(producer, observer, options.warmupOrders, COMPLETION_TIMEOUT_MS);

    options.log(`pipeline: ${options.latencyRate} orders/s for ${options.latencySeconds} s...`);
    const run = await offerAtRate(producer, options.latencyRate, options.latencySeconds);
    const ids = run.events.map((e) => e.subject);
    await observer.waitFor(ids, COMPLETION_TIMEOUT_MS);
    const latencies: number[] = [];
    for (const event of run.events) {
      const view = await shippedView(documents, event.subject);
      latencies.push(Date.parse(view.updatedAt) - Date.parse(event.time));
    }
    const latency = latencySummary(run, latencies);

    options.log(`pipeline: throughput, ${options.throughputOrders} orders as fast as it takes them...`);
    const dynamoPid = runtime.dynamoPid;
    const before = {
      own: ownCpuMs(),
      broker: otherProcessCpuMs(options.brokerPid),
      dynamo: otherProcessCpuMs(dynamoPid),
    };
    const throughput = await measureThroughput(producer, observer, options.throughputOrders, COMPLETION_TIMEOUT_MS);
    const brokerAfter = otherProcessCpuMs(options.brokerPid);
    const dynamoAfter = otherProcessCpuMs(dynamoPid);
    const perOrder = (from: number | undefined, to: number | undefined) =>
      from === undefined || to === undefined ? undefined : (to - from) / throughput.orders;
    const dynamoMs = perOrder(before.dynamo, dynamoAfter);
    const brokerMs = perOrder(before.broker, brokerAfter);
    const cpuPerOrder: PipelineCpu = {
      pipelineMs: (ownCpuMs() - before.own) / throughput.orders,
      ...(dynamoMs === undefined ? {} : { dynamoMs }),
      ...(brokerMs === undefined ? {} : { brokerMs }),
    };
    return { throughput, latency, cpuPerOrder };
  } finally {
    await observer.stop();
    for (const p of producers) await p.disconnect();
    dynamo.destroy();
    await runtime.stop();
  }
}

/** The view turns SHIPPED when the saga applies ShipmentPrepared; the notification may come first. */
async function shippedView(documents: DynamoDBDocumentClient, orderId: string): Promise<{ updatedAt: string }> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Item } = await documents.send(
      new GetCommand({ TableName: localTableName('orders'), Key: { orderId }, ConsistentRead: true }),
    );
    if (Item?.status === 'SHIPPED') return Item as { updatedAt: string };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`order ${orderId} shipped its notification but its view never turned SHIPPED`);
}
