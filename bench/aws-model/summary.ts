/**
 * From the AWS model's raw batch measurements to what BENCHMARKS.md shows: per subscription the
 * calls per record and the modelled batch time and rate per latency profile, per order the calls
 * across all consumers, and per deployment profile the pipeline's capacity. Pure: unit-tested.
 */
import { loadConfig, pollersFor } from '../../lib/config';
import type { ConsumerServiceName, Domain } from '../../lib/topology';
import { type Stats, stats } from '../stats';
import { LATENCY_PROFILES, type LatencyProfileName, REMOTE_CALL_LATENCY, type RemoteCallKind } from './latency';
import {
  averagedCpuBatchMs,
  concurrentBatches,
  cpuStretch,
  modelledBatchMs,
  ONE_VCPU_MB,
  pipelineCapacity,
  recordsPerSecondPerPartition,
} from './model';
import type { CallCounts, PaddingStats } from './remote-calls';

/** One invocation of one subscription's batch. */
export interface BatchRun {
  readonly profile: LatencyProfileName;
  /** The first batches of each subscription warm the process up and are left out of the figures. */
  readonly warmup: boolean;
  readonly records: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly runQueueMs: number;
  readonly counts: CallCounts;
  readonly padding: PaddingStats;
}

export interface StageRuns {
  readonly service: ConsumerServiceName;
  readonly domain: Domain;
  readonly events: readonly string[];
  readonly batchSize: number;
  readonly memoryMb: number;
  /** Records the trigger delivered to this subscription, and how many of them belong to an order. */
  readonly delivered: number;
  readonly deliveredOfOrders: number;
  readonly batches: readonly BatchRun[];
}

export interface ProfileFigures {
  readonly batches: number;
  readonly wallMs: Stats;
  readonly cpuMs: Stats;
  /** Time the function waited for a core on this machine, taken out of the model. */
  readonly runQueueMs: Stats;
  readonly modelledBatchMs: Stats;
  /** Median over batches. */
  readonly recordsPerSecondPerPartition: number;
  /** The same batches had the function one vCPU (1,769 MB): what more memory would buy. */
  readonly recordsPerSecondPerPartitionAtOneVcpu: number;
  /** The lower bound of the batch time (model.ts, averagedCpuBatchMs): the rate if the CPU share is averaged. */
  readonly recordsPerSecondPerPartitionAveragedCpu: number;
  /** Share of the padded calls whose local round trip alone exceeded the modelled latency. */
  readonly overrunShare: number;
  /** Mean achieved round trip per call kind, ms (the model's latency plus timer error). */
  readonly achievedMs: Partial<Record<RemoteCallKind, number>>;
}

export interface SubscriptionResult {
  readonly subscription: string;
  readonly service: ConsumerServiceName;
  readonly domain: Domain;
  readonly events: readonly string[];
  readonly batchSize: number;
  readonly memoryMb: number;
  readonly cpuStretch: number;
  readonly recordsDelivered: number;
  /** Records of this subscription per order of the mix (events of users count for none). */
  readonly recordsPerOrder: number;
  readonly perRecord: {
    readonly dynamodb: number;
    readonly dynamodbByOperation: Readonly<Record<string, number>>;
    readonly kafkaSends: number;
    readonly kafkaMessages: number;
    readonly snsPublishes: number;
    /** Local CPU time per record, ms, over every measured batch. */
    readonly cpuMs: number;
  };
  readonly profiles: Readonly<Record<LatencyProfileName, ProfileFigures>>;
}

export interface ProfileCapacity {
  /** A deployment profile of lib/config.ts. */
  readonly profile: string;
  readonly latency: LatencyProfileName;
  readonly partitions: number;
  readonly ordersPerSecond: number;
  readonly slowest: string;
  readonly bySubscription: readonly { readonly subscription: string; readonly ordersPerSecond: number }[];
  /** Had every consumer at least one vCPU (1,769 MB): the part of the bound that memory can lift. */
  readonly atOneVcpu: { readonly ordersPerSecond: number; readonly slowest: string };
  /** With the lower bound of every batch time (the CPU share averaged over waits). */
  readonly averagedCpu: { readonly ordersPerSecond: number; readonly slowest: string };
}

export interface PerOrder {
  readonly dynamodb: number;
  readonly kafkaSends: number;
  readonly snsPublishes: number;
  /** Consumer CPU per order at local speed, ms. */
  readonly cpuMs: number;
}

export interface ModelSummary {
  readonly subscriptions: readonly SubscriptionResult[];
  readonly perOrder: PerOrder;
  readonly capacity: readonly ProfileCapacity[];
}

/** The deployment profiles the capacity is computed for. */
export const CAPACITY_PROFILES = ['dev', 'prod'] as const;

const perRecord = (total: number, records: number) => (records > 0 ? total / records : 0);

