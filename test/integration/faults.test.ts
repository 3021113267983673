/**
 * The reliability suite (issue 5): a few hundred orders of known outcome (shipped, declined, sold
 * out) through the whole local pipeline (API emulator, MSK trigger emulators, the real handlers,
 * dynalite) on a Kafka broker of its own, which it restarts, while faults are injected one
 * scenario at a time. After each scenario every invariant is checked against the real tables and
 * topics (support-faults.ts). The figures go to stdout and .local/reliability/last-run.json, from
 * which docs/RELIABILITY.md is refreshed.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { dynamoClient } from '../../lambdas/shared/aws-clients';
import { type Admin, Kafka, logLevel, type Producer } from '../../lambdas/shared/kafka/driver';
import { cloudEventType, type Domain, domainTopic, type EventName, MAX_EVENT_BYTES } from '../../lib/topology';
import { KafkaBroker } from '../../local/kafka-broker';
import { localDir, REPO_ROOT } from '../../local/paths';
import { LocalRuntime, localTableName } from '../../local/runtime';
import {
  type AcceptedOrder,
  FaultInjector,
  orderMix,
  type Poison,
  type PoisonKind,
  placeOrders,
  poisonReaders,
  quiesce,
  sleep,
  TopicLog,
  topicEnds,
  triggerGroups,
  violations,
} from './support-faults';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Event types of each consumed topic whose poison copies claim to be them (each has a reader). */
const CLAIMED: Record<Exclude<Domain, 'notifications'>, EventName> = {
  orders: 'OrderCreated',
  payments: 'PaymentCompleted',
  inventory: 'InventoryReserved',
  shipping: 'ShipmentPrepared',
  users: 'UserRegistered',
};

function example(name: EventName): Record<string, unknown> {
  const path = join(REPO_ROOT, 'lambdas/shared/events/examples', `${name}.v1.example.json`);
  return { ...JSON.parse(readFileSync(path, 'utf8')), id: randomUUID() };
}

/** One record of each kind of poison for every consumed topic. */
function poisonRecords(): Poison[] {
  return Object.entries(CLAIMED).flatMap(([domain, name]) => {
    const d = domain as Domain;
    const claims = cloudEventType(name);
    const make = (kind: PoisonKind, value: string, reason: RegExp, claimed?: string): Poison => ({
      key: `poison-${kind}-${domain}`,
      kind,
      domain: d,
      value: Buffer.from(value),
      ...(claimed ? { claims: claimed } : {}),
      expectedIn: poisonReaders(d, claimed),
      reason,
    });
    return [
      make('notJson', `<order id="${randomUUID()}"/>`, /^value is not JSON$/),
      make(
        'wrongSchema',
        JSON.stringify({ ...example(name), data: {} }),
        /data: \/ must have required property/,
        claims,
      ),
      make(
        'unknownType',
        JSON.stringify({ ...example(name), type: 'orderpipeline.OrderShredded' }),
        /unknown event type/,
      ),
      make('noType', JSON.stringify({ specversion: '1.0', id: randomUUID(), data: {} }), /^envelope: /),
      make(
        'oversize',
        `${JSON.stringify(example(name))}${' '.repeat(MAX_EVENT_BYTES)}`,
        /^oversize: the value is \d+ bytes, over the pipeline's maximum event size of \d+$/,
        claims,
      ),
    ];
  });
}

interface ScenarioFigures {
  readonly scenario: string;
  readonly orders: number;
  readonly byKind: Record<string, number>;
  readonly faultsInjected: Record<string, number>;
  /** Deliveries of an event to a service that had seen it already: absorbed, effects once. */
  readonly duplicatesSuppressed: number;
  readonly recordsDeadLettered: number;
  readonly lost: number;
  readonly seconds: number;
}

