/**
 * What one happy-path order costs the consumers (issue 12, item 4): a README-style order (one SKU,
 * tok_visa) placed through the local runtime over the real test broker, and every DynamoDB call and
 * Kafka send each consumer service made for it, until it was SHIPPED and every trigger had
 * committed everything. The figures are in docs/TUNING.md ("DynamoDB calls per order").
 *
 * The local runtime runs every function in one process with one shared DynamoDB client, so a call
 * is told apart by the invocation it belongs to: the runtime's fault-injection seam
 * (local/faults.ts) runs each invocation in an AsyncLocalStorage scope naming its service and
 * records, and a middleware on the shared client counts each call in the scope it was made in. The
 * order API's calls happen in no invocation: they are not a consumer's, and are only printed.
 * Sends are counted where each service's producer reports a batch the broker acknowledged, and
 * belong to the order when their events carry its correlation id.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { dynamoClient } from '../../lambdas/shared/aws-clients';
import { type Admin, Kafka, logLevel } from '../../lambdas/shared/kafka/driver';
import { watchSharedProducers } from '../../lambdas/shared/kafka/kafka-handler';
import { decodeMskEvent } from '../../lambdas/shared/kafka/msk-event';
import type { SentBatch } from '../../lambdas/shared/kafka/publisher';
import { CONSUMER_SERVICES, type ConsumerServiceName, shortEventType, tablesOf } from '../../lib/topology';
import type { FaultInjection, KafkaLambdaHandler, TriggerTarget } from '../../local/faults';
import { quiesce } from '../../local/reliability/topic-log';
import { sampleOrderRequest } from '../../local/samples';
import { TEST_BOOTSTRAP } from './broker';
import { startTestRuntime, type TestRuntime } from './test-runtime';

/** The README's example order (one SKU), and one of two SKUs like the AWS model's (bench/aws-model). */
const ORDERS = [
  { name: 'the README order (one SKU)', request: sampleOrderRequest() },
  {
    name: 'an order of two SKUs',
    request: sampleOrderRequest({
      items: [
        { sku: 'SKU-001', quantity: 1 },
        { sku: 'SKU-002', quantity: 1 },
      ],
    }),
  },
] as const;

/** Issue 12, item 4: DynamoDB calls per happy-path order, across all consumers. */
const MAX_CALLS_PER_ORDER = 16;

/**
 * What an order service write that is refused costs: the refused write and one more read (the
 * write that follows replaces the one that was refused). Two of its event handlers can meet on one
 * item (its four subscriptions run concurrently), or an event can overtake its OrderCreated, and
 * how often that happens depends on timing alone.
 */
const CALLS_PER_LOST_RACE = 2;
/** The order service's writes that succeed: one per event, and the settling write when separate. */
const ORDER_WRITES = 5;

interface Invocation {
  readonly service: ConsumerServiceName;
  readonly keys: readonly (string | null)[];
  readonly eventIds: readonly string[];
  readonly types: readonly string[];
  /** Each DynamoDB call made in it, and whether DynamoDB refused its condition. */
  readonly calls: { readonly command: string; refused: boolean }[];
}

interface Send {
  readonly service: string;
  readonly correlationIds: ReadonlySet<string>;
  readonly types: readonly string[];
}

interface ServiceCost {
  readonly invocations: number;
  readonly records: number;
  /** Calls made by first deliveries. */
  readonly calls: number;
  /** Of those, conditional writes DynamoDB refused. */
  readonly refused: number;
  /** Of those, reads of one item (GetItem). */
  readonly reads: number;
  /** Calls made by invocations that only carried events this service had already been given. */
  readonly redeliveryCalls: number;
  readonly sends: number;
  readonly messages: number;
}

/** The counting seam: wraps every trigger's function, counts calls on the shared client and sends. */
class CostMeter implements FaultInjection {
  readonly invocations: Invocation[] = [];
  /** Calls made outside any consumer invocation: the order API's. */
  readonly outside: string[] = [];
  readonly sends: Send[] = [];
  private readonly scope = new AsyncLocalStorage<Invocation>();
  private unwatch: () => void = () => undefined;

  wrapHandler(target: TriggerTarget, handler: KafkaLambdaHandler): KafkaLambdaHandler {
    return (event, context) => {
      const records = decodeMskEvent(event);
      const invocation: Invocation = {
        service: target.service,
        keys: records.map((r) => r.key),
        eventIds: records.map((r) => eventOf(r.value).id),
        types: records.map((r) => eventOf(r.value).type),
        calls: [],
      };
      this.invocations.push(invocation);
      return this.scope.run(invocation, () => handler(event, context));
    };
  }

