/**
 * The AWS model's arithmetic and report with fixed inputs (the bench itself measures; nothing here
 * is timed): CPU scaling by memory, which idle time of concurrent records the model keeps (the wait
 * ledger, on made-up clocks), the modelled batch time, rates, batches in flight per profile,
 * capacity from per-partition rates with each profile's tracing setting, and the before/after rendering.
 */

import { checkStagesCoverTopology, HAPPY_PATH, type Stage, subscriptionOf } from '../../bench/aws-model/flow';
import { LATENCY_PROFILES } from '../../bench/aws-model/latency';
import {
  averagedCpuBatchMs,
  concurrentBatches,
  cpuStretch,
  modelledBatchMs,
  pipelineCapacity,
  recordsPerSecondPerPartition,
} from '../../bench/aws-model/model';
import { AWS_MODEL_PLANS, ordersFor, planOfBatch } from '../../bench/aws-model/plan';
import type { CallCounts, PaddingStats } from '../../bench/aws-model/remote-calls';
import { awsModelGoalChecks, renderAwsModel } from '../../bench/aws-model/report';
import type { AwsModelResult } from '../../bench/aws-model/run-model';
import {
  type BatchRun,
  capacities,
  perOrderTotals,
  type StageRuns,
  type SubscriptionResult,
  summarise,
  summariseStage,
} from '../../bench/aws-model/summary';
import { type LoopReading, WaitLedger } from '../../bench/aws-model/wait-ledger';
import { stats } from '../../bench/stats';
import { loadConfig, type PipelineConfig } from '../../lib/config';
import { SERVICE_SPECS } from '../../lib/topology';

const subscriptionBatchSize = (stage: Stage) => subscriptionOf(stage).batchSize;

const counts = (dynamodb: number, kafkaSends: number, snsPublishes = 0): CallCounts => ({
  dynamodb,
  dynamodbByOperation: { PutItem: dynamodb / 2, UpdateItem: dynamodb / 2 },
  dynamodbUnits: { read: 0, write: dynamodb },
  kafkaSends,
  kafkaMessages: kafkaSends,
  deadLetterMessages: 0,
  snsPublishes,
});

const padding = (): PaddingStats => ({
  calls: 10,
  overruns: 1,
  overrunMs: 2,
  achievedMs: { dynamodb: 50, kafkaSend: 0, snsPublish: 0 },
  callsByKind: { dynamodb: 10, kafkaSend: 0, snsPublish: 0 },
});

/** A batch whose event loop was idle, on calls inside their windows, for all of its wall time but its CPU. */
function batch(profile: 'p50' | 'p99', wallMs: number, cpuMs: number, extra: Partial<BatchRun> = {}): BatchRun {
  const base: BatchRun = {
    profile,
    traced: true,
    warmup: false,
    records: 50,
    wallMs,
    cpuMs,
    waits: { modelledMs: wallMs - cpuMs, lateMs: 0, noCallMs: 0 },
    counts: counts(100, 50),
    padding: padding(),
  };
  return Object.assign(base, extra);
}

describe('CPU share by memory', () => {
  it('gives one vCPU at 1,769 MB and stretches CPU time in proportion below it', () => {
    expect(cpuStretch(1_769)).toBe(1);
    expect(cpuStretch(512)).toBeCloseTo(3.455, 3);
    expect(cpuStretch(256)).toBeCloseTo(6.91, 3);
  });

  it('never speeds a one-thread handler up above one vCPU', () => {
    expect(cpuStretch(3_538)).toBe(1);
  });

  it('refuses a memory size that is not positive', () => {
    expect(() => cpuStretch(0)).toThrow(/memoryMb must be positive/);
  });
});

