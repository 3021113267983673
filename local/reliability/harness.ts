/**
 * The whole local pipeline on a Kafka broker of its own, with the fault seam in place, and the
 * faults that happen outside a function: a producer's retry, offsets rewound, poison on the topics,
 * a broker restart, a shorter function timeout. The fault suite (test/integration/fault-suite.ts)
 * and `npm run soak` both drive the pipeline through it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { dynamoClient } from '../../lambdas/shared/aws-clients';
import { type Admin, Kafka, logLevel, type Producer } from '../../lambdas/shared/kafka/driver';
import { domainTopic } from '../../lib/topology';
import type { EsmReading } from '../esm/readings';
import { freePorts } from '../free-port';
import { KafkaBroker, portOpen } from '../kafka-broker';
import { LocalRuntime } from '../runtime';
import type { FaultInjector } from './fault-injector';
import { violations } from './invariants';
import { type AcceptedOrder, sleep } from './orders';
import type { Poison } from './poison';
import { quiesce, TopicLog, topicEnds, triggerGroups } from './topic-log';

export interface HarnessOptions {
  /** The runtime's state (tables, outbox). */
  readonly dir: string;
  /** The broker's log directory; wiped first, so every run starts from empty topics. */
  readonly brokerDir: string;
  readonly reading: EsmReading;
  readonly faults: FaultInjector;
  readonly log: (line: string) => void;
}

export class ReliabilityHarness {
  private constructor(
    readonly broker: KafkaBroker,
    private readonly brokerPort: number,
    readonly runtime: LocalRuntime,
    readonly admin: Admin,
    readonly producer: Producer,
    readonly topics: TopicLog,
    private readonly faults: FaultInjector,
  ) {}

  static async start(options: HarnessOptions): Promise<ReliabilityHarness> {
    rmSync(join(options.brokerDir, 'data'), { recursive: true, force: true });
    const [port, controllerPort, apiPort, dynamoPort] = (await freePorts(4)) as [number, number, number, number];
    const broker = new KafkaBroker({ dir: options.brokerDir, port, controllerPort });
    await broker.start();
    const runtime = new LocalRuntime({
      dir: options.dir,
      kafkaPort: 0,
      externalKafka: broker.bootstrapServers,
      apiPort,
      dynamoPort,
      faults: options.faults,
      reading: options.reading,
      log: options.log,
    });
    await runtime.start();
    installCrashAfterWrite(options.faults);
    const kafka = new Kafka({
      clientId: 'reliability',
      brokers: [broker.bootstrapServers],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    const topics = new TopicLog(kafka, admin, (line) => options.log(`[reader] ${line}`));
    await topics.start();
    return new ReliabilityHarness(broker, port, runtime, admin, producer, topics, options.faults);
  }

  async stop(): Promise<void> {
    await this.topics.stop();
    await this.producer.disconnect();
    await this.admin.disconnect();
    await this.runtime.stop();
    await this.broker.stop();
  }

  /** Waits until the triggers have committed everything and the reader has read every record. */
  async settle(): Promise<void> {
    await quiesce(this.admin, undefined, () =>
      this.runtime
        .triggerStats()
        .map(
          (t) => `${t.groupId}: ${t.invocations} invocations, ${t.failedInvocations} failed; ${t.workers.join('; ')}`,
        )
        .join('\n'),
    );
    await this.topics.caughtUp();
  }

  /** Every invariant over the orders and poison so far (an empty list when all hold). */
  check(accepted: readonly AcceptedOrder[], poison: readonly Poison[]) {
    return violations(this.topics, accepted, poison);
  }

  /**
   * A producer's retry: the last `perTopic` records of each domain topic that services publish to,
   * sent again as they are (same CloudEvent id, new offset). Answers how many were sent.
   */
  async republish(perTopic: number): Promise<number> {
    await this.topics.caughtUp();
    const again = (['orders', 'payments', 'inventory', 'shipping'] as const).flatMap((domain) =>
      this.topics.of(domainTopic(domain)).slice(-perTopic),
    );
    for (const record of again) {
      await this.producer.send({ topic: record.topic, acks: -1, messages: [{ key: record.key, value: record.value }] });
    }
    return again.length;
  }

  /** Where every trigger's topic ends now, to rewind to later. */
  topicEnds() {
    return topicEnds(this.admin);
  }

  /**
   * Offsets rewound: the triggers stop, every group goes back to `to`, and they start again.
   * Answers how many records the groups will read again.
   */
  async rewind(to: Awaited<ReturnType<typeof topicEnds>>): Promise<number> {
    await this.runtime.stopTriggers();
    let replayed = 0;
    const ends = await topicEnds(this.admin);
    for (const { groupId, topic } of triggerGroups()) {
      const partitions = to.get(topic) ?? [];
      await this.admin.setOffsets({ groupId, topic, partitions });
      for (const end of ends.get(topic) ?? []) {
        const from = partitions.find((p) => p.partition === end.partition)?.offset ?? '0';
        replayed += Number(end.offset) - Number(from);
      }
    }
    await this.runtime.startTriggers();
    return replayed;
  }

  async produce(poison: readonly Poison[]): Promise<void> {
    for (const p of poison) {
      await this.producer.send({ topic: domainTopic(p.domain), acks: -1, messages: [{ key: p.key, value: p.value }] });
    }
  }

  /** Stops the broker for `downMs` and starts it again; answers whether it really refused connections. */
  async restartBroker(downMs: number): Promise<boolean> {
    await this.broker.stop();
    const refused = !(await portOpen(this.brokerPort));
    await sleep(downMs);
    await this.broker.start();
    return refused;
  }

  /** Restarts the triggers with every function's timeout set to `seconds` (undefined: the topology's). */
  async setFunctionTimeout(seconds: number | undefined): Promise<void> {
    await this.runtime.stopTriggers();
    this.faults.timeoutSeconds = seconds;
    await this.runtime.startTriggers();
  }
}

/**
 * A crash right after a conditional DynamoDB write succeeded, before anything is published: on the
 * functions' shared DynamoDB client (created when their modules loaded), through the SDK's own
 * extension point. Installed once per process, before the functions' first call: that client
 * caches its middleware stack at its first call of each command (lambdas/shared/aws-clients.ts), so
 * a middleware added later would not be seen. The injector decides when it fires; a scenario whose
 * crashes never happened fails its check that every fault took effect.
 */
function installCrashAfterWrite(faults: FaultInjector): void {
  const stack = dynamoClient().middlewareStack;
  stack.remove('reliabilityCrashAfterWrite');
  stack.add(
    (next) => async (args) => {
      const result = await next(args);
      if (faults.crashAfterWrite(args.input as { TableName?: string; UpdateExpression?: string })) {
        throw new Error('injected crash after a DynamoDB write, before publishing');
      }
      return result;
    },
    { step: 'initialize', name: 'reliabilityCrashAfterWrite' },
  );
}
