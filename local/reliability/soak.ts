/**
 * The soak: a steady rate of orders through the whole local pipeline for a while, with faults of
 * every kind injected at random (seeded, so a run can be repeated), then every invariant checked.
 * `npm run soak` (bin/soak.ts) runs it for users; a short run is part of `npm test`.
 *
 * Time is cut into slots; each slot carries one fault (or none). The first slots go through every
 * kind once in a shuffled order, so even a short run injects each; later slots draw at random, with
 * at most one broker restart every two minutes, until the soak's time is up.
 */
import type { EsmReading } from '../esm/readings';
import { localTableName } from '../runtime';
import { FaultInjector } from './fault-injector';
import { countBy } from './figures';
import { ReliabilityHarness } from './harness';
import type { InvariantReport } from './invariants';
import { type AcceptedOrder, orderMix, placeOrders, random, sleep } from './orders';
import { POISON_KINDS, type Poison, poisonRecords } from './poison';

export const SOAK_FAULTS = ['reinvoke', 'crash', 'slow', 'duplicates', 'poison', 'brokerRestart'] as const;
export type SoakFault = (typeof SOAK_FAULTS)[number];

export interface SoakOptions {
  readonly seconds: number;
  readonly ordersPerSecond: number;
  readonly seed: number;
  readonly reading: EsmReading;
  readonly dir: string;
  readonly brokerDir: string;
  /** How long each fault lasts. @default 5000 */
  readonly slotMs?: number;
  /** The runtime's lines (handlers, triggers). */
  readonly log: (line: string) => void;
  /** One line per slot and phase, for the user. */
  readonly progress: (line: string) => void;
}

export interface SoakSummary {
  readonly seconds: number;
  readonly seed: number;
  readonly orders: { readonly accepted: number; readonly byKind: Record<string, number>; readonly refused: number };
  /** Each fault kind, with how many times it took effect. */
  readonly faults: Record<SoakFault, number>;
  readonly lost: number;
  /** Orders charged or refunded twice. */
  readonly double: number;
  readonly healthyDeadLettered: number;
  readonly poisonDeadLettered: number;
  readonly report: InvariantReport;
  readonly passed: boolean;
}

const BROKER_RESTART_EVERY_MS = 120_000;
/** Faults that act on the next invocations of the triggers, as opposed to the broker or the topics. */
const INVOCATION_FAULTS: ReadonlySet<SoakFault> = new Set(['reinvoke', 'crash', 'slow']);
const MAX_FAULT_WAIT_MS = 60_000;
/** While an invocation fault waits for an invocation, one order this often gives it one. */
const FAULT_TRAFFIC_EVERY_MS = 2_000;
const SHORT_TIMEOUT_SECONDS = 4;

export async function runSoak(options: SoakOptions): Promise<SoakSummary> {
  const faults = new FaultInjector();
  const pipeline = await ReliabilityHarness.start({ ...options, faults });
  try {
    return await soakWith(pipeline, faults, options);
  } finally {
    await pipeline.stop();
  }
}

async function soakWith(
  pipeline: ReliabilityHarness,
  faults: FaultInjector,
  options: SoakOptions,
): Promise<SoakSummary> {
  const next = random(options.seed);
  const slotMs = options.slotMs ?? 5_000;
  const durationMs = options.seconds * 1000;
  const schedule = new FaultSchedule(next);
  const taken = Object.fromEntries(SOAK_FAULTS.map((f) => [f, 0])) as Record<SoakFault, number>;
  const poison: Poison[] = [];
  const started = Date.now();
  const placing = paceOrders(pipeline.runtime.apiUrl, options, durationMs);
  const extra: AcceptedOrder[] = [];

  // Slots until the time is up, and at least one of every kind: a fault may take longer than its
  // slot (a function timeout restarts the triggers), so the clock, not a count, ends the soak.
  for (let slot = 0; Date.now() - started < durationMs || !schedule.everyKindDrawn(); slot++) {
    const slotStart = Date.now();
    const fault = schedule.next(slotStart);
    options.progress(`slot ${slot + 1}: ${fault ?? 'no fault'}`);
    if (fault) taken[fault] += await inject(fault, pipeline, faults, poison, slot, next, options.reading);
    await sleep(Math.max(0, slotMs - (Date.now() - slotStart)));
    // A fault on invocations needs invocations: it stays on until it has hit one (or gives up),
    // with an order now and then for it to hit, since the soak's own orders may be over by then.
    if (fault && INVOCATION_FAULTS.has(fault)) {
      extra.push(...(await placeUntil(() => faults.injected > 0, pipeline.runtime.apiUrl, options.seed + slot)));
    }
    if (fault) taken[fault] += await clear(fault, pipeline, faults);
  }
  const paced = await placing;
  const placed = { ...paced, accepted: [...paced.accepted, ...extra] };
  options.progress(`${placed.accepted.length} orders accepted; waiting for the pipeline to settle`);
  await pipeline.settle();
  const result = await pipeline.check(placed.accepted, poison);
  return {
    seconds: options.seconds,
    seed: options.seed,
    orders: {
      accepted: placed.accepted.length,
      byKind: countBy(placed.accepted.map((o) => o.kind)),
      refused: Object.values(placed.refused).reduce((n, c) => n + c, 0),
    },
    faults: taken,
    lost: result.lost,
    double: result.report.chargedOnce.length,
    healthyDeadLettered: result.healthyDeadLettered,
    poisonDeadLettered: result.deadLetters.written - result.healthyDeadLettered,
    report: result.report,
    passed: result.violations.length === 0 && placed.accepted.length > 0,
  };
}