describe('the wait ledger: which idle time of overlapping calls the model keeps', () => {
  /** A made-up event loop: time moves when told, and the loop is idle or busy in between. */
  function fakeLoop() {
    let reading: LoopReading = { now: 0, idle: 0 };
    return {
      read: () => reading,
      idle(ms: number) {
        reading = { now: reading.now + ms, idle: reading.idle + ms };
      },
      busy(ms: number) {
        reading = { now: reading.now + ms, idle: reading.idle };
      },
    };
  }

  it('keeps the idle time of one call inside its window, like the sequential model', () => {
    const loop = fakeLoop();
    const ledger = new WaitLedger(loop.read);
    loop.busy(2);
    const call = ledger.callStarted(5);
    loop.idle(5);
    ledger.callEnded(call);
    loop.busy(1);
    expect(ledger.totals()).toEqual({ modelledMs: 5, lateMs: 0, noCallMs: 0 });
  });

  it('counts the idle time of ten overlapping calls once', () => {
    const loop = fakeLoop();
    const ledger = new WaitLedger(loop.read);
    const calls = Array.from({ length: 10 }, () => {
      loop.busy(0.5);
      return ledger.callStarted(5);
    });
    loop.idle(5);
    for (const call of calls) ledger.callEnded(call);
    expect(ledger.totals()).toEqual({ modelledMs: 5, lateMs: 0, noCallMs: 0 });
  });

  it('drops the idle time when every call in flight has outlived its window (a slow local server)', () => {
    const loop = fakeLoop();
    const ledger = new WaitLedger(loop.read);
    const call = ledger.callStarted(5);
    // Answered after 30 ms locally: 5 ms of it is AWS's round trip, 25 ms the local server's.
    loop.idle(30);
    ledger.callEnded(call);
    expect(ledger.totals()).toEqual({ modelledMs: 5, lateMs: 25, noCallMs: 0 });
  });

  it("keeps idle time past one call's window while another call is still inside its own", () => {
    const loop = fakeLoop();
    const ledger = new WaitLedger(loop.read);
    const slow = ledger.callStarted(5);
    loop.idle(4);
    const other = ledger.callStarted(5);
    // 4..9: the other call is inside its window (until 9), the slow one is late from 5.
    loop.idle(5);
    ledger.callEnded(other);
    // 9..20: only the slow call is in flight, and late.
    loop.idle(11);
    ledger.callEnded(slow);
    expect(ledger.totals()).toEqual({ modelledMs: 9, lateMs: 11, noCallMs: 0 });
  });

  it("takes a span's CPU as run at its head (right after a call started or ended), not as idle", () => {
    const loop = fakeLoop();
    const ledger = new WaitLedger(loop.read);
    const short = ledger.callStarted(5);
    // The record's CPU right after its call went out, then idle until the answer at 25: late from 5.
    loop.busy(8);
    loop.idle(17);
    ledger.callEnded(short);
    expect(ledger.totals()).toEqual({ modelledMs: 0, lateMs: 17, noCallMs: 0 });

    const long = ledger.callStarted(20);
    loop.busy(8);
    loop.idle(17);
    ledger.callEnded(long);
    // Idle from 8 to 25 after this start: inside the 20 ms window until 20, late for the last 5.
    expect(ledger.totals()).toEqual({ modelledMs: 12, lateMs: 22, noCallMs: 0 });
  });

  it("keeps idle time with no call in flight apart (counted in the model's wait)", () => {
    const loop = fakeLoop();
    const ledger = new WaitLedger(loop.read);
    loop.idle(3);
    const call = ledger.callStarted(5);
    loop.idle(5);
    ledger.callEnded(call);
    loop.idle(2);
    expect(ledger.totals()).toEqual({ modelledMs: 5, lateMs: 0, noCallMs: 5 });
  });
});

describe('modelled batch time and rate', () => {
  it("keeps the waits and stretches the CPU time on top of them (the model's figure)", () => {
    // 800 ms waiting, 200 ms CPU at local speed; at 512 MB the CPU takes 200 x 1769/512.
    expect(modelledBatchMs({ waitMs: 800, cpuMs: 200 }, 512)).toBeCloseTo(800 + 691.02, 1);
    expect(modelledBatchMs({ waitMs: 800, cpuMs: 200 }, 1_769)).toBe(1_000);
  });

  it('with the CPU share averaged over the batch, costs only the CPU beyond the waits (the lower bound)', () => {
    expect(averagedCpuBatchMs({ waitMs: 800, cpuMs: 200 }, 512)).toBe(1_000);
    expect(averagedCpuBatchMs({ waitMs: 600, cpuMs: 400 }, 512)).toBeCloseTo(1_382.03, 1);
    expect(averagedCpuBatchMs({ waitMs: 500, cpuMs: 200 }, 1_769)).toBe(700);
  });

  it('is not the sum of per-record times: overlapping waits of concurrent records count once', () => {
    // Ten records at once, each waiting 50 ms on calls that overlap: the loop waited 50 ms, not 500.
    const concurrent = modelledBatchMs({ waitMs: 50, cpuMs: 20 }, 1_769);
    const sequential = modelledBatchMs({ waitMs: 500, cpuMs: 20 }, 1_769);
    expect(concurrent).toBe(70);
    expect(sequential).toBe(520);
  });

  it('moves batch-size records per batch time through one partition', () => {
    expect(recordsPerSecondPerPartition(50, 2_000)).toBe(25);
    expect(() => recordsPerSecondPerPartition(50, 0)).toThrow(/positive/);
  });

  it('runs one batch per partition, at most five per poller', () => {
    expect(concurrentBatches(3, 1)).toBe(3);
    expect(concurrentBatches(12, 12)).toBe(12);
    expect(concurrentBatches(12, 2)).toBe(10);
  });
});

