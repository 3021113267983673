/**
 * From the AWS model's raw batch measurements to what BENCHMARKS.md shows: per subscription the
 * calls per record and the modelled batch time and rate per latency profile, per order the calls
 * across all consumers, and per deployment profile the pipeline's capacity. Pure: unit-tested.
 */
import { loadConfig, type PipelineConfig, pollersFor } from '../../lib/config';
import { CONSUMER_SERVICES, type ConsumerServiceName, type Domain, SERVICE_SPECS } from '../../lib/topology';
import { type Stats, stats } from '../stats';
import { LATENCY_PROFILES, type LatencyProfileName, REMOTE_CALL_LATENCY, type RemoteCallKind } from './latency';
import {
  averagedCpuBatchMs,
  type BatchMeasurement,
  concurrentBatches,
  cpuStretch,
  modelledBatchMs,
  ONE_VCPU_MB,
  pipelineCapacity,
  recordsPerSecondPerPartition,
} from './model';
import type { CallCounts, PaddingStats } from './remote-calls';
import type { WaitTotals } from './wait-ledger';

/** One invocation of one subscription's batch. */
export interface BatchRun {
  readonly profile: LatencyProfileName;
  /** Whether the function that ran it had tracing on (Powertools Tracer with X-Ray, as with active tracing). */
  readonly traced: boolean;
  /** The first batches of each subscription warm the process up and are left out of the figures. */
  readonly warmup: boolean;
  readonly records: number;
  readonly wallMs: number;
  /** CPU time of the invocation (user + system, every thread of the function's process). */
  readonly cpuMs: number;
  /** The event loop's idle time, split by the wait ledger (wait-ledger.ts). */
  readonly waits: WaitTotals;
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
  /** The wait the model keeps (idle on a call inside its modelled round trip, or on no call). */
  readonly waitMs: Stats;
  /** Idle time on calls slower locally than the model (every call in flight past its window): dropped. */
  readonly lateWaitMs: Stats;
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
    /** Request units per record as DynamoDB bills them; absent in results from before they were measured. */
    readonly dynamodbUnits?: { readonly read: number; readonly write: number };
    readonly kafkaSends: number;
    readonly kafkaMessages: number;
    readonly snsPublishes: number;
    /** CPU time per record on the bench machine, ms, over every measured batch. */
    readonly cpuMs: number;
  };
  readonly profiles: Readonly<Record<LatencyProfileName, ProfileFigures>>;
}

export interface ProfileCapacity {
  /** A deployment profile of lib/config.ts. */
  readonly profile: string;
  readonly latency: LatencyProfileName;
  readonly partitions: number;
  /** The profile's tracing setting (lib/config.ts), and so which measured functions its figures use. */
  readonly tracing?: boolean;
  /** Event pollers of every subscription at their maximum, and MSK brokers: the hourly parts of the cost. */
  readonly pollers?: number;
  readonly brokers?: number;
  readonly ordersPerSecond: number;
  readonly slowest: string;
  readonly bySubscription: readonly { readonly subscription: string; readonly ordersPerSecond: number }[];
  /** Had every consumer at least one vCPU (1,769 MB): the part of the bound that memory can lift. */
  readonly atOneVcpu: { readonly ordersPerSecond: number; readonly slowest: string };
  /** With the lower bound of every batch time (the CPU share averaged over waits). */
  readonly averagedCpu: { readonly ordersPerSecond: number; readonly slowest: string };
  /** The same profile with the other tracing setting, when both were measured. */
  readonly otherTracing?: { readonly ordersPerSecond: number; readonly slowest: string };
}

export interface PerOrder {
  readonly dynamodb: number;
  readonly kafkaSends: number;
  readonly snsPublishes: number;
  /** Consumer CPU per order on the bench machine, ms. */
  readonly cpuMs: number;
}

export interface ModelSummary {
  /** Every subscription, its functions with tracing on (as deployed before tracing was set per profile). */
  readonly subscriptions: readonly SubscriptionResult[];
  readonly perOrder: PerOrder;
  /** The same subscriptions with tracing off; absent from runs that measured only one setting. */
  readonly untraced?: { readonly subscriptions: readonly SubscriptionResult[]; readonly perOrder: PerOrder };
  readonly capacity: readonly ProfileCapacity[];
}

/** The deployment profiles the capacity is computed for. */
export const CAPACITY_PROFILES = ['dev', 'prod'] as const;

const perRecord = (total: number, records: number) => (records > 0 ? total / records : 0);