function profileFigures(runs: readonly BatchRun[], memoryMb: number): ProfileFigures {
  const padding = runs.reduce(
    (sum, r) => ({ calls: sum.calls + r.padding.calls, overruns: sum.overruns + r.padding.overruns }),
    { calls: 0, overruns: 0 },
  );
  const achievedMs: Partial<Record<RemoteCallKind, number>> = {};
  for (const kind of Object.keys(REMOTE_CALL_LATENCY) as RemoteCallKind[]) {
    const calls = runs.reduce((sum, r) => sum + r.padding.callsByKind[kind], 0);
    const ms = runs.reduce((sum, r) => sum + r.padding.achievedMs[kind], 0);
    if (calls > 0) achievedMs[kind] = ms / calls;
  }
  const modelled = runs.map((r) => modelledBatchMs(r, memoryMb));
  const rate = (memory: number, batchMs = modelledBatchMs) =>
    stats(runs.map((r) => recordsPerSecondPerPartition(r.records, batchMs(r, memory)))).median;
  return {
    batches: runs.length,
    wallMs: stats(runs.map((r) => r.wallMs)),
    cpuMs: stats(runs.map((r) => r.cpuMs)),
    runQueueMs: stats(runs.map((r) => r.runQueueMs)),
    modelledBatchMs: stats(modelled),
    recordsPerSecondPerPartition: rate(memoryMb),
    recordsPerSecondPerPartitionAtOneVcpu: rate(Math.max(memoryMb, ONE_VCPU_MB)),
    recordsPerSecondPerPartitionAveragedCpu: rate(memoryMb, averagedCpuBatchMs),
    overrunShare: padding.calls > 0 ? padding.overruns / padding.calls : 0,
    achievedMs,
  };
}

export function summariseStage(stage: StageRuns, orders: number): SubscriptionResult {
  const measured = stage.batches.filter((b) => !b.warmup);
  // Only full batches: a short last batch spreads the per-invocation work over fewer records.
  const full = measured.filter((b) => b.records === stage.batchSize);
  const counted = full.length > 0 ? full : measured;
  const records = counted.reduce((sum, b) => sum + b.records, 0);
  const total = (pick: (c: CallCounts) => number) => counted.reduce((sum, b) => sum + pick(b.counts), 0);
  const byOperation: Record<string, number> = {};
  for (const b of counted) {
    for (const [op, n] of Object.entries(b.counts.dynamodbByOperation)) byOperation[op] = (byOperation[op] ?? 0) + n;
  }
  const profiles = {} as Record<LatencyProfileName, ProfileFigures>;
  for (const profile of LATENCY_PROFILES) {
    const runs = counted.filter((b) => b.profile === profile);
    if (runs.length === 0) throw new Error(`${stage.service}/${stage.domain} has no measured ${profile} batch`);
    profiles[profile] = profileFigures(runs, stage.memoryMb);
  }
  return {
    subscription: `${stage.service}/${stage.domain}`,
    service: stage.service,
    domain: stage.domain,
    events: stage.events,
    batchSize: stage.batchSize,
    memoryMb: stage.memoryMb,
    cpuStretch: cpuStretch(stage.memoryMb),
    recordsDelivered: stage.delivered,
    recordsPerOrder: orders > 0 ? stage.deliveredOfOrders / orders : 0,
    perRecord: {
      dynamodb: perRecord(
        total((c) => c.dynamodb),
        records,
      ),
      dynamodbByOperation: Object.fromEntries(
        Object.entries(byOperation).map(([op, n]) => [op, perRecord(n, records)]),
      ),
      kafkaSends: perRecord(
        total((c) => c.kafkaSends),
        records,
      ),
      kafkaMessages: perRecord(
        total((c) => c.kafkaMessages),
        records,
      ),
      snsPublishes: perRecord(
        total((c) => c.snsPublishes),
        records,
      ),
      cpuMs: perRecord(
        counted.reduce((sum, b) => sum + b.cpuMs, 0),
        records,
      ),
    },
    profiles,
  };
}

export function perOrderTotals(subscriptions: readonly SubscriptionResult[]): PerOrder {
  const sum = (pick: (s: SubscriptionResult) => number) =>
    subscriptions.reduce((total, s) => total + pick(s) * s.recordsPerOrder, 0);
  return {
    dynamodb: sum((s) => s.perRecord.dynamodb),
    kafkaSends: sum((s) => s.perRecord.kafkaSends),
    snsPublishes: sum((s) => s.perRecord.snsPublishes),
    cpuMs: sum((s) => s.perRecord.cpuMs),
  };
}

export function capacities(
  subscriptions: readonly SubscriptionResult[],
  profiles: readonly string[] = CAPACITY_PROFILES,
): ProfileCapacity[] {
  return profiles.flatMap((profile) => {
    const config = loadConfig(profile);
    return LATENCY_PROFILES.map((latency) => {
      const at = (rate: (f: ProfileFigures) => number) =>
        pipelineCapacity(
          subscriptions.map((s) => ({
            subscription: s.subscription,
            recordsPerSecondPerPartition: rate(s.profiles[latency]),
            recordsPerOrder: s.recordsPerOrder,
            concurrency: concurrentBatches(config.partitions, pollersFor(config, s.service).max),
          })),
        );
      const capacity = at((f) => f.recordsPerSecondPerPartition);
      const oneVcpu = at((f) => f.recordsPerSecondPerPartitionAtOneVcpu);
      const averaged = at((f) => f.recordsPerSecondPerPartitionAveragedCpu);
      return {
        profile,
        latency,
        partitions: config.partitions,
        ...capacity,
        atOneVcpu: { ordersPerSecond: oneVcpu.ordersPerSecond, slowest: oneVcpu.slowest },
        averagedCpu: { ordersPerSecond: averaged.ordersPerSecond, slowest: averaged.slowest },
      };
    });
  });
}

export function summarise(stages: readonly StageRuns[], orders: number): ModelSummary {
  const subscriptions = stages.map((s) => summariseStage(s, orders));
  return { subscriptions, perOrder: perOrderTotals(subscriptions), capacity: capacities(subscriptions) };
}