describe('pipeline capacity', () => {
  const rates = [
    { subscription: 'payment/orders', recordsPerSecondPerPartition: 40, recordsPerOrder: 1, concurrency: 3 },
    { subscription: 'order/orders', recordsPerSecondPerPartition: 24, recordsPerOrder: 1, concurrency: 3 },
    // Two records of its topic per order: half the orders of its record rate.
    { subscription: 'order/inventory', recordsPerSecondPerPartition: 60, recordsPerOrder: 2, concurrency: 3 },
    // No records per order (new users): never the bound, however slow.
    { subscription: 'notification/users', recordsPerSecondPerPartition: 1, recordsPerOrder: 0, concurrency: 3 },
  ];

  it('is the slowest subscription, given its records per order and batches in flight', () => {
    const capacity = pipelineCapacity(rates);
    expect(capacity.slowest).toBe('order/orders');
    expect(capacity.ordersPerSecond).toBe(72);
    expect(capacity.bySubscription).toEqual([
      { subscription: 'payment/orders', ordersPerSecond: 120 },
      { subscription: 'order/orders', ordersPerSecond: 72 },
      { subscription: 'order/inventory', ordersPerSecond: 90 },
    ]);
    expect(pipelineCapacity([rates[0], rates[2]] as typeof rates).slowest).toBe('order/inventory');
  });

  it('refuses to name a capacity when no subscription receives records of an order', () => {
    expect(() => pipelineCapacity([rates[3] as (typeof rates)[number]])).toThrow(/nothing bounds/);
  });

  const subscription = (name: string, rate: number): SubscriptionResult => {
    const figures = {
      batches: 1,
      wallMs: stats([1]),
      cpuMs: stats([1]),
      waitMs: stats([0]),
      lateWaitMs: stats([0]),
      modelledBatchMs: stats([1]),
      recordsPerSecondPerPartition: rate,
      recordsPerSecondPerPartitionAtOneVcpu: rate * 2,
      recordsPerSecondPerPartitionAveragedCpu: rate * 1.5,
      overrunShare: 0,
      achievedMs: {},
    };
    return {
      subscription: name,
      service: 'payment',
      domain: 'orders',
      events: ['OrderCreated'],
      batchSize: 50,
      memoryMb: 512,
      cpuStretch: cpuStretch(512),
      recordsDelivered: 50,
      recordsPerOrder: 1,
      perRecord: { dynamodb: 3, dynamodbByOperation: {}, kafkaSends: 1, kafkaMessages: 1, snsPublishes: 0, cpuMs: 2 },
      profiles: {
        p50: figures,
        p99: {
          ...figures,
          recordsPerSecondPerPartition: rate / 2,
          recordsPerSecondPerPartitionAtOneVcpu: rate,
          recordsPerSecondPerPartitionAveragedCpu: rate,
        },
      },
    };
  };
  const profile = (name: string, partitions: number, tracing: boolean): PipelineConfig => ({
    ...loadConfig('dev'),
    profile: name,
    partitions,
    pollers: { min: 1, max: Math.min(partitions, 12) },
    tracing,
  });

  it("multiplies by each deployment profile's partitions: 24 records/s is 72 orders/s on 3 and 288 on 12", () => {
    const result = capacities([subscription('payment/orders', 24), subscription('inventory/orders', 30)], undefined, [
      profile('small', 3, true),
      profile('large', 12, true),
    ]);
    expect(result.map((c) => [c.profile, c.latency, c.partitions, c.ordersPerSecond, c.slowest])).toEqual([
      ['small', 'p50', 3, 72, 'payment/orders'],
      ['small', 'p99', 3, 36, 'payment/orders'],
      ['large', 'p50', 12, 288, 'payment/orders'],
      ['large', 'p99', 12, 144, 'payment/orders'],
    ]);
    expect(result.map((c) => c.atOneVcpu.ordersPerSecond)).toEqual([144, 72, 576, 288]);
    expect(result.map((c) => c.averagedCpu.ordersPerSecond)).toEqual([108, 72, 432, 288]);
    // One tracing setting measured: no profile claims a setting, none shows the other.
    expect(result.every((c) => c.tracing === undefined && c.otherTracing === undefined)).toBe(true);
  });

  it("takes each profile's figures from the functions measured with its own tracing setting, and shows the other", () => {
    const traced = [subscription('payment/orders', 20)];
    const untraced = [subscription('payment/orders', 30)];
    const result = capacities(traced, untraced, [profile('traced', 3, true), profile('untraced', 3, false)]);
    const p50 = result.filter((c) => c.latency === 'p50');
    expect(p50.map((c) => [c.profile, c.tracing, c.ordersPerSecond, c.otherTracing?.ordersPerSecond])).toEqual([
      ['traced', true, 60, 90],
      ['untraced', false, 90, 60],
    ]);
  });

  it('caps the batches in flight at five per poller when there are more partitions than that', () => {
    const few = { ...profile('few-pollers', 24, true), pollers: { min: 1, max: 2 } };
    const [p50] = capacities([subscription('payment/orders', 10)], undefined, [few]);
    expect(p50?.ordersPerSecond).toBe(100);
  });
});