/** One fault (or none) per slot: every kind once first, in a shuffled order, then at random. */
export class FaultSchedule {
  private readonly first: SoakFault[];
  private drawn = 0;
  private lastRestartAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly random: () => number) {
    this.first = [...SOAK_FAULTS].sort(() => random() - 0.5);
  }

  everyKindDrawn(): boolean {
    return this.drawn >= this.first.length;
  }

  /** The fault of the slot starting at `now` (ms); a broker restart at most every two minutes. */
  next(now: number): SoakFault | undefined {
    let fault: SoakFault | undefined = this.first[this.drawn++];
    if (fault === undefined) {
      fault = SOAK_FAULTS[Math.floor(this.random() * (SOAK_FAULTS.length + 1))];
      if (fault === 'brokerRestart' && now - this.lastRestartAt < BROKER_RESTART_EVERY_MS) fault = undefined;
    }
    if (fault === 'brokerRestart') this.lastRestartAt = now;
    return fault;
  }
}

/** Starts a fault; answers how many times it took effect so far (the rest is counted at clear). */
async function inject(
  fault: SoakFault,
  pipeline: ReliabilityHarness,
  faults: FaultInjector,
  poison: Poison[],
  slot: number,
  next: () => number,
  reading: EsmReading,
): Promise<number> {
  faults.resetCounts();
  switch (fault) {
    case 'reinvoke':
      faults.mode = 'reinvoke';
      faults.every = 3;
      return 0;
    case 'crash':
      faults.mode = 'crash';
      faults.every = 4;
      faults.crashAfterWriteTo = [localTableName('payments'), localTableName('inventory'), localTableName('orders')];
      return 0;
    case 'slow':
      await pipeline.setFunctionTimeout(SHORT_TIMEOUT_SECONDS);
      faults.mode = 'slow';
      faults.every = 4;
      faults.limit = 2;
      return 0;
    case 'duplicates':
      return pipeline.republish(10);
    case 'poison': {
      const kinds = POISON_KINDS.filter(() => next() < 0.5);
      const records = poisonRecords(reading, kinds.length > 0 ? kinds : POISON_KINDS, `-soak${slot}`);
      poison.push(...records);
      await pipeline.produce(records);
      return records.length;
    }
    case 'brokerRestart':
      return (await pipeline.restartBroker(2_000)) ? 1 : 0;
  }
}

/** Ends a fault at the end of its slot; answers how many times it took effect while it lasted. */
async function clear(fault: SoakFault, pipeline: ReliabilityHarness, faults: FaultInjector): Promise<number> {
  const injected = faults.injected + faults.crashesAfterWrite;
  faults.mode = 'none';
  faults.crashAfterWriteTo = [];
  faults.limit = Number.POSITIVE_INFINITY;
  if (fault === 'slow') {
    // The stalled invocations end their stall after the short timeout; then the topology's timeouts.
    await sleep((SHORT_TIMEOUT_SECONDS + 2) * 1_000);
    await pipeline.setFunctionTimeout(undefined);
  }
  return fault === 'reinvoke' || fault === 'crash' || fault === 'slow' ? injected : 0;
}

/** Places orders at the soak's rate for `ms`, each through the API as a careful client does. */
async function paceOrders(
  api: string,
  options: SoakOptions,
  ms: number,
): Promise<{ accepted: AcceptedOrder[]; refused: Record<string, number> }> {
  const total = Math.max(1, Math.round((ms / 1000) * options.ordersPerSecond));
  const mix = orderMix(total, options.seed);
  const started = Date.now();
  const pending: ReturnType<typeof placeOrders>[] = [];
  for (const [i, order] of mix.entries()) {
    await sleep(Math.max(0, started + (i * 1000) / options.ordersPerSecond - Date.now()));
    pending.push(placeOrders(api, [order], 1));
  }
  const results = await Promise.all(pending);
  const refused: Record<string, number> = {};
  for (const r of results)
    for (const [status, n] of Object.entries(r.refused)) refused[status] = (refused[status] ?? 0) + n;
  return { accepted: results.flatMap((r) => r.accepted), refused };
}

/**
 * Waits until `condition` holds (at most MAX_FAULT_WAIT_MS), placing one order each
 * FAULT_TRAFFIC_EVERY_MS meanwhile; answers the orders it placed that were accepted.
 */
async function placeUntil(condition: () => boolean, api: string, seed: number): Promise<AcceptedOrder[]> {
  const deadline = Date.now() + MAX_FAULT_WAIT_MS;
  const orders = orderMix(Math.ceil(MAX_FAULT_WAIT_MS / FAULT_TRAFFIC_EVERY_MS), seed);
  const accepted: AcceptedOrder[] = [];
  let nextOrderAt = Date.now() + FAULT_TRAFFIC_EVERY_MS;
  while (!condition() && Date.now() < deadline) {
    const order = Date.now() >= nextOrderAt ? orders.shift() : undefined;
    if (order) {
      nextOrderAt = Date.now() + FAULT_TRAFFIC_EVERY_MS;
      accepted.push(...(await placeOrders(api, [order], 1)).accepted);
    }
    await sleep(200);
  }
  return accepted;
}
