/**
 * The AWS model's arithmetic, pure so it is unit-tested with fixed inputs (docs/TUNING.md, "The AWS
 * model", states it in words):
 *
 * - CPU share: Lambda "allocates CPU power in proportion to the amount of memory configured. ... At
 *   1,769 MB, a function has the equivalent of one vCPU" (docs.aws.amazon.com/lambda/latest/dg/
 *   configuration-memory.html). A Node.js handler runs on one thread, so above 1,769 MB it gets no
 *   faster: CPU time stretches by max(1, 1769 / memoryMb). One core of the bench machine counts as one
 *   vCPU (AWS publishes no comparison).
 * - Batch time, from two measurements of the invocation: its CPU time (all the process's threads)
 *   and the time its event loop waited on a remote call still inside its modelled round trip (the
 *   wait ledger, wait-ledger.ts: waits that only a slow local server caused are not in it, and waits
 *   of concurrent records that overlap count once, as the loop waited once). Not the wall time: on a
 *   shared machine it holds other processes' turns on the cores, and with records running
 *   concurrently a batch is no longer the sum of its records' times.
 *   How Lambda enforces the CPU share over time AWS does not say, so two figures:
 *   - the model's: stretched CPU on top of the whole wait (wait + CPU x stretch). Exact for records
 *     run one after another if the share is enforced over spans shorter than a burst of CPU; with
 *     records running concurrently the stretched CPU of one record partly fills another's wait, so
 *     it errs on the slow side.
 *   - the lower bound: the CPU share averaged over the batch, so CPU only costs what exceeds the
 *     waits: max(wait + CPU, CPU x stretch).
 * - Rate: one batch in flight per partition (how Lambda keeps per-partition order), so a partition
 *   moves records-per-batch / batch time.
 * - Concurrency of a subscription: its partitions, capped by what its pollers run: each provisioned
 *   poller takes "up to 5 concurrent invocations" (perf-anchors.md §1, kafka-scaling-modes).
 * - Capacity: a subscription handles rate x concurrency / (its records per order) orders per second;
 *   the pipeline, its slowest subscription.
 */

import { LAMBDA_ONE_VCPU_MB } from '../../lib/function-settings';

/** Memory at which Lambda gives one vCPU (lib/function-settings.ts, with AWS's wording). */
export const ONE_VCPU_MB = LAMBDA_ONE_VCPU_MB;
/** Concurrent invocations one provisioned event poller runs (perf-anchors.md §1). */
export const INVOCATIONS_PER_POLLER = 5;

export function cpuStretch(memoryMb: number): number {
  if (!(memoryMb > 0)) throw new RangeError(`memoryMb must be positive, got ${memoryMb}`);
  return Math.max(1, ONE_VCPU_MB / memoryMb);
}

export interface BatchMeasurement {
  /** CPU time (user + system, every thread) of the function's process during the invocation, at local speed. */
  readonly cpuMs: number;
  /**
   * Time the function's event loop sat idle waiting on a remote call inside its modelled round trip
   * (or on nothing remote), overlapping waits counted once: the wait ledger's modelled plus no-call time.
   */
  readonly waitMs: number;
}

/** The model's batch time: stretched CPU on top of every wait. */
export function modelledBatchMs(batch: BatchMeasurement, memoryMb: number): number {
  return batch.waitMs + batch.cpuMs * cpuStretch(memoryMb);
}

/** The lower bound: the CPU share averaged over the batch, so only CPU beyond the waits costs time. */
export function averagedCpuBatchMs(batch: BatchMeasurement, memoryMb: number): number {
  return Math.max(batch.waitMs + batch.cpuMs, batch.cpuMs * cpuStretch(memoryMb));
}

export function recordsPerSecondPerPartition(records: number, batchMs: number): number {
  if (!(batchMs > 0)) throw new RangeError(`batch time must be positive, got ${batchMs}`);
  return (records * 1000) / batchMs;
}

/** Batches of one subscription in flight at once: one per partition, at most 5 per poller. */
export function concurrentBatches(partitions: number, maxPollers: number): number {
  return Math.min(partitions, maxPollers * INVOCATIONS_PER_POLLER);
}

export interface SubscriptionRate {
  readonly subscription: string;
  readonly recordsPerSecondPerPartition: number;
  /** Records this subscription receives per order of the mix (after its filter). */
  readonly recordsPerOrder: number;
  /** Its batches in flight at once under the profile (concurrentBatches). */
  readonly concurrency: number;
}

export interface Capacity {
  readonly ordersPerSecond: number;
  /** The subscription that bounds it. */
  readonly slowest: string;
  readonly bySubscription: readonly { readonly subscription: string; readonly ordersPerSecond: number }[];
}

/** Subscriptions that receive nothing per order (e.g. new users) do not bound the order rate. */
export function pipelineCapacity(rates: readonly SubscriptionRate[]): Capacity {
  const bySubscription = rates
    .filter((r) => r.recordsPerOrder > 0)
    .map((r) => ({
      subscription: r.subscription,
      ordersPerSecond: (r.recordsPerSecondPerPartition * r.concurrency) / r.recordsPerOrder,
    }));
  const slowest = bySubscription.reduce<(typeof bySubscription)[number] | undefined>(
    (min, s) => (min === undefined || s.ordersPerSecond < min.ordersPerSecond ? s : min),
    undefined,
  );
  if (!slowest) throw new Error('no subscription receives records of an order: nothing bounds the order rate');
  return { ordersPerSecond: slowest.ordersPerSecond, slowest: slowest.subscription, bySubscription };
}