describe('summarising measured batches', () => {
  const stage: StageRuns = {
    service: 'payment',
    domain: 'orders',
    events: ['OrderCreated', 'OrderCancelled'],
    batchSize: 50,
    memoryMb: 512,
    delivered: 200,
    deliveredOfOrders: 200,
    batches: [
      batch('p50', 99_999, 99_999, { warmup: true, counts: counts(999, 999) }),
      batch('p50', 1_000, 100),
      batch('p99', 3_000, 100),
      batch('p50', 2_000, 100),
      batch('p99', 3_000, 100),
      // A short last batch: handled, left out of the figures.
      batch('p50', 1, 1, { records: 10, counts: counts(999, 999) }),
    ],
  };

  it('leaves the warm-up and short batches out and counts calls per record', () => {
    const result = summariseStage(stage, 100);
    expect(result.perRecord.dynamodb).toBe(2);
    expect(result.perRecord.dynamodbByOperation).toEqual({ PutItem: 1, UpdateItem: 1 });
    expect(result.perRecord.kafkaSends).toBe(1);
    expect(result.perRecord.cpuMs).toBe(2);
    expect(result.recordsPerOrder).toBe(2);
    expect(result.profiles.p50.batches).toBe(2);
    expect(result.profiles.p99.batches).toBe(2);
  });

  it('models each batch, then takes the median rate', () => {
    const result = summariseStage(stage, 100);
    const stretch = cpuStretch(512);
    // p50 batches: 900 + 100 x stretch and 1900 + 100 x stretch; nearest-rank median is the first.
    expect(result.profiles.p50.modelledBatchMs.median).toBeCloseTo(900 + 100 * stretch, 6);
    expect(result.profiles.p50.recordsPerSecondPerPartition).toBeCloseTo((50 * 1000) / (1_900 + 100 * stretch), 6);
    expect(result.profiles.p99.recordsPerSecondPerPartition).toBeCloseTo((50 * 1000) / (2_900 + 100 * stretch), 6);
    // With one vCPU the CPU time is not stretched: 1,900 + 100 ms.
    expect(result.profiles.p50.recordsPerSecondPerPartitionAtOneVcpu).toBe(25);
    // CPU share averaged: 100 ms x stretch is below both waits, so the batches take 1,000 and 2,000 ms.
    expect(result.profiles.p50.recordsPerSecondPerPartitionAveragedCpu).toBe(25);
    expect(result.profiles.p50.overrunShare).toBeCloseTo(0.1, 9);
    expect(result.profiles.p50.achievedMs).toEqual({ dynamodb: 5 });
  });

  it('adds up the calls of one order over every subscription', () => {
    const one = summariseStage(stage, 100);
    const totals = perOrderTotals([one, { ...one, recordsPerOrder: 0 }]);
    expect(totals).toEqual({ dynamodb: 4, kafkaSends: 2, snsPublishes: 0, cpuMs: 4 });
  });

  it('models a batch from its kept waits, leaving out the idle time on calls slower locally than the model', () => {
    const slow = batch('p50', 1_000, 100, { waits: { modelledMs: 500, lateMs: 400, noCallMs: 20 } });
    const result = summariseStage({ ...stage, batches: [slow, batch('p99', 1_000, 100)] }, 100);
    // 500 + 20 ms of waits kept, 400 dropped; 100 ms of CPU stretched.
    expect(result.profiles.p50.modelledBatchMs.median).toBeCloseTo(520 + 100 * cpuStretch(512), 6);
    expect(result.profiles.p50.lateWaitMs.median).toBe(400);
  });

  it('summarises the functions with tracing on and off apart, and both feed the capacity', () => {
    const untraced = stage.batches.map((b) => ({ ...b, traced: false, cpuMs: b.cpuMs / 2 }));
    const summary = summarise([{ ...stage, batches: [...stage.batches, ...untraced] }], 100);
    expect(summary.subscriptions[0]?.perRecord.cpuMs).toBe(2);
    expect(summary.untraced?.subscriptions[0]?.perRecord.cpuMs).toBe(1);
    expect(summary.untraced?.perOrder.cpuMs).toBe(2);
    expect(summary.capacity.every((c) => c.otherTracing !== undefined)).toBe(true);
  });

  it('refuses a subscription with no measured batch of a latency profile', () => {
    expect(() => summariseStage({ ...stage, batches: stage.batches.filter((b) => b.profile === 'p50') }, 100)).toThrow(
      /no measured p99 batch/,
    );
  });
});