/** What the model's arithmetic takes of a batch: its CPU, and the waits the ledger keeps. */
export function measurementOf(run: BatchRun): BatchMeasurement {
  return { cpuMs: run.cpuMs, waitMs: run.waits.modelledMs + run.waits.noCallMs };
}

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
  const modelled = runs.map((r) => modelledBatchMs(measurementOf(r), memoryMb));
  const rate = (memory: number, batchMs = modelledBatchMs) =>
    stats(runs.map((r) => recordsPerSecondPerPartition(r.records, batchMs(measurementOf(r), memory)))).median;
  return {
    batches: runs.length,
    wallMs: stats(runs.map((r) => r.wallMs)),
    cpuMs: stats(runs.map((r) => r.cpuMs)),
    waitMs: stats(runs.map((r) => measurementOf(r).waitMs)),
    lateWaitMs: stats(runs.map((r) => r.waits.lateMs)),
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
      dynamodbUnits: {
        read: perRecord(
          total((c) => c.dynamodbUnits.read),
          records,
        ),
        write: perRecord(
          total((c) => c.dynamodbUnits.write),
          records,
        ),
      },
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

/** Each subscription's rate under one deployment profile, at one latency profile, picked by `rate`. */
function capacityOf(
  subscriptions: readonly SubscriptionResult[],
  config: PipelineConfig,
  latency: LatencyProfileName,
  rate: (f: ProfileFigures) => number,
) {
  return pipelineCapacity(
    subscriptions.map((s) => ({
      subscription: s.subscription,
      recordsPerSecondPerPartition: rate(s.profiles[latency]),
      recordsPerOrder: s.recordsPerOrder,
      concurrency: concurrentBatches(config.partitions, pollersFor(config, s.service).max),
    })),
  );
}

/**
 * The pipeline's capacity per deployment profile and latency profile, from the functions measured
 * with the profile's own tracing setting. With only one setting measured (`untraced` absent), every
 * profile is computed from it and says so (`tracing` is then left out).
 */
export function capacities(
  traced: readonly SubscriptionResult[],
  untraced?: readonly SubscriptionResult[],
  configs: readonly PipelineConfig[] = CAPACITY_PROFILES.map((profile) => loadConfig(profile)),
): ProfileCapacity[] {
  return configs.flatMap((config) => {
    const profile = config.profile;
    const own = untraced && !config.tracing ? untraced : traced;
    const other = untraced ? (config.tracing ? untraced : traced) : undefined;
    return LATENCY_PROFILES.map((latency) => {
      const capacity = capacityOf(own, config, latency, (f) => f.recordsPerSecondPerPartition);
      const oneVcpu = capacityOf(own, config, latency, (f) => f.recordsPerSecondPerPartitionAtOneVcpu);
      const averaged = capacityOf(own, config, latency, (f) => f.recordsPerSecondPerPartitionAveragedCpu);
      const otherTracing = other && capacityOf(other, config, latency, (f) => f.recordsPerSecondPerPartition);
      return {
        profile,
        latency,
        partitions: config.partitions,
        ...(untraced ? { tracing: config.tracing } : {}),
        pollers: CONSUMER_SERVICES.reduce(
          (sum, service) => sum + SERVICE_SPECS[service].subscriptions.length * pollersFor(config, service).max,
          0,
        ),
        brokers: config.cluster.mode === 'provisioned' ? config.cluster.brokerCount : 0,
        ...capacity,
        atOneVcpu: { ordersPerSecond: oneVcpu.ordersPerSecond, slowest: oneVcpu.slowest },
        averagedCpu: { ordersPerSecond: averaged.ordersPerSecond, slowest: averaged.slowest },
        ...(otherTracing
          ? { otherTracing: { ordersPerSecond: otherTracing.ordersPerSecond, slowest: otherTracing.slowest } }
          : {}),
      };
    });
  });
}

/** Batches of functions with tracing on and off are summarised apart; capacity per profile from its own setting. */
export function summarise(stages: readonly StageRuns[], orders: number): ModelSummary {
  const variant = (traced: boolean) =>
    stages
      .map((stage) => ({ ...stage, batches: stage.batches.filter((b) => b.traced === traced) }))
      .filter((stage) => stage.batches.some((b) => !b.warmup))
      .map((stage) => summariseStage(stage, orders));
  const traced = variant(true);
  const untraced = variant(false);
  if (traced.length === 0) throw new Error('the model measured no batch with tracing on');
  return {
    subscriptions: traced,
    perOrder: perOrderTotals(traced),
    ...(untraced.length > 0 ? { untraced: { subscriptions: untraced, perOrder: perOrderTotals(untraced) } } : {}),
    capacity: capacities(traced, untraced.length > 0 ? untraced : undefined),
  };
}
