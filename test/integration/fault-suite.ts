/**
 * The reliability suite: a few hundred orders of known outcome (shipped, declined, sold out)
 * through the whole local pipeline (API emulator, MSK trigger emulators, the real handlers,
 * dynalite) on a Kafka broker of its own, which it restarts, while faults are injected one
 * scenario at a time. After each scenario every invariant is checked against the real tables and
 * topics (local/reliability/invariants.ts), and so is that the scenario's faults really happened.
 *
 * It runs once per reading of what AWS leaves undocumented (local/esm/readings.ts): one test file
 * per reading calls faultSuite(reading). The figures go to stdout and to
 * .local/reliability/last-run.<reading>.json, from which docs/RELIABILITY.md is refreshed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EsmReading, readingName } from '../../local/esm/readings';
import { localDir } from '../../local/paths';
import { FaultInjector } from '../../local/reliability/fault-injector';
import { countBy, machineDescription, type ScenarioFigures, writeFigures } from '../../local/reliability/figures';
import { ReliabilityHarness } from '../../local/reliability/harness';
import { type AcceptedOrder, orderMix, placeOrders, sleep } from '../../local/reliability/orders';
import { type Poison, poisonRecords } from '../../local/reliability/poison';
import { localTableName } from '../../local/runtime';

interface ScenarioRun {
  readonly orders: AcceptedOrder[];
  /** Faults injected, each counted where it took effect: every one must be above zero. */
  readonly faults: Record<string, number>;
  /** What the faults caused, reported but not required. */
  readonly observed?: Record<string, number>;
}

/** A scenario may take minutes on a busy machine; the waits inside fail on a stall, not a clock. */
const SCENARIO_TIMEOUT_MS = 15 * 60_000;