describe('the run plan', () => {
  it('places enough orders for a warm-up and the measured batches of each subscription, with tracing on and off', () => {
    const largest = Math.max(...HAPPY_PATH.map((stage) => subscriptionBatchSize(stage)));
    // (1 + 1 + 1) and (1 + 4 + 4) batches, twice (tracing on and off), of the largest batch size.
    expect(ordersFor(AWS_MODEL_PLANS.quick)).toBe(6 * largest);
    expect(ordersFor(AWS_MODEL_PLANS.full)).toBe(18 * largest);
    expect(ordersFor(AWS_MODEL_PLANS.quick, [{ service: 'payment', domain: 'orders' }])).toBe(
      6 * subscriptionBatchSize({ service: 'payment', domain: 'orders' }),
    );
  });

  it('lets tracing on and off take turns, each warming up first, then alternates the latency profiles', () => {
    const plan = { warmupBatches: 1, batchesPerLatency: 2 };
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => planOfBatch(i, plan))).toEqual([
      { traced: true, profile: 'p50', warmup: true },
      { traced: false, profile: 'p50', warmup: true },
      { traced: true, profile: 'p50', warmup: false },
      { traced: false, profile: 'p50', warmup: false },
      { traced: true, profile: 'p99', warmup: false },
      { traced: false, profile: 'p99', warmup: false },
      { traced: true, profile: 'p50', warmup: false },
      { traced: false, profile: 'p50', warmup: false },
    ]);
    expect(LATENCY_PROFILES).toEqual(['p50', 'p99']);
  });

  it('has a stage for every subscription of the topology, and says which one is missing', () => {
    expect(() => checkStagesCoverTopology()).not.toThrow();
    expect(HAPPY_PATH).toHaveLength(Object.values(SERVICE_SPECS).reduce((n, spec) => n + spec.subscriptions.length, 0));
    expect(() => checkStagesCoverTopology(HAPPY_PATH.filter((s) => s.service !== 'shipping'))).toThrow(
      /no stage for shipping\/orders/,
    );
  });
});

