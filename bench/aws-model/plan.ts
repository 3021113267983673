/**
 * How much the AWS model runs: its quick and full forms, the orders they need, and for each batch of
 * a subscription which function runs it (tracing on or off) and at which latencies.
 */
import { HAPPY_PATH, type Stage, subscriptionOf } from './flow';
import { LATENCY_PROFILES, type LatencyProfileName } from './latency';

export interface AwsModelPlan {
  /** Unmeasured batches at the start of every subscription, for each tracing setting. */
  readonly warmupBatches: number;
  /** Measured batches per latency profile, tracing setting and subscription (alternating p50, p99). */
  readonly batchesPerLatency: number;
}

/** Every function runs twice, with tracing on and off, so each profile's setting is measured and its cost shown. */
export const TRACING_SETTINGS = [true, false] as const;

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
  const batches = (plan.warmupBatches + plan.batchesPerLatency * LATENCY_PROFILES.length) * TRACING_SETTINGS.length;
  const sizes = stages.map((s) => subscriptionOf(s).batchSize);
  const largest = Math.max(...sizes);
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const lcm = sizes.reduce((a, b) => (a * b) / gcd(a, b), 1);
  const step = lcm <= 10 * largest ? lcm : 1;
  return Math.ceil((largest * batches) / step) * step;
}

export interface BatchPlan {
  readonly traced: boolean;
  readonly profile: LatencyProfileName;
  readonly warmup: boolean;
}

/**
 * The i-th batch of a subscription: the tracing settings take turns batch by batch (so both see the
 * same moments of a busy machine), each warming up first, then p50 and p99 in turn.
 */
export function planOfBatch(index: number, plan: AwsModelPlan): BatchPlan {
  const traced = TRACING_SETTINGS[index % TRACING_SETTINGS.length] as boolean;
  const turn = Math.floor(index / TRACING_SETTINGS.length);
  if (turn < plan.warmupBatches) return { traced, profile: 'p50', warmup: true };
  const measured = turn - plan.warmupBatches;
  return { traced, profile: LATENCY_PROFILES[measured % LATENCY_PROFILES.length] as LatencyProfileName, warmup: false };
}