  /** Starts counting; the functions' client exists once the runtime has loaded their modules. */
  install(): void {
    const stack = dynamoClient().middlewareStack;
    stack.add(
      (next, context) => async (args) => {
        const command = (context as { commandName: string }).commandName.replace(/Command$/, '');
        const call = { command, refused: false };
        const invocation = this.scope.getStore();
        if (invocation) invocation.calls.push(call);
        else this.outside.push(command);
        try {
          return await next(args);
        } catch (error) {
          call.refused = (error as Error).name === 'ConditionalCheckFailedException';
          throw error;
        }
      },
      { step: 'initialize', name: 'costMeter' },
    );
    this.unwatch = watchSharedProducers((service, batch) => this.sends.push(sendOf(service, batch)));
  }

  uninstall(): void {
    dynamoClient().middlewareStack.remove('costMeter');
    this.unwatch();
  }

  /** The invocations that carried the order's records; fails on one that mixed it with others. */
  invocationsOf(orderId: string): Invocation[] {
    const mixed = this.invocations.filter((i) => i.keys.includes(orderId) && i.keys.some((k) => k !== orderId));
    if (mixed.length > 0) {
      throw new Error(`invocations mixed the order with other records, so calls cannot be told apart: ${mixed.length}`);
    }
    return this.invocations.filter((i) => i.keys.length > 0 && i.keys.every((k) => k === orderId));
  }

  costs(orderId: string, correlationId: string): Record<ConsumerServiceName, ServiceCost> {
    const ours = this.invocationsOf(orderId);
    const sends = this.sends.filter((s) => s.correlationIds.has(correlationId));
    return Object.fromEntries(
      CONSUMER_SERVICES.map((service) => {
        const mine = ours.filter((i) => i.service === service);
        const [first, again] = splitRedeliveries(mine);
        const itsSends = sends.filter((s) => s.service === service);
        const cost: ServiceCost = {
          invocations: mine.length,
          records: mine.reduce((n, i) => n + i.eventIds.length, 0),
          calls: first.reduce((n, i) => n + i.calls.length, 0),
          refused: first.reduce((n, i) => n + i.calls.filter((c) => c.refused).length, 0),
          reads: first.reduce((n, i) => n + i.calls.filter((c) => c.command === 'GetItem').length, 0),
          redeliveryCalls: again.reduce((n, i) => n + i.calls.length, 0),
          sends: itsSends.length,
          messages: itsSends.reduce((n, s) => n + s.types.length, 0),
        };
        return [service, cost];
      }),
    ) as Record<ConsumerServiceName, ServiceCost>;
  }
}

/** First deliveries, and invocations whose every event the service had been given before. */
function splitRedeliveries(invocations: readonly Invocation[]): [Invocation[], Invocation[]] {
  const seen = new Set<string>();
  const first: Invocation[] = [];
  const again: Invocation[] = [];
  for (const invocation of invocations) {
    (invocation.eventIds.every((id) => seen.has(id)) ? again : first).push(invocation);
    for (const id of invocation.eventIds) seen.add(id);
  }
  return [first, again];
}

function eventOf(value: Buffer | null): { id: string; type: string } {
  try {
    const event = JSON.parse(value?.toString('utf8') ?? 'null') as { id?: unknown; type?: unknown } | null;
    return { id: String(event?.id), type: shortEventType(String(event?.type)) };
  } catch {
    return { id: 'not JSON', type: 'not JSON' };
  }
}

/** Which events' handlers had a write refused, e.g. `InventoryReserved: GetItem, PutItem refused, GetItem, PutItem`. */
function refusedWrites(invocations: readonly Invocation[]): string[] {
  return invocations
    .filter((i) => i.calls.some((c) => c.refused))
    .map(
      (i) => `${i.types.join(', ')}: ${i.calls.map((c) => `${c.command}${c.refused ? ' refused' : ''}`).join(', ')}`,
    );
}

function sendOf(service: string, batch: SentBatch): Send {
  const events = batch.flatMap((t) =>
    t.messages.map((m) => JSON.parse(String(m.value)) as { type: string; correlationid: string }),
  );
  return { service, correlationIds: new Set(events.map((e) => e.correlationid)), types: events.map((e) => e.type) };
}

function table(costs: Record<ConsumerServiceName, ServiceCost>, outside: readonly string[]): string {
  const columns = [
    'invocations',
    'records',
    'calls',
    'refused',
    'reads',
    'redeliveryCalls',
    'sends',
    'messages',
  ] as const;
  const rows = CONSUMER_SERVICES.map(
    (s) => `${s.padEnd(13)}${columns.map((c) => String(costs[s][c]).padStart(17)).join('')}`,
  );
  return [
    `${'service'.padEnd(13)}${columns.map((c) => c.padStart(17)).join('')}`,
    ...rows,
    `order API (not counted): ${outside.length} calls (${outside.join(', ')})`,
  ].join('\n');
}