describe('the report', () => {
  function model(overrides: { prod?: number; dev?: number; dynamodb?: number; commit?: string }): AwsModelResult {
    const figures = {
      batches: 4,
      wallMs: stats([1_000]),
      cpuMs: stats([100]),
      waitMs: stats([900]),
      lateWaitMs: stats([0]),
      modelledBatchMs: stats([1_200]),
      recordsPerSecondPerPartition: 41.7,
      recordsPerSecondPerPartitionAtOneVcpu: 80,
      recordsPerSecondPerPartitionAveragedCpu: 60,
      overrunShare: 0.05,
      achievedMs: { dynamodb: 5.1 },
    };
    const capacity = (profile: string, latency: 'p50' | 'p99', orders: number) => ({
      profile,
      latency,
      partitions: profile === 'dev' ? 3 : 12,
      ordersPerSecond: orders,
      slowest: 'inventory/orders',
      bySubscription: [],
      atOneVcpu: { ordersPerSecond: orders * 2, slowest: 'order/inventory' },
      averagedCpu: { ordersPerSecond: orders * 1.5, slowest: 'payment/orders' },
    });
    return {
      measuredAt: '2026-11-30T00:00:00.000Z',
      command: 'npm run bench -- --aws-model',
      commit: overrides.commit ?? '0123456789abcdef',
      uncommittedChanges: false,
      quick: false,
      durationS: 300,
      plan: { warmupBatches: 1, batchesPerLatency: 4, orders: 450, users: 450 },
      orderMix: 'happy path',
      machine: { cpu: 'cpu', cores: 2, loadAverageAtStart: '1 1 1', loadAverageAtEnd: '2 2 2', node: 'v20' },
      latencies: {
        dynamodb: { p50Ms: 5, p99Ms: 20, source: 'AWS' },
        kafkaSend: { p50Ms: 4.3, p99Ms: 18.6, source: 'anchor' },
        snsPublish: { p50Ms: 20, p99Ms: 80, source: 'derived' },
      },
      timerLatenessMs: {},
      tracingEnabled: ['payment'],
      subscriptions: [
        {
          subscription: 'inventory/orders',
          service: 'inventory',
          domain: 'orders',
          events: ['OrderCreated'],
          batchSize: 50,
          memoryMb: 512,
          cpuStretch: cpuStretch(512),
          recordsDelivered: 450,
          recordsPerOrder: 1,
          perRecord: {
            dynamodb: 6,
            dynamodbByOperation: { UpdateItem: 4, PutItem: 2 },
            kafkaSends: 1,
            kafkaMessages: 3,
            snsPublishes: 0,
            cpuMs: 9.5,
          },
          profiles: { p50: figures, p99: figures },
        },
      ],
      perOrder: { dynamodb: overrides.dynamodb ?? 16, kafkaSends: 6, snsPublishes: 2, cpuMs: 80 },
      capacity: [
        capacity('dev', 'p50', overrides.dev ?? 200),
        capacity('dev', 'p99', 100),
        capacity('prod', 'p50', overrides.prod ?? 1_000),
        capacity('prod', 'p99', 500),
      ],
    };
  }

  it('passes the goals at their limits and fails them just outside', () => {
    expect(awsModelGoalChecks(model({})).every((g) => g.pass)).toBe(true);
    const failed = awsModelGoalChecks(model({ prod: 999, dev: 199, dynamodb: 16.1 })).filter((g) => !g.pass);
    expect(failed.map((g) => g.figure)).toEqual([
      'Modelled capacity on AWS, prod, p50 latencies',
      'Modelled capacity on AWS, dev, p50 latencies',
      'DynamoDB calls per happy-path order, all consumers',
    ]);
  });

  it('prints the baseline beside the current run, with both commits', () => {
    const markdown = renderAwsModel(
      model({ prod: 1_234 }),
      model({ prod: 290, dev: 70, dynamodb: 32, commit: 'feedfacecafebeef' }),
    ).join('\n');
    expect(markdown).toContain('Before: commit feedfacec');
    expect(markdown).toContain('Now: commit 0123456789');
    expect(markdown).toMatch(
      /\| prod \| 12 \| on \| p50 \| 290 \| \*\*1,234\*\* \| inventory\/orders \| 1,851 \(payment\/orders\) \| 2,468 \(order\/inventory\) \| – \|/,
    );
    expect(markdown).toMatch(/\| DynamoDB calls \| 32\.0 \| 16\.0 \|/);
    expect(markdown).toContain('6.0 (PutItem 2.0, UpdateItem 4.0)');
    expect(markdown).toContain('| 50, 512 MB (×3.46) |');
    // The cost of a million orders, before and now, for each profile at its p50 capacity.
    expect(markdown).toContain('### Cost per million orders');
    expect(markdown).toMatch(/\| prod \| before \| [\d,]+ \| \$[\d.,]+ \|/);
    expect(markdown).toMatch(/\| prod \| now \| [\d,]+ \| \$[\d.,]+ \|/);
  });

  it('says so when there is no baseline or no model run', () => {
    expect(renderAwsModel(model({}), undefined).join('\n')).toContain('no baseline recorded');
    expect(renderAwsModel(undefined, undefined).join('\n')).toContain('Not measured in this run');
  });
});