export function faultSuite(reading: EsmReading): void {
  describe(`the pipeline under faults, reading ${readingName(reading)}: nothing lost, nothing twice`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'reliability-'));
    const faults = new FaultInjector();
    const accepted: AcceptedOrder[] = [];
    const poison: Poison[] = [];
    const figures: ScenarioFigures[] = [];
    const lines: string[] = [];
    let pipeline: ReliabilityHarness;
    let deadLettered = 0;

    beforeAll(async () => {
      // The notification outbox prints a line per message; hundreds of them would bury the figures.
      jest.spyOn(console, 'log').mockImplementation(() => undefined);
      pipeline = await ReliabilityHarness.start({
        dir,
        brokerDir: join(localDir(), 'reliability-broker'),
        reading,
        faults,
        log: (line) => lines.push(line),
      });
    }, 180_000);

    afterAll(async () => {
      await pipeline?.stop();
      rmSync(dir, { recursive: true, force: true });
      writeSummary(reading, figures);
      if (process.env.FAULTS_LOG) writeFileSync(process.env.FAULTS_LOG, `${lines.join('\n')}\n`);
    }, 60_000);

    /** Runs one scenario, then checks every invariant over everything so far and keeps its figures. */
    async function scenario(name: string, run: () => Promise<ScenarioRun>): Promise<void> {
      const started = Date.now();
      faults.resetCounts();
      const { orders, faults: injected, observed } = await run();
      accepted.push(...orders);
      await pipeline.settle();
      const result = await pipeline.check(accepted, poison);
      figures.push({
        scenario: name,
        orders: orders.length,
        byKind: countBy(orders.map((o) => o.kind)),
        faultsInjected: injected,
        ...(observed ? { observed } : {}),
        redeliveries: faults.redeliveries,
        recordsDeadLettered: result.deadLetters.written - deadLettered,
        lost: result.lost,
        seconds: Math.round((Date.now() - started) / 1000),
      });
      deadLettered = result.deadLetters.written;
      expect(result.violations).toEqual([]);
      expect(orders.length).toBeGreaterThan(0);
      // A fault mode that silently did nothing would prove nothing: every fault counted happened.
      expect(Object.entries(injected).filter(([, count]) => !(count > 0))).toEqual([]);
    }

    const api = () => pipeline.runtime.apiUrl;

    it(
      'absorbs duplicates: the same batch twice, producer retries, and offsets rewound',
      async () => {
        await scenario('duplicate delivery', async () => {
          const rewindTo = await pipeline.topicEnds();
          faults.mode = 'reinvoke';
          faults.every = 3;
          const placed = await placeOrders(api(), orderMix(60, 1));
          faults.mode = 'none';
          const batchesReinvoked = faults.injected;
          const eventsRepublished = await pipeline.republish(25);
          await pipeline.settle();
          const recordsReplayedByRewind = await pipeline.rewind(rewindTo);
          return {
            orders: placed.accepted,
            faults: { batchesReinvoked, eventsRepublished, recordsReplayedByRewind },
          };
        });
      },
      SCENARIO_TIMEOUT_MS,
    );

    it(
      'dead-letters poison on every consumed topic, with its reason, and only in the services it reaches',
      async () => {
        await scenario('poison records', async () => {
          const records = poisonRecords(reading);
          poison.push(...records);
          const placing = placeOrders(api(), orderMix(40, 2));
          await pipeline.produce(records);
          const placed = await placing;
          return { orders: placed.accepted, faults: countBy(records.map((p) => `poison ${p.kind}`)) };
        });
      },
      SCENARIO_TIMEOUT_MS,
    );

    it(
      'finishes the work of a handler that crashed mid-batch or right after a DynamoDB write',
      async () => {
        await scenario('crash mid-batch', async () => {
          faults.mode = 'crash';
          faults.every = 4;
          faults.crashAfterWriteTo = [
            localTableName('payments'),
            localTableName('inventory'),
            localTableName('orders'),
          ];
          const placed = await placeOrders(api(), orderMix(50, 3));
          await pipeline.settle();
          faults.mode = 'none';
          faults.crashAfterWriteTo = [];
          return {
            orders: placed.accepted,
            faults: { invocationsCrashedMidBatch: faults.injected, crashesAfterDynamoWrite: faults.crashesAfterWrite },
          };
        });
      },
      SCENARIO_TIMEOUT_MS,
    );

    it(
      'copes with a handler slower than its function timeout, and with every function short of time',
      async () => {
        await scenario('handler slower than its timeout', async () => {
          // Every function gets 4 s: on a busy machine that is short of time for a whole batch.
          await pipeline.setFunctionTimeout(4);
          faults.mode = 'slow';
          faults.every = 4;
          faults.limit = 6;
          const placed = await placeOrders(api(), orderMix(40, 4));
          await pipeline.settle();
          // The abandoned invocations end their stall after the timeout.
          await sleep(6_000);
          faults.mode = 'none';
          faults.limit = Number.POSITIVE_INFINITY;
          await pipeline.setFunctionTimeout(undefined);
          return { orders: placed.accepted, faults: { invocationsTimedOut: faults.injected } };
        });
      },
      SCENARIO_TIMEOUT_MS,
    );

    it(
      'loses nothing when the broker restarts under load',
      async () => {
        await scenario('broker restart under load', async () => {
          const placing = placeOrders(api(), orderMix(60, 5));
          await sleep(2_000);
          const refusedWhileDown = await pipeline.restartBroker(2_000);
          const placed = await placing;
          return {
            orders: placed.accepted,
            // Evidence that it was really down: a new connection was refused.
            faults: { brokerRestarts: refusedWhileDown ? 1 : 0 },
            observed: { requestsRetried: placed.retried, ...placed.refused },
          };
        });
      },
      SCENARIO_TIMEOUT_MS,
    );
  });
}

function writeSummary(reading: EsmReading, figures: readonly ScenarioFigures[]): void {
  if (figures.length === 0) return;
  const name = readingName(reading).replaceAll(',', '.');
  const total = (pick: (f: ScenarioFigures) => number) => figures.reduce((n, f) => n + pick(f), 0);
  const summary = {
    reading: readingName(reading),
    date: new Date().toISOString(),
    machine: machineDescription(),
    command: `npx jest test/integration/faults.${name}.test.ts`,
    totals: {
      orders: total((f) => f.orders),
      redeliveries: total((f) => f.redeliveries),
      recordsDeadLettered: total((f) => f.recordsDeadLettered),
      lost: total((f) => f.lost),
      seconds: total((f) => f.seconds),
    },
    scenarios: figures,
  };
  const file = writeFigures(`last-run.${name}`, summary);
  process.stdout.write(`\nReliability figures (${file}):\n${JSON.stringify(summary, null, 2)}\n`);
}