async function placeOrder(api: string, order: unknown): Promise<{ orderId: string; correlationId: string }> {
  const response = await fetch(`${api}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(order),
  });
  expect(response.status).toBe(202);
  return (await response.json()) as { orderId: string; correlationId: string };
}

/** Polls GET /orders/{id} until the order is SHIPPED or CANCELLED; a stall, not slowness, fails. */
async function settled(api: string, orderId: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${api}/orders/${orderId}`);
    const status = response.status === 200 ? ((await response.json()) as { status: string }).status : undefined;
    if (status === 'SHIPPED' || status === 'CANCELLED') return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`order ${orderId} was not settled within a minute`);
}

describe('what one order costs the consumers', () => {
  const meter = new CostMeter();
  let pipeline: TestRuntime;
  let admin: Admin;

  beforeAll(async () => {
    pipeline = await startTestRuntime('calls', { faults: meter });
    meter.install();
    admin = new Kafka({ clientId: 'calls-per-order', brokers: [TEST_BOOTSTRAP], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    // Whatever earlier runs left on the shared broker is handled before the order is placed.
    await quiesce(admin);
  });
  afterAll(async () => {
    meter.uninstall();
    await admin?.disconnect();
    await pipeline?.stop();
  });

  it.each(ORDERS)(
    `ships $name with at most ${MAX_CALLS_PER_ORDER} DynamoDB calls and at most one Kafka send per record`,
    async ({ request }) => {
      // Act
      const { orderId, correlationId } = await placeOrder(pipeline.runtime.apiUrl, request);
      const status = await settled(pipeline.runtime.apiUrl, orderId);
      // The notification of the shipment and the last commits come after the order is SHIPPED.
      await quiesce(admin);

      // Assess
      expect(status).toBe('SHIPPED');
      const costs = meter.costs(orderId, correlationId);
      process.stdout.write(`\nWhat order ${orderId} cost the consumers:\n${table(costs, meter.outside)}\n`);
      for (const service of CONSUMER_SERVICES) {
        // Every consumer took part, so the scope saw its calls; one without tables makes none.
        expect({ service, invoked: costs[service].invocations > 0 }).toEqual({ service, invoked: true });
        const hasTables = Object.keys(tablesOf(service)).length > 0;
        expect({ service, calls: costs[service].calls > 0 }).toEqual({ service, calls: hasTables });
      }
      // The order service: a write per event and one to settle, no read; each refused write adds
      // itself and one read. A write after a refusal may settle too, so one write fewer is possible
      // then, never more.
      const lostRaces = costs.order.refused;
      expect(costs.order.reads).toBe(lostRaces);
      const writes = costs.order.calls - CALLS_PER_LOST_RACE * lostRaces;
      expect(lostRaces === 0 ? [ORDER_WRITES] : [ORDER_WRITES - 1, ORDER_WRITES]).toContain(writes);
      const total = CONSUMER_SERVICES.reduce((n, s) => n + costs[s].calls, 0);
      const withoutRaces = total - CALLS_PER_LOST_RACE * lostRaces;
      const races = refusedWrites(meter.invocationsOf(orderId).filter((i) => i.service === 'order'));
      process.stdout.write(
        [`DynamoDB calls: ${total}; ${lostRaces} lost race(s) in the order service; ${withoutRaces} without`, ...races]
          .map((line) => `${line}\n`)
          .join(''),
      );
      expect(withoutRaces).toBeLessThanOrEqual(MAX_CALLS_PER_ORDER);

      // Kafka: each record's events go in exactly one send, which concurrent records of the service
      // may share (the coalescing producer); so never more sends than records, and every event the
      // order causes was sent.
      for (const service of CONSUMER_SERVICES) {
        expect({ service, sends: costs[service].sends <= costs[service].records }).toEqual({ service, sends: true });
      }
      const sentTypes = new Set(
        meter.sends
          .filter((s) => s.service !== 'order-api' && s.correlationIds.has(correlationId))
          .flatMap((s) => s.types),
      );
      expect([...sentTypes].sort()).toEqual(
        [
          'InventoryReserved',
          'NotificationSent',
          'OrderConfirmed',
          'PaymentCompleted',
          'ProductUpdated',
          'ShipmentPrepared',
        ].map((t) => `orderpipeline.${t}`),
      );
    },
  );
});
