/** How much the AWS model runs: its quick and full forms, the orders they need, the profile of each batch. */
import { HAPPY_PATH, type Stage, subscriptionOf } from './flow';
import { LATENCY_PROFILES, type LatencyProfileName } from './latency';

export interface AwsModelPlan {
  /** Unmeasured batches at the start of every subscription. */
  readonly warmupBatches: number;
  /** Measured batches per latency profile and subscription (alternating p50, p99). */
  readonly batchesPerLatency: number;
}

export const AWS_MODEL_PLANS = {
  quick: { warmupBatches: 1, batchesPerLatency: 1 },
  full: { warmupBatches: 1, batchesPerLatency: 4 },
} as const satisfies Record<string, AwsModelPlan>;

/**
 * Orders enough for every subscription to get its warm-up and measured batches (at one record per
 * order), rounded up so every batch size divides it when that costs little: a short last batch is
 * handled but left out of the figures.
 */
export function ordersFor(plan: AwsModelPlan, stages: readonly Stage[] = HAPPY_PATH): number {
  const batches = plan.warmupBatches + plan.batchesPerLatency * LATENCY_PROFILES.length;
  const sizes = stages.map((s) => subscriptionOf(s).batchSize);
  const largest = Math.max(...sizes);
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const lcm = sizes.reduce((a, b) => (a * b) / gcd(a, b), 1);
  const step = lcm <= 10 * largest ? lcm : 1;
  return Math.ceil((largest * batches) / step) * step;
}

/** The latency profile of the i-th batch of a subscription: warm-up first, then p50 and p99 in turn. */
export function profileOfBatch(index: number, plan: AwsModelPlan): { profile: LatencyProfileName; warmup: boolean } {
  if (index < plan.warmupBatches) return { profile: 'p50', warmup: true };
  const measured = index - plan.warmupBatches;
  return { profile: LATENCY_PROFILES[measured % LATENCY_PROFILES.length] as LatencyProfileName, warmup: false };
}