describe('the pipeline under faults: nothing lost, nothing twice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reliability-'));
  const brokerDir = join(localDir(), 'reliability-broker');
  const faults = new FaultInjector();
  const accepted: AcceptedOrder[] = [];
  const poison: Poison[] = [];
  const figures: ScenarioFigures[] = [];
  const lines: string[] = [];
  let broker: KafkaBroker;
  let runtime: LocalRuntime;
  let admin: Admin;
  let producer: Producer;
  let log: TopicLog;
  let deadLettered = 0;

  beforeAll(async () => {
    // The notification outbox prints a line per message; hundreds of them would bury the figures.
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    rmSync(join(brokerDir, 'data'), { recursive: true, force: true });
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    broker = new KafkaBroker({ dir: brokerDir, port, controllerPort });
    await broker.start();
    runtime = new LocalRuntime({
      dir,
      kafkaPort: 0,
      externalKafka: broker.bootstrapServers,
      apiPort: await freePort(),
      dynamoPort: await freePort(),
      faults,
      log: (line) => lines.push(line),
    });
    await runtime.start();
    // The functions' shared DynamoDB client (created when their modules loaded), through the SDK's
    // own extension point: a write that succeeded, then a crash before anything is published.
    dynamoClient().middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        if (faults.crashAfterWrite(args.input as { TableName?: string })) {
          throw new Error('injected crash after a DynamoDB write, before publishing');
        }
        return result;
      },
      { step: 'initialize', name: 'reliabilityCrashAfterWrite' },
    );
    const kafka = new Kafka({
      clientId: 'reliability',
      brokers: [broker.bootstrapServers],
      logLevel: logLevel.NOTHING,
    });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    log = new TopicLog(kafka, admin);
    await log.start();
  }, 180_000);

  afterAll(async () => {
    await log?.stop();
    await producer?.disconnect();
    await admin?.disconnect();
    await runtime?.stop();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
    writeSummary(figures);
  }, 60_000);

  /** Runs one scenario, then checks every invariant over everything so far and keeps its figures. */
  async function scenario(
    name: string,
    run: () => Promise<{ orders: AcceptedOrder[]; faults: Record<string, number> }>,
  ): Promise<void> {
    const started = Date.now();
    faults.resetCounts();
    const { orders, faults: injected } = await run();
    accepted.push(...orders);
    await quiesce(admin);
    await log.caughtUp();
    const result = await violations(log, accepted, poison);
    const lost = result.violations.filter((v) => v.endsWith(': lost')).length;
    figures.push({
      scenario: name,
      orders: orders.length,
      byKind: countBy(orders.map((o) => o.kind)),
      faultsInjected: injected,
      duplicatesSuppressed: faults.redeliveries,
      recordsDeadLettered: result.deadLetters.written - deadLettered,
      lost,
      seconds: Math.round((Date.now() - started) / 1000),
    });
    deadLettered = result.deadLetters.written;
    expect(result.violations).toEqual([]);
    expect(orders.length).toBeGreaterThan(0);
  }

  it('absorbs duplicates: the same batch twice, producer retries, and offsets rewound', async () => {
    await scenario('duplicate delivery', async () => {
      const rewindTo = await topicEnds(admin);
      faults.mode = 'reinvoke';
      faults.every = 3;
      const placed = await placeOrders(runtime.apiUrl, orderMix(60, 1));
      faults.mode = 'none';

      // A producer retry: the same CloudEvent (same id) once more, at a new offset.
      await log.caughtUp();
      const again = (['orders', 'payments', 'inventory', 'shipping'] as const).flatMap((domain) =>
        log.of(domainTopic(domain)).slice(-25),
      );
      for (const record of again) {
        await producer.send({ topic: record.topic, acks: -1, messages: [{ key: record.key, value: record.value }] });
      }
      await quiesce(admin);

      // Offsets rewound: the triggers stop, every group goes back to where this scenario began.
      await runtime.stopTriggers();
      let replayed = 0;
      const ends = await topicEnds(admin);
      for (const { groupId, topic } of triggerGroups()) {
        const partitions = rewindTo.get(topic) ?? [];
        await admin.setOffsets({ groupId, topic, partitions });
        for (const p of ends.get(topic) ?? []) {
          replayed += Number(p.offset) - Number(partitions.find((q) => q.partition === p.partition)?.offset ?? 0);
        }
      }
      await runtime.startTriggers();
      return {
        orders: placed.accepted,
        faults: {
          batchesReinvoked: faults.injected,
          eventsRepublished: again.length,
          recordsReplayedByRewind: replayed,
        },
      };
    });
  });

  it('dead-letters poison on every consumed topic, with its reason, and only in the services it reaches', async () => {
    await scenario('poison records', async () => {
      const records = poisonRecords();
      poison.push(...records);
      const placing = placeOrders(runtime.apiUrl, orderMix(40, 2));
      for (const p of records) {
        await producer.send({ topic: domainTopic(p.domain), acks: -1, messages: [{ key: p.key, value: p.value }] });
      }
      const placed = await placing;
      return { orders: placed.accepted, faults: countBy(records.map((p) => `poison ${p.kind}`)) };
    });
  });

  it('finishes the work of a handler that crashed mid-batch after some of its effects', async () => {
    await scenario('crash mid-batch', async () => {
      faults.mode = 'crash';
      faults.every = 4;
      faults.crashAfterWriteTo = [localTableName('payments'), localTableName('inventory'), localTableName('orders')];
      const placed = await placeOrders(runtime.apiUrl, orderMix(50, 3));
      await quiesce(admin);
      faults.mode = 'none';
      faults.crashAfterWriteTo = [];
      return {
        orders: placed.accepted,
        faults: { invocationsCrashedMidBatch: faults.injected, crashesAfterDynamoWrite: faults.crashesAfterWrite },
      };
    });
  });

  it('copes with a handler slower than its function timeout', async () => {
    await scenario('handler slower than its timeout', async () => {
      await runtime.stopTriggers();
      faults.timeoutSeconds = 4;
      faults.mode = 'slow';
      faults.every = 4;
      faults.limit = 6;
      await runtime.startTriggers();
      const placed = await placeOrders(runtime.apiUrl, orderMix(40, 4));
      await quiesce(admin);
      // The abandoned invocations end their stall after the timeout.
      await sleep((faults.timeoutSeconds + 2) * 1_000);
      await runtime.stopTriggers();
      faults.mode = 'none';
      faults.timeoutSeconds = undefined;
      faults.limit = Number.POSITIVE_INFINITY;
      await runtime.startTriggers();
      return { orders: placed.accepted, faults: { invocationsTimedOut: faults.injected } };
    });
  });

  it('loses nothing when the broker restarts under load', async () => {
    await scenario('broker restart under load', async () => {
      const placing = placeOrders(runtime.apiUrl, orderMix(60, 5));
      await sleep(2_000);
      await broker.stop();
      await sleep(2_000);
      await broker.start();
      const placed = await placing;
      return {
        orders: placed.accepted,
        faults: { brokerRestarts: 1, requestsRetried: placed.retried, ...placed.refused },
      };
    });
  });
});

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function writeSummary(figures: readonly ScenarioFigures[]): void {
  if (figures.length === 0) return;
  const summary = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Linux ${release()}, Node ${process.version}`,
    command: 'npx jest test/integration/faults.test.ts',
    totals: {
      orders: figures.reduce((n, f) => n + f.orders, 0),
      duplicatesSuppressed: figures.reduce((n, f) => n + f.duplicatesSuppressed, 0),
      recordsDeadLettered: figures.reduce((n, f) => n + f.recordsDeadLettered, 0),
      lost: figures.reduce((n, f) => n + f.lost, 0),
      seconds: figures.reduce((n, f) => n + f.seconds, 0),
    },
    scenarios: figures,
  };
  const out = join(localDir(), 'reliability');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'last-run.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`\nReliability figures (${join(out, 'last-run.json')}):\n${JSON.stringify(summary, null, 2)}\n`);
}
